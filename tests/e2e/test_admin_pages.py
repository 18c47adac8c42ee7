"""The administration in a real browser: the inbox (no intent chosen for the administrator, a save that
completes with the confirmation in the row), the statistics, the audit log, the data page and the admin
login, each checked with axe-core and photographed at 1280 and 390 px; and the "Träna och driftsätt" page
(/admin/models) with the real router app and admin.js, but no real Rasa: the model API is faked as in tests/router/admin_fixtures.py
(FakeModelServer for the main Rasa's /status and PUT /model, FakeStandIns for the stand-in started during a
swap). An administrator logs in, opens the candidate model's evaluation, deploys it, rolls back from the
history, and sees a stand-in that does not start leave the model in service alone. axe-core runs on the
page after the deploy; screenshots at 1280 and 320 px go to test-artifacts/admin/. The swap with a real Rasa
is tested at API level in tests/e2e/test_admin_retrain.py."""
from __future__ import annotations

import asyncio
import json
import re
import struct
import zlib
from datetime import timedelta
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from playwright.sync_api import Browser, Page, Route, expect

from assistant.training import inputs_manifest, manifest_file
from router.handoff.accounts import create_agent
from router.admin.evaluation import CONFUSION_MATRIX
from router.admin.keys import ADMIN_KEY
from router.admin.models import TrainedModel
from router.admin.swap import ModelSwap, RasaApi
from router.app import create_app
from router.core.clock import Clock
from router.core.config import Settings
from router.core.options import RouterOptions
from router.keys import DB_KEY, HTTP_KEY
from router.models import BOT_SENDER, CHAT, RESIDENT, Case, Conversation, Feedback, Message
from router.rasa.keys import DIVERSION_KEY
from tests.e2e.axe import run_axe
from tests.e2e.browser import PROJECT_ROOT, debian_chromium, wait_until
from tests.router.constants import INTERNAL_SECRET, MONDAY_10, PASSWORD, RASA_TOKEN
from tests.router.fake_rasa import FakeRasa
from tests.router.admin_fixtures import FakeModelServer, FakeStandIns, evaluated_model
from tests.e2e.threaded_site import ThreadedSite

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "admin"
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}
PHONE = {"width": 390, "height": 844}
NBSP = "\u00a0"
ADMIN = "ada"
SERVING = "20261130-085912-quiet-harbor"  # as `rasa train` names a model
CANDIDATE = "admin-20261130-095500"        # as the administration's training names one
WORSE_INTENT = "police_tip"                # the one intent the candidate recognises worse than the model in service
SWAPPING = "Startar den nya modellen vid sidan av och byter sedan – chatten svarar hela tiden. Det tar 1–3 minuter …"
IN_SERVICE = re.compile(
    rf"^{re.escape(CANDIDATE)}\.tar\.gz är i drift \(klart på \d+ s, varav själva bytet \d+ s\)\.$"
)
ROLLED_BACK = re.compile(
    rf"^Återställd till {re.escape(SERVING)}\.tar\.gz \(klart på \d+ s, varav själva bytet \d+ s\)\.$"
)


# --- the router, served on its own event loop in a thread ------------------------------------------------

@dataclass
class HeldStandIns(FakeStandIns):
    """FakeStandIns that can be held before the stand-in "starts", so the page can be seen mid-swap."""

    gate: asyncio.Event | None = None
    held: bool = False

    @asynccontextmanager
    async def serving(self, model: Path) -> AsyncIterator[str]:
        if self.gate is not None:
            self.held = True
            await self.gate.wait()
        async with super().serving(model) as url:
            yield url


class AdminSite(ThreadedSite):
    """The real router app (create_app) on a free 127.0.0.1 port, with Rasa's model API faked exactly as the
    `model_server` fixture does, an administrator, and two evaluated models: one in service, one candidate."""

    def __init__(self, project: Path, database: Path) -> None:
        self.project = project
        self.database = database
        super().__init__("admin-router")

    async def _start(self) -> None:
        rasa = FakeRasa()  # the action server's /health: not used by the models page
        rasa.url = await self._serve(rasa.app())
        # As the `model_server` fixture: the main Rasa's model API, and a stand-in that "serves" on another one.
        self.model_server, stand_in = FakeModelServer(), FakeModelServer()
        main_url = await self._serve(self.model_server.app())
        stand_in_url = await self._serve(stand_in.app())
        settings = Settings(
            rasa_url=main_url, rasa_token=RASA_TOKEN, actions_url=rasa.url, internal_secret=INTERNAL_SECRET,
            database_url=f"sqlite+aiosqlite:///{self.database}", settings_dir=PROJECT_ROOT / "settings",
        )
        options = RouterOptions(conversation_per_minute=1000, address_per_minute=1000, rasa_timeout_seconds=1)
        self.app = create_app(settings, clock=Clock(start=MONDAY_10), options=options)  # migrates the database
        self.url = await self._serve(self.app)
        rasa.router_url = self.url
        self.stand_ins = HeldStandIns(stand_in, stand_in_url)
        self.model_server.stand_ins = self.stand_ins
        # The router's own diversion: the deploy sends its (here: no) residents to the stand-in and back.
        api = RasaApi(self.app[HTTP_KEY], RASA_TOKEN)
        self.app[ADMIN_KEY].lifecycle.swapper = ModelSwap(api, self.app[DIVERSION_KEY], self.stand_ins)

        async with self.app[DB_KEY]() as session:
            await create_agent(session, ADMIN, PASSWORD, "Ada Admin", "admin")
        client = SimpleNamespace(app=self.app)  # what evaluated_model() uses of a test client
        self.serving = await evaluated_model(client, self.project, SERVING, 0.90, 1.0, age_minutes=60)
        self.candidate = await evaluated_model(client, self.project, CANDIDATE, 0.92, 1.0)
        await self._evaluation(self.serving, realistic_evaluation(self.project, 0.90, worse=set()))
        await self._evaluation(self.candidate, realistic_evaluation(self.project, 0.92, worse={WORSE_INTENT}))
        self.model_server.serving = self.serving.path

    async def _evaluation(self, model: TrainedModel, evaluation: dict[str, Any]) -> None:
        """What evaluate_model() stores, with Rasa's confusion matrix where the page fetches it from."""
        async with self.app[DB_KEY]() as session:
            stored = await session.get(TrainedModel, model.id)
            stored.evaluation = evaluation
            await session.commit()
        results = self.app[ADMIN_KEY].lifecycle.results_dir / Path(model.path).name.removesuffix(".tar.gz")
        results.mkdir(parents=True, exist_ok=True)
        (results / CONFUSION_MATRIX).write_bytes(confusion_matrix_png(len(evaluation["intents"])))

    async def _stop(self) -> None:
        await self._cleanup()

    # Server-side state, read and changed on the server's loop
    def seed_inbox(self) -> None:
        """Conversations as residents leave them: a misread question with the bot's reply and the turns around it,
        the same question from three residents, one rated "Nej", and enough unsure messages for two pages."""
        async def seed() -> None:
            at = MONDAY_10 - timedelta(minutes=30)
            async with self.app[DB_KEY]() as session:
                def conversation(name: str, when) -> str:
                    session.add(Conversation(id=name, token_hash="x" * 64, created_at=when, updated_at=when))
                    return name

                def say(cid: str, sender: str, text: str, when, intent=None, confidence=None, buttons=None) -> None:
                    session.add(Message(conversation_id=cid, sender=sender, text=text, intent=intent,
                                        intent_confidence=confidence, buttons=buttons, created_at=when))

                for index in range(22):
                    cid = conversation(f"many{index:02d}", at - timedelta(hours=index + 1))
                    await session.flush()
                    say(cid, RESIDENT, f"fråga nummer {index + 1} som roboten inte förstod", at - timedelta(hours=index + 1),
                        "nlu_fallback", 0.31)
                for index, minutes in enumerate((20, 12, 3)):
                    cid = conversation(f"same{index}", at + timedelta(minutes=minutes))
                    await session.flush()
                    say(cid, RESIDENT, "Vem ansvarar för belysningen i parken?", at + timedelta(minutes=minutes),
                        "report_fault", 0.42)
                    say(cid, BOT_SENDER, "Du kan felanmäla trasig belysning i appen Ett bättre Helsingborg.",
                        at + timedelta(minutes=minutes, seconds=1))
                cid = conversation("context", at + timedelta(minutes=25))
                await session.flush()
                say(cid, RESIDENT, "hej", at + timedelta(minutes=25), "greet", 0.97)
                say(cid, BOT_SENDER, "Hej! Vad vill du veta?", at + timedelta(minutes=25, seconds=1),
                    buttons=[{"title": "Öppettider", "payload": "/opening_hours"}])
                say(cid, RESIDENT, "/opening_hours", at + timedelta(minutes=25, seconds=4), "opening_hours", 1.0)
                say(cid, BOT_SENDER, "Kontaktcenter har öppet måndag–onsdag 08.00–17.00.", at + timedelta(minutes=25, seconds=5))
                say(cid, RESIDENT, "var kan jag läsa lägesbilden", at + timedelta(minutes=26), "agreement", 0.93)
                say(cid, BOT_SENDER, "Samverkansöverenskommelsen finns på helsingborg.se.", at + timedelta(minutes=26, seconds=1))
                say(cid, RESIDENT, "jag menar lägesbilden om brottsligheten", at + timedelta(minutes=26, seconds=30),
                    "lagesbild", 0.91)
                session.add(Feedback(conversation_id=cid, helped=False, created_at=at + timedelta(minutes=27)))
                session.add(Case(kind=CHAT, status="closed", conversation_id="same0", created_at=at, queued_at=at,
                                 wait_seconds=95, category="Felanmälan (gatubelysning, klotter, skadegörelse)"))
                await session.commit()
        self.call(seed())

    def hold_swaps(self) -> None:
        async def hold() -> None:
            self.stand_ins.gate = asyncio.Event()
        self.call(hold())

    def release_swaps(self) -> None:
        async def release() -> None:
            self.stand_ins.gate.set()
            self.stand_ins.gate = None
        self.call(release())


def realistic_evaluation(project: Path, macro_f1: float, worse: set[str]) -> dict[str, Any]:
    """An evaluation as router/admin/evaluation.py stores it: one row per intent of the held-out set (with its
    real number of test messages), whose F1 scores average to `macro_f1`. The intents in `worse` score 0.05
    lower than the pattern, so against a model without them they show as recognised worse."""
    test_set = yaml.safe_load((project / "tests" / "nlu" / "test_nlu.yml").read_text(encoding="utf-8"))["nlu"]
    support = {
        block["intent"]: sum(1 for line in block["examples"].splitlines() if line.strip().startswith("- "))
        for block in test_set if "intent" in block
    }
    names = sorted(support)
    spread = [((index * 7) % 9 - 4) * 0.015 for index in range(len(names))]  # -0.06 … +0.06, deterministic
    shift = 0.0
    for _ in range(20):  # move precision and recall together until the F1 scores average to macro_f1
        rows = []
        for name, delta in zip(names, spread):
            recall = min(1.0, macro_f1 + delta + shift + 0.01)
            precision = min(1.0, macro_f1 + delta + shift - 0.01)
            if name in worse:
                precision, recall = precision - 0.05, recall - 0.05
            rows.append((name, precision, recall, 2 * precision * recall / (precision + recall)))
        mean = sum(row[3] for row in rows) / len(rows)
        shift += macro_f1 - mean
    assert abs(mean - macro_f1) < 0.0005, mean
    intents = []
    for index, (name, precision, recall, f1) in enumerate(rows):
        confused = {} if recall >= 1.0 else {names[(index + 3) % len(names)]: max(1, round((1 - recall) * support[name]))}
        intents.append({"intent": name, "precision": round(precision, 4), "recall": round(recall, 4),
                        "f1": round(f1, 4), "support": support[name], "confused_with": confused})
    return {"macro_f1": macro_f1, "intents": intents, "emergency_recall": 1.0, "emergency_model_only_recall": 0.9231,
            "emergency_missed": [], "false_alarm_rate": 0.0125, "confusion_matrix": True}


def confusion_matrix_png(size: int, cell: int = 40) -> bytes:
    """A plain heat map the size of the one `rasa test nlu` draws (about 1200 px square for ~30 intents)."""
    width = size * cell
    rows = bytearray()
    for row in range(size):
        pixels = b"".join((b"\x08\x30\x6b" if row == column else b"\xde\xeb\xf7") * cell for column in range(size))
        rows += (b"\x00" + pixels) * cell
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))  # noqa: E731
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, width, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b""))


@pytest.fixture
def site(project: Path, tmp_path: Path) -> Iterator[AdminSite]:  # noqa: F811 - `project` is the imported fixture
    running = AdminSite(project, tmp_path / "router.db")
    running.start()
    yield running
    running.stop()


# --- the browser -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with debian_chromium() as launched:
        yield launched


@contextmanager
def admin_page(browser: Browser, site: AdminSite, failing: tuple[tuple[int, str], ...] = ()) -> Iterator[Page]:
    """A page in a fresh context, under the router's real Content-Security-Policy. Afterwards no JavaScript or
    CSP error may have happened, no request may have left the router, and the only error responses must be
    `failing` ((status, path) in order)."""
    context = browser.new_context(viewport=WIDE, locale="sv-SE", timezone_id="Europe/Stockholm")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    failed: list[tuple[int, str]] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda message: errors.append(message.text)
        if message.type == "error" and not message.text.startswith("Failed to load resource")  # in `failed`
        else None,
    )
    page.on("request", lambda request: None if request.url.startswith((site.url, "data:")) else foreign.append(request.url))
    page.on("response", lambda response: failed.append((response.status, response.url.removeprefix(site.url)))
            if response.status >= 400 else None)
    try:
        yield page
    finally:
        context.close()
    assert errors == [], f"JavaScript or CSP errors on the page: {errors}"
    assert foreign == [], f"requests outside the router: {foreign}"
    assert failed == list(failing), f"error responses: {failed}"


class ModelsPage:
    """/admin/models, reached by role, accessible name and the ids admin.js fills in."""

    def __init__(self, page: Page, site: AdminSite) -> None:
        self.page = page
        self.site = site
        self.status = page.get_by_role("status").and_(page.locator("#admin-status"))
        self.models = page.get_by_role("table", name="Tränade modeller (nyast först)")
        self.history = page.locator("#history-table tbody tr")
        self.evaluation = page.get_by_role("region", name="Utvärdering")
        self.deploy_button = page.get_by_role("button", name="Driftsätt modellen")

    def log_in(self) -> None:
        self.page.goto(self.site.url + "/agent/login?next=admin")
        self.page.get_by_label("Användarnamn").fill(ADMIN)
        self.page.get_by_label("Lösenord").fill(PASSWORD)
        self.page.get_by_role("button", name="Logga in").click()
        expect(self.page).to_have_url(self.site.url + "/admin")
        self.page.goto(self.site.url + "/admin/models")
        expect(self.page.get_by_role("link", name="Träna och driftsätt")).to_have_attribute("aria-current", "page")
        expect(self.page.locator("#models-table tbody tr")).to_have_count(2)
        expect(self.history).not_to_have_count(0)

    def model_row(self, name: str):
        return self.models.locator("tbody tr").filter(has=self.page.get_by_role("cell", name=f"{name}.tar.gz", exact=True))

    def expect_in_service(self, serving: str, other: str) -> None:
        expect(self.model_row(serving).locator("td").nth(6)).to_have_text("I drift")
        expect(self.model_row(other).locator("td").nth(6)).to_have_text("")

    def open_evaluation(self, name: str) -> None:
        self.page.get_by_role("button", name=f"Visa utvärdering av {name}.tar.gz").click()
        expect(self.evaluation).to_be_visible()
        expect(self.page.locator("#evaluation-summary p").first).to_have_text(re.compile(rf"^Ny modell {re.escape(name)}\.tar\.gz:"))
        expect(self.page.get_by_role("heading", name="Utvärdering")).to_be_focused()

    def history_rows(self) -> list[list[str]]:
        """Each row's from, until, model, macro-F1, kind and actor (newest first)."""
        return self.history.evaluate_all("rows => rows.map(r => [...r.cells].slice(0, 6).map(c => c.textContent))")


def expect_no_sideways_scrolling(page: Page) -> None:
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways at {width[1]} px: {width[0]} px wide"


def photograph(page: Page, name: str) -> None:
    """Full-page screenshots at 1280, 390 and 320 px; on the narrow screens the page must not scroll sideways."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, viewport in (("1280", WIDE), ("390", PHONE), ("320", NARROW)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
        expect_no_sideways_scrolling(page)
    page.set_viewport_size(WIDE)


def expect_captions_fit(page: Page) -> None:
    """At 320 px the tables scroll sideways inside themselves; their captions still name them and wrap within
    the screen instead of being cut off at its edge."""
    page.set_viewport_size(NARROW)
    for name in ("Tränade modeller (nyast först)", "Per intent: ny modell jämförd med modellen i drift"):
        table = page.get_by_role("table", name=name)
        expect(table).to_be_visible()
        right = table.locator("caption").evaluate("c => c.getBoundingClientRect().right")
        assert right <= NARROW["width"], f"the caption {name!r} reaches {right} px"
    page.set_viewport_size(WIDE)


# --- the tests ---------------------------------------------------------------------------------------------

def test_deploy_a_candidate_and_roll_back_from_the_history(browser: Browser, site: AdminSite) -> None:
    with admin_page(browser, site) as page:
        models = ModelsPage(page, site)
        models.log_in()

        # Both models, newest first, with their scores; the one Rasa serves is marked.
        rows = models.models.locator("tbody tr")
        expect(rows.nth(0).locator("td").nth(0)).to_have_text(f"{CANDIDATE}.tar.gz")
        expect(rows.nth(1).locator("td").nth(0)).to_have_text(f"{SERVING}.tar.gz")
        expect(models.model_row(CANDIDATE).locator("td").nth(4)).to_have_text("0,920")
        expect(models.model_row(SERVING).locator("td").nth(4)).to_have_text("0,900")
        expect(models.model_row(CANDIDATE).locator("td").nth(5)).to_have_text(f"100,0{NBSP}%")
        models.expect_in_service(SERVING, CANDIDATE)
        assert models.history_rows() == [["2026-11-30 10:00", "nu", f"{SERVING}.tar.gz", "0,900", "Vid start", "system"]]
        expect(models.evaluation).to_be_hidden()

        # The candidate's evaluation: scores side by side, the gate, per intent, the confusion matrix.
        models.open_evaluation(CANDIDATE)
        summary = page.locator("#evaluation-summary")
        expect(summary).to_contain_text(f"Ny modell {CANDIDATE}.tar.gz: makro-F1 0,920, akutfall fångade 100,0{NBSP}%.")
        expect(summary).to_contain_text(f"I drift {SERVING}.tar.gz: makro-F1 0,900, akutfall fångade 100,0{NBSP}%.")
        expect(page.locator("#gate")).to_have_text("Spärren släpper igenom modellen.")
        expect(page.get_by_label("Motivering för att gå förbi spärren (minst 10 tecken)")).to_be_hidden()
        intents = page.get_by_role("table", name="Per intent: ny modell jämförd med modellen i drift").locator("tbody tr")
        expected = realistic_evaluation(site.project, 0.92, worse={WORSE_INTENT})["intents"]
        expect(intents).to_have_count(len(expected))
        first = expected[0]
        swedish = lambda value: f"{value:.3f}".replace(".", ",")  # noqa: E731
        expect(intents.first.locator("td")).to_have_text(
            [re.compile(rf"^.+ \({first['intent']}\)$"), swedish(first["precision"]), swedish(first["recall"]),
             swedish(first["f1"]), re.compile(r"^0,\d{3}$"), str(first["support"])])
        expect(intents.and_(page.locator(".worse"))).to_have_count(1)
        expect(intents.and_(page.locator(".worse")).locator("td").first).to_have_text("Lämna tips till polisen (police_tip)")
        matrix = page.get_by_role("img", name="Förväxlingsmatris för intenten i testuppsättningen")
        expect(matrix).to_be_visible()
        page.wait_for_function("() => document.getElementById('confusion-image').naturalWidth > 0")  # it loaded
        shown, room = page.evaluate("() => [document.getElementById('confusion-image').getBoundingClientRect().width,"
                                    " document.getElementById('evaluation').clientWidth]")
        assert 0 < shown <= room, (shown, room)

        # Deploy: while the stand-in starts, the button is disabled and the status line says what happens.
        expect(models.deploy_button).to_be_enabled()
        site.hold_swaps()
        models.deploy_button.click()
        expect(models.status).to_have_text(SWAPPING)
        expect(models.deploy_button).to_be_disabled()
        wait_until(lambda: site.stand_ins.held, what="the deploy to reach the stand-in", page=page)
        assert site.model_server.loads == []
        site.release_swaps()
        expect(models.status).to_have_text(IN_SERVICE)
        assert site.stand_ins.started == [f"{CANDIDATE}.tar.gz"]
        assert site.model_server.loads == [site.candidate.path] and site.model_server.serving == site.candidate.path
        models.expect_in_service(CANDIDATE, SERVING)
        expect(page.locator("#evaluation-summary p").nth(1)).to_have_text(re.compile(rf"^I drift {re.escape(CANDIDATE)}"))
        expect(models.history).to_have_count(2)
        deployed, startup = models.history_rows()
        assert deployed[1:] == ["nu", f"{CANDIDATE}.tar.gz", "0,920", "Driftsättning", ADMIN], deployed
        assert startup == ["2026-11-30 10:00", deployed[0], f"{SERVING}.tar.gz", "0,900", "Vid start", "system"], startup
        assert re.fullmatch(r"2026-11-30 10:0\d", deployed[0]), deployed  # the router's clock, in Stockholm time
        expect(models.history.nth(0).get_by_role("button")).to_have_count(0)  # the model in service: no rollback

        # axe-core and screenshots with everything shown: the evaluation, the history with a rollback button.
        violations = run_axe(page)
        assert violations == [], violations
        photograph(page, "models-after-deploy")
        expect_captions_fit(page)

        # Roll back from the history.
        models.history.nth(1).get_by_role("button", name=f"Återställ till {SERVING}.tar.gz").click()
        expect(models.status).to_have_text(ROLLED_BACK)
        assert site.model_server.serving == site.serving.path
        assert site.model_server.loads == [site.candidate.path, site.serving.path]
        models.expect_in_service(SERVING, CANDIDATE)
        expect(models.history).to_have_count(3)
        history = models.history_rows()
        assert [row[2:] for row in history] == [
            [f"{SERVING}.tar.gz", "0,900", "Återställning", ADMIN],
            [f"{CANDIDATE}.tar.gz", "0,920", "Driftsättning", ADMIN],
            [f"{SERVING}.tar.gz", "0,900", "Vid start", "system"],
        ], history
        assert [row[1] for row in history] == ["nu", history[0][0], history[1][0]], history
        expect(models.history.nth(1).get_by_role("button", name=f"Återställ till {CANDIDATE}.tar.gz")).to_be_visible()
        # The model in service is offered no rollback, on any of its rows; the open evaluation compares anew.
        expect(models.history.nth(2).get_by_role("button")).to_have_count(0)
        expect(page.locator("#evaluation-summary p").nth(1)).to_have_text(re.compile(rf"^I drift {re.escape(SERVING)}"))
        photograph(page, "models-after-rollback")


def test_a_model_that_does_not_start_leaves_the_model_in_service(browser: Browser, site: AdminSite) -> None:
    site.stand_ins.fail = True
    with admin_page(browser, site, failing=((502, f"/api/admin/models/{site.candidate.id}/deploy"),)) as page:
        models = ModelsPage(page, site)
        models.log_in()
        models.open_evaluation(CANDIDATE)
        models.deploy_button.click()
        expect(models.status).to_have_text("Modellen gick inte att starta (felkod 1): trasig modell")
        expect(models.deploy_button).to_be_enabled()  # it may be tried again
        assert site.stand_ins.started == [] and site.model_server.loads == []
        assert site.model_server.serving == site.serving.path
        page.reload()  # what the server says now, not what the page kept
        expect(page.locator("#models-table tbody tr")).to_have_count(2)
        models.expect_in_service(SERVING, CANDIDATE)
        expect(models.history).to_have_count(1)
        assert models.history_rows() == [["2026-11-30 10:00", "nu", f"{SERVING}.tar.gz", "0,900", "Vid start", "system"]]
        assert not (site.project / "models" / "in-service").exists()


def test_the_deploy_button_is_off_for_the_model_in_service(browser: Browser, site: AdminSite) -> None:
    with admin_page(browser, site) as page:
        models = ModelsPage(page, site)
        models.log_in()
        models.open_evaluation(SERVING)
        expect(models.deploy_button).to_be_disabled()  # when the page shows it: off
        models.open_evaluation(CANDIDATE)
        models.deploy_button.click()
        expect(models.status).to_have_text(IN_SERVICE)
        expect(page.locator("#evaluation-summary p").nth(1)).to_have_text(re.compile(rf"^I drift {re.escape(CANDIDATE)}"))
        expect(models.deploy_button).to_be_disabled(timeout=2000)


def test_the_models_page_passes_axe_at_320_px(browser: Browser, site: AdminSite) -> None:
    with admin_page(browser, site) as page:
        models = ModelsPage(page, site)
        models.log_in()
        models.open_evaluation(CANDIDATE)
        page.set_viewport_size(NARROW)
        assert run_axe(page) == []


# --- the inbox, statistics, audit log, data page and login -------------------------------------------------

def log_in_as_admin(page: Page, site: AdminSite) -> None:
    page.goto(site.url + "/agent/login?next=admin")
    expect(page).to_have_title(re.compile("administratör"))
    page.get_by_label("Användarnamn").fill(ADMIN)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(site.url + "/admin")


def check_page(page: Page, name: str) -> None:
    """axe-core finds nothing serious or critical at 1280 and 390 px; screenshots of both (and 320 px). The
    page keeps the viewport it had, so a phone test goes on as a phone."""
    kept = page.viewport_size
    for viewport in (WIDE, PHONE):
        page.set_viewport_size(viewport)
        serious = [v for v in run_axe(page) if v["impact"] in ("serious", "critical")]
        assert serious == [], (name, viewport, serious)
    photograph(page, name)
    page.set_viewport_size(kept)


def test_the_admin_login_is_titled_for_administrators(browser: Browser, site: AdminSite) -> None:
    with admin_page(browser, site) as page:
        page.goto(site.url + "/agent/login?next=admin")
        expect(page).to_have_title("Logga in som administratör – Tryggare Helsingborg chatt")
        expect(page.get_by_role("heading", level=1)).to_have_text("Logga in som administratör")
        check_page(page, "admin-login")


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "390"])
def test_the_inbox_refuses_to_save_without_a_chosen_intent_and_then_saves(
    browser: Browser, site: AdminSite, viewport: dict[str, int]
) -> None:
    site.seed_inbox()
    nlu = site.project / "data" / "nlu" / "unsafe_places.yml"
    before = nlu.read_text(encoding="utf-8")
    with admin_page(browser, site) as page:
        page.set_viewport_size(viewport)
        log_in_as_admin(page, site)
        expect(page).to_have_title("Inkorg – administratörer, Tryggare Helsingborg chatt")
        rows = page.locator("#inbox-list > li")
        expect(rows).to_have_count(20)
        expect(page.locator("#inbox-summary")).to_have_text("26 rader (28 meddelanden), nyast först.")
        expect(page.locator("#page-text")).to_have_text("Sida 1 av 2")
        # The newest row: the misread question with the bot's reply, the turns before (a button's title, not
        # its payload) and the rephrasing after.
        expect(rows.nth(0).locator(".inbox-text")).to_have_text("jag menar lägesbilden om brottsligheten")
        misread = rows.filter(has=page.locator(".inbox-text", has_text=re.compile("^var kan jag läsa lägesbilden$")))
        expect(misread).to_have_count(1)
        expect(misread.locator(".inbox-meta")).to_contain_text("Frågade igen med andra ord")
        expect(misread.locator(".inbox-meta")).to_contain_text("Svarade Nej på Fick du hjälp?")
        expect(misread.locator(".inbox-meta")).to_contain_text("Var samverkansöverenskommelsen finns att läsa (agreement)")
        expect(misread.locator(".turns.before")).to_contain_text("Invånaren: Öppettider")
        expect(misread.locator(".turns.before")).not_to_contain_text("/opening_hours")
        expect(misread.locator(".turns.reply")).to_contain_text("Roboten: Samverkansöverenskommelsen finns på helsingborg.se.")
        expect(misread.locator(".turns.after")).to_contain_text("jag menar lägesbilden om brottsligheten")
        # The same question from three residents: one row.
        same = rows.filter(has_text="Vem ansvarar för belysningen i parken?")
        expect(same).to_have_count(1)
        expect(same.locator(".count")).to_have_text("3 likadana")
        check_page(page, f"inbox-{viewport['width']}")

        # No intent is chosen for the administrator: saving without one is refused next to the row.
        select = same.get_by_label("Rätt intent")
        expect(select).to_have_value("")
        same.get_by_role("button", name="Spara som exempel").click()
        status = same.locator(".row-status")
        expect(status).to_have_text("Välj rätt intent i listan innan du sparar. Inget sparades.")
        expect(select).to_be_focused()
        expect(select).to_have_attribute("aria-invalid", "true")
        assert nlu.read_text(encoding="utf-8") == before
        same.screenshot(path=str(ARTIFACTS / f"inbox-row-no-intent-{viewport['width']}.png"))
        check_page(page, f"inbox-no-intent-{viewport['width']}")

        # Choose the intent and save: the row becomes the confirmation and keeps the focus.
        select.select_option("feeling_unsafe")
        same.get_by_role("button", name="Spara som exempel").click()
        done = page.locator(".row-done")
        expect(done).to_have_text("Sparat som exempel för Känner sig otrygg på en plats (feeling_unsafe): "
                                  "”Vem ansvarar för belysningen i parken?” (3 likadana meddelanden).")
        expect(done).to_be_focused()
        assert "    - Vem ansvarar för belysningen i parken?\n" in nlu.read_text(encoding="utf-8")
        page.locator("li.done").screenshot(path=str(ARTIFACTS / f"inbox-row-saved-{viewport['width']}.png"))
        check_page(page, f"inbox-saved-{viewport['width']}")

        # The second page, and a filter.
        page.get_by_role("button", name="Nästa sida").click()
        expect(page.locator("#page-text")).to_have_text("Sida 2 av 2")
        expect(rows).to_have_count(5)  # 25 rows left after the save
        page.get_by_label("Orsak").select_option("feedback_no")
        page.get_by_role("button", name="Visa").click()
        expect(rows).to_have_count(3)  # every message the resident wrote in the conversation rated "Nej"
        expect(page.locator("#inbox-pages")).to_be_hidden()


def test_statistics_and_audit_log_in_swedish(browser: Browser, site: AdminSite) -> None:
    site.seed_inbox()
    audit = site.app[ADMIN_KEY].audit
    site.call(audit.record("ada", "deploy", "a.tar.gz", macro_f1=0.92134, previous="b.tar.gz"))
    site.call(audit.record("bea", "train_failed", None, seconds=3.5, error="Rasa avslutades med felkod 1: fel i data"))
    with admin_page(browser, site) as page:
        log_in_as_admin(page, site)
        page.goto(site.url + "/admin/dashboard?days=14")
        expect(page).to_have_title("Statistik – administratörer, Tryggare Helsingborg chatt")
        figures = page.locator(".key-figures")
        expect(figures).to_contain_text(f"96,2{NBSP}%")  # 25 of 26 conversations without a person
        expect(figures).to_contain_text(f"1,6{NBSP}min")
        expect(page.get_by_role("table", name=re.compile("^Per vecka"))).to_contain_text(f"v.{NBSP}49")
        expect(page.get_by_role("table", name=re.compile("^Svar per intent"))).to_contain_text("Roboten förstod inte (reservsvar)")
        expect(page.get_by_role("img", name=re.compile("^Avslutade chattar per kategori"))).to_be_visible()
        check_page(page, "dashboard")

        page.goto(site.url + "/admin/audit")
        expect(page).to_have_title("Logg – administratörer, Tryggare Helsingborg chatt")
        table = page.get_by_role("table", name=re.compile("händelse"))
        expect(table.locator("tbody tr")).to_have_count(2)
        expect(table).to_contain_text("Driftsatte en modell")
        expect(table).to_contain_text("makro-F1: 0,921")
        page.get_by_label("Vem").select_option("bea")
        page.get_by_role("button", name="Visa").click()
        expect(table.locator("tbody tr")).to_have_count(1)
        expect(table.locator("tbody tr td").nth(2)).to_have_text("Träningen misslyckades")
        expect(page.get_by_role("link", name=re.compile("CSV"))).to_have_attribute("href", "/admin/audit.csv?actor=bea")
        check_page(page, "audit")
        page.goto(site.url + "/admin/data")
        expect(page).to_have_title("Träningsdata och svar – administratörer, Tryggare Helsingborg chatt")
        check_page(page, "data")


def test_the_models_page_says_which_training_data_changed(browser: Browser, site: AdminSite) -> None:
    serving = Path(site.serving.path)
    manifest = dict(inputs_manifest(site.project), started_at="2026-11-30T07:40:00+00:00", seconds=1234.5)
    manifest_file(serving).write_text(json.dumps(manifest), encoding="utf-8")
    basics = site.project / "data" / "nlu" / "basics.yml"
    basics.write_text(basics.read_text(encoding="utf-8").replace("  examples: |\n", "  examples: |\n    - god middag\n", 1),
                      encoding="utf-8")
    with admin_page(browser, site) as page:
        models = ModelsPage(page, site)
        models.log_in()
        changes = page.locator("#data-changes")
        expect(changes.locator(".changed-answer")).to_have_text("Träningsdata ändrad sedan modellen i drift: ja")
        expect(changes).to_contain_text("data/nlu/basics.yml")
        expect(changes).to_contain_text("Hälsning (greet)")
        row = models.model_row(SERVING)
        expect(row.locator("td").nth(2)).to_have_text("2026-11-30 08:40")
        expect(row.locator("td").nth(3)).to_have_text("20 min 35 s")
        check_page(page, "models-data-changed")


def test_the_forms_wait_for_the_page_script(browser: Browser, site: AdminSite) -> None:
    """A form sent before admin.js listened reloaded the page and lost what was typed, and "Träna en ny modell"
    did nothing: the controls come disabled from the server and the script enables them as it listens."""
    nlu = site.project / "data" / "nlu" / "basics.yml"
    example = "god eftermiddag på er"
    assert example not in nlu.read_text(encoding="utf-8")
    with admin_page(browser, site) as page:
        log_in_as_admin(page, site)
        held: list[Route] = []
        page.route("**/static/admin.js", lambda route: held.append(route))
        page.goto(site.url + "/admin/data", wait_until="commit")  # "load" waits for the held script
        add = page.get_by_role("button", name="Lägg till exempel")
        expect(add).to_be_disabled()
        expect(page.get_by_role("button", name="Importera")).to_be_disabled()
        page.get_by_label("Nytt exempel (högst 500 tecken)").fill(example)
        page.get_by_label("Nytt exempel (högst 500 tecken)").press("Enter")  # no reload: nothing lost
        wait_until(lambda: held, what="the page script to be asked for", page=page)
        held[0].continue_()
        page.unroute("**/static/admin.js")
        expect(add).to_be_enabled()
        expect(page.get_by_label("Nytt exempel (högst 500 tecken)")).to_have_value(example)
        page.get_by_label("Intent", exact=True).select_option("greet")
        add.click()
        expect(page.locator("#admin-status")).to_have_text("Exemplet lades till.")
        assert f"- {example}\n" in nlu.read_text(encoding="utf-8")

        page.route("**/static/admin.js", lambda route: held.append(route))
        page.goto(site.url + "/admin/models", wait_until="commit")
        train = page.get_by_role("button", name="Träna en ny modell")
        expect(train).to_be_disabled()
        expect(page.get_by_role("button", name="Kör korsvalidering (tar lång tid)")).to_be_disabled()
        wait_until(lambda: len(held) == 2, what="the page script to be asked for again", page=page)
        held[1].continue_()
        expect(train).to_be_enabled()
