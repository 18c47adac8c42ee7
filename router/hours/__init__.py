"""Opening hours of the contact center: settings, engine, Swedish wording and the public API."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from router.hours.config import load_hours_config
from router.hours.keys import HOURS_KEY
from router.hours.schedule import OpeningHours
from router.hours.views import routes


def setup_hours(app: web.Application, settings_dir: Path) -> None:
    """Load `hours.yml` from `settings_dir` (raises HoursConfigError when it is wrong),
    store the engine under HOURS_KEY and add /api/hours and /api/hours/days."""
    app[HOURS_KEY] = OpeningHours(load_hours_config(settings_dir / "hours.yml"))
    app.add_routes(routes)
