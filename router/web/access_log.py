"""The router's access log: one line per request, with the path but never the query string.

aiohttp's default format writes the whole request line (`%r`), query string included; a query can carry
what must not end up in a log file (an old widget's token, a search for a name). The line keeps what an
operator needs: client address, method, path, status, size and duration.
"""
from __future__ import annotations

import logging

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse


class PathOnlyAccessLogger(AbstractAccessLogger):
    """`127.0.0.1 "GET /api/hours" 200 512 0.003s`. Pass as `access_log_class` to `web.run_app`."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        if not self.logger.isEnabledFor(logging.INFO):
            return
        self.logger.info(
            '%s "%s %s" %s %s %.3fs',
            request.remote or "-", request.method, request.path, response.status, response.body_length, time,
        )
