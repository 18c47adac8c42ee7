"""The router's log: a readable line by default, or one JSON object per line (`LOG_FORMAT=json`) for the
city's log collector.

A JSON line has `time` (UTC, ISO 8601), `level`, `logger`, `message`, and, when the line concerns one,
`conversation_id` and `case_reference`, plus `exception` with a traceback. Those come from the record
(`log.info(..., extra={"case_reference": ...})`) or from the request being handled: `log_context` binds the
conversation of a resident's request. Only these fields are written — not every `extra` attribute, which is
why this is a small formatter of its own and not python-json-logger (it writes them all) — so a message's
text or a token put on a record never reaches the log by a side door. The masking filter
(router/privacy/masking.py) rewrites the message and traceback of every record before either format sees it.
"""
from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import datetime, timezone

from aiohttp import web
from aiohttp.typedefs import Handler

from router.privacy.masking import install_masking_filter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONTEXT_FIELDS = ("conversation_id", "case_reference")
CONVERSATION_PREFIXES = ("/api/conversations/", "/ws/conversations/")

_context: dict[str, ContextVar[str | None]] = {name: ContextVar(name, default=None) for name in CONTEXT_FIELDS}


class JsonLogFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None) or _context[name].get()
            if value:
                entry[name] = str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(log_format: str, level: int = logging.INFO) -> None:
    """Log to stderr in `log_format` ("text" or "json"), every line masked. Call once, at start."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLogFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    install_masking_filter()  # on every root handler, also one a test harness put there


@web.middleware
async def log_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Lines logged while a resident's request is handled name its conversation (tasks the request starts
    copy the context; the binding is undone when the request ends, so the next one never inherits it)."""
    conversation_id = request.match_info.get("id") if request.path.startswith(CONVERSATION_PREFIXES) else None
    bound = _context["conversation_id"].set(conversation_id)
    try:
        return await handler(request)
    finally:
        _context["conversation_id"].reset(bound)
