"""Administration at /admin: inbox of uncertain messages, training data and response editing,
training, evaluation, the deploy gate, hot swap and rollback, dashboard and audit log."""
from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from router.admin.api import routes
from router.admin.config import load_admin_config, project_dir
from router.admin.keys import ADMIN_KEY
from router.admin.services import build_services
from router.admin.swap import RasaApi
from router.core.keys import CLOCK_KEY
from router.keys import DB_KEY, HTTP_KEY, SETTINGS_KEY
from router.rasa.keys import DIVERSION_KEY


def setup_admin(app: web.Application) -> None:
    """Read settings/admin.yml (raises AdminConfigError when it is wrong), add the /admin routes, and
    build the services once the database and HTTP client are up (call after the core cleanup contexts)."""
    config = load_admin_config(app[SETTINGS_KEY].settings_dir)

    async def services(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS_KEY]
        app[ADMIN_KEY] = build_services(
            app[DB_KEY], app[CLOCK_KEY].now, config, project_dir(), RasaApi(app[HTTP_KEY], settings.rasa_token),
            settings.rasa_url, app[DIVERSION_KEY],
        )
        yield
        await app[ADMIN_KEY].jobs.cancel()

    app.cleanup_ctx.append(services)
    app.add_routes(routes)
