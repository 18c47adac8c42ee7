"""The privacy notice for residents (/integritet): it states the retention periods residents' texts are kept
for, so it lives with retention and takes them from settings/retention.yml, and the contact details from
settings/contact.yml; neither is typed into the page."""
from __future__ import annotations

from aiohttp import web

from router.contact.keys import CONTACT_KEY
from router.keys import SIGNAL_RETENTION_DAYS_KEY
from router.records.keys import RETENTION_CONFIG_KEY
from router.web.pages import render

routes = web.RouteTableDef()


@routes.get("/integritet")
async def privacy_notice(request: web.Request) -> web.Response:
    return render(
        request, "integritet.html", contact=request.app[CONTACT_KEY], retention=request.app[RETENTION_CONFIG_KEY],
        signal_retention_days=request.app.get(SIGNAL_RETENTION_DAYS_KEY),
    )
