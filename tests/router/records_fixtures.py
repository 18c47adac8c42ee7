"""Helpers shared by the records and retention tests: a resident's message and a whole closed chat."""
from __future__ import annotations

from sqlmodel import select

from router.keys import DB_KEY
from router.models import Case
from tests.router.client_steps import handoff, new_conversation

RESIDENT_TEXT = "Hej! <script>alert('x')</script> Det är otryggt på Söder & i Planteringen, ring 0701234567"
AGENT_TEXT = "Tack, jag förstår. Kontakta polisen på 114 14."
NOTE_TEXT = "Invånaren verkade orolig – följ upp med områdesgruppen"


async def say(client, conversation_id: str, auth: dict[str, str], text: str) -> None:
    response = await client.post(f"/api/conversations/{conversation_id}/messages", json={"text": text}, headers=auth)
    assert response.status == 200, await response.text()


async def closed_chat(client, csrf: str, category: str = "Övrigt") -> tuple[int, str, str]:
    """A chat the resident started with the bot, handed over, answered, noted and closed by the agent."""
    conversation_id, auth = await new_conversation(client)
    await say(client, conversation_id, auth, RESIDENT_TEXT)
    body = await (await handoff(client, conversation_id)).json()
    assert body["outcome"] == "queued", body
    async with client.app[DB_KEY]() as session:
        case_id = (await session.exec(select(Case.id).where(Case.reference == body["reference"]))).one()
    headers = {"X-CSRF-Token": csrf}
    assert (await client.post(f"/api/agent/cases/{case_id}/claim", headers=headers)).status == 200
    sent = await client.post(f"/api/agent/cases/{case_id}/messages", json={"text": AGENT_TEXT}, headers=headers)
    assert sent.status == 201
    note = await client.post(f"/api/agent/cases/{case_id}/notes", json={"text": NOTE_TEXT}, headers=headers)
    assert note.status == 201
    closed = await client.post(f"/api/agent/cases/{case_id}/close", json={"category": category}, headers=headers)
    assert closed.status == 200, await closed.text()
    return case_id, conversation_id, body["reference"]
