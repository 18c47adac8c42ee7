"""The inbox as an administrator works through it: no intent chosen for them, identical messages as one row
with a count, the bot's reply and the turns around it, paging, filters by reason, intent and date, and the
two sources beyond low confidence: conversations rated "Nej" and messages the resident rephrased."""
from __future__ import annotations

from datetime import timedelta

import pytest
import yaml
from sqlmodel import select

from router.admin.inbox import PAGE_SIZE
from router.admin.keys import ADMIN_KEY
from router.admin.models import Review
from router.keys import DB_KEY
from router.models import BOT_SENDER, Feedback, Message
from tests.router.constants import MONDAY_10
from tests.router.admin_fixtures import as_admin, resident_message, snapshot_files

pytestmark = pytest.mark.asyncio


async def bot_message(client, conversation_id: str, text: str, at, buttons=None) -> None:
    async with client.app[DB_KEY]() as session:
        session.add(Message(conversation_id=conversation_id, sender=BOT_SENDER, text=text, buttons=buttons,
                            created_at=at))
        await session.commit()


async def inbox(client, query: str = "") -> dict:
    response = await client.get("/api/admin/inbox" + query)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_saving_without_a_chosen_intent_is_refused_in_swedish_and_changes_nothing(admin_client, project):
    csrf = await as_admin(admin_client)
    _, message = await resident_message(admin_client, "kan ni flytta en soptunna", "nlu_fallback", 0.3)
    before = snapshot_files(project)
    response = await admin_client.post(f"/api/admin/inbox/{message}/annotate", json={"action": "intent"},
                                       headers=csrf)
    body = await response.json()
    assert response.status == 400 and body["error"] == "no_intent"
    assert body["message"] == "Välj rätt intent i listan innan du sparar. Inget sparades."
    assert snapshot_files(project) == before
    assert [item["id"] for item in (await inbox(admin_client))["items"]] == [message]


async def test_identical_messages_are_one_row_with_a_count_and_one_decision_covers_them(admin_client, project):
    csrf = await as_admin(admin_client)
    ids = []
    for minutes, text in ((30, "Var ligger polisstationen?"), (20, "var ligger  POLISSTATIONEN?"),
                          (10, "var ligger polisstationen?")):
        ids.append((await resident_message(admin_client, text, "nlu_fallback", 0.2,
                                           MONDAY_10 - timedelta(minutes=minutes)))[1])
    _, other = await resident_message(admin_client, "något helt annat om parkering", "out_of_scope", 0.4)
    listing = await inbox(admin_client)
    assert listing["total"] == 2 and listing["messages"] == 4
    row = next(item for item in listing["items"] if item["count"] == 3)
    assert row["id"] == ids[-1] and sorted(row["message_ids"]) == sorted(ids)
    response = await admin_client.post(f"/api/admin/inbox/{row['id']}/annotate",
                                       json={"action": "intent", "intent": "contact_details"}, headers=csrf)
    assert response.status == 200, await response.text()
    assert (await response.json())["messages"] == 3
    # One example in the training data, all three messages reviewed, the other row still waiting.
    text = (project / "data/nlu/contact_center.yml").read_text()
    assert text.count("var ligger polisstationen?") == 1
    async with admin_client.app[DB_KEY]() as session:
        reviewed = {r.message_id: r.outcome for r in (await session.exec(select(Review))).all()}
    assert reviewed == {i: "annotated" for i in ids}
    assert [item["id"] for item in (await inbox(admin_client))["items"]] == [other]
    # Saving an example does not start `rasa data validate` (15–20 s); the change is checked incrementally.
    assert admin_client.app[ADMIN_KEY].editor.validator.checked == []


async def test_each_row_has_the_bots_reply_and_the_turns_around_it_masked_with_button_titles(admin_client):
    await as_admin(admin_client)
    start = MONDAY_10 - timedelta(minutes=5)
    conversation, _ = await resident_message(admin_client, "hej", "greet", 0.95, start)
    await bot_message(admin_client, conversation, "Hej! Vad vill du veta?", start + timedelta(seconds=1),
                      buttons=[{"title": "Öppettider", "payload": "/opening_hours"}])
    await resident_message(admin_client, "/opening_hours", "opening_hours", 1.0, start + timedelta(seconds=5),
                           conversation_id=conversation)
    await bot_message(admin_client, conversation, "Vi har öppet 8–17.", start + timedelta(seconds=6))
    _, unsure = await resident_message(admin_client, "ring mig på 0701234567 om skadegörelsen", "report_fault",
                                       0.41, start + timedelta(seconds=30), conversation_id=conversation)
    await bot_message(admin_client, conversation, "Du kan felanmäla i appen Ett bättre Helsingborg.",
                      start + timedelta(seconds=31))
    await resident_message(admin_client, "tack", "thank", 0.99, start + timedelta(seconds=200),
                           conversation_id=conversation)
    item = (await inbox(admin_client))["items"][0]
    assert item["id"] == unsure and "0701234567" not in item["text"]
    assert item["context"]["before"] == [
        {"from": "resident", "text": "Öppettider", "at": (start + timedelta(seconds=5)).isoformat()},
        {"from": "bot", "text": "Vi har öppet 8–17.", "at": (start + timedelta(seconds=6)).isoformat()},
    ]
    assert [m["text"] for m in item["context"]["reply"]] == ["Du kan felanmäla i appen Ett bättre Helsingborg."]
    assert [m["text"] for m in item["context"]["after"]] == ["tack"]


async def test_conversations_rated_no_bring_their_messages_to_the_inbox(admin_client):
    await as_admin(admin_client)
    conversation, confident = await resident_message(admin_client, "hur anmäler jag cykelstöld", "report_crime", 0.97)
    await bot_message(admin_client, conversation, "Anmäl på polisen.se.", MONDAY_10 + timedelta(seconds=1))
    happy, _ = await resident_message(admin_client, "vad har ni för öppettider", "opening_hours", 0.98)
    async with admin_client.app[DB_KEY]() as session:
        session.add(Feedback(conversation_id=conversation, helped=False, created_at=MONDAY_10 + timedelta(minutes=1)))
        session.add(Feedback(conversation_id=happy, helped=True, created_at=MONDAY_10 + timedelta(minutes=1)))
        await session.commit()
    items = (await inbox(admin_client))["items"]
    assert [(item["id"], item["reasons"]) for item in items] == [(confident, ["feedback_no"])]
    assert (await inbox(admin_client, "?reason=feedback_no"))["items"][0]["id"] == confident
    assert (await inbox(admin_client, "?reason=fallback"))["items"] == []


async def test_a_message_rephrased_right_after_the_answer_is_in_the_inbox(admin_client):
    await as_admin(admin_client)
    start = MONDAY_10 - timedelta(minutes=10)
    conversation, misread = await resident_message(admin_client, "var kan jag läsa lägesbilden", "agreement", 0.93,
                                                   start)
    await bot_message(admin_client, conversation, "Överenskommelsen finns på helsingborg.se.", start + timedelta(seconds=1))
    await resident_message(admin_client, "jag menar lägesbilden om brottsligheten", "lagesbild", 0.9,
                           start + timedelta(seconds=40), conversation_id=conversation)
    # Much later, a new topic: not a rephrasing.
    later, answered = await resident_message(admin_client, "vilka är fokusområdena", "focus_areas", 0.95,
                                             start + timedelta(minutes=1))
    await bot_message(admin_client, later, "Fyra fokusområden …", start + timedelta(minutes=1, seconds=1))
    await resident_message(admin_client, "vilka är fokusområdena i detalj", "focus_areas", 0.95,
                           start + timedelta(minutes=5), conversation_id=later)
    items = (await inbox(admin_client))["items"]
    assert [(item["id"], item["reasons"]) for item in items] == [(misread, ["rephrased"])]
    assert answered not in [item["id"] for item in items]


async def test_paging_and_filters_by_intent_and_local_date(admin_client):
    await as_admin(admin_client)
    for index in range(PAGE_SIZE + 3):
        await resident_message(admin_client, f"oklart meddelande nummer {index}", "nlu_fallback", 0.2,
                               MONDAY_10 - timedelta(minutes=index))
    # 23.30 UTC on Sunday is 00.30 on Monday in Stockholm.
    _, monday_night = await resident_message(admin_client, "sent på natten", "feeling_unsafe", 0.3,
                                             MONDAY_10.replace(hour=23, minute=30) - timedelta(days=1))
    first, second = await inbox(admin_client), await inbox(admin_client, "?page=2")
    assert (first["pages"], first["total"], len(first["items"]), len(second["items"])) == (2, PAGE_SIZE + 4, PAGE_SIZE, 4)
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    by_intent = await inbox(admin_client, "?intent=feeling_unsafe")
    assert [i["id"] for i in by_intent["items"]] == [monday_night]
    day = await inbox(admin_client, "?from=2026-11-30&to=2026-11-30")
    assert day["total"] == PAGE_SIZE + 4
    sunday = await inbox(admin_client, "?from=2026-11-29&to=2026-11-29")
    assert sunday["total"] == 0
    for query, code in (("?page=3", "bad_page"), ("?page=0", "bad_page"), ("?page=x", "bad_page"),
                        ("?from=30/11", "bad_date"), ("?from=2026-12-01&to=2026-11-30", "bad_date"),
                        ("?reason=nothing", "bad_reason")):
        response = await admin_client.get("/api/admin/inbox" + query)
        assert response.status == 400 and (await response.json())["error"] == code, query


async def test_the_incremental_check_refuses_what_rasa_would_and_accepts_a_good_change(admin_client, project):
    quick = admin_client.app[ADMIN_KEY].editor.quick
    basics = (project / "data/nlu/basics.yml").read_text()
    good = basics.replace("  examples: |\n", "  examples: |\n    - god middag\n", 1)
    await quick.check({"data/nlu/basics.yml": good})
    cases = {
        "unknown entity": basics.replace("  examples: |\n", "  examples: |\n    - bor på [Söder](gata)\n", 1),
        "not NLU": "version: '3.1'\nstories: []\n",
        "broken YAML": "nlu: [\n",
        "intent not in the domain": basics + "- intent: new_thing\n  examples: |\n    - något nytt\n",
        "example under two intents": basics + "- intent: goodbye\n  examples: |\n    - hej\n",
    }
    for what, text in cases.items():
        with pytest.raises(Exception) as refused:
            await quick.check({"data/nlu/basics.yml": text})
        assert getattr(refused.value, "code", None) == "validation_failed", what
    emptied = yaml.safe_load(basics)
    first = emptied["nlu"][0]
    only_block = f"version: '3.1'\nnlu:\n- intent: {first['intent']}\n  examples: \"\"\n"
    with pytest.raises(Exception) as refused:
        await quick.check({"data/nlu/basics.yml": only_block})
    assert "utan exempel" in refused.value.message
