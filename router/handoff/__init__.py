"""The handoff to a person: the decision and references, the queue, the agents' desk and presence, agent
accounts and logins, the agent console's API, WebSocket and pages, and the action server's internal calls.
router/app.py builds the queue, handoff, desk and presence with the other services."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from router.contact.keys import CONTACT_KEY
from router.handoff import internal, pages, views, websocket
from router.handoff.config import load_canned_answers, load_handoff_config
from router.handoff.keys import CANNED_ANSWERS_KEY, HANDOFF_CONFIG_KEY


def setup_handoff(app: web.Application, settings_dir: Path) -> None:
    """Load `handoff.yml` and the canned answers from `settings_dir` (the contact details must be loaded first,
    see router/contact) and add /internal/…, /api/agent/…, /ws/agent and the console's pages."""
    app[HANDOFF_CONFIG_KEY] = load_handoff_config(settings_dir, app[CONTACT_KEY])
    app[CANNED_ANSWERS_KEY] = load_canned_answers(settings_dir, app[CONTACT_KEY])
    for module in (internal, views, websocket, pages):
        app.add_routes(module.routes)
