"""GET /api/contact: the contact center's details, the numbers residents are referred to and the public-record
notice, from settings/contact.yml. The chat widget reads it, so its texts carry no number of their own; it
needs no database, so the widget can still show the phone number when starting a chat fails."""
from __future__ import annotations

from aiohttp import web

from router.contact.keys import CONTACT_KEY

routes = web.RouteTableDef()


@routes.get("/api/contact")
async def contact(request: web.Request) -> web.Response:
    response = web.json_response(request.app[CONTACT_KEY].as_json())
    response.headers["Cache-Control"] = "no-cache"
    return response
