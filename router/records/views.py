"""The console's records API under /api/agent/ (session cookie; agents and admins):
exports of a case or a conversation, search, holds, and retention for administrators."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlmodel.ext.asyncio.session import AsyncSession

from router.handoff.auth import api_agent
from router.web.body import boolean, database_id, json_object
from router.core.keys import CLOCK_KEY
from router.errors import NotFound
from router.keys import DB_KEY
from router.models import ROLE_ADMIN, Agent
from router.records.holds import hold_reason
from router.records.html import CONTENT_SECURITY_POLICY, render_html
from router.records.keys import HOLDS_KEY, RETENTION_KEY
from router.records.pdf import render_pdf
from router.records.record import filename, load_case_record, load_conversation_record
from router.records.search import parse_query, search
from router.transcript import add_event

routes = web.RouteTableDef()

FORMATS = "json|html|pdf"
PRIVATE = {"Cache-Control": "no-store"}


def _case_id(request: web.Request) -> int:
    case_id = database_id(request.match_info["case_id"])
    if case_id is None:
        raise NotFound("case_not_found", "Ärendet finns inte.")
    return case_id


def export_response(record: dict[str, Any], fmt: str) -> web.Response:
    """The record as a download (JSON, PDF) or a page to print (HTML)."""
    if fmt == "json":
        body = json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8")
        return web.Response(
            body=body, content_type="application/json", charset="utf-8",
            headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{filename(record, "json")}"'},
        )
    if fmt == "html":
        return web.Response(
            text=render_html(record), content_type="text/html", charset="utf-8",
            headers={**PRIVATE, "Content-Security-Policy": CONTENT_SECURITY_POLICY,
                     "Content-Disposition": f'inline; filename="{filename(record, "html")}"'},
        )
    return web.Response(
        body=render_pdf(record), content_type="application/pdf",
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{filename(record, "pdf")}"'},
    )


def _audit_export(session: AsyncSession, record: dict[str, Any], agent: Agent, fmt: str, now: datetime) -> None:
    """Who exported which record, and when, goes to the audit trail."""
    add_event(
        session, "exported", now, conversation_id=record["conversation_id"], case_id=record["case_id"],
        agent_id=agent.id, data={"format": fmt},
    )


@routes.get(r"/api/agent/cases/{case_id}/export.{fmt:" + FORMATS + "}")
async def export_case(request: web.Request) -> web.Response:
    agent = await api_agent(request)
    now, fmt = request.app[CLOCK_KEY].now(), request.match_info["fmt"]
    async with request.app[DB_KEY]() as session:
        record = await load_case_record(session, _case_id(request), now, agent.display_name)
        _audit_export(session, record, agent, fmt, now)
        await session.commit()
    return export_response(record, fmt)


@routes.get(r"/api/agent/conversations/{conversation_id}/export.{fmt:" + FORMATS + "}")
async def export_conversation(request: web.Request) -> web.Response:
    agent = await api_agent(request)
    now, fmt = request.app[CLOCK_KEY].now(), request.match_info["fmt"]
    async with request.app[DB_KEY]() as session:
        record = await load_conversation_record(session, request.match_info["conversation_id"], now, agent.display_name)
        _audit_export(session, record, agent, fmt, now)
        await session.commit()
    return export_response(record, fmt)


@routes.get("/api/agent/search")
async def search_records(request: web.Request) -> web.Response:
    await api_agent(request)
    query = parse_query(request.query)
    async with request.app[DB_KEY]() as session:
        return web.json_response(await search(session, query), headers=PRIVATE)


@routes.get("/api/agent/cases/{case_id}/hold")
async def get_hold(request: web.Request) -> web.Response:
    await api_agent(request)
    return web.json_response(await request.app[HOLDS_KEY].current(_case_id(request)))


@routes.post("/api/agent/cases/{case_id}/hold")
async def place_hold(request: web.Request) -> web.Response:
    agent: Agent = await api_agent(request)
    reason = hold_reason((await json_object(request)).get("reason"))
    return web.json_response(await request.app[HOLDS_KEY].place(_case_id(request), agent, reason), status=201)


@routes.delete("/api/agent/cases/{case_id}/hold")
async def release_hold(request: web.Request) -> web.Response:
    agent = await api_agent(request, ROLE_ADMIN)
    return web.json_response(await request.app[HOLDS_KEY].release(_case_id(request), agent))


@routes.post("/api/agent/retention/run")
async def run_retention(request: web.Request) -> web.Response:
    """Administrators: list what is due now ({"dry_run": true}, the default) or delete it ({"dry_run": false})."""
    await api_agent(request, ROLE_ADMIN)
    body = await json_object(request)
    dry_run = boolean(body, "dry_run") if "dry_run" in body else True
    result = await request.app[RETENTION_KEY].run(dry_run=dry_run)
    return web.json_response(result.as_json())
