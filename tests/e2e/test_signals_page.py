"""The "Trygghetssignaler" page (/admin/signals) in a real browser, with the real router app and seeded
signals (no Rasa): an analyst logs in and lands on it, reads every view with no count below the threshold,
exports CSV and JSON; an administrator reaches it from the admin menu. axe-core (no serious or critical
violations) and screenshots at 1280 and 390 px in test-artifacts/signals/; at 390 px the page does not
scroll sideways (wide tables scroll inside themselves)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.axe import BLOCKING, run_axe
from tests.e2e.signals_site import ADMIN, ANALYST, SignalsSite, log_in
from tests.e2e.browser import PROJECT_ROOT, debian_chromium
from tests.router.signals_fixtures import RARE_PLACE, small_numbers

ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "signals"
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 390, "height": 844}
TABLES = (
    "Antal signaler per stadsdel och kategori", "Signaler per stadsdel, denna och föregående period",
    "Signaler per månad", "Signaler efter tid på dygnet som invånaren nämnde",
    "Signaler efter veckodag som invånaren nämnde", "Platsbeskrivningar per stadsdel",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignalsSite]:
    running = SignalsSite(Path(tmp_path_factory.mktemp("signals-site")) / "router.db")
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser(site: SignalsSite) -> Iterator[Browser]:
    with debian_chromium() as launched:
        yield launched


def fresh_page(browser: Browser) -> Page:
    context = browser.new_context(viewport=WIDE, locale="sv-SE", timezone_id="Europe/Stockholm")
    context.set_default_timeout(10_000)
    return context.new_page()


def test_an_analyst_reads_the_picture_and_exports_it(browser: Browser, site: SignalsSite) -> None:
    page = fresh_page(browser)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, site.url, ANALYST)
    expect(page).to_have_url(site.url + "/admin/signals")
    expect(page.get_by_role("heading", name="Trygghetssignaler", level=2)).to_be_visible()
    # The analyst's menu holds only this page.
    expect(page.get_by_role("navigation", name="Administration").get_by_role("link")).to_have_count(1)

    for caption in TABLES:
        table = page.get_by_role("table", name=caption)
        expect(table).to_be_visible()
        cells = table.locator("td").all_inner_texts()
        assert cells and small_numbers(cells) == [], (caption, cells)
    matrix = page.get_by_role("table", name=TABLES[0])
    fredriksdal = matrix.get_by_role("row", name="Fredriksdal")
    expect(fredriksdal.locator("td").nth(0)).to_have_text("7")  # otrygghet
    expect(fredriksdal.locator("td").nth(1)).to_have_text("<\u00a05")  # belysning: 4 signals
    assert RARE_PLACE not in page.content()
    for chart in page.locator("svg.chart").all():
        assert small_numbers(chart.locator("text, desc").all_text_contents()) == []

    violations = [v for v in run_axe(page) if v["impact"] in BLOCKING]
    assert violations == [], violations

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for label, viewport in (("1280", WIDE), ("390", NARROW)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(ARTIFACTS / f"signals-{label}.png"), full_page=True)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"the page scrolls sideways at {label} px ({width} px)"
    page.set_viewport_size(WIDE)

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv_text.startswith("vy;stadsdel;etikett;antal") and "< 5" in csv_text and RARE_PLACE not in csv_text
    with page.expect_download() as download:
        page.get_by_role("link", name="JSON").click()
    assert '"threshold": 5' in Path(download.value.path()).read_text(encoding="utf-8")

    page.get_by_label("Från och med").fill("2026-10-01")
    page.get_by_label("Till och med").fill("2026-10-31")
    page.get_by_role("button", name="Visa").click()
    expect(page.get_by_text("Period: 1 oktober 2026 – 31 oktober 2026.")).to_be_visible()
    page.context.close()
    assert errors == []


def test_an_administrator_finds_the_page_in_the_menu(browser: Browser, site: SignalsSite) -> None:
    page = fresh_page(browser)
    log_in(page, site.url + "", ADMIN)
    page.goto(site.url + "/admin/dashboard")
    page.get_by_role("link", name="Trygghetssignaler").click()
    expect(page).to_have_url(site.url + "/admin/signals")
    expect(page.get_by_role("link", name="Trygghetssignaler")).to_have_attribute("aria-current", "page")
    page.context.close()
