"""Fixtures for the widget's browser tests: Debian chromium through Playwright, the real router app
(`create_app`) with the router tests' fake Rasa — one for the session (`widget_site`, with `site_page`) and
one for a test that moves the router's clock, restarts it or needs an empty queue (`fresh_site`) — and
axe-core from tests/e2e/node_modules. The agent side is played through the router's own Desk
(tests/e2e/router_sites.py), faults through the real app (its clock, a restart, Rasa failing) or, for the
network between page and router, through Playwright's routes (tests/e2e/widget/chat_page.py)."""
from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.axe import AXE_JS
from tests.e2e.router_sites import WidgetSite

if TYPE_CHECKING:  # chat_page imports wait_until from this module
    from tests.e2e.widget.chat_page import ChatPage
from tests.e2e.threaded_site import ThreadedSite

E2E_DIR = Path(__file__).resolve().parents[1]
PROJECT_ROOT = E2E_DIR.parents[1]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "widget"
CONSOLE_ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "console"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@contextmanager
def debian_chromium() -> Iterator[Browser]:
    """Debian's chromium driven by Playwright (no browser download), closed afterwards."""
    executable = shutil.which("chromium")
    if not executable:
        pytest.fail("Debian chromium is not installed: run `make browser` (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def wait_until(
    predicate: Callable[[], object], timeout: float = 5.0, what: str = "condition", page: Page | None = None
) -> None:
    """Poll a server-side condition. Pass the page when its route handlers must keep running meanwhile
    (the sync Playwright API only dispatches them inside Playwright calls)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if page is not None:
            page.wait_for_timeout(50)
        else:
            time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with debian_chromium() as launched:
        yield launched


@contextmanager
def checked_page(browser: Browser, server: ThreadedSite, **context_options) -> Iterator[Page]:
    """A page in a fresh context; afterwards, no JavaScript or Content-Security-Policy errors may have
    happened and no request may have left the router."""
    options = {"viewport": {"width": 1280, "height": 800}, "locale": "sv-SE", "accept_downloads": True}
    context = browser.new_context(**{**options, **context_options})
    opened = context.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    opened.on("pageerror", lambda exc: errors.append(str(exc)))
    opened.on(
        "console",
        lambda message: errors.append(message.text)
        if message.type == "error" and "Content Security Policy" in message.text
        else None,
    )
    opened.on(
        "request",
        lambda request: None
        if request.url.startswith((server.url, "data:", "blob:"))
        else foreign.append(request.url),
    )
    opened.set_default_timeout(5000)
    try:
        yield opened
    finally:
        context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
    assert foreign == [], f"requests outside the router: {foreign}"


@pytest.fixture(scope="session")
def widget_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WidgetSite]:
    """The real router (create_app) for the session; each test opens its own conversation."""
    running = WidgetSite(tmp_path_factory.mktemp("widget-router") / "router.db")
    running.start()
    yield running
    running.stop()


@pytest.fixture
def fresh_site(tmp_path: Path) -> Iterator[WidgetSite]:
    """A real router of its own for one test: its clock can move, it can restart, its queue starts empty."""
    running = WidgetSite(tmp_path / "router.db")
    running.start()
    yield running
    running.stop()


@pytest.fixture
def site_page(browser: Browser, widget_site: WidgetSite) -> Iterator[Page]:
    """A fresh page whose requests may only go to the real router."""
    with checked_page(browser, widget_site) as opened:
        yield opened


@pytest.fixture
def page(site_page: Page) -> Page:
    """The widget tests' page: `site_page` under the name the Playwright tests use."""
    return site_page


@pytest.fixture
def chat(site_page: Page, widget_site: WidgetSite) -> ChatPage:
    """The resident's side of the widget on the demo page, with the site's router behind it."""
    from tests.e2e.widget.chat_page import ChatPage

    return ChatPage(site_page, widget_site)


@pytest.fixture(scope="session")
def axe_path() -> Path:
    if not AXE_JS.exists():
        pytest.fail("axe-core is not installed: run `npm ci --prefix tests/e2e`")
    return AXE_JS


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def console_artifacts() -> Path:
    """Screenshots of the agent console's own tests (close form with the signal, phone and desktop layout)."""
    CONSOLE_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return CONSOLE_ARTIFACTS
