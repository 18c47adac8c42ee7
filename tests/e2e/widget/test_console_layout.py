"""Issue 13: the agent console on a phone (390×844) and on a desktop whose window is 900 px high, in a real
browser (Debian chromium) against the real router. On the phone the queue, a claimed chat's messages and the
reply box are usable without sideways scrolling: no element is wider than the viewport, the reply box lies
inside it and is not hidden under the sticky header, and a reply sent from it reaches the resident. On the
desktop, with a long conversation, the reply box is on screen without scrolling. axe-core finds no serious
or critical violation. Screenshots: test-artifacts/console/layout-*.png."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.axe import BLOCKING, run_axe
from tests.e2e.browser import checked_page
from tests.e2e.router_sites import ConsoleSite, log_in_online

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Visible elements whose box reaches past the viewport's right edge (or is cut by its left edge): each would
# make the page scroll sideways or be cut off. Wholly off-screen elements (the skip link until it is focused)
# are hidden on purpose.
WIDER_THAN_VIEWPORT = """
() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || getComputedStyle(element).visibility === "hidden") continue;
    if (box.right <= 0) continue;
    if (box.left < -1 || box.right > width + 1) {
      wide.push(`${element.tagName.toLowerCase()}#${element.id}.${element.className} ${Math.round(box.left)}–${Math.round(box.right)}`);
    }
  }
  return {width, scrollWidth: document.documentElement.scrollWidth, wide};
}
"""

# Whether the element's centre is really it on screen, not the sticky header drawn over it.
ON_TOP = """
(element) => {
  const box = element.getBoundingClientRect();
  const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  return hit === element || element.contains(hit);
}
"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[ConsoleSite]:
    running = ConsoleSite(tmp_path / "router.db")
    running.start()
    try:
        yield running
    finally:
        running.stop()


def fits_the_viewport(page: Page, state: str) -> None:
    measured = page.evaluate(WIDER_THAN_VIEWPORT)
    assert measured["scrollWidth"] <= measured["width"], f"{state}: the page scrolls sideways: {measured}"
    assert measured["wide"] == [], f"{state}: elements wider than the viewport: {measured['wide']}"


def usable_on_screen(page: Page, element: Locator, viewport: dict[str, int], what: str) -> None:
    """Inside the viewport both ways, and not covered by anything (the sticky header)."""
    box = element.bounding_box()
    assert box is not None, f"{what} is not rendered"
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (what, box)
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (what, box)
    assert element.evaluate(ON_TOP), f"{what} is covered by another element"


def no_blocking_violations(page: Page, axe_path: Path, state: str) -> None:
    blocking = [v for v in run_axe(page, axe_path) if v["impact"] in BLOCKING]
    assert blocking == [], f"{state}: {blocking}"


def test_the_console_on_a_phone(browser: Browser, site: ConsoleSite, console_artifacts: Path, axe_path: Path) -> None:
    with checked_page(browser, site, viewport=PHONE, is_mobile=True, has_touch=True) as page:
        log_in_online(page, site)
        conversation_id, auth, reference = site.queued_resident(
            "Det är mörkt i gångtunneln vid Söder på kvällarna och jag vill prata med någon", topic="complaint_safety_work"
        )
        site.queued_resident("Fråga två om klotter vid busshållplatsen på Drottninghög")
        queue = page.locator("#queue-list > li")
        expect(queue).to_have_count(2)
        take = queue.first.get_by_role("button", name="Ta chatten")
        take.scroll_into_view_if_needed()
        usable_on_screen(page, take, PHONE, "the queue's first Ta chatten")
        page.screenshot(path=str(console_artifacts / "layout-queue-390.png"))
        fits_the_viewport(page, "queue")
        no_blocking_violations(page, axe_path, "queue at 390 px")

        take.click()
        expect(page.locator("#working-on")).to_have_text(f"Du arbetar med {reference} (pågår)")
        reply = page.get_by_label("Svar till invånaren")
        expect(reply).to_be_focused()  # the claim brings the reply box into view
        usable_on_screen(page, reply, PHONE, "the reply box after the claim")
        page.screenshot(path=str(console_artifacts / "layout-case-390.png"))
        site.write(conversation_id, auth, "Hallå, är det någon där?")
        transcript = page.locator("#transcript")
        expect(transcript).to_contain_text("Hallå, är det någon där?")
        fits_the_viewport(page, "claimed chat")

        reply.fill("Hej! Jag heter Anna och är kommunvägledare. Vi kan prata om gångtunneln.")
        send = page.locator("#reply-form").get_by_role("button", name="Skicka")
        usable_on_screen(page, send, PHONE, "the send button")
        send.click()
        expect(transcript).to_contain_text("Vi kan prata om gångtunneln.")
        assert site.resident_messages(conversation_id, auth)[-1]["text"].endswith("Vi kan prata om gångtunneln.")
        newest = transcript.locator(".message").last
        newest.scroll_into_view_if_needed()
        usable_on_screen(page, newest, PHONE, "the newest message")
        page.screenshot(path=str(console_artifacts / "layout-messages-390.png"))
        page.screenshot(path=str(console_artifacts / "layout-case-390-full.png"), full_page=True)
        fits_the_viewport(page, "after a reply")
        no_blocking_violations(page, axe_path, "claimed chat at 390 px")


def test_the_reply_box_is_on_screen_at_900_px_height_in_a_long_chat(
    browser: Browser, site: ConsoleSite, console_artifacts: Path, axe_path: Path
) -> None:
    with checked_page(browser, site, viewport=DESKTOP) as page:
        log_in_online(page, site)
        conversation_id, auth, reference = site.queued_resident("Jag vill prata med en kommunvägledare om otrygghet")
        for number in range(1, 13):
            site.write(conversation_id, auth, f"Meddelande {number}: det gäller belysningen i parken vid Söder.")
        page.locator("#queue-list > li").first.get_by_role("button", name="Ta chatten").click()
        expect(page.locator("#working-on")).to_have_text(f"Du arbetar med {reference} (pågår)")
        expect(page.locator("#transcript")).to_contain_text("Meddelande 12:")
        page.evaluate("window.scrollTo(0, 0)")
        usable_on_screen(page, page.get_by_label("Svar till invånaren"), DESKTOP, "the reply box")
        usable_on_screen(page, page.locator("#reply-form").get_by_role("button", name="Skicka"), DESKTOP, "Skicka")
        page.screenshot(path=str(console_artifacts / "layout-case-1280x900.png"))
        fits_the_viewport(page, "desktop case")
        no_blocking_violations(page, axe_path, "long chat at 1280×900")
