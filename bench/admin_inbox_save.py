"""How long an administrator waits when saving an inbox message as a training example.

Runs the real router app (create_app) on a free local port over a temporary SQLite database, pointed at a
temporary copy of the Rasa project (ADMIN_PROJECT_DIR), logs in an administrator, puts N distinct unsure
resident messages in the inbox and saves each one as an example of an intent through the HTTP API
(`POST /api/admin/inbox/{id}/annotate`), exactly as the page does. Reported: p50, p90 and max of the
round trips. With `--rasa` it also times one change checked the old way, `rasa data validate` in a copy
of the project (router/admin/rasa_validation.py), for comparison.

    .venv/bin/python bench/admin_inbox_save.py [--messages 20] [--rasa]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant import paths  # noqa: E402
from bench.latency_stats import percentile  # noqa: E402
from router.core.config import Settings  # noqa: E402

ADMIN, PASSWORD = "bench-admin", "bänk-lösenord-2026"
INTENTS = ["report_fault", "feeling_unsafe", "opening_hours", "contact_details", "police_tip"]


def copy_project(target: Path) -> None:
    for name in ("config.yml", "domain.yml"):
        shutil.copy2(paths.ROOT / name, target / name)
    shutil.copytree(paths.ROOT / "data", target / "data")
    (target / "tests" / "nlu").mkdir(parents=True)
    shutil.copy2(paths.TEST_NLU, target / "tests" / "nlu" / "test_nlu.yml")


async def run(messages: int, with_rasa: bool) -> None:
    from router.app import create_app
    from router.admin.keys import ADMIN_KEY
    from router.handoff.accounts import create_agent
    from router.keys import DB_KEY
    from router.models import RESIDENT, Conversation, Message

    with tempfile.TemporaryDirectory(prefix="bench-admin-") as folder:
        project = Path(folder) / "project"
        project.mkdir()
        copy_project(project)
        os.environ["ADMIN_PROJECT_DIR"] = str(project)
        settings = Settings(database_url=f"sqlite+aiosqlite:///{folder}/router.db", rasa_token="bench",
                            internal_secret="bench-secret-" + "x" * 24, settings_dir=paths.ROOT / "settings")
        app = create_app(settings)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        try:
            now = datetime.now(timezone.utc)
            ids = []
            async with app[DB_KEY]() as session:
                await create_agent(session, ADMIN, PASSWORD, "Bänk Admin", "admin")
                for index in range(messages):
                    conversation = f"bench{index:06d}"
                    session.add(Conversation(id=conversation, token_hash="x" * 64, created_at=now, updated_at=now))
                    await session.flush()
                    message = Message(conversation_id=conversation, sender=RESIDENT, intent="nlu_fallback",
                                      text=f"en fråga som roboten inte förstod nummer {index} om gatan {index * 7}",
                                      intent_confidence=0.2, created_at=now)
                    session.add(message)
                    await session.flush()
                    ids.append(message.id)
                await session.commit()
            base = str(server.make_url("")).rstrip("/")
            async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
                page = await (await http.get(base + "/agent/login?next=admin")).text()
                token = page.split('name="csrf_token" value="')[1].split('"')[0]
                await http.post(base + "/agent/login?next=admin",
                                data={"csrf_token": token, "username": ADMIN, "password": PASSWORD})
                html = await (await http.get(base + "/admin")).text()
                csrf = html.split('name="csrf-token" content="')[1].split('"')[0]
                seconds = []
                for index, message_id in enumerate(ids):
                    started = time.perf_counter()
                    response = await http.post(f"{base}/api/admin/inbox/{message_id}/annotate",
                                               json={"action": "intent", "intent": INTENTS[index % len(INTENTS)]},
                                               headers={"X-CSRF-Token": csrf})
                    await response.read()
                    seconds.append(time.perf_counter() - started)
                    assert response.status == 200, await response.text()
            print(f"inbox save (incremental check), {messages} saves: p50 {percentile(seconds, 50):.3f} s, "
                  f"p90 {percentile(seconds, 90):.3f} s, max {max(seconds):.3f} s")
            if with_rasa:
                validator = app[ADMIN_KEY].editor.validator
                basics = (project / "data" / "nlu" / "basics.yml").read_text(encoding="utf-8")
                changed = basics.replace("  examples: |\n", "  examples: |\n    - god middag på er\n", 1)
                started = time.perf_counter()
                await validator.check({"data/nlu/basics.yml": changed})
                print(f"the old way, `rasa data validate` in a copy (baseline + change): "
                      f"{time.perf_counter() - started:.1f} s")
        finally:
            await server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--rasa", action="store_true", help="also time one `rasa data validate` check")
    args = parser.parse_args()
    asyncio.run(run(args.messages, args.rasa))


if __name__ == "__main__":
    main()
