"""The administration's services, built once per process (router or CLI) over the same database."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from assistant import paths
from assistant.rasa_env import rasa_environment
from router.admin.audit import AuditLog
from router.admin.config import AdminConfig
from router.admin.editor import Editor
from router.admin.inbox import Inbox
from router.admin.jobs import Jobs
from router.admin.lifecycle import Lifecycle
from router.admin.rasa_validation import RasaValidator
from router.admin.swap import MainRasa, ModelSwap, RasaApi, RasaProcessLauncher, ServedModel
from router.admin.training_data import Project
from router.core.db import SessionMaker
from router.rasa.diversion import Diversion


@dataclass
class AdminServices:
    config: AdminConfig
    project: Project
    audit: AuditLog
    editor: Editor
    inbox: Inbox
    jobs: Jobs
    lifecycle: Lifecycle


def build_services(
    maker: SessionMaker, now: Callable[[], datetime], config: AdminConfig, project_root: Path,
    rasa: RasaApi, rasa_url: str, diversion: Diversion | None = None,
) -> AdminServices:
    """With the router's own `diversion`, a deploy swaps models and diverts its residents meanwhile.
    Without one (the command line), the services ask the main Rasa at `rasa_url` which model it serves,
    and leave deploys to the router."""
    env = rasa_environment()
    project = Project(project_root)
    audit = AuditLog(maker, now)
    validator = RasaValidator(project, paths.RASA_BIN, env)
    editor = Editor(project, validator, audit)
    jobs = Jobs(now, audit, project_root / "models" / ".admin-job.lock")  # shared by every process on this project
    served: ServedModel = (
        MainRasa(rasa, rasa_url) if diversion is None
        else ModelSwap(rasa, diversion, RasaProcessLauncher(rasa, paths.RASA_SERVER, paths.ROOT, env))
    )
    lifecycle = Lifecycle(maker, now, config, served, jobs, audit, project_root, paths.RASA_BIN, env, validator)
    return AdminServices(config, project, audit, editor, Inbox(maker, now, config, editor, audit), jobs, lifecycle)
