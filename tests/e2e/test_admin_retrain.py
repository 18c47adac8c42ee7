"""End to end with the real Rasa: an administrator takes uncertain resident messages from the inbox,
annotates them, changes a response text, trains (one real `rasa train`, few epochs), evaluates against
the model in service, passes the deploy gate (or overrides it with a reason), hot-swaps the model while
residents keep chatting (every message must get the assistant's answer within the router's normal Rasa
timeout, none the router's "assistant unavailable" reply), refuses a model file that does not load, and
rolls back from the command line (`python -m bot admin rollback`, which goes through the router).

The administration works on a copy of the project files (ADMIN_PROJECT_DIR), so the repository's
data/ and domain.yml are never changed. Measurements are printed and written to
$ADMIN_E2E_REPORT (default: <tmp>/admin-e2e-report.json).
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Awaitable
from pathlib import Path

import aiohttp
import pytest
import yaml

from assistant import paths
from router import texts
from tests.e2e.stack import AGENT_PASSWORD, RunningStack, start_stack

pytestmark = pytest.mark.asyncio

# A day's messages and the intent an administrator gives each (None: dismiss); shared with bench/admin_loop.py.
RESIDENT_MESSAGES: dict[str, str | None] = yaml.safe_load(
    (Path(__file__).with_name("inbox_batch.yml")).read_text(encoding="utf-8")
)["messages"]
MAX_INTENT_ANNOTATIONS = 5
# Enough epochs for the progress bar to be seen and for the model to tell 'hej då' from the rest.
TRAINING_EPOCHS = 15
GOODBYE_MARK = "(uppdaterad av administratör)"


def few_epochs(config_file: Path) -> dict:
    """The project's pipeline with every trained component cut to TRAINING_EPOCHS: this test checks the
    administrator's flow (progress, evaluation, gate, swap, rollback), not the model's quality, which
    `make test-nlu` measures on the real configuration. A full training here cost CI eight minutes."""
    config = yaml.safe_load(config_file.read_text())
    for component in config["pipeline"] + config.get("policies", []):
        if "epochs" in component:
            component["epochs"] = TRAINING_EPOCHS
    return config


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("admin-project")
    shutil.copy2(paths.ROOT / "domain.yml", root / "domain.yml")
    (root / "config.yml").write_text(yaml.safe_dump(few_epochs(paths.ROOT / "config.yml"), allow_unicode=True))
    shutil.copytree(paths.ROOT / "data", root / "data")
    (root / ".spacy").symlink_to(paths.SPACY_MODEL.parent.resolve(), target_is_directory=True)
    (root / "models").mkdir()
    return root


@pytest.fixture(scope="module")
def admin_stack(tmp_path_factory, project_copy: Path) -> RunningStack:
    settings = tmp_path_factory.mktemp("admin-settings")
    for file in (paths.ROOT / "settings").glob("*.yml"):
        shutil.copy2(file, settings / file.name)
    admin = yaml.safe_load((settings / "admin.yml").read_text())
    admin["inbox"]["confidence_threshold"] = 0.95  # more of the test's messages land in the inbox
    (settings / "admin.yml").write_text(yaml.safe_dump(admin, allow_unicode=True))
    running = start_stack(
        tmp_path_factory.mktemp("admin-stack"),
        # The router's default Rasa timeout (10 s) applies: the swap must not make residents wait for it.
        extra_env={"ADMIN_PROJECT_DIR": str(project_copy), "SETTINGS_DIR": str(settings)},
        timeout=600,  # Rasa loads slowly on the shared 2-core machine
    )
    # The model Rasa was started with, where the administration looks for models.
    (project_copy / "models" / running.stack.model.name).symlink_to(running.stack.model.resolve())
    yield running
    running.stack.stop()


async def _resident(http: aiohttp.ClientSession, base: str) -> tuple[str, dict]:
    async with http.post(f"{base}/api/conversations") as response:
        assert response.status == 201
        created = await response.json()
    return created["id"], {"Authorization": f"Bearer {created['token']}"}


async def _say(http, base, conversation, auth, text) -> dict:
    async with http.post(f"{base}/api/conversations/{conversation}/messages", json={"text": text}, headers=auth) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def _admin_login(base: str) -> tuple[aiohttp.ClientSession, dict]:
    admin = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with admin.get(f"{base}/agent/login?next=admin") as response:
        token = re.search(r'name="csrf_token" value="([^"]+)"', await response.text()).group(1)
    async with admin.post(f"{base}/agent/login?next=admin", allow_redirects=False,
                          data={"username": "admin", "password": AGENT_PASSWORD, "csrf_token": token}) as response:
        assert response.status == 303 and response.headers["Location"] == "/admin"
    async with admin.get(f"{base}/api/agent/me") as response:
        return admin, {"X-CSRF-Token": (await response.json())["csrf_token"]}


async def _json(session, method, url, expect=200, **kwargs):
    async with session.request(method, url, **kwargs) as response:
        body = await response.json()
        assert response.status == expect, (response.status, body)
        return body


class Chatter:
    """Residents chatting continuously; records every message's status, latency and whether the
    answer came from the assistant (not the router's "Rasa is down" reply)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.results: list[dict] = []
        self._stop = asyncio.Event()

    async def _one(self, http: aiohttp.ClientSession, number: int) -> None:
        conversation, auth = await _resident(http, self.base)
        texts_to_send = ["hej", "vilka öppettider har ni", "tack så mycket", "hur anmäler jag ett brott"]
        i = 0
        while not self._stop.is_set():
            text = texts_to_send[i % len(texts_to_send)]
            started = time.monotonic()
            async with http.post(f"{self.base}/api/conversations/{conversation}/messages",
                                 json={"text": text}, headers=auth) as response:
                body = await response.json()
                replies = body.get("replies", [])
                fallback = any(r["text"].startswith(texts.rasa_down("")[:40]) for r in replies)
                self.results.append({"resident": number, "status": response.status, "seconds": time.monotonic() - started,
                                     "replied": bool(replies), "router_fallback": fallback, "at": time.time()})
            i += 1

    async def run(self, residents: int = 3):
        async with aiohttp.ClientSession() as http:
            await asyncio.gather(*(self._one(http, n) for n in range(residents)))

    def stop(self) -> None:
        self._stop.set()


async def _while_chatting(base: str, swap: Awaitable[dict]) -> tuple[dict, Chatter]:
    chatter = Chatter(base)
    chatting = asyncio.create_task(chatter.run())
    await asyncio.sleep(3)
    try:
        result = await swap
        await asyncio.sleep(3)
    finally:
        chatter.stop()
        await chatting
    return result, chatter


async def _command_line(stack: RunningStack, *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=paths.ROOT, env=stack.stack.environment(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()


def _every_message_answered_by_the_assistant(chatter: Chatter) -> None:
    assert chatter.results, "no resident wrote during the swap"
    unanswered = [r for r in chatter.results if r["status"] != 200 or not r["replied"] or r["router_fallback"]]
    assert not unanswered, unanswered


async def test_inbox_annotate_train_evaluate_gate_deploy_rollback(admin_stack: RunningStack, project_copy: Path):
    base = admin_stack.base_url
    report: dict = {}
    admin, csrf = await _admin_login(base)
    try:
        # Residents write; the router stores the intent Rasa predicted.
        async with aiohttp.ClientSession() as http:
            for text in RESIDENT_MESSAGES:
                conversation, auth = await _resident(http, base)
                await _say(http, base, conversation, auth, text)
        deadline = time.monotonic() + 30
        while True:
            inbox = (await _json(admin, "GET", f"{base}/api/admin/inbox"))["items"]
            if len(inbox) >= 2 or time.monotonic() > deadline:
                break
            await asyncio.sleep(1)
        report["inbox"] = [{"text": i["text"], "intent": i["intent"], "confidence": i["confidence"],
                            "reasons": i["reasons"]} for i in inbox]
        assert inbox, "no resident message landed in the inbox"
        assert not any(re.search(r"070-123|811218", item["text"]) for item in inbox)

        # Annotate: a batch of examples (each change checked incrementally, router/admin/nlu_check.py; the real
        # `rasa data validate` runs on the whole project when the training starts).
        annotated = []
        original_of = {re.sub(r"\s+", " ", t): t for t in RESIDENT_MESSAGES}
        for item in inbox:
            original = next((t for masked, t in original_of.items() if item["text"] == masked), None)
            wanted = RESIDENT_MESSAGES.get(original) if original else None
            if wanted and len(annotated) < MAX_INTENT_ANNOTATIONS:
                action = {"action": "out_of_scope"} if wanted == "out_of_scope" else {"action": "intent", "intent": wanted}
                async with admin.post(f"{base}/api/admin/inbox/{item['id']}/annotate", json=action, headers=csrf) as response:
                    body = await response.json()
                    if response.status == 200:
                        annotated.append((item["text"], wanted))
                        continue
                    assert response.status == 400 and body["error"] in ("duplicate_example", "held_out_example"), body
            await _json(admin, "POST", f"{base}/api/admin/inbox/{item['id']}/annotate", json={"action": "dismiss"}, headers=csrf)
        report["annotated"] = annotated
        assert annotated, "nothing could be annotated"
        nlu_text = "".join(p.read_text() for p in (project_copy / "data" / "nlu").glob("*.yml"))
        for text, _ in annotated:
            assert f"- {text}\n" in nlu_text

        # A response text change, so the deployed model is recognisable by what it says.
        goodbye = (await _json(admin, "GET", f"{base}/api/admin/responses"))["responses"]
        old_goodbye = next(r for r in goodbye if r["name"] == "utter_goodbye")["variants"][0]["text"]
        await _json(admin, "POST", f"{base}/api/admin/responses/utter_goodbye/0",
                    json={"text": f"{old_goodbye} {GOODBYE_MARK}"}, headers=csrf)

        # Train: one at a time; the old model keeps answering; progress is polled.
        train_started = time.monotonic()
        job = await _json(admin, "POST", f"{base}/api/admin/train", expect=202, headers=csrf)
        await _json(admin, "POST", f"{base}/api/admin/train", expect=409, headers=csrf)
        stages, epochs, answered_during_training = set(), set(), False
        async with aiohttp.ClientSession() as http:
            conversation, auth = await _resident(http, base)
            while job["status"] == "running":
                await asyncio.sleep(0.5)  # an incremental training runs a quarter of the epochs: poll often
                job = (await _json(admin, "GET", f"{base}/api/admin/job"))["job"]
                stages.add(job["stage"])
                if job["epoch"]:
                    epochs.add(job["epoch"])
                if not answered_during_training and job["stage"] == "training":
                    reply = await _say(http, base, conversation, auth, "hej då")
                    assert GOODBYE_MARK not in reply["replies"][0]["text"]
                    answered_during_training = True
        assert job["status"] == "succeeded", (job["error"], job["output"])
        report["train_job"] = {k: job[k] for k in ("seconds", "rss_peak_mb", "result")}
        # The progress moved through the epochs: a full training runs TRAINING_EPOCHS, an incremental one (the
        # default when only examples changed, issue 14) a quarter of them.
        epochs_seen = 2 if job["result"]["incremental"] else 4
        assert {"training", "evaluating"} <= stages and len(epochs) >= epochs_seen and answered_during_training
        assert job["result"]["train_rss_peak_mb"] > 100

        # Evaluate: the new model next to the one in service, per intent, with the confusion matrix.
        new_id = job["result"]["model_id"]
        evaluation = await _json(admin, "GET", f"{base}/api/admin/models/{new_id}/evaluation")
        assert evaluation["serving"]["name"] == admin_stack.stack.model.name
        old_id = evaluation["serving"]["id"]
        report["f1_before"] = evaluation["serving"]["macro_f1"]
        # The model in service had no evaluation: it was evaluated beside the training, done with the job.
        assert report["f1_before"] is not None and evaluation["serving"]["emergency_recall"] is not None
        report["f1_after"] = evaluation["model"]["macro_f1"]
        report["emergency_recall_before"] = evaluation["serving"]["emergency_recall"]
        report["emergency_recall_after"] = evaluation["model"]["emergency_recall"]
        report["gate_problems"] = evaluation["gate_problems"]
        assert len(evaluation["evaluation"]["intents"]) >= 29
        async with admin.get(f"{base}/api/admin/models/{new_id}/confusion.png") as response:
            assert response.status == 200 and (await response.read()).startswith(b"\x89PNG")

        # The gate, then the hot swap while residents chat.
        body: dict = {}
        if evaluation["gate_problems"]:
            await _json(admin, "POST", f"{base}/api/admin/models/{new_id}/deploy", expect=409, json={}, headers=csrf)
            body = {"override_reason": "E2E-test: driftsätts trots spärren för att prova bytet"}
        deployed, chatter = await _while_chatting(
            base, _json(admin, "POST", f"{base}/api/admin/models/{new_id}/deploy", json=body, headers=csrf))
        report["train_to_deployed_seconds"] = round(time.monotonic() - train_started, 1)
        report["deploy"] = {k: deployed[k] for k in ("stand_in_seconds", "swap_seconds", "total_seconds")}
        report["deploy_chat"] = _chat_summary(chatter)
        _every_message_answered_by_the_assistant(chatter)
        async with aiohttp.ClientSession() as http:
            conversation, auth = await _resident(http, base)
            assert GOODBYE_MARK in (await _say(http, base, conversation, auth, "hej då"))["replies"][0]["text"]

        # A model file that does not load: refused with Rasa's reason, the model in service untouched.
        broken = project_copy / "models" / "broken.tar.gz"
        broken.write_bytes(b"this is not a model")
        broken_id = next(m["id"] for m in (await _json(admin, "GET", f"{base}/api/admin/models"))["models"]
                         if m["name"] == broken.name)
        refused, chatter = await _while_chatting(base, _json(
            admin, "POST", f"{base}/api/admin/models/{broken_id}/deploy", expect=502,
            json={"override_reason": "E2E-test: en trasig modellfil ska stoppas"}, headers=csrf))
        report["broken_model"] = refused
        assert refused["error"] == "model_does_not_load", refused
        _every_message_answered_by_the_assistant(chatter)
        assert (await _json(admin, "GET", f"{base}/api/admin/models/{new_id}/evaluation"))["serving"]["id"] == new_id

        # Rollback from the command line to the model that served before, again while residents chat.
        async def rollback() -> dict:
            code, out, err = await _command_line(admin_stack, "admin", "--as", "e2e", "rollback", str(old_id))
            assert code == 0, (out, err)
            return json.loads(out)

        rolled, chatter = await _while_chatting(base, rollback())
        report["rollback"] = {k: rolled[k] for k in ("stand_in_seconds", "swap_seconds", "total_seconds")}
        report["rollback_chat"] = _chat_summary(chatter)
        _every_message_answered_by_the_assistant(chatter)
        async with aiohttp.ClientSession() as http:
            conversation, auth = await _resident(http, base)
            assert GOODBYE_MARK not in (await _say(http, base, conversation, auth, "hej då"))["replies"][0]["text"]

        history = (await _json(admin, "GET", f"{base}/api/admin/history"))["history"]
        assert [(h["kind"], h["model"]["id"], h["actor"]) for h in history] == [
            ("rollback", old_id, "cli:e2e"), ("deploy", new_id, "admin"), ("startup", old_id, "system")]
        actions = {e["action"] for e in (await _json(admin, "GET", f"{base}/api/admin/audit"))["entries"]}
        assert {"annotate", "add_examples", "edit_response", "train_started", "train_succeeded", "deploy", "rollback"} <= actions
        async with admin.get(f"{base}/admin/models") as response:
            assert response.status == 200
    finally:
        await admin.close()
        destination = Path(os.environ.get("ADMIN_E2E_REPORT", str(project_copy.parent / "admin-e2e-report.json")))
        destination.write_text(json.dumps(report, ensure_ascii=False, indent=2))
        print(json.dumps(report, ensure_ascii=False, indent=2))


def _chat_summary(chatter: Chatter) -> dict:
    seconds = sorted(r["seconds"] for r in chatter.results)
    # "router_fallback": answered by the router's "technical problem" reply because Rasa gave no answer.
    return {"messages": len(seconds), "failed": sum(1 for r in chatter.results if r["status"] != 200 or not r["replied"]),
            "router_fallback": sum(1 for r in chatter.results if r["router_fallback"]),
            "max_seconds": round(seconds[-1], 2) if seconds else None,
            "median_seconds": round(seconds[len(seconds) // 2], 2) if seconds else None}
