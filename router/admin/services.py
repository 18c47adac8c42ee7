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
from router.admin.lifecycle import Lifecycle, RasaApi
from router.admin.rasa_validation import RasaValidator
from router.admin.training_data import Project
from router.core.db import SessionMaker


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
    http: aiohttp.ClientSession, rasa_url: str, rasa_token: str,
) -> AdminServices:
    env = rasa_environment()
    project = Project(project_root)
    audit = AuditLog(maker, now)
    editor = Editor(project, RasaValidator(project, paths.RASA_BIN, env), audit)
    jobs = Jobs(now, audit)
    lifecycle = Lifecycle(
        maker, now, config, RasaApi(http, rasa_url.rstrip("/"), rasa_token), jobs, audit, project_root,
        paths.RASA_BIN, env,
    )
    return AdminServices(config, project, audit, editor, Inbox(maker, now, config, editor, audit), jobs, lifecycle)
