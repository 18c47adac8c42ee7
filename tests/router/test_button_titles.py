"""A tapped button is stored with its title (issue 13): Rasa gets the payload, people read the title –
the resident's own bubble, the history after a reload, the WebSocket frame, the console's case view and
queue row, and the case record. The router keeps a title only when the bot's latest turn offered that
button with that payload; anything else is ignored and nothing is lost."""
from __future__ import annotations

import pytest
from sqlmodel import select

from router.keys import DB_KEY
from router.models import Case, Message
from tests.router.client_steps import agent_online, handoff, new_conversation, open_resident_socket

pytestmark = pytest.mark.asyncio

HANDOFF_BUTTON = {"title": "Prata med en kommunvägledare", "payload": "/human_handoff"}
HOURS_BUTTON = {"title": "Öppettider", "payload": "/opening_hours"}


def greeting(buttons: list[dict[str, str]]):
    return lambda sender, text: [{"recipient_id": sender, "text": "Vad vill du veta?", "buttons": buttons}]


async def post(client, conversation_id: str, auth: dict[str, str], **body):
    response = await client.post(f"/api/conversations/{conversation_id}/messages", json=body, headers=auth)
    assert response.status == 200, await response.text()
    return await response.json()


async def history_texts(client, conversation_id: str, auth: dict[str, str]) -> list[tuple[str, str]]:
    history = await (await client.get(f"/api/conversations/{conversation_id}", headers=auth)).json()
    return [(m["from"], m["text"]) for m in history["messages"]]


async def stored_titles(client, conversation_id: str) -> list[tuple[str, str | None]]:
    async with client.app[DB_KEY]() as session:
        rows = await session.exec(
            select(Message).where(Message.conversation_id == conversation_id, Message.sender == "resident")
        )
        return [(m.text, m.title) for m in rows.all()]


async def test_an_offered_title_is_stored_and_shown_while_rasa_gets_the_payload(client, rasa) -> None:
    conversation_id, auth = await new_conversation(client)
    rasa.answer = greeting([HOURS_BUTTON, HANDOFF_BUTTON])
    await post(client, conversation_id, auth, text="hej")
    await post(client, conversation_id, auth, text="/opening_hours", title="Öppettider")
    assert rasa.received[-1] == {"sender": conversation_id, "message": "/opening_hours"}
    assert await stored_titles(client, conversation_id) == [("hej", None), ("/opening_hours", "Öppettider")]
    texts = await history_texts(client, conversation_id, auth)
    assert texts[2] == ("resident", "Öppettider")
    assert all("/opening_hours" not in text for _, text in texts[:3])


@pytest.mark.parametrize(
    ("payload", "title"),
    [
        ("/opening_hours", "Något annat"),  # no such button
        ("/human_handoff", "Öppettider"),  # a real title, another button's payload
        ("/feeling_unsafe", "Jag känner mig otrygg"),  # offered in an older turn only (below)
    ],
)
async def test_a_title_not_offered_by_the_latest_turn_is_ignored(client, rasa, payload, title) -> None:
    conversation_id, auth = await new_conversation(client)
    rasa.answer = greeting([{"title": "Jag känner mig otrygg", "payload": "/feeling_unsafe"}])
    await post(client, conversation_id, auth, text="hej")
    rasa.answer = greeting([HOURS_BUTTON, HANDOFF_BUTTON])
    await post(client, conversation_id, auth, text="vad kan du")
    body = await post(client, conversation_id, auth, text=payload, title=title)
    assert body["state"] == "bot"  # the message itself is answered as before
    assert (await stored_titles(client, conversation_id))[-1] == (payload, None)


async def test_a_too_long_title_is_refused_in_swedish_and_nothing_is_stored(client, rasa) -> None:
    conversation_id, auth = await new_conversation(client)
    response = await client.post(
        f"/api/conversations/{conversation_id}/messages", json={"text": "/deny", "title": "x" * 201}, headers=auth
    )
    assert response.status == 400
    assert "Fältet title ska vara en text på högst 200 tecken." in (await response.json())["message"]
    assert await stored_titles(client, conversation_id) == []


async def test_the_websocket_frame_carries_the_title(client, rasa) -> None:
    conversation_id, auth = await new_conversation(client)
    rasa.answer = greeting([HOURS_BUTTON])
    await post(client, conversation_id, auth, text="hej")
    socket = await open_resident_socket(client, conversation_id, auth)
    try:
        await socket.send_json(
            {"type": "message", "text": "/opening_hours", "title": "Öppettider", "client_message_id": "tap-1"}
        )
        while True:
            frame = await socket.receive_json(timeout=5)
            if frame.get("type") == "message" and frame.get("from") == "resident":
                break
        assert (frame["text"], frame["client_message_id"]) == ("Öppettider", "tap-1")
    finally:
        await socket.close()


async def test_the_console_and_the_record_show_the_title(client, rasa) -> None:
    csrf = await agent_online(client, "anna")
    conversation_id, auth = await new_conversation(client)
    rasa.answer = greeting([HANDOFF_BUTTON])
    await post(client, conversation_id, auth, text="hej")
    await post(client, conversation_id, auth, text="/human_handoff", title=HANDOFF_BUTTON["title"])
    body = await (await handoff(client, conversation_id)).json()
    async with client.app[DB_KEY]() as session:
        case_id = (await session.exec(select(Case.id).where(Case.reference == body["reference"]))).one()

    queue = await (await client.get("/api/agent/queue")).json()
    row = next(row for row in queue["queue"] if row["id"] == case_id)
    assert row["last_message"] == HANDOFF_BUTTON["title"]

    detail = await (await client.get(f"/api/agent/cases/{case_id}")).json()
    shown = [m["text"] for m in detail["messages"] if m["from"] == "resident"]
    assert shown == ["hej", HANDOFF_BUTTON["title"]]

    headers = {"X-CSRF-Token": csrf}
    assert (await client.post(f"/api/agent/cases/{case_id}/claim", headers=headers)).status == 200
    closed = await client.post(f"/api/agent/cases/{case_id}/close", json={"category": "Övrigt"}, headers=headers)
    assert closed.status == 200, await closed.text()
    record = await (await client.get(f"/api/agent/cases/{case_id}/export.json")).json()
    assert HANDOFF_BUTTON["title"] in [m["text"] for m in record["transcript"]]
    html = await (await client.get(f"/api/agent/cases/{case_id}/export.html")).text()
    assert HANDOFF_BUTTON["title"] in html and "/human_handoff" not in html
    found = (await (await client.get("/api/agent/search", params={"q": "prata med en"})).json())["results"]
    assert [result["reference"] for result in found] == [body["reference"]]
