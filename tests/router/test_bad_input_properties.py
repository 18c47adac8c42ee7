"""Random JSON, Unicode and headers at every route the router serves (enumerated from the app, so a new
route is covered without touching this file), as an anonymous caller, a resident, an agent and an
administrator: the answer is never a 5xx and nothing is logged as an unhandled error. The resident's
WebSocket gets random frames and answers every one without closing."""
from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

import pytest
import pytest_asyncio
from aiohttp import WSMsgType, web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from router.handoff.accounts import create_agent, start_session
from router.handoff.auth import SESSION_COOKIE
from router.core.keys import CLOCK_KEY
from router.keys import DB_KEY
from tests.router import raw_http
from tests.router.client_steps import new_conversation, open_resident_socket, queued_case
from tests.router.constants import INTERNAL_SECRET, PASSWORD

pytestmark = pytest.mark.asyncio

# Routes that start a Rasa process (training, evaluation, a model swap) are called without valid
# credentials only: random input must still be refused cleanly, but no test should train a model.
STARTS_RASA = re.compile(r"^/(api|internal)/admin/(train|cross-validation|models/)")
QUERY_KEYS = ["days", "from", "count", "intent", "reason", "q", "next", "token", "after", "status", "limit"]
CONTENT_TYPES = [
    "application/json", "application/json; charset=utf-8", "application/json; charset=x-unknown",
    "application/json; charset=utf-16", "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=x-unknown", "multipart/form-data; boundary=x", "text/plain",
]
CREDENTIAL_HEADERS = ["Authorization", "Cookie", "X-CSRF-Token", "X-Internal-Secret"]
EXAMPLES = 600  # about eight requests for each route
# /readyz answers 503 by design while this router cannot take residents (here: the fake Rasa offers no
# /status); that is its answer, not a fault.
READINESS = "/readyz"


def is_fault(path: str, status: int) -> bool:
    return status >= 500 and not (path == READINESS and status == 503)


def public_routes(app: web.Application) -> list[tuple[str, str]]:
    """(method, path template) of every route but the static files."""
    routes = []
    for resource in app.router.resources():
        info = resource.get_info()
        template = info.get("formatter") or info.get("path")
        if template is None or "prefix" in info:
            continue
        for route in resource:
            routes.append((route.method, template))
    return sorted(set(routes))


@dataclass
class Callers:
    """Credentials of a resident, an agent and an administrator, and real ids to put in paths."""

    resident: dict[str, str]
    agent: dict[str, str]
    admin: dict[str, str]
    ids: dict[str, str]


async def logged_in(client, username: str, role: str) -> dict[str, str]:
    async with client.app[DB_KEY]() as session:
        agent = await create_agent(session, username, PASSWORD, username.title(), role)
        token, login = await start_session(session, agent, client.app[CLOCK_KEY].now(), timedelta(hours=12))
    return {"Cookie": f"{SESSION_COOKIE}={token}", "X-CSRF-Token": login.csrf_token}


@pytest_asyncio.fixture
async def callers(admin_client) -> Callers:
    agent = await logged_in(admin_client, "anna", "agent")
    await admin_client.post("/api/agent/presence", json={"online": True}, headers=agent)
    case_id, conversation_id, resident = await queued_case(admin_client)
    admin = await logged_in(admin_client, "ada", "admin")
    admin_client.session.cookie_jar.clear()
    return Callers(resident, agent, admin,
                   {"id": conversation_id, "conversation_id": conversation_id, "case_id": str(case_id)})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
FIELDS = ["text", "client_message_id", "online", "helped", "phrase", "examples", "yaml", "action", "intent",
          "category", "status", "reason", "after_id", "conversation_id", "contact", "note", "example", "type"]
# Bodies that have broken the router before: lone surrogates, nesting beyond Python's parser, huge numbers.
TRICKY_BODIES = ['{"text": "hej \\ud800"}', '{"text": "hej", "client_message_id": "\\udfff"}',
                 '{"phrase": "\\udfff"}', "[" * 5000 + "]" * 5000, '{"text": ' + "[" * 3000 + "]" * 3000 + "}",
                 '{"after_id": 1e999}', '{"text": 99999999999999999999999999}', '{"examples": ["hej\\u0085"]}',
                 '{"text": "Hej\\uffff"}', '{"yaml": "nlu:\\n- intent: greet\\n  examples: |\\n    - a\\u0085"}']
json_texts = st.one_of(
    st.sampled_from(TRICKY_BODIES),
    json_values.map(json.dumps),
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=4).map(json.dumps),
)
bodies = st.one_of(st.none(), json_texts, st.text(max_size=200), st.binary(max_size=200))
header_values = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)
path_values = st.one_of(
    st.sampled_from(["²", "٣", str(2**63), "9" * 30, "-1", "0", "1e3", "%", "..", "a/b"]),
    st.text(max_size=30), st.integers().map(str),
)
query_values = st.one_of(st.sampled_from(["²", str(2**63), "-1", "0", "", "\x00"]), st.text(max_size=20))


def fitting_caller(template: str) -> str:
    """Whose credentials reach past the login check of a route."""
    if template.startswith(("/api/conversations", "/ws/conversations")):
        return "resident"
    if template.startswith(("/admin", "/api/admin")):
        return "admin"
    if template.startswith(("/api/agent", "/agent", "/ws/agent")):
        return "agent"
    return "anonymous"


@st.composite
def requests(draw, template: str):
    """One request to `template`: mostly with the credentials that reach past its login check."""
    who = draw(st.one_of(st.just(fitting_caller(template)), st.sampled_from(["anonymous", "resident", "agent"])))
    params = {name: draw(st.one_of(st.just(None), path_values))
              for name in re.findall(r"\{(\w+)(?::[^}]*)?\}", template)}
    query = draw(st.dictionaries(st.sampled_from(QUERY_KEYS) | st.text(min_size=1, max_size=8), query_values,
                                 max_size=3))
    headers = draw(st.dictionaries(st.sampled_from(CREDENTIAL_HEADERS + ["Origin", "Accept", "X-Forwarded-For"]),
                                   header_values, max_size=2))
    content_type = draw(st.one_of(st.just("application/json"), st.none(), st.sampled_from(CONTENT_TYPES)))
    return who, params, query, headers, content_type, draw(bodies)


def build_path(template: str, params: dict[str, str | None], ids: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        given_value = params[match.group(1)]
        return quote(ids.get(match.group(1), "1") if given_value is None else given_value, safe="")

    return re.sub(r"\{(\w+)(?::[^}]*)?\}", value, template)


@pytest.fixture
def unhandled(caplog: pytest.LogCaptureFixture):
    """The records logged as errors (unhandled exceptions, tracebacks) since the last call."""
    caplog.set_level(logging.ERROR)

    def collect() -> list[str]:
        found = [r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
        caplog.clear()
        return found

    return collect


async def test_every_route_is_enumerated(admin_client):
    routes = public_routes(admin_client.app)
    paths = {path for _, path in routes}
    assert {"/api/conversations/{id}/messages", "/api/agent/cases/{case_id}", "/admin/dashboard",
            "/internal/handoff", "/ws/conversations/{id}", "/api/hours/days"} <= paths
    assert len(routes) > 60


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
async def test_random_requests_to_every_route_never_get_a_5xx(admin_client, callers, unhandled, data):
    method, template = data.draw(st.sampled_from(public_routes(admin_client.app)), label="route")
    who, params, query, extra, content_type, body = data.draw(requests(template), label="request")
    credentials: dict[str, str] = {}
    if who != "anonymous" and not STARTS_RASA.match(template):
        credentials = dict(getattr(callers, who))
    if template.startswith("/internal/") and not STARTS_RASA.match(template):
        credentials["X-Internal-Secret"] = INTERNAL_SECRET
    headers = {**credentials, **extra}
    if content_type:
        headers["Content-Type"] = content_type
    path = build_path(template, params, callers.ids)
    admin_client.session.cookie_jar.clear()
    response = await admin_client.request(
        method, path, params=query, headers=headers, allow_redirects=False,
        data=body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body,
    )
    await response.read()
    assert not is_fault(path, response.status), (method, path, query, headers, body, response.status, await response.text())
    assert not unhandled(), (method, path, query, headers, body)


HEADER_PREFIXES = {"Authorization": b"Bearer ", "Cookie": SESSION_COOKIE.encode() + b"=", "X-CSRF-Token": b"",
                   "X-Internal-Secret": b""}


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.sampled_from(CREDENTIAL_HEADERS),
       value=st.binary(min_size=1, max_size=30).filter(lambda b: not set(b) & set(b"\r\n\x00")))
async def test_random_header_bytes_never_get_a_5xx(admin_client, callers, unhandled, name, value):
    """Bytes that are not UTF-8 in a credential header, to every route without path parameters, with the
    other credentials of the caller that route is for."""
    for method, path in public_routes(admin_client.app):
        if method not in ("GET", "POST") or "{" in path:
            continue
        who = fitting_caller(path)
        credentials = {} if who == "anonymous" or STARTS_RASA.match(path) else dict(getattr(callers, who))
        credentials.pop(name, None)
        lines = "".join(f"{key}: {item}\r\n" for key, item in credentials.items())
        head = (f"{method} {path} HTTP/1.1\r\nContent-Type: application/json\r\n{lines}{name}: ".encode()
                + HEADER_PREFIXES[name] + value)
        status, _ = await raw_http.raw_request(admin_client.host, admin_client.port, head, b"{}")
        assert not is_fault(path, status), (method, path, name, value)
        assert not unhandled(), (method, path, name, value)


frames = st.one_of(
    st.text(max_size=200),
    json_texts,
    st.fixed_dictionaries({"type": st.sampled_from(["message", "typing", "leave_queue", "sync"])},
                          optional={"text": json_values, "client_message_id": json_values,
                                    "after_id": json_values}).map(json.dumps),
)


@pytest_asyncio.fixture
async def resident_socket(client):
    conversation_id, auth = await new_conversation(client)
    socket = await open_resident_socket(client, conversation_id, auth)
    yield socket
    assert not socket.closed, socket.close_code
    await socket.close()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(frame=st.one_of(frames, st.binary(max_size=50)))
async def test_random_frames_on_a_resident_socket_get_answers_and_the_socket_stays(resident_socket, unhandled, frame):
    if isinstance(frame, bytes):
        await resident_socket.send_bytes(frame)
    else:  # a text frame is UTF-8: a lone surrogate can only come as a JSON escape (see json_texts)
        await resident_socket.send_str(frame.encode("utf-8", "replace").decode("utf-8"))
    # A frame of an unknown type is always answered: reading up to that answer shows the socket still serves.
    await resident_socket.send_json({"type": "marker"})
    async with asyncio.timeout(5):
        while True:
            received = await resident_socket.receive()
            assert received.type == WSMsgType.TEXT, (frame, received.type, received.data, received.extra)
            answer = received.json()
            if answer.get("type") == "error" and answer["error"] == "unknown_type":
                break
    assert not unhandled(), frame
