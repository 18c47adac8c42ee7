"""The contact center's details (settings/contact.yml): its name, the phone numbers residents are referred to
and the public-record notice, and GET /api/contact."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from facts.contact import load_contact_facts
from router.contact.keys import CONTACT_KEY
from router.contact.views import routes


def setup_contact(app: web.Application, settings_dir: Path) -> None:
    """Load `contact.yml` from `settings_dir` (raises ContactConfigError when it is wrong), store it under
    CONTACT_KEY and add GET /api/contact."""
    app[CONTACT_KEY] = load_contact_facts(settings_dir)
    app.add_routes(routes)
