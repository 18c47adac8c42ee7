"""The router's log: LOG_FORMAT=json gives one JSON object per line with the conversation and case it
concerns, the default stays a readable line, and both are masked."""
from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from router.core.config import Settings
from router.logs import JsonLogFormatter, configure_logging
from router.privacy.masking import MaskingFilter
from tests.router.client_steps import agent_online, handoff, new_conversation

PERSONNUMMER = "19121212-1212"
PHONE = "070-123 45 67"


@pytest.fixture
def root_logging() -> Iterator[None]:
    """configure_logging adds a handler to the root logger (and masks the ones there): undo it."""
    root = logging.getLogger()
    handlers, level = {handler: handler.filters[:] for handler in root.handlers}, root.level
    yield
    for handler in root.handlers[:]:
        if handler in handlers:
            handler.filters[:] = handlers[handler]
        else:
            root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the router's loggers write, as the JSON format writes it (masking filter included)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLogFormatter())
    handler.addFilter(MaskingFilter())
    logger = logging.getLogger("router")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(previous)


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_are_masked_and_carry_only_their_fields(root_logging, capsys) -> None:
    configure_logging("json")
    log = logging.getLogger("router.example")
    log.warning(
        "resident %s called from %s", PERSONNUMMER, PHONE,
        extra={"case_reference": "HBG-2026-000123", "text": "hemlig text", "token": "secret-token"},
    )
    try:
        raise RuntimeError(f"failed for {PERSONNUMMER}")
    except RuntimeError:
        log.exception("it broke")
    first, second = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert set(first) == {"time", "level", "logger", "message", "case_reference"}
    assert first["level"] == "WARNING" and first["logger"] == "router.example"
    assert first["message"] == "resident [personnummer] called from [telefonnummer]"
    assert first["case_reference"] == "HBG-2026-000123"
    assert first["time"].endswith("+00:00")
    assert second["message"] == "it broke"
    assert "RuntimeError: failed for [personnummer]" in second["exception"]
    assert PERSONNUMMER not in json.dumps(second)


def test_the_default_stays_a_readable_masked_line(root_logging, capsys) -> None:
    configure_logging(Settings().log_format)
    logging.getLogger("router.example").info("call %s", PHONE)
    line = capsys.readouterr().err.strip()
    assert line.endswith("INFO router.example: call [telefonnummer]")
    with pytest.raises(ValueError):
        json.loads(line)


def test_an_unknown_log_format_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        Settings.from_env()


@pytest.mark.asyncio
async def test_a_residents_request_names_its_conversation(client, rasa, json_lines) -> None:
    conversation_id, auth = await new_conversation(client)
    rasa.mode = "error"
    response = await client.post(
        f"/api/conversations/{conversation_id}/messages", json={"text": f"mitt nummer är {PHONE}"}, headers=auth
    )
    assert response.status == 200
    line = next(line for line in _lines(json_lines) if line["message"].startswith("Rasa unavailable"))
    assert line["conversation_id"] == conversation_id
    assert "nummer" not in json_lines.getvalue()  # the resident's words are never logged


@pytest.mark.asyncio
async def test_a_queued_chat_is_logged_with_its_case_reference(client, json_lines) -> None:
    await agent_online(client)
    conversation_id, _ = await new_conversation(client)
    reference = (await (await handoff(client, conversation_id)).json())["reference"]
    line = next(line for line in _lines(json_lines) if line["logger"] == "router.handoff.handoff")
    assert line["case_reference"] == reference and line["conversation_id"] == conversation_id
