"""The administration's services, built once per process (router or CLI) over the same database."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

import aiohttp

from bot import paths
from bot.rasa_env import rasa_environment
from router.admin.audit import AuditLog
from router.admin.config import AdminConfig
from router.admin.editor import Editor
from router.admin.inbox import Inbox
from router.admin.jobs import Jobs
from router.admin.lifecycle import Lifecycle
from router.admin.rasa_validation import RasaValidator
from router.admin.swap import ModelSwap, RasaApi, RasaProcessLauncher
from router.admin.training_data import Project
from router.core.db import SessionMaker
from router.rasa_diversion import Diversion


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
    http: aiohttp.ClientSession, diversion: Diversion, rasa_token: str,
) -> AdminServices:
    """`diversion` is the router's own when the router builds the services: a deploy diverts its residents."""
    env = rasa_environment()
    project = Project(project_root)
    audit = AuditLog(maker, now)
    editor = Editor(project, RasaValidator(project, paths.RASA_BIN, env), audit)
    jobs = Jobs(now, audit, project_root / "models" / ".admin-job.lock")  # shared by every process on this project
    api = RasaApi(http, rasa_token)
    swapper = ModelSwap(api, diversion, RasaProcessLauncher(api, paths.RASA_BIN, paths.ROOT, env))
    lifecycle = Lifecycle(maker, now, config, swapper, jobs, audit, project_root, paths.RASA_BIN, env)
    return AdminServices(config, project, audit, editor, Inbox(maker, now, config, editor, audit), jobs, lifecycle)
