"""Malformed HTTP (a control character in a header, a broken request line) is answered 400 by aiohttp's
parser before any handler runs, and aiohttp logs it on `aiohttp.server` as an error with a traceback.
It is the client's mistake, not ours: this filter turns such a record into one warning line, so an
error with a traceback in the log always means a fault in the router."""
from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError

SERVER_LOGGER = "aiohttp.server"


class MalformedRequestFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError) and error.code == 400:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg, record.args = "malformed HTTP request refused with 400: %s", (error.message.splitlines()[0],)
            record.exc_info, record.exc_text = None, None
        return True


def quiet_malformed_requests() -> None:
    """Install the filter on aiohttp's server logger (once)."""
    logger = logging.getLogger(SERVER_LOGGER)
    if not any(isinstance(existing, MalformedRequestFilter) for existing in logger.filters):
        logger.addFilter(MalformedRequestFilter())
