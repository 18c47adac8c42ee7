"""Retention (gallring): what is due per kind, holds, dry runs, the audit trail and the log, and the
daily run inside the router. The settings file and the schedule's times: test_retention_config.py."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import func, select

from router.app import create_app
from router.core.clock import Clock
from router.core.keys import CLOCK_KEY
from router.keys import DB_KEY
from router.models import Case, Conversation, Event, Message, Note
from router.records import schedule
from router.records.keys import RETENTION_KEY
from router.records.models import DeletedCase, RetentionRun
from router.records.retention import Retention
from router.records.retention_config import RetentionConfig
from router.transcript import add_message
from tests.router.client_steps import add_agent, agent_online, login, new_conversation
from tests.router.constants import INTERNAL_SECRET, MONDAY_10
from tests.router.records_fixtures import NOTE_TEXT, RESIDENT_TEXT, closed_chat, say

pytestmark = pytest.mark.asyncio

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Short, different periods so that each kind becomes due on its own day.
CONFIG = RetentionConfig(
    bot_conversation_days=30, chat_case_days=365, left_message_days=100, daily_at=time(2, 30), timezone=STOCKHOLM
)


def retention(client) -> Retention:
    return Retention(client.app[DB_KEY], client.app[CLOCK_KEY], CONFIG)


async def exists(client, model, key) -> bool:
    async with client.app[DB_KEY]() as session:
        return await session.get(model, key) is not None


async def left_message(client, conversation_id: str, text: str) -> tuple[int, str]:
    response = await client.post(
        "/internal/left-messages",
        json={"conversation_id": conversation_id, "text": text, "contact": None},
        headers={"X-Internal-Secret": INTERNAL_SECRET},
    )
    reference = (await response.json())["reference"]
    async with client.app[DB_KEY]() as session:
        return (await session.exec(select(Case.id).where(Case.reference == reference))).one(), reference


async def records(client) -> dict[str, object]:
    """A bot-only conversation, a closed chat, a handled and an open left message (the newest case)."""
    csrf = await agent_online(client, "anna")
    bot_only, auth = await new_conversation(client)
    await say(client, bot_only, auth, "Vad gör staden mot klotter?")
    await client.post(f"/api/conversations/{bot_only}/feedback", json={"helped": True}, headers=auth)
    chat_id, chat_conversation, chat_reference = await closed_chat(client, csrf)
    handled_conversation, _ = await new_conversation(client)
    handled_id, handled_reference = await left_message(client, handled_conversation, "Lampan på Södergatan är trasig")
    done = await client.post(
        f"/api/agent/follow-ups/{handled_id}", json={"status": "done"}, headers={"X-CSRF-Token": csrf}
    )
    assert done.status == 200
    open_conversation, _ = await new_conversation(client)
    open_id, _ = await left_message(client, open_conversation, "Ring mig")
    return {
        "csrf": csrf, "bot_only": bot_only, "chat_id": chat_id, "chat_conversation": chat_conversation,
        "chat_reference": chat_reference, "handled_id": handled_id, "handled_reference": handled_reference,
        "open_id": open_id,
    }


def days_later(client, days: float) -> None:
    client.app[CLOCK_KEY].set(MONDAY_10 + timedelta(days=days))


async def test_each_kind_is_deleted_when_its_period_has_passed(client) -> None:
    made = await records(client)
    job = retention(client)

    days_later(client, 29)
    assert (await job.run()).records == {"bot_conversation": 0, "chat_case": 0, "left_message": 0}

    days_later(client, 31)
    result = await job.run()
    assert result.records == {"bot_conversation": 1, "chat_case": 0, "left_message": 0}
    assert result.references == []
    assert result.rows["conversations"] == 1 and result.rows["messages"] == 2 and result.rows["feedback"] == 1
    assert not await exists(client, Conversation, made["bot_only"])
    assert await exists(client, Case, made["handled_id"])

    days_later(client, 101)
    result = await job.run()
    assert result.records == {"bot_conversation": 0, "chat_case": 0, "left_message": 1}
    assert result.references == [made["handled_reference"]]
    assert not await exists(client, Case, made["handled_id"])
    assert await exists(client, Case, made["chat_id"])

    days_later(client, 366)
    result = await job.run()
    assert result.records == {"bot_conversation": 0, "chat_case": 1, "left_message": 0}
    assert result.references == [made["chat_reference"]]
    assert result.rows["notes"] == 1 and result.rows["cases"] == 1 and result.rows["events"] >= 3
    assert not await exists(client, Case, made["chat_id"])
    assert not await exists(client, Conversation, made["chat_conversation"])
    async with client.app[DB_KEY]() as session:
        assert (await session.exec(select(func.count()).select_from(Note))).one() == 0
        left = (await session.exec(select(func.count()).select_from(Message).where(
            Message.conversation_id == made["chat_conversation"]))).one()
        assert left == 0
        tombstone = await session.get(DeletedCase, made["chat_id"])
    assert (tombstone.reference, tombstone.kind) == (made["chat_reference"], "chat")

    # An open left message is never due.
    days_later(client, 5000)
    assert (await job.run()).records["left_message"] == 0
    assert await exists(client, Case, made["open_id"])


async def test_the_newest_case_is_deleted_when_due_and_its_reference_never_comes_back(client) -> None:
    conversation, _ = await new_conversation(client)
    case_id, reference = await left_message(client, conversation, "Lampan på Södergatan är trasig")
    csrf = await agent_online(client, "anna")
    done = await client.post(f"/api/agent/follow-ups/{case_id}", json={"status": "done"}, headers={"X-CSRF-Token": csrf})
    assert done.status == 200

    days_later(client, 101)
    result = await retention(client).run()
    assert result.references == [reference]  # the newest case, deleted like any other
    assert not await exists(client, Case, case_id)

    later, _ = await new_conversation(client)
    next_id, next_reference = await left_message(client, later, "Klotter på busskuren")
    assert next_id > case_id
    assert next_reference != reference


async def test_a_recent_message_keeps_the_whole_conversation(client) -> None:
    csrf = await agent_online(client, "anna")
    case_id, conversation_id, _ = await closed_chat(client, csrf)
    await left_message(client, (await new_conversation(client))[0], "nyaste ärendet")
    async with client.app[DB_KEY]() as session:
        # The resident wrote again in the closed chat on day 360 (the bot answered).
        await add_message(session, conversation_id, "resident", "En fråga till", MONDAY_10 + timedelta(days=360))
        await session.commit()
    days_later(client, 366)
    assert (await retention(client).run()).records["chat_case"] == 0
    assert await exists(client, Case, case_id)
    days_later(client, 391)
    assert (await retention(client).run()).records["chat_case"] == 1
    assert not await exists(client, Case, case_id)


async def test_hold_prevents_deletion_until_an_admin_releases_it(client) -> None:
    made = await records(client)
    headers = {"X-CSRF-Token": made["csrf"]}
    placed = await client.post(
        f"/api/agent/cases/{made['chat_id']}/hold", json={"reason": "Begäran om allmän handling"}, headers=headers
    )
    assert placed.status == 201
    days_later(client, 366)
    result = await retention(client).run()
    assert result.records["chat_case"] == 0 and made["chat_reference"] not in result.references
    assert await exists(client, Case, made["chat_id"])
    assert await exists(client, Conversation, made["chat_conversation"])

    await add_agent(client, "boss", role="admin")
    admin_csrf = await login(client, "boss")
    released = await client.delete(f"/api/agent/cases/{made['chat_id']}/hold", headers={"X-CSRF-Token": admin_csrf})
    assert released.status == 200
    result = await retention(client).run()
    assert result.references == [made["chat_reference"]]
    assert result.rows["holds"] == 1  # the released hold goes with the case

    again = await client.post(
        f"/api/agent/cases/{made['chat_id']}/hold", json={"reason": "Begäran om allmän handling"},
        headers={"X-CSRF-Token": admin_csrf},
    )
    body = await again.json()
    assert (again.status, body["error"]) == (409, "case_deleted")
    assert made["chat_reference"] in body["message"] and "gallrades" in body["message"]
    export = await client.get(f"/api/agent/cases/{made['chat_id']}/export.json")
    body = await export.json()
    assert (export.status, body["error"]) == (404, "case_deleted")
    assert body["message"] == f"Ärendet {made['chat_reference']} gallrades 2027-12-01 enligt beslut om gallring och finns inte längre."


async def test_dry_run_deletes_nothing_and_lists_the_same(client) -> None:
    made = await records(client)
    days_later(client, 366)
    job = retention(client)
    preview = await job.run(dry_run=True)
    assert preview.dry_run is True
    assert preview.records == {"bot_conversation": 1, "chat_case": 1, "left_message": 1}
    assert await exists(client, Case, made["chat_id"]) and await exists(client, Conversation, made["bot_only"])
    async with client.app[DB_KEY]() as session:
        assert (await session.exec(select(Event).where(Event.kind == "retention"))).all() == []
        assert (await session.exec(select(DeletedCase))).all() == []
    done = await job.run()
    assert (done.records, done.rows, done.references) == (preview.records, preview.rows, preview.references)


async def test_audit_event_and_log_have_references_and_counts_but_no_content(client, caplog) -> None:
    made = await records(client)
    days_later(client, 366)
    with caplog.at_level(logging.INFO, logger="router.records.retention"):
        result = await retention(client).run()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert made["chat_reference"] in logged and made["handled_reference"] in logged
    assert "'chat_case': 1" in logged
    for content in (RESIDENT_TEXT, "Söder", NOTE_TEXT, "Lampan", "klotter", "Du skrev"):
        assert content not in logged
    async with client.app[DB_KEY]() as session:
        event = (await session.exec(select(Event).where(Event.kind == "retention"))).one()
    assert event.conversation_id is None and event.case_id is None
    assert event.data["trigger"] == "manual"
    assert event.data["references"] == result.references
    assert event.data["records"] == {"bot_conversation": 1, "chat_case": 1, "left_message": 1}
    assert all(content not in str(event.data) for content in (RESIDENT_TEXT, NOTE_TEXT, "Lampan"))


async def test_admins_can_preview_and_run_retention_over_the_api(client) -> None:
    made = await records(client)
    agent_run = await client.post("/api/agent/retention/run", json={}, headers={"X-CSRF-Token": made["csrf"]})
    assert agent_run.status == 403
    await add_agent(client, "boss", role="admin")
    csrf = await login(client, "boss")
    preview = await client.post("/api/agent/retention/run", json={}, headers={"X-CSRF-Token": csrf})
    assert (await preview.json())["dry_run"] is True  # a dry run unless asked otherwise
    deleted = await client.post("/api/agent/retention/run", json={"dry_run": False}, headers={"X-CSRF-Token": csrf})
    body = await deleted.json()
    # Nothing is due yet with the periods in settings/retention.yml.
    assert body["dry_run"] is False and body["records"] == {"bot_conversation": 0, "chat_case": 0, "left_message": 0}


async def test_the_router_runs_retention_on_schedule(aiohttp_client, settings, options, monkeypatch) -> None:
    monkeypatch.setattr(schedule, "MAX_SLEEP_SECONDS", 0.05)
    clock = Clock(start=MONDAY_10)
    app = create_app(settings, clock=clock, options=options)
    client = await aiohttp_client(app)
    old = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)  # long before the bot-only period (90 days)
    async with app[DB_KEY]() as session:
        session.add(Conversation(id="a" * 32, token_hash="0" * 64, state="bot", created_at=old, updated_at=old))
        await session.flush()
        await add_message(session, "a" * 32, "resident", "Hej", old)
        await session.commit()
    recent, _ = await new_conversation(client)
    # Just before 02:30 Stockholm time on Tuesday 1 December.
    clock.set(datetime(2026, 12, 1, 1, 29, 59, 800000, tzinfo=timezone.utc))
    for _ in range(100):
        async with app[DB_KEY]() as session:
            runs = (await session.exec(select(Event).where(Event.kind == "retention"))).all()
        if runs:
            break
        await asyncio.sleep(0.05)
    assert [run.data["trigger"] for run in runs] == ["scheduled"]
    assert runs[0].data["records"]["bot_conversation"] == 1
    assert not await exists(client, Conversation, "a" * 32)
    assert await exists(client, Conversation, recent)
    async with app[DB_KEY]() as session:
        claimed = (await session.exec(select(RetentionRun))).all()
    assert [run.scheduled_for for run in claimed] == [datetime(2026, 12, 1, 1, 30, tzinfo=timezone.utc)]
    # Another router process finds the run taken.
    assert await app[RETENTION_KEY].claim_scheduled_run(claimed[0].scheduled_for) is False


async def test_retention_export_and_search_on_postgres(postgres_database, aiohttp_client, settings, options) -> None:
    """The same deletion (through every table that refers to a conversation), export and search on PostgreSQL."""
    app = create_app(replace(settings, database_url=postgres_database), clock=Clock(start=MONDAY_10), options=options)
    client = await aiohttp_client(app)
    made = await records(client)
    found = await (await client.get("/api/agent/search?q=Planteringen&from=2026-11-30&to=2026-11-30")).json()
    assert [r["reference"] for r in found["results"]] == [made["chat_reference"]]
    assert (await (await client.get("/api/agent/search?q=%25")).json())["total"] == 0
    pdf = await (await client.get(f"/api/agent/cases/{made['chat_id']}/export.pdf")).read()
    assert pdf.startswith(b"%PDF")
    days_later(client, 366)
    result = await retention(client).run()
    assert result.records == {"bot_conversation": 1, "chat_case": 1, "left_message": 1}
    assert not await exists(client, Case, made["chat_id"])
