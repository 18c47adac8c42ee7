"""Putting a model into service without a failed resident request.

Rasa's hot swap (`PUT /model`) loads the model inside Rasa's event loop, so the main Rasa answers
nothing for 20–40 s. The swap therefore goes:

1. start a stand-in Rasa on 127.0.0.1 with the new model (same endpoints, so the same tracker store,
   lock store and action server) and wait until it answers a parse. A model that does not load fails
   here, and nothing the residents use has changed;
2. divert every router process's Rasa requests to the stand-in and wait until none is left on the main
   Rasa (router/rasa/diversion.py);
3. `PUT /model` on the main Rasa;
4. send the requests back to the main Rasa, wait until the stand-in has none in flight, stop it.

A router serialises each conversation's messages, so one conversation is never served by both Rasa
processes at once.
"""
from __future__ import annotations

import asyncio
import logging
import re
import socket
import time
from collections import deque
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import aiohttp

from router.errors import ClientError
from router.rasa.diversion import Diversion

log = logging.getLogger(__name__)

SWAP_TIMEOUT = aiohttp.ClientTimeout(total=600)
STATUS_TIMEOUT = aiohttp.ClientTimeout(total=10)
PROBE_TIMEOUT = aiohttp.ClientTimeout(total=5)
STAND_IN_START_SECONDS = 600
STAND_IN_STOP_SECONDS = 20
# How long a stand-in started when training ended waits for the deploy before it is stopped.
WARM_STAND_IN_SECONDS = 15 * 60
OUTPUT_LINES = 40
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FAILURE = re.compile(r"ERROR|Error|error|No valid model|Could not|Traceback")
PROBE_TEXT = "hej"


class RasaError(ClientError):
    status = 502


@dataclass(frozen=True)
class RasaApi:
    """Rasa's model API: which model a Rasa serves, and its hot swap."""

    http: aiohttp.ClientSession
    token: str

    async def serving_file(self, url: str) -> str | None:
        """The file name of the model the Rasa at `url` serves (None when it has none)."""
        try:
            async with self.http.get(f"{url}/status", params={"token": self.token}, timeout=STATUS_TIMEOUT) as response:
                if response.status == 409:  # Rasa is up but has no model: loading the one it was given failed
                    raise RasaError("no_model", "Rasa har ingen modell laddad.")
                if response.status != 200:
                    raise RasaError("rasa_unavailable", f"Rasa svarade {response.status} på /status.")
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            raise RasaError("rasa_unavailable", f"Rasa svarar inte: {error!r}") from None
        return body.get("model_file") if isinstance(body, dict) else None

    async def load(self, url: str, model: Path) -> None:
        """Hot swap: the Rasa at `url` loads `model` and then serves it."""
        try:
            async with self.http.put(
                f"{url}/model", params={"token": self.token}, json={"model_file": str(model)}, timeout=SWAP_TIMEOUT
            ) as response:
                if response.status != 204:
                    raise RasaError("swap_failed", f"Rasa kunde inte ladda modellen ({response.status}): {(await response.text())[:500]}")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise RasaError("swap_failed", f"Rasa kunde inte ladda modellen: {error!r}") from None

    async def parses(self, url: str) -> bool:
        """True when the Rasa at `url` classifies a message (its model is loaded and working)."""
        try:
            async with self.http.post(
                f"{url}/model/parse", params={"token": self.token}, json={"text": PROBE_TEXT}, timeout=PROBE_TIMEOUT
            ) as response:
                body = await response.json(content_type=None)
                return response.status == 200 and isinstance(body, dict) and isinstance(body.get("intent"), dict)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return False


class ServedModel(Protocol):
    async def serving_file(self) -> str | None:
        """The file name of the model that answers residents now (None when Rasa has none)."""
        ...


@runtime_checkable
class Swapper(ServedModel, Protocol):
    async def swap(self, model: Path) -> SwapReport:
        """Put `model` into service."""
        ...

    def warm(self, model: Path) -> None:
        """Start what a swap to `model` will need now, so a deploy soon after does not wait for it."""
        ...


@dataclass(frozen=True)
class MainRasa:
    """The model the main Rasa serves, for a process that does not divert residents and so does not swap
    models itself (the command line)."""

    api: RasaApi
    url: str

    async def serving_file(self) -> str | None:
        return await self.api.serving_file(self.url)


class StandInLauncher(Protocol):
    def serving(self, model: Path) -> AbstractAsyncContextManager[str]:
        """Run a Rasa that serves `model` for the duration of the block; yields its URL once it answers."""
        ...


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RasaProcessLauncher:
    """Starts the stand-in as `rasa run` with the main Rasa's endpoints and credentials, on 127.0.0.1.

    `rasa_server` is the command that stands for `rasa` (paths.RASA_SERVER): it takes the API token
    from RASA_TOKEN in the environment, so the token is on no command line."""

    def __init__(self, api: RasaApi, rasa_server: Sequence[str], project_root: Path, env: dict[str, str],
                 start_seconds: float = STAND_IN_START_SECONDS) -> None:
        self._api = api
        self._rasa_server = tuple(rasa_server)
        self._root = project_root
        self._env = env
        self._start_seconds = start_seconds

    @asynccontextmanager
    async def serving(self, model: Path) -> AsyncIterator[str]:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        output: deque[str] = deque(maxlen=OUTPUT_LINES)
        process = await asyncio.create_subprocess_exec(
            *self._rasa_server, "run", "--enable-api", "--interface", "127.0.0.1", "--port", str(port),
            "--model", str(model), "--endpoints", "endpoints.yml", "--credentials", "credentials.yml",
            cwd=self._root, env={**self._env, "RASA_TOKEN": self._api.token},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        reader = asyncio.create_task(_collect(process, output))
        log.info("stand-in Rasa starting on %s with %s (pid %s)", url, model.name, process.pid)
        try:
            await self._until_ready(process, url, model, output)
            yield url
        finally:
            await _stop(process)
            reader.cancel()
            log.info("stand-in Rasa on %s stopped", url)

    async def _until_ready(self, process: asyncio.subprocess.Process, url: str, model: Path, output: deque[str]) -> None:
        deadline = time.monotonic() + self._start_seconds
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise RasaError("model_does_not_load", f"Modellen gick inte att starta (felkod {process.returncode}): {_tail(output)}")
            try:
                serving = await self._api.serving_file(url)
            except RasaError as error:
                if error.code == "no_model":
                    raise RasaError("model_does_not_load", f"Modellen gick inte att ladda: {_tail(output)}") from None
                serving = None
            if serving and Path(serving).name == model.name and await self._api.parses(url):
                return
            await asyncio.sleep(1)
        raise RasaError("stand_in_timeout", f"Modellen svarade inte inom {self._start_seconds:.0f} sekunder; inget byttes.")


def _tail(output: deque[str]) -> str:
    """What Rasa said about the failure: its last error lines, or else its last lines."""
    errors = [line for line in output if _FAILURE.search(line)]
    return (" | ".join(errors[-4:] or list(output)[-4:]) or "ingen utskrift")[-1500:]


async def _collect(process: asyncio.subprocess.Process, output: deque[str]) -> None:
    assert process.stdout is not None
    while line := await process.stdout.readline():
        text = _ANSI.sub("", line.decode("utf-8", "replace")).strip()
        if text and "DeprecationWarning" not in text:
            output.append(text[:300])


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), STAND_IN_STOP_SECONDS)
        except TimeoutError:
            process.kill()
            await process.wait()


@dataclass
class SwapReport:
    stand_in_seconds: float
    swap_seconds: float
    total_seconds: float


class WarmStandIn:
    """A stand-in started before the deploy (when training has written the model, while the evaluation
    runs): Rasa's load of a model takes a minute or more, which the deploy then does not wait for. It is
    kept until a swap claims it, another model is warmed, or `keep_seconds` pass without a deploy."""

    def __init__(self, launcher: StandInLauncher, model: Path, keep_seconds: float) -> None:
        self.model = model
        self.url: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.release = asyncio.Event()
        self.claimed = False
        # A failure nobody claims is only logged (by the launcher), not warned about as never retrieved.
        self.url.add_done_callback(lambda done: done.cancelled() or done.exception())
        self.task = asyncio.create_task(self._hold(launcher, keep_seconds), name=f"warm-stand-in-{model.name}")

    async def _hold(self, launcher: StandInLauncher, keep_seconds: float) -> None:
        try:
            async with launcher.serving(self.model) as url:
                self.url.set_result(url)
                try:
                    await asyncio.wait_for(self.release.wait(), keep_seconds)
                except TimeoutError:
                    if self.claimed:  # a swap is using it: until the swap ends
                        await self.release.wait()
                    else:
                        log.info("stand-in Rasa for %s not deployed within %.0f s; stopped", self.model.name, keep_seconds)
        except Exception as error:  # noqa: BLE001 - reported to the swap that claims it
            if not self.url.done():
                self.url.set_exception(error)


class ModelSwap:
    def __init__(self, api: RasaApi, diversion: Diversion, launcher: StandInLauncher,
                 warm_seconds: float = WARM_STAND_IN_SECONDS) -> None:
        self._api = api
        self._diversion = diversion
        self._launcher = launcher
        self._warm_seconds = warm_seconds
        self._warm: WarmStandIn | None = None

    def warm(self, model: Path) -> None:
        """Start the stand-in with `model` now; a swap to the same model uses it (see WarmStandIn)."""
        if self._warm is not None:
            self._warm.release.set()
        self._warm = WarmStandIn(self._launcher, model, self._warm_seconds)

    @asynccontextmanager
    async def _stand_in(self, model: Path) -> AsyncIterator[str]:
        """The warm stand-in when it is for this model and still there, else one started now."""
        warm, self._warm = self._warm, None
        if warm is not None and warm.model == model and not warm.task.done():
            warm.claimed = True
            try:
                yield await warm.url
            finally:
                warm.release.set()
                await warm.task
            return
        if warm is not None:
            warm.release.set()
        async with self._launcher.serving(model) as url:
            yield url

    async def serving_file(self) -> str | None:
        """The model that answers residents now."""
        return await self._api.serving_file(self._diversion.upstream.url)

    async def swap(self, model: Path) -> SwapReport:
        """Put `model` into service on the main Rasa, residents served by a stand-in meanwhile.
        Shielded: an administrator closing the page does not leave the residents diverted."""
        return await asyncio.shield(self._swap(model))

    async def _swap(self, model: Path) -> SwapReport:
        started = time.monotonic()
        async with self._stand_in(model) as stand_in:
            ready = time.monotonic()
            try:
                try:
                    await self._diversion.everywhere("divert", stand_in)
                except Exception as error:  # the pub/sub failed: nothing is swapped
                    raise RasaError("diversion_failed", f"Invånarnas frågor kunde inte flyttas till den nya modellen: {error!r}") from None
                await self._api.load(self._diversion.upstream.main_url, model)
                swapped = time.monotonic()
            finally:
                await self._diversion.restore_everywhere()
        return SwapReport(
            stand_in_seconds=round(ready - started, 1), swap_seconds=round(swapped - ready, 1),
            total_seconds=round(time.monotonic() - started, 1),
        )
