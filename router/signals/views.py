"""The signals' HTTP side.

- /internal/signals (the action server, X-Internal-Secret): record a signal after the assistant's answer, or
  take it back ("Nej, räkna inte med det"). A message the safety net marks as danger now gives no signal.
- /api/agent/conversations/{id}/signal (console): a kommunvägledare adds or corrects the conversation's
  signal when closing it — also for a danger-now conversation, which is the confirmation the issue asks for.
  The link from conversation to signal is an event in the conversation's audit trail, deleted with the
  conversation; the signal itself never knows its conversation.
- /admin/signals (page) and its CSV/JSON export: role admin or analyst, every count suppressed below the
  threshold.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from typing import Any

from aiohttp import web
from sqlmodel import select

from assistant.safety import is_emergency
from router.core.keys import CLOCK_KEY
from router.errors import BadInput, NotFound
from router.handoff.auth import api_agent, current_login, role_allows
from router.handoff.internal import check_secret
from router.keys import DB_KEY
from router.models import ROLE_ANALYST, Conversation, Event
from router.signals.aggregation import Period, count_signals
from router.signals.capture import CATEGORIES, capture
from router.signals.charts import bar_chart
from router.signals.keys import DISTRICTS_KEY, SIGNAL_STORE_KEY, SIGNALS_CONFIG_KEY
from router.signals.models import AGENT_SOURCE, SignalCreate
from router.signals.picture import Picture, build_picture, picture_csv_rows, picture_json, swedish_date
from router.signals.suppression import NBSP
from router.transcript import add_event
from router.web.body import json_object, message_text, optional_text
from router.web.pages import render

routes = web.RouteTableDef()

SIGNAL_EVENT = "signal_recorded"
MAX_SIGNAL_TEXT = 2000
DEFAULT_DAYS = 365
MAX_DAYS = 5 * 366
PRIVATE = {"Cache-Control": "no-store"}


# --- the action server ----------------------------------------------------------------------------

async def _link(request: web.Request, conversation_id: str | None, public_id: str) -> None:
    """Note the signal in the conversation's audit trail, so the kommunvägledare closing it can correct it."""
    if not conversation_id:
        return
    async with request.app[DB_KEY]() as session:
        if await session.get(Conversation, conversation_id) is None:
            return
        add_event(session, SIGNAL_EVENT, request.app[CLOCK_KEY].now(), conversation_id=conversation_id,
                  data={"signal": public_id})
        await session.commit()


@routes.post("/internal/signals")
async def record_signal(request: web.Request) -> web.Response:
    check_secret(request)
    data = await json_object(request)
    intent = optional_text(data, "intent", 100) or ""
    text = message_text(data.get("text"), limit=MAX_SIGNAL_TEXT)
    if is_emergency(text):
        return web.json_response({"recorded": False, "reason": "danger_now"})
    districts = request.app[DISTRICTS_KEY]
    district = districts.resolve(optional_text(data, "district", 100), text)
    signal = capture(intent, text, district)
    if signal is None:
        return web.json_response({"recorded": False, "reason": "not_a_signal"})
    stored = await request.app[SIGNAL_STORE_KEY].record(signal)
    await _link(request, optional_text(data, "conversation_id", 32), stored.id)
    return web.json_response({"recorded": True, "id": stored.id}, status=201)


@routes.delete("/internal/signals/{signal_id}")
async def withdraw_signal(request: web.Request) -> web.Response:
    check_secret(request)
    removed = await request.app[SIGNAL_STORE_KEY].remove(request.match_info["signal_id"])
    return web.json_response({"removed": removed})


# --- the console ----------------------------------------------------------------------------------

async def _linked_signal(request: web.Request, conversation_id: str) -> str | None:
    async with request.app[DB_KEY]() as session:
        if await session.get(Conversation, conversation_id) is None:
            raise NotFound("conversation_not_found", "Samtalet finns inte.")
        events = (await session.exec(
            select(Event).where(Event.conversation_id == conversation_id, Event.kind == SIGNAL_EVENT)
            .order_by(Event.id.desc())  # type: ignore[union-attr]
        )).all()
    store = request.app[SIGNAL_STORE_KEY]
    for event in events:
        public_id = (event.data or {}).get("signal")
        if isinstance(public_id, str) and await store.get(public_id) is not None:
            return public_id
    return None


@routes.get("/api/agent/conversations/{conversation_id}/signal")
async def conversation_signal(request: web.Request) -> web.Response:
    await api_agent(request)
    public_id = await _linked_signal(request, request.match_info["conversation_id"])
    signal = await request.app[SIGNAL_STORE_KEY].get(public_id) if public_id else None
    return web.json_response({
        "signal": signal.model_dump(mode="json") if signal else None,
        "districts": list(request.app[DISTRICTS_KEY].names), "categories": list(CATEGORIES),
    })


@routes.put("/api/agent/conversations/{conversation_id}/signal")
async def set_conversation_signal(request: web.Request) -> web.Response:
    """Add (or, when the conversation already gave one, correct) the signal: district and category."""
    agent = await api_agent(request)
    conversation_id = request.match_info["conversation_id"]
    data = await json_object(request)
    category = data.get("category")
    if category not in CATEGORIES:
        raise BadInput("invalid_field", f"Kategorin måste vara en av: {', '.join(CATEGORIES)}.")
    district = request.app[DISTRICTS_KEY].normalise(optional_text(data, "district", 100))
    public_id = await _linked_signal(request, conversation_id)
    store = request.app[SIGNAL_STORE_KEY]
    corrected = await store.correct(public_id, district, category) if public_id else None
    if corrected is None:
        corrected = await store.record(SignalCreate(district=district, category=category, source=AGENT_SOURCE))
        await _link(request, conversation_id, corrected.id)
    async with request.app[DB_KEY]() as session:
        add_event(session, "signal_set", request.app[CLOCK_KEY].now(), conversation_id=conversation_id,
                  agent_id=agent.id, data={"district": district, "category": category})
        await session.commit()
    return web.json_response({"signal": corrected.model_dump(mode="json")})


# --- the picture ----------------------------------------------------------------------------------

def _date(request: web.Request, name: str, default: date) -> date:
    raw = request.query.get(name, "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadInput("invalid_date", f"Datumet ”{raw}” går inte att läsa. Skriv det som ÅÅÅÅ-MM-DD.") from None


def period_of(request: web.Request) -> Period:
    today = request.app[SIGNAL_STORE_KEY].today()
    end = _date(request, "to", today)
    start = _date(request, "from", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        raise BadInput("invalid_period", "Periodens första dag måste komma före den sista.")
    if (end - start).days + 1 > MAX_DAYS:
        raise BadInput("invalid_period", "Perioden kan vara högst fem år.")
    return Period(start, end)


async def _picture(request: web.Request, period: Period) -> Picture:
    config = request.app[SIGNALS_CONFIG_KEY]
    counts = await count_signals(request.app[DB_KEY], period, config.threshold, config.top_places)
    return build_picture(counts, config.threshold, request.app[DISTRICTS_KEY].names)


def _charts(picture: Picture) -> dict[str, Any]:
    return {
        "districts": bar_chart("Signaler per stadsdel", [(c.district, c.current) for c in picture.changes]),
        "months": bar_chart("Signaler per månad", picture.months),
        "times_of_day": bar_chart("Tid på dygnet", picture.times_of_day),
        "weekdays": bar_chart("Veckodag", picture.weekdays),
    }


@routes.get("/admin/signals")
async def signals_page(request: web.Request) -> web.Response:
    login = await current_login(request)
    if login is None:
        raise web.HTTPSeeOther("/agent/login?next=admin")
    agent, session = login
    if not role_allows(agent.role, ROLE_ANALYST):
        return render(request, "forbidden.html", status=403, agent=agent, csrf_token=session.csrf_token)
    error = None
    try:
        period = period_of(request)
    except BadInput as problem:
        error = problem.message
        today = request.app[SIGNAL_STORE_KEY].today()
        period = Period(today - timedelta(days=DEFAULT_DAYS - 1), today)
    picture = await _picture(request, period)
    return render(
        request, "admin_signals.html", status=400 if error else 200, agent=agent, csrf_token=session.csrf_token,
        section="signals", picture=picture, charts=_charts(picture), error=error, swedish_date=swedish_date,
        query=f"from={period.start.isoformat()}&to={period.end.isoformat()}",
    )


@routes.get(r"/admin/signals/export.{fmt:csv|json}")
async def export(request: web.Request) -> web.Response:
    await api_agent(request, ROLE_ANALYST)
    period = period_of(request)
    picture = await _picture(request, period)
    name = f"trygghetssignaler-{period.start.isoformat()}-{period.end.isoformat()}"
    if request.match_info["fmt"] == "json":
        body = json.dumps(picture_json(picture), ensure_ascii=False, indent=2)
        content_type = "application/json"
    else:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerows([[value.replace(NBSP, " ") for value in row] for row in picture_csv_rows(picture)])
        body, content_type = out.getvalue(), "text/csv"
    return web.Response(
        text=body, content_type=content_type, charset="utf-8",
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}.{request.match_info["fmt"]}"'},
    )
