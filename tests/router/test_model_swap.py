"""The swap without a failed resident request (router/admin/swap.py): residents' Rasa requests go to a
stand-in while the main Rasa loads the model, requests already running on the main Rasa finish before
the swap starts, failures leave the main Rasa serving, and the stand-in is a real process that is
started, probed and stopped (here a small script speaking Rasa's HTTP API; the real Rasa in
tests/e2e/test_admin_retrain.py)."""
from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from router.admin.swap import ModelSwap, RasaApi, RasaError, RasaProcessLauncher
from router.rasa.client import RasaClient
from tests.router.admin_fixtures import listening_diversion
from tests.router.waiting import eventually

pytestmark = pytest.mark.asyncio

TOKEN = "swap-token"
MODEL = Path("/models/new.tar.gz")


class FakeRasa:
    """Answers every message with its own name; `PUT /model` waits for `release` (Rasa is frozen while it
    loads a model); a message "slow" waits for `slow_release`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.put_received = asyncio.Event()
        self.release = asyncio.Event()
        self.slow_started = asyncio.Event()
        self.slow_release = asyncio.Event()
        self.put_fails = False
        self.loaded: list[str] = []
        self.answered: list[str] = []

    def app(self) -> web.Application:
        async def webhook(request: web.Request) -> web.Response:
            body = await request.json()
            if body["message"] == "slow":
                self.slow_started.set()
                await self.slow_release.wait()
            self.answered.append(body["message"])
            return web.json_response([{"recipient_id": body["sender"], "text": self.name}])

        async def load(request: web.Request) -> web.Response:
            assert request.query["token"] == TOKEN
            self.put_received.set()
            await self.release.wait()
            if self.put_fails:
                return web.json_response({"message": "LoadingError"}, status=500)
            self.loaded.append((await request.json())["model_file"])
            return web.Response(status=204)

        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", webhook)
        app.router.add_put("/model", load)
        return app


class Launcher:
    def __init__(self, url: str, fail: bool = False) -> None:
        self.url, self.fail = url, fail
        self.running = False
        self.started: list[str] = []

    @asynccontextmanager
    async def serving(self, model: Path) -> AsyncIterator[str]:
        if self.fail:
            raise RasaError("model_does_not_load", "trasig")
        self.started.append(model.name)
        self.running = True
        try:
            yield self.url
        finally:
            self.running = False


@pytest_asyncio.fixture
async def rig(aiohttp_server):
    main, stand_in = FakeRasa("main"), FakeRasa("stand-in")
    main_server = await aiohttp_server(main.app(), host="127.0.0.1")
    stand_in_server = await aiohttp_server(stand_in.app(), host="127.0.0.1")
    async with aiohttp.ClientSession() as http, listening_diversion(http, str(main_server.make_url(""))) as diversion:
        launcher = Launcher(str(stand_in_server.make_url("")).rstrip("/"))
        swap = ModelSwap(RasaApi(http, TOKEN), diversion, launcher)
        upstream = diversion.upstream
        yield main, stand_in, RasaClient(http, upstream, TOKEN), swap, launcher, upstream


async def _text(client: RasaClient, message: str) -> str:
    return (await client.send("resident", message)).replies[0]["text"]


async def test_residents_are_served_by_the_stand_in_while_the_main_rasa_loads(rig):
    main, stand_in, client, swap, launcher, upstream = rig
    assert await _text(client, "före") == "main"
    swapping = asyncio.create_task(swap.swap(MODEL))
    await asyncio.wait_for(main.put_received.wait(), 5)
    assert launcher.running and upstream.diverted
    assert [await _text(client, f"under {n}") for n in range(3)] == ["stand-in"] * 3
    main.release.set()
    report = await asyncio.wait_for(swapping, 5)
    assert main.loaded == [str(MODEL)] and not launcher.running and not upstream.diverted
    assert await _text(client, "efter") == "main"
    assert main.answered == ["före", "efter"] and stand_in.answered == ["under 0", "under 1", "under 2"]
    assert report.total_seconds >= report.swap_seconds >= 0


async def test_a_request_running_on_the_main_rasa_finishes_before_it_starts_loading(rig):
    main, stand_in, client, swap, launcher, upstream = rig
    slow = asyncio.create_task(_text(client, "slow"))
    await asyncio.wait_for(main.slow_started.wait(), 5)
    swapping = asyncio.create_task(swap.swap(MODEL))

    async def diverted() -> bool:
        return upstream.diverted

    await eventually(diverted, "the residents diverted to the stand-in")
    await asyncio.sleep(0.3)  # time enough to start loading, if it did not wait
    assert not main.put_received.is_set()  # waits for the slow request
    assert await _text(client, "ny") == "stand-in"
    main.slow_release.set()
    assert await slow == "main"
    await asyncio.wait_for(main.put_received.wait(), 5)
    main.release.set()
    await asyncio.wait_for(swapping, 5)
    assert main.loaded == [str(MODEL)]


async def test_a_stand_in_warmed_when_training_ended_serves_the_swap(rig):
    main, stand_in, client, swap, launcher, upstream = rig
    swap.warm(MODEL)
    while not launcher.running:  # started before any deploy
        await asyncio.sleep(0.01)
    main.release.set()
    await asyncio.wait_for(swap.swap(MODEL), 5)
    assert launcher.started == [MODEL.name] and not launcher.running  # the same stand-in, stopped after the swap
    assert main.loaded == [str(MODEL)]


async def test_a_warm_stand_in_for_another_model_is_stopped_and_not_used(rig):
    main, stand_in, client, swap, launcher, upstream = rig
    other = MODEL.with_name("other.tar.gz")
    swap.warm(other)
    while not launcher.running:
        await asyncio.sleep(0.01)
    main.release.set()
    await asyncio.wait_for(swap.swap(MODEL), 5)
    assert launcher.started == [other.name, MODEL.name] and main.loaded == [str(MODEL)]


async def test_a_warm_stand_in_nobody_deploys_is_stopped_after_its_time(rig):
    main, stand_in, client, swap, launcher, upstream = rig
    swap._warm_seconds = 0.2
    swap.warm(MODEL)
    while not launcher.running:
        await asyncio.sleep(0.01)
    for _ in range(200):  # at most 10 s
        if not launcher.running:
            break
        await asyncio.sleep(0.05)
    assert not launcher.running
    main.release.set()
    await asyncio.wait_for(swap.swap(MODEL), 5)  # a fresh stand-in
    assert launcher.started == [MODEL.name, MODEL.name]


async def test_a_model_that_does_not_load_changes_nothing(rig):
    main, stand_in, client, swap, launcher, upstream = rig
    launcher.fail = True
    with pytest.raises(RasaError) as refused:
        await swap.swap(MODEL)
    assert refused.value.code == "model_does_not_load"
    assert not main.put_received.is_set() and not upstream.diverted
    assert await _text(client, "hej") == "main"


async def test_a_failed_swap_sends_residents_back_to_the_main_rasa(rig):
    main, stand_in, client, swap, launcher, upstream = rig
    main.put_fails = True
    main.release.set()
    with pytest.raises(RasaError) as refused:
        await swap.swap(MODEL)
    assert refused.value.code == "swap_failed"
    assert not upstream.diverted and not launcher.running
    assert await _text(client, "hej") == "main"


# --- the stand-in as a real process ----------------------------------------------------------------------

FAKE_RASA = r'''
import http.server, json, os, sys
args = sys.argv[1:]
if args[0] != "run" or "--enable-api" not in args:
    sys.exit("bad arguments")
model = args[args.index("--model") + 1]
print("Loading model", model, flush=True)
if "unloadable" in model:  # what Rasa 3.6 prints, colours and all
    print("fontconfig_pattern.py:127: PyparsingDeprecationWarning: 'parseString' deprecated", flush=True)
    print("\x1b[93mio.py:100: UserWarning: No valid model found at " + model + "!", flush=True)
    print("\x1b[0m2026-11-27 20:52:17 INFO     root  - Rasa server is up and running.", flush=True)
if "broken" in model:
    print("rasa.shared.exceptions.InvalidModelError: the model is broken")
    sys.exit(1)
port = int(args[args.index("--port") + 1])
assert not any("auth-token" in arg for arg in args), "the token must not be on the command line"
token = os.environ["RASA_TOKEN"]
assert args[args.index("--interface") + 1] == "127.0.0.1"

class Handler(http.server.BaseHTTPRequestHandler):
    def _json(self, body, status=200):
        data = json.dumps(body).encode()
        self.send_response(status if ("token=" + token) in self.path else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if "unloadable" in model:  # what Rasa does when the model fails to load: it serves without one
            self._json({"status": "failure", "message": "No agent loaded.", "code": 409}, 409)
        else:
            self._json({"model_file": model.rsplit("/", 1)[-1]})

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self._json({"intent": {"name": "greet", "confidence": 0.99}})

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
'''


@pytest.fixture
def fake_rasa_bin(tmp_path: Path) -> Path:
    script = tmp_path / "rasa"
    script.write_text(f"#!{sys.executable}\n{FAKE_RASA}")
    script.chmod(0o755)
    return script


async def test_the_stand_in_process_is_started_probed_and_stopped(fake_rasa_bin, tmp_path):
    async with aiohttp.ClientSession() as http:
        api = RasaApi(http, TOKEN)
        launcher = RasaProcessLauncher(api, [str(fake_rasa_bin)], tmp_path, dict(os.environ), start_seconds=30)
        async with launcher.serving(MODEL) as url:
            assert url.startswith("http://127.0.0.1:")
            assert await api.serving_file(url) == "new.tar.gz" and await api.parses(url)
        with pytest.raises(RasaError):
            await api.serving_file(url)  # stopped


async def test_a_stand_in_that_exits_reports_rasas_last_words(fake_rasa_bin, tmp_path):
    async with aiohttp.ClientSession() as http:
        launcher = RasaProcessLauncher(RasaApi(http, TOKEN), [str(fake_rasa_bin)], tmp_path, dict(os.environ), start_seconds=30)
        with pytest.raises(RasaError) as refused:
            async with launcher.serving(Path("/models/broken.tar.gz")):
                pytest.fail("a broken model must not be served")
    assert refused.value.code == "model_does_not_load"
    assert "felkod 1" in refused.value.message and "the model is broken" in refused.value.message


async def test_a_stand_in_that_never_answers_is_stopped_after_the_deadline(tmp_path):
    silent = tmp_path / "rasa"
    pid_file = tmp_path / "pid"
    silent.write_text(f"#!{sys.executable}\nimport os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(600)\n")
    silent.chmod(0o755)
    async with aiohttp.ClientSession() as http:
        launcher = RasaProcessLauncher(RasaApi(http, TOKEN), [str(silent)], tmp_path, dict(os.environ), start_seconds=2)
        with pytest.raises(RasaError) as refused:
            async with launcher.serving(MODEL):
                pytest.fail("nothing answered")
    assert refused.value.code == "stand_in_timeout"
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)  # stopped and reaped


async def test_a_stand_in_that_serves_without_a_model_is_refused_at_once(fake_rasa_bin, tmp_path):
    async with aiohttp.ClientSession() as http:
        launcher = RasaProcessLauncher(RasaApi(http, TOKEN), [str(fake_rasa_bin)], tmp_path, dict(os.environ), start_seconds=30)
        with pytest.raises(RasaError) as refused:
            async with launcher.serving(Path("/models/unloadable.tar.gz")):
                pytest.fail("a model that did not load must not be served")
    assert refused.value.code == "model_does_not_load"
    assert refused.value.message == (
        "Modellen gick inte att ladda: io.py:100: UserWarning: No valid model found at /models/unloadable.tar.gz!")
