"""/admin pages and the JSON API under /api/admin/ (role admin only; X-CSRF-Token on every POST)."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from router.admin.audit_text import action_text, as_csv, readable
from router.admin.dashboard import charts, statistics_for
from router.admin.dashboard_text import dashboard_texts
from router.admin.inbox import REASONS
from router.admin.keys import ADMIN_KEY
from router.admin.swedish import TIMEZONE
from router.admin.training_data import check_intent_name, intent_descriptions
from router.handoff.auth import SESSION_COOKIE, api_agent, current_login
from router.web.body import bearer_token, database_id, json_object
from router.handoff.internal import check_secret
from router.web.pages import render
from router.core.keys import CLOCK_KEY
from router.errors import BadInput, Forbidden, NotFound
from router.keys import DB_KEY
from router.models import ROLE_ADMIN, Agent

routes = web.RouteTableDef()

MAX_DASHBOARD_DAYS = 90
REASON_TEXTS = {
    "low_confidence": "Låg säkerhet", "fallback": "Reservsvar", "handoff": "Överlämning",
    "feedback_no": "Svarade Nej på Fick du hjälp?", "rephrased": "Frågade igen med andra ord",
}


async def _admin(request: web.Request) -> Agent:
    """The logged-in administrator. A resident's conversation token is never a login: 403."""
    if bearer_token(request) is not None and SESSION_COOKIE not in request.cookies:
        raise Forbidden("forbidden", "Du har inte behörighet.")
    return await api_agent(request, ROLE_ADMIN)


def _actor(agent: Agent) -> str:
    return agent.username


def _number(request: web.Request, name: str, what: str) -> int:
    number = database_id(request.match_info[name])
    if number is None:
        raise NotFound("not_found", f"{what} finns inte.")
    return number


async def _page(
    request: web.Request, template: str, context: Callable[[], Awaitable[dict[str, Any]]] | None = None,
    **fixed: Any,
) -> web.Response:
    """Render an admin page. `context` reads what the page shows and checks the query; it runs only after
    the login and role checks, so an anonymous caller learns nothing from its errors."""
    login = await current_login(request)
    if login is None:
        raise web.HTTPSeeOther("/agent/login?next=admin")
    agent, session = login
    if agent.role != ROLE_ADMIN:
        return render(request, "forbidden.html", status=403, agent=agent, csrf_token=session.csrf_token)
    extra = await context() if context is not None else {}
    return render(request, template, agent=agent, csrf_token=session.csrf_token, **fixed, **extra)


# --- pages ----------------------------------------------------------------------------------------

@routes.get("/admin/data")
async def data_page(request: web.Request) -> web.Response:
    return await _page(request, "admin_data.html", section="data")


@routes.get("/admin/models")
async def models_page(request: web.Request) -> web.Response:
    return await _page(request, "admin_models.html", section="models")


@routes.get("/admin/dashboard")
async def dashboard_page(request: web.Request) -> web.Response:
    async def context() -> dict[str, Any]:
        now = request.app[CLOCK_KEY].now()
        stats = await statistics_for(request.app[DB_KEY], now, _days(request))
        descriptions = intent_descriptions(request.app[ADMIN_KEY].project)
        return {"stats": stats, "charts": charts(stats, descriptions), "shown": dashboard_texts(stats, now, descriptions)}

    return await _page(request, "admin_dashboard.html", context, section="dashboard", day_choices=(7, 14, 30, 90))


AUDIT_LIMIT = 500
CSV_LIMIT = 100_000


async def _audit_entries(request: web.Request, limit: int) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The audit entries the query asks for (person, action, local dates) and the filter as given."""
    chosen = {key: request.query.get(key, "").strip() for key in ("actor", "action", "from", "to")}
    first, last = _local_day(chosen["from"], "från"), _local_day(chosen["to"], "till")
    if first and last and first > last:
        raise BadInput("bad_date", "Från-datumet ligger efter till-datumet.")
    entries = await request.app[ADMIN_KEY].audit.entries(
        limit=limit, action=chosen["action"] or None, actor=chosen["actor"] or None,
        since=datetime.combine(first, time(), TIMEZONE) if first else None,
        until=datetime.combine(last + timedelta(days=1), time(), TIMEZONE) if last else None,
    )
    return entries, chosen


def _local_day(text: str, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput("bad_date", f"Datumet {name} ska skrivas ÅÅÅÅ-MM-DD, till exempel 2026-11-30.") from None


@routes.get("/admin/audit")
async def audit_page(request: web.Request) -> web.Response:
    async def context() -> dict[str, Any]:
        entries, chosen = await _audit_entries(request, AUDIT_LIMIT)
        actors, actions = await request.app[ADMIN_KEY].audit.choices()
        return {
            "entries": [readable(entry) for entry in entries], "chosen": chosen, "actors": actors,
            "actions": [(action, action_text(action)) for action in actions], "limit": AUDIT_LIMIT,
            "csv_query": urlencode({key: value for key, value in chosen.items() if value}),
        }

    return await _page(request, "admin_audit.html", context, section="audit")


@routes.get("/admin/audit.csv")
async def audit_csv(request: web.Request) -> web.Response:
    await _admin(request)
    entries, _ = await _audit_entries(request, CSV_LIMIT)
    now = request.app[CLOCK_KEY].now().astimezone(TIMEZONE)
    return web.Response(
        body=as_csv(entries).encode("utf-8"), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="admin-logg-{now:%Y%m%d-%H%M}.csv"',
                 "Cache-Control": "no-store"},
    )


# --- inbox ----------------------------------------------------------------------------------------

@routes.get("/api/admin/inbox")
async def inbox(request: web.Request) -> web.Response:
    await _admin(request)
    intent = request.query.get("intent") or None
    if intent is not None:
        check_intent_name(intent)
    page = database_id(request.query.get("page") or "1")
    if page is None:
        raise BadInput("bad_page", "Sidnumret ska vara ett heltal från 1.")
    services = request.app[ADMIN_KEY]
    listing = await services.inbox.items(
        intent=intent, reason=request.query.get("reason") or None, since=request.query.get("from") or None,
        until=request.query.get("to") or None, page=page,
    )
    return web.json_response({
        **listing, "threshold": services.config.confidence_threshold,
        "reasons": [{"value": r, "text": REASON_TEXTS[r]} for r in REASONS],
    })


@routes.post("/api/admin/inbox/{message_id}/annotate")
async def annotate(request: web.Request) -> web.Response:
    agent = await _admin(request)
    body = await json_object(request)
    result = await request.app[ADMIN_KEY].inbox.annotate(
        _number(request, "message_id", "Meddelandet"), body.get("action"), body.get("intent"), _actor(agent), agent.id
    )
    return web.json_response(result)


# --- training data and responses ----------------------------------------------------------------------

@routes.get("/api/admin/intents")
async def intents(request: web.Request) -> web.Response:
    await _admin(request)
    return web.json_response({"intents": request.app[ADMIN_KEY].editor.intents()})


@routes.post("/api/admin/intents/{intent}/examples")
async def add_examples(request: web.Request) -> web.Response:
    agent = await _admin(request)
    body = await json_object(request)
    added = await request.app[ADMIN_KEY].editor.add_examples(
        request.match_info["intent"], body.get("examples"), _actor(agent)
    )
    return web.json_response({"added": added})


@routes.post("/api/admin/intents/{intent}/examples/remove")
async def remove_example(request: web.Request) -> web.Response:
    agent = await _admin(request)
    body = await json_object(request)
    await request.app[ADMIN_KEY].editor.remove_example(request.match_info["intent"], body.get("example"), _actor(agent))
    return web.json_response({"removed": body.get("example")})


@routes.post("/api/admin/import")
async def import_examples(request: web.Request) -> web.Response:
    agent = await _admin(request)
    body = await json_object(request)
    added = await request.app[ADMIN_KEY].editor.import_yaml(body.get("yaml"), _actor(agent))
    return web.json_response({"added": added})


@routes.get("/api/admin/responses")
async def responses(request: web.Request) -> web.Response:
    await _admin(request)
    return web.json_response({"responses": request.app[ADMIN_KEY].editor.responses()})


@routes.post("/api/admin/responses/{name}/{index}")
async def edit_response(request: web.Request) -> web.Response:
    agent = await _admin(request)
    body = await json_object(request)
    index = _number(request, "index", "Svarsvarianten")
    await request.app[ADMIN_KEY].editor.set_response(request.match_info["name"], index, body.get("text"), _actor(agent))
    return web.json_response({"name": request.match_info["name"], "index": index})


# --- train, evaluate, deploy ----------------------------------------------------------------------

@routes.post("/api/admin/train")
async def train(request: web.Request) -> web.Response:
    agent = await _admin(request)
    # {"full": true} trains from scratch even when only examples changed; an empty body is allowed.
    body = await json_object(request) if request.can_read_body else {}
    full = body.get("full", False)
    if not isinstance(full, bool):
        raise BadInput("invalid_field", "Fältet full ska vara true eller false.")
    job = request.app[ADMIN_KEY].lifecycle.start_training(_actor(agent), full=full)
    return web.json_response(job.as_json(), status=202)


@routes.get("/api/admin/job")
async def job(request: web.Request) -> web.Response:
    await _admin(request)
    current = request.app[ADMIN_KEY].jobs.current
    return web.json_response({"job": current.as_json() if current else None})


@routes.post("/api/admin/models/{model_id}/evaluate")
async def evaluate(request: web.Request) -> web.Response:
    agent = await _admin(request)
    job = request.app[ADMIN_KEY].lifecycle.start_evaluation(_number(request, "model_id", "Modellen"), _actor(agent))
    return web.json_response(job.as_json(), status=202)


@routes.post("/api/admin/cross-validation")
async def cross_validation(request: web.Request) -> web.Response:
    agent = await _admin(request)
    body = await json_object(request)
    job = request.app[ADMIN_KEY].lifecycle.start_cross_validation(body.get("folds"), _actor(agent))
    return web.json_response(job.as_json(), status=202)


@routes.get("/api/admin/models")
async def models(request: web.Request) -> web.Response:
    await _admin(request)
    lifecycle = request.app[ADMIN_KEY].lifecycle
    return web.json_response({"models": await lifecycle.models(), "data_changes": await lifecycle.data_changes()})


@routes.get("/api/admin/models/{model_id}/evaluation")
async def evaluation(request: web.Request) -> web.Response:
    await _admin(request)
    return web.json_response(
        await request.app[ADMIN_KEY].lifecycle.evaluation(_number(request, "model_id", "Modellen"))
    )


@routes.get("/api/admin/models/{model_id}/confusion.png")
async def confusion_matrix(request: web.Request) -> web.FileResponse:
    await _admin(request)
    lifecycle = request.app[ADMIN_KEY].lifecycle
    model = await lifecycle.model(_number(request, "model_id", "Modellen"))
    response = web.FileResponse(lifecycle.confusion_matrix(model), headers={"Content-Type": "image/png"})
    response.headers["Cache-Control"] = "no-store"
    return response


@routes.post("/api/admin/models/{model_id}/deploy")
async def deploy(request: web.Request) -> web.Response:
    agent = await _admin(request)
    body = await json_object(request)
    result = await request.app[ADMIN_KEY].lifecycle.deploy(
        _number(request, "model_id", "Modellen"), _actor(agent), body.get("override_reason")
    )
    return web.json_response(result)


@routes.post("/api/admin/models/{model_id}/rollback")
async def rollback(request: web.Request) -> web.Response:
    agent = await _admin(request)
    result = await request.app[ADMIN_KEY].lifecycle.deploy(
        _number(request, "model_id", "Modellen"), _actor(agent), rollback=True
    )
    return web.json_response(result)


def _cli_actor(body: dict[str, Any]) -> str:
    actor = body.get("actor")
    if not isinstance(actor, str) or not actor.startswith("cli:") or not 4 < len(actor) <= 100:
        raise BadInput("bad_actor", "actor must be 'cli:<user>' (at most 100 characters).")
    return actor


@routes.post("/internal/admin/models/{model_id}/{kind:deploy|rollback}")
async def deploy_from_command_line(request: web.Request) -> web.Response:
    """`python -m bot admin deploy|rollback`: the swap must run in the router, whose residents it diverts."""
    check_secret(request)
    body = await json_object(request)
    rollback = request.match_info["kind"] == "rollback"
    result = await request.app[ADMIN_KEY].lifecycle.deploy(
        _number(request, "model_id", "Modellen"), _cli_actor(body),
        None if rollback else body.get("override_reason"), rollback=rollback,
    )
    return web.json_response(result)


@routes.get("/api/admin/history")
async def history(request: web.Request) -> web.Response:
    await _admin(request)
    return web.json_response({"history": await request.app[ADMIN_KEY].lifecycle.history()})


# --- dashboard and audit ------------------------------------------------------------------------------

def _days(request: web.Request) -> int:
    days = database_id(request.query.get("days", "14"))
    if days is None or not 1 <= days <= MAX_DASHBOARD_DAYS:
        raise BadInput("bad_days", f"Antal dagar ska vara ett heltal från 1 till {MAX_DASHBOARD_DAYS}.")
    return days


@routes.get("/api/admin/dashboard")
async def dashboard(request: web.Request) -> web.Response:
    await _admin(request)
    return web.json_response(await statistics_for(request.app[DB_KEY], request.app[CLOCK_KEY].now(), _days(request)))


@routes.get("/api/admin/audit")
async def audit(request: web.Request) -> web.Response:
    await _admin(request)
    entries, _ = await _audit_entries(request, AUDIT_LIMIT)
    return web.json_response({"entries": [readable(entry) for entry in entries]})

