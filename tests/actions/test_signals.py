"""action_record_signal and action_withdraw_signal against a router stand-in: what they send, what the
resident is told and the exact events they return."""
from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.signals import SIGNAL_SLOT, ActionRecordSignal, ActionWithdrawSignal
from tests.actions.router_stub import SECRET
from tests.actions.trackers import CONVERSATION_ID, make_tracker

TEXT = "jag känner mig otrygg i parken vid Fredriksdal på kvällarna"
ENTITY = {"entity": "stadsdel", "value": "Fredriksdal", "start": 36, "end": 47}
UNREACHABLE = "Det gick inte att ta bort beskrivningen just nu. Skriv ”Nej, räkna inte med det” igen om en stund."


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, events


@pytest.mark.asyncio
async def test_a_recorded_signal_is_told_with_the_button_and_kept_in_the_slot(router, settings):
    router.reply("POST", "/internal/signals", status=201, json_body={"recorded": True, "id": "abc123"})
    messages, events = await run(
        ActionRecordSignal(settings), make_tracker("feeling_unsafe", text=TEXT, entities=[ENTITY])
    )
    assert events == [SlotSet(SIGNAL_SLOT, "abc123")]
    assert [message["response"] for message in messages] == ["utter_signal_notice"]
    [request] = router.requests
    assert (request.method, request.path, request.secret) == ("POST", "/internal/signals", SECRET)
    assert request.body == {
        "conversation_id": CONVERSATION_ID, "intent": "feeling_unsafe", "text": TEXT, "district": "Fredriksdal"
    }


@pytest.mark.asyncio
async def test_nothing_recorded_means_no_notice(router, settings):
    router.reply("POST", "/internal/signals", json_body={"recorded": False, "reason": "danger_now"})
    messages, events = await run(ActionRecordSignal(settings), make_tracker("feeling_unsafe", text="någon har en kniv"))
    assert (messages, events) == ([], [])
    assert router.requests[0].body["district"] is None


@pytest.mark.asyncio
async def test_a_button_payload_is_no_description(router, settings):
    messages, events = await run(ActionRecordSignal(settings), make_tracker("feeling_unsafe", text="/feeling_unsafe"))
    assert (messages, events, router.requests) == ([], [], [])


@pytest.mark.asyncio
async def test_a_router_that_is_down_costs_the_resident_nothing(router_down):
    messages, events = await run(ActionRecordSignal(router_down), make_tracker("feeling_unsafe", text=TEXT))
    assert (messages, events) == ([], [])


@pytest.mark.asyncio
async def test_a_broken_answer_records_nothing(router, settings):
    router.reply("POST", "/internal/signals", status=201, json_body={"recorded": True})
    messages, events = await run(ActionRecordSignal(settings), make_tracker("feeling_unsafe", text=TEXT))
    assert (messages, events) == ([], [])


@pytest.mark.asyncio
async def test_declining_removes_the_signal_and_empties_the_slot(router, settings):
    router.reply("DELETE", "/internal/signals/abc123", json_body={"removed": True})
    messages, events = await run(
        ActionWithdrawSignal(settings), make_tracker("signal_decline", slots={SIGNAL_SLOT: "abc123"})
    )
    assert events == [SlotSet(SIGNAL_SLOT, None)]
    assert [message["response"] for message in messages] == ["utter_signal_removed"]
    assert [(r.method, r.path, r.secret) for r in router.requests] == [("DELETE", "/internal/signals/abc123", SECRET)]


@pytest.mark.asyncio
async def test_declining_with_nothing_counted(router, settings):
    messages, events = await run(ActionWithdrawSignal(settings), make_tracker("signal_decline"))
    assert events == []
    assert [message["response"] for message in messages] == ["utter_signal_none"]
    assert router.requests == []


@pytest.mark.asyncio
async def test_declining_while_the_router_is_down_keeps_the_slot_to_try_again(router_down):
    messages, events = await run(
        ActionWithdrawSignal(router_down), make_tracker("signal_decline", slots={SIGNAL_SLOT: "abc123"})
    )
    assert events == []
    assert [message["text"] for message in messages] == [UNREACHABLE]
