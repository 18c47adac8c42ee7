"""Case records: export as JSON, HTML and PDF, search, and holds against deletion."""
from __future__ import annotations

import base64
import re
import zlib
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from router.core.keys import CLOCK_KEY
from router.keys import DB_KEY
from router.models import Conversation, Event
from router.records.html import CONTENT_SECURITY_POLICY
from tests.router.records_fixtures import NOTE_TEXT, RESIDENT_TEXT, closed_chat, say
from tests.router.client_steps import add_agent, agent_online, login, new_conversation, queued_case
from tests.router.constants import INTERNAL_SECRET

pytestmark = pytest.mark.asyncio

def pdf_text(pdf: bytes) -> str:
    """The text drawn on the pages (reportlab: ASCII85 + Flate streams, WinAnsi strings in Tj), each
    string drawn separately joined by a space (so "<" and ">" stand apart from the words they touch)."""
    drawn = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = stream.strip()
        try:
            content = zlib.decompress(base64.a85decode(data[:-2] if data.endswith(b"~>") else data))
        except ValueError:
            continue
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", content, re.S):
            unescaped = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), literal)
            unescaped = re.sub(rb"\\(.)", rb"\1", unescaped)
            drawn.append(unescaped.decode("cp1252"))
    return " ".join(drawn)


async def test_case_export_json_keeps_the_whole_record(client) -> None:
    csrf = await agent_online(client, "anna")
    case_id, conversation_id, reference = await closed_chat(client, csrf)
    response = await client.get(f"/api/agent/cases/{case_id}/export.json")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert f'filename="{reference}.json"' in response.headers["Content-Disposition"]
    record = await response.json()
    assert record["reference"] == reference and record["record"] == "case"
    assert (record["kind"], record["status"], record["category"]) == ("chat", "closed", "Övrigt")
    assert record["kind_text"] == "Chatt med kommunvägledare" and record["status_text"] == "Avslutad"
    assert record["agent"]["name"] == "Anna"
    assert record["timezone"] == "Europe/Stockholm"
    # Monday 30 November 2026 10:00 in Stockholm (UTC+1)
    assert record["times"]["created"].startswith("2026-11-30T10:00") and record["times"]["created"].endswith("+01:00")
    senders = [message["from"] for message in record["transcript"]]
    assert senders[:2] == ["resident", "bot"] and "agent" in senders and "system" in senders
    # The record keeps exactly what was written, personal data included: it is the public record.
    assert record["transcript"][0]["text"] == RESIDENT_TEXT
    assert [m["agent"] for m in record["transcript"] if m["from"] == "agent"] == ["Anna"]
    assert record["notes"] == [
        {"label": "Intern anteckning", "at": record["notes"][0]["at"], "agent": "Anna", "text": NOTE_TEXT}
    ]
    assert record["exported_by"] == "Anna"
    async with client.app[DB_KEY]() as session:
        audit = (await session.exec(select(Event).where(Event.kind == "exported"))).one()
    assert (audit.case_id, audit.agent_id, audit.data) == (case_id, record["agent"]["id"], {"format": "json"})


async def test_case_export_html_is_swedish_printable_and_escaped(client) -> None:
    csrf = await agent_online(client, "anna")
    case_id, _, reference = await closed_chat(client, csrf)
    response = await client.get(f"/api/agent/cases/{case_id}/export.html")
    assert response.status == 200
    assert response.content_type == "text/html"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src" not in CONTENT_SECURITY_POLICY and "default-src 'none'" in CONTENT_SECURITY_POLICY
    html = await response.text()
    assert '<html lang="sv">' in html and "@media print" in html
    assert f"Ärende {reference}" in html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "Söder &amp; i Planteringen, ring 0701234567" in html
    assert "Intern anteckning" in html and NOTE_TEXT in html
    assert "2026-11-30 10:00" in html  # Swedish time


async def test_case_export_pdf_has_the_reference_and_swedish_letters(client) -> None:
    csrf = await agent_online(client, "anna")
    case_id, _, reference = await closed_chat(client, csrf)
    response = await client.get(f"/api/agent/cases/{case_id}/export.pdf")
    assert response.status == 200
    assert response.content_type == "application/pdf"
    assert f'filename="{reference}.pdf"' in response.headers["Content-Disposition"]
    pdf = await response.read()
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert f"Ärende {reference}" in text
    assert "otryggt på Söder" in text and "Intern anteckning".upper() in text
    # drawn as written: not interpreted as markup, not shown as escaped entities
    assert "< script > alert('x') < /script >" in text and "&lt;" not in text
    assert "kan inte visas" not in text


async def test_pdf_says_when_characters_cannot_be_drawn(client) -> None:
    csrf = await agent_online(client, "anna")
    conversation_id, auth = await new_conversation(client)
    await say(client, conversation_id, auth, "مرحبا، أشعر بعدم الأمان 😟")
    response = await client.get(f"/api/agent/conversations/{conversation_id}/export.pdf")
    text = pdf_text(await response.read())
    assert "tecken som inte kan visas" in text
    html = await (await client.get(f"/api/agent/conversations/{conversation_id}/export.html")).text()
    assert "مرحبا، أشعر بعدم الأمان 😟" in html
    assert csrf


async def test_left_message_and_bot_conversation_exports(client) -> None:
    await add_agent(client, "anna")
    await login(client, "anna")
    conversation_id, auth = await new_conversation(client)
    await say(client, conversation_id, auth, "Finns det nattvandrare i Drottninghög?")
    record = await (await client.get(f"/api/agent/conversations/{conversation_id}/export.json")).json()
    assert (record["record"], record["kind"], record["reference"]) == ("conversation", "bot", None)
    assert [m["from"] for m in record["transcript"]] == ["resident", "bot"]
    html = await (await client.get(f"/api/agent/conversations/{conversation_id}/export.html")).text()
    assert "Chattkonversation" in html and "Finns det nattvandrare i Drottninghög?" in html

    left = await client.post(
        "/internal/left-messages",
        json={"conversation_id": conversation_id, "text": "Ring mig om klottret", "contact": "0701234567"},
        headers={"X-Internal-Secret": INTERNAL_SECRET},
    )
    reference = (await left.json())["reference"]
    record = await (await client.get(f"/api/agent/conversations/{conversation_id}/export.json")).json()
    assert (record["record"], record["kind"], record["reference"]) == ("case", "message", reference)
    assert record["left_message"] == {"text": "Ring mig om klottret", "contact": "0701234567", "answer": None}
    assert record["status_text"] == "Att hantera"


async def test_export_unknown_case_or_conversation_is_404_json(client) -> None:
    await add_agent(client, "anna")
    await login(client, "anna")
    for path in (
        "/api/agent/cases/999999/export.json",
        "/api/agent/cases/999999/export.pdf",
        "/api/agent/cases/abc/export.html",
        "/api/agent/conversations/" + "0" * 32 + "/export.json",
        "/api/agent/conversations/nope/export.html",
    ):
        response = await client.get(path)
        assert response.status == 404, path
        assert (await response.json())["error"] in ("case_not_found", "conversation_not_found")
    assert (await client.get("/api/agent/cases/1/export.docx")).status == 404


async def test_exports_and_search_need_a_login(client) -> None:
    for path in ("/api/agent/cases/1/export.json", "/api/agent/search?q=hej", "/api/agent/cases/1/hold"):
        assert (await client.get(path)).status == 401


async def test_search_by_reference_text_category_kind_and_date(client) -> None:
    csrf = await agent_online(client, "anna")
    case_id, conversation_id, reference = await closed_chat(client, csrf, category="Synpunkt eller klagomål")
    bot_only, auth = await new_conversation(client)
    await say(client, bot_only, auth, "Hur gör jag en felanmälan av gatubelysning? 100%_säker")

    async def found(query: str) -> list[tuple[str | None, str]]:
        response = await client.get("/api/agent/search?" + query)
        assert response.status == 200, await response.text()
        return [(r["reference"], r["conversation_id"]) for r in (await response.json())["results"]]

    assert await found(f"reference={reference}") == [(reference, conversation_id)]
    assert await found(f"reference={reference[-6:]}") == [(reference, conversation_id)]
    assert await found(f"reference={reference.lower().replace('-00000', '-')}") == [(reference, conversation_id)]
    assert await found("q=Planteringen") == [(reference, conversation_id)]
    assert await found("q=planteringen") == [(reference, conversation_id)]  # case-insensitive
    assert await found("q=gatubelysning") == [(None, bot_only)]
    assert await found("q=100%25_s") == [(None, bot_only)]
    assert await found("q=%25") == [(None, bot_only)]  # a literal %, not a wildcard
    assert await found("q=_") == [(None, bot_only)]
    assert await found("category=Synpunkt eller klagomål") == [(reference, conversation_id)]
    assert await found("category=Övrigt") == []
    assert await found("kind=bot") == [(None, bot_only)]
    assert await found("kind=chat") == [(reference, conversation_id)]
    assert await found("from=2026-11-30&to=2026-11-30") == [(None, bot_only), (reference, conversation_id)]
    assert await found("from=2026-12-01") == []
    assert await found("to=2026-11-29") == []

    page = await (await client.get("/api/agent/search?limit=1&offset=1")).json()
    assert (page["total"], page["limit"], page["offset"]) == (2, 1, 1)
    assert [r["reference"] for r in page["results"]] == [reference]
    result = page["results"][0]
    assert result["case_id"] == case_id and result["export"] == f"/api/agent/cases/{case_id}/export"


async def test_search_dates_in_swedish_time(client) -> None:
    # 23:30 UTC on 30 November is 00:30 on 1 December in Stockholm.
    client.app[CLOCK_KEY].set(datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc))
    await add_agent(client, "anna")
    await login(client, "anna")
    conversation_id, _ = await new_conversation(client)
    results = (await (await client.get("/api/agent/search?from=2026-12-01&to=2026-12-01")).json())["results"]
    assert [r["conversation_id"] for r in results] == [conversation_id]
    assert (await (await client.get("/api/agent/search?to=2026-11-30")).json())["results"] == []


@pytest.mark.parametrize(
    "query, error",
    [
        ("from=2026-13-01", "invalid_date"),
        ("to=30/11/2026", "invalid_date"),
        ("from=2026-12-02&to=2026-12-01", "invalid_date"),
        ("kind=phone", "invalid_kind"),
        ("limit=0", "invalid_field"),
        ("limit=101", "invalid_field"),
        ("offset=-1", "invalid_field"),
        ("q=" + "a" * 201, "invalid_field"),
    ],
)
async def test_search_rejects_bad_input(client, query: str, error: str) -> None:
    await add_agent(client, "anna")
    await login(client, "anna")
    response = await client.get("/api/agent/search?" + query)
    assert response.status == 400
    assert (await response.json())["error"] == error


async def test_agents_place_holds_and_only_admins_release_them(client) -> None:
    csrf = await agent_online(client, "anna")
    case_id, _, _ = await queued_case(client)
    headers = {"X-CSRF-Token": csrf}
    reason = {"reason": "Begäran om allmän handling"}
    assert (await client.post(f"/api/agent/cases/{case_id}/hold", json=reason)).status == 403  # no CSRF token
    placed = await client.post(f"/api/agent/cases/{case_id}/hold", json=reason, headers=headers)
    assert placed.status == 201
    body = await placed.json()
    assert body["on_hold"] is True and body["hold"]["reason"] == "Begäran om allmän handling"
    again = await client.post(f"/api/agent/cases/{case_id}/hold", json=reason, headers=headers)
    assert (again.status, (await again.json())["error"]) == (409, "already_on_hold")
    assert (await (await client.get(f"/api/agent/cases/{case_id}/hold")).json())["on_hold"] is True
    record = await (await client.get(f"/api/agent/cases/{case_id}/export.json")).json()
    assert record["holds"][0]["placed_by"] == "Anna" and record["holds"][0]["released_at"] is None

    denied = await client.delete(f"/api/agent/cases/{case_id}/hold", headers=headers)
    assert denied.status == 403

    await add_agent(client, "boss", role="admin")
    admin_csrf = await login(client, "boss")
    released = await client.delete(f"/api/agent/cases/{case_id}/hold", headers={"X-CSRF-Token": admin_csrf})
    assert released.status == 200
    assert (await released.json())["on_hold"] is False
    twice = await client.delete(f"/api/agent/cases/{case_id}/hold", headers={"X-CSRF-Token": admin_csrf})
    assert (twice.status, (await twice.json())["error"]) == (409, "not_on_hold")


async def test_hold_needs_a_reason_and_an_existing_case(client) -> None:
    csrf = await agent_online(client, "anna")
    case_id, _, _ = await queued_case(client)
    headers = {"X-CSRF-Token": csrf}
    for body in ({}, {"reason": "  "}, {"reason": 5}, {"reason": "x" * 501}):
        response = await client.post(f"/api/agent/cases/{case_id}/hold", json=body, headers=headers)
        assert (response.status, (await response.json())["error"]) == (400, "invalid_reason")
    missing = await client.post("/api/agent/cases/999999/hold", json={"reason": "Begäran"}, headers=headers)
    assert (missing.status, (await missing.json())["error"]) == (404, "case_not_found")


async def test_console_has_export_links_and_search(client) -> None:
    await add_agent(client, "anna")
    await login(client, "anna")
    html = await (await client.get("/agent")).text()
    assert 'id="search-form"' in html and 'id="export-links"' in html
    script = await (await client.get("/static/agent.js")).text()
    assert '"/export"' in script and '"/hold"' in script and "/api/agent/search?" in script


async def test_conversation_times_are_stored_utc_and_shown_in_stockholm(client) -> None:
    client.app[CLOCK_KEY].set(datetime(2026, 7, 1, 8, 0, tzinfo=timezone.utc))  # summer time, UTC+2
    await add_agent(client, "anna")
    await login(client, "anna")
    conversation_id, _ = await new_conversation(client)
    async with client.app[DB_KEY]() as session:
        stored = await session.get(Conversation, conversation_id)
    assert stored.created_at - datetime(2026, 7, 1, 8, 0, tzinfo=timezone.utc) < timedelta(seconds=5)
    record = await (await client.get(f"/api/agent/conversations/{conversation_id}/export.json")).json()
    assert record["times"]["created"].startswith("2026-07-01T10:00") and record["times"]["created"].endswith("+02:00")
