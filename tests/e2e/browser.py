"""Browser helpers for the end-to-end tests: Debian's chromium through Playwright, a page that fails its test on
JavaScript or Content-Security-Policy errors and on requests leaving the router, and polling a server-side
condition. Used by the widget tests' fixtures (tests/e2e/widget/conftest.py) and by the admin, signals, SSO
console and journey tests, which start browsers of their own; a plain module, so nothing imports a conftest."""
from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.threaded_site import ThreadedSite

# The repository's root: the browser tests write their screenshots to its test-artifacts/.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
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
