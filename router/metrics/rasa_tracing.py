"""Timing and failures of the router's requests to Rasa, from aiohttp's client tracing.

The Rasa client's HTTP session carries this trace config (router/app.py), so every request the router
makes to Rasa — the REST webhook, the tracker, resume — is seen where it is made, without the Rasa client
knowing about metrics: a webhook request is timed (`chat_rasa_request_seconds`: Rasa alone, the
difference to `chat_bot_reply_seconds` is the router's own share), and each request that times out, cannot
connect or gets an error status adds to `chat_rasa_errors_total{kind}`.
"""
from __future__ import annotations

import time
from types import SimpleNamespace

import aiohttp

from router.metrics.chat_metrics import ChatMetrics
from router.rasa.client import WEBHOOK_PATH


def rasa_tracing(metrics: ChatMetrics) -> aiohttp.TraceConfig:
    tracing = aiohttp.TraceConfig()

    async def started(_session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestStartParams) -> None:
        context.started = time.perf_counter()
        context.webhook = params.url.path.endswith(WEBHOOK_PATH)

    def finished(context: SimpleNamespace) -> None:
        if context.webhook:
            metrics.rasa_request_seconds.observe(time.perf_counter() - context.started)

    async def answered(_session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams) -> None:
        finished(context)
        if params.response.status != 200:
            metrics.rasa_errors.labels("status").inc()

    async def failed(
        _session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestExceptionParams
    ) -> None:
        finished(context)
        metrics.rasa_errors.labels("timeout" if isinstance(params.exception, TimeoutError) else "connection").inc()

    tracing.on_request_start.append(started)
    tracing.on_request_end.append(answered)
    tracing.on_request_exception.append(failed)
    return tracing
