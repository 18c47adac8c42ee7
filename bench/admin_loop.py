"""The administrator's loop after an inbox batch: "train" clicked → the new model deployed.

Starts the whole system (real Rasa with the model in service, the action server, the router) on free local
ports, the administration working on a copy of the project files (ADMIN_PROJECT_DIR, so data/ and
domain.yml of the repository are never changed). Residents write a batch of messages; the administrator
annotates those that land in the inbox, clicks "train", waits for the evaluation and deploys (with a written
reason should the gate refuse, since this measures time, not quality). Prints the seconds of each stage
and whether the training was incremental (`rasa train --finetune`) or full.

    .venv/bin/python bench/admin_loop.py [--model M] [--full] [--epochs N] [--keep]

`--epochs N` cuts every trained component's epochs to N in the copy (a quick look at the flow; the issue's
target is for the project's own configuration). Figures depend on what else the machine does.
"""
from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import sys
import time
from pathlib import Path

import aiohttp
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant import paths  # noqa: E402
from assistant.in_service import in_service_model  # noqa: E402
from assistant.training import fingerprint_file, latest_model, structure_file  # noqa: E402
from bench.stack_runner import AGENT_PASSWORD, bench_workdir, start_full_stack  # noqa: E402
from router.core.db import create_engine, create_session_maker  # noqa: E402
from router.handoff.accounts import create_agent  # noqa: E402

# A day's messages and the intent an administrator gives each, as in the admin end-to-end test; the
# benchmark sends those the administrator keeps (the nonsense lines only test dismissing).
BATCH = {
    text: intent
    for text, intent in yaml.safe_load((paths.ROOT / "tests" / "e2e" / "inbox_batch.yml").read_text(encoding="utf-8"))[
        "messages"
    ].items()
    if intent
}

# The inbox shows a message with its whitespace collapsed (and personal data masked: those are not matched).
BATCH_BY_SHOWN_TEXT = {re.sub(r"\s+", " ", text): intent for text, intent in BATCH.items()}


def project_copy(root: Path, model: Path, epochs: int | None) -> Path:
    """The training inputs, the spaCy link and the model in service (with its stamps) in `root`."""
    shutil.copy2(paths.ROOT / "domain.yml", root / "domain.yml")
    config = yaml.safe_load(paths.CONFIG.read_text())
    if epochs is not None:
        for component in config["pipeline"] + config.get("policies", []):
            if "epochs" in component:
                component["epochs"] = epochs
    (root / "config.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    shutil.copytree(paths.ROOT / "data", root / "data")
    (root / ".spacy").symlink_to(paths.SPACY_MODEL.parent.resolve(), target_is_directory=True)
    (root / "models").mkdir()
    copied = root / "models" / model.name
    shutil.copy2(model, copied)
    for stamp in (fingerprint_file(model), structure_file(model)):
        if stamp.exists():
            shutil.copy2(stamp, copied.with_name(stamp.name))
    return copied


def inbox_settings(target: Path) -> Path:
    """The shipped settings with the inbox's confidence threshold at 0.95, as in the admin end-to-end test:
    with the shipped threshold a well-trained model is sure of most of the batch and the inbox may stay empty,
    and then there is nothing to annotate and the loop measured would not be the one after an inbox batch."""
    target.mkdir()
    for file in (paths.ROOT / "settings").glob("*.yml"):
        shutil.copy2(file, target / file.name)
    admin = yaml.safe_load((target / "admin.yml").read_text(encoding="utf-8"))
    admin["inbox"]["confidence_threshold"] = 0.95
    (target / "admin.yml").write_text(yaml.safe_dump(admin, allow_unicode=True), encoding="utf-8")
    return target


async def add_admin(database_url: str) -> None:
    engine = create_engine(database_url)
    async with create_session_maker(engine)() as session:
        await create_agent(session, "admin", AGENT_PASSWORD, "Admin", "admin")
    await engine.dispose()


async def call(session: aiohttp.ClientSession, method: str, url: str, expect: int = 200, **kwargs) -> dict:
    async with session.request(method, url, **kwargs) as response:
        body = await response.json()
        if response.status != expect:
            raise SystemExit(f"{method} {url}: {response.status} {body}")
        return body


async def loop(base: str) -> dict[str, float | str]:
    figures: dict[str, float | str] = {}
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as admin:
        async with admin.get(f"{base}/agent/login?next=admin") as response:
            token = re.search(r'name="csrf_token" value="([^"]+)"', await response.text()).group(1)  # type: ignore[union-attr]
        await admin.post(f"{base}/agent/login?next=admin", allow_redirects=False,
                         data={"username": "admin", "password": AGENT_PASSWORD, "csrf_token": token})
        csrf = {"X-CSRF-Token": (await call(admin, "GET", f"{base}/api/agent/me"))["csrf_token"]}
        for text in BATCH:
            created = await call(admin, "POST", f"{base}/api/conversations", expect=201)
            await call(admin, "POST", f"{base}/api/conversations/{created['id']}/messages", json={"text": text},
                       headers={"Authorization": f"Bearer {created['token']}"})
        await asyncio.sleep(5)  # the router stores the predicted intent in the background
        annotated = 0
        for item in (await call(admin, "GET", f"{base}/api/admin/inbox"))["items"]:
            wanted = BATCH_BY_SHOWN_TEXT.get(item["text"])
            action = ({"action": "out_of_scope"} if wanted == "out_of_scope"
                      else {"action": "intent", "intent": wanted} if wanted else {"action": "dismiss"})
            async with admin.post(f"{base}/api/admin/inbox/{item['id']}/annotate", json=action, headers=csrf) as response:
                annotated += response.status == 200 and wanted is not None
        figures["annotated examples"] = annotated
        started = time.monotonic()
        job = await call(admin, "POST", f"{base}/api/admin/train", expect=202, headers=csrf,
                         json={"full": FULL})
        stage, stage_started = job["stage"], started
        while job["status"] == "running":
            await asyncio.sleep(1)
            job = (await call(admin, "GET", f"{base}/api/admin/job"))["job"]
            if job["stage"] != stage:
                figures[f"stage {stage} s"] = round(time.monotonic() - stage_started, 1)
                stage, stage_started = job["stage"], time.monotonic()
        figures[f"stage {stage} s"] = round(time.monotonic() - stage_started, 1)
        if job["status"] != "succeeded":
            raise SystemExit(f"training failed: {job.get('error')}")
        figures["training"] = "incremental" if job["result"].get("incremental") else "full"
        figures["train → evaluated s"] = round(time.monotonic() - started, 1)
        model_id = job["result"]["model_id"]
        deploying = time.monotonic()
        async with admin.post(f"{base}/api/admin/models/{model_id}/deploy", json={}, headers=csrf) as response:
            if response.status != 200:  # the gate: this measures time, not quality
                await call(admin, "POST", f"{base}/api/admin/models/{model_id}/deploy", headers=csrf,
                           json={"override_reason": "Mätning av administratörens flöde (bench/admin_loop.py)."})
        figures["deploy s"] = round(time.monotonic() - deploying, 1)
        figures["train → deployed s"] = round(time.monotonic() - started, 1)
    return figures


FULL = False


def main() -> int:
    global FULL
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="the model in service (default: models/in-service, else the newest)")
    parser.add_argument("--full", action="store_true", help="ask for a full training instead of an incremental one")
    parser.add_argument("--epochs", type=int, help="cut every component's epochs to this in the project copy")
    parser.add_argument("--keep", action="store_true", help="keep the databases, logs and project copy")
    args = parser.parse_args()
    FULL = args.full
    model = args.model or in_service_model() or latest_model()
    if model is None:
        raise SystemExit("no model: run `make train` or pass --model")
    with bench_workdir("bench-admin-loop-", args.keep) as workdir:
        project = workdir / "project"
        project.mkdir()
        serving = project_copy(project, model.resolve(), args.epochs)
        print(f"Model in service: {model.name}; project copy {project}", flush=True)
        stack_started = time.monotonic()
        settings = inbox_settings(workdir / "settings")
        stack = start_full_stack(
            workdir, serving, agents=0, extra_env={"ADMIN_PROJECT_DIR": str(project), "SETTINGS_DIR": str(settings)}
        )
        try:
            print(f"Stack up in {time.monotonic() - stack_started:.0f} s", flush=True)
            asyncio.run(add_admin(stack.extra_env["DATABASE_URL"]))
            figures = asyncio.run(loop(f"http://127.0.0.1:{stack.ports.router}"))
        finally:
            stack.stop()
    for name, value in figures.items():
        print(f"  {name:<28} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
