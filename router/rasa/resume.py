"""Letting Rasa answer again after a person was involved (the handoff action paused the conversation)."""
from __future__ import annotations

import logging

from router.core.db import SessionMaker
from router.models import Conversation
from router.rasa.client import RasaClient, RasaUnavailable

log = logging.getLogger(__name__)


async def resume_bot(maker: SessionMaker, rasa: RasaClient, conversation_id: str) -> None:
    """Send Rasa the resume event; if Rasa is unreachable, remember to resume before the next message."""
    try:
        await rasa.resume(conversation_id)
    except RasaUnavailable as error:
        log.warning("could not resume Rasa for %s (will retry on the next message): %s", conversation_id, error)
        async with maker() as session:
            conversation = await session.get(Conversation, conversation_id)
            conversation.needs_resume = True
            await session.commit()
