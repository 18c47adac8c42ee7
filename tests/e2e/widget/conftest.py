"""Fixtures for the widget's browser tests: Debian chromium through Playwright, the real router app
(`create_app`) with the router tests' fake Rasa — one for the session (`widget_site`, with `site_page`) and
one for a test that moves the router's clock, restarts it or needs an empty queue (`fresh_site`) — and
axe-core from tests/e2e/node_modules. The agent side is played through the router's own Desk
(tests/e2e/router_sites.py), faults through the real app (its clock, a restart, Rasa failing) or, for the
network between page and router, through Playwright's routes (tests/e2e/widget/chat_page.py).

Only fixtures live here: the browser helpers tests import (`debian_chromium`, `checked_page`, `wait_until`)
are in tests/e2e/browser.py (tests/test_layout.py says why)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.axe import AXE_JS
from tests.e2e.browser import PROJECT_ROOT, checked_page, debian_chromium
from tests.e2e.router_sites import WidgetSite
from tests.e2e.widget.chat_page import ChatPage

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "widget"
CONSOLE_ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "console"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with debian_chromium() as launched:
        yield launched


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
