"""The safety net's alarm looks like one: a bubble with role alert, a phone icon, strong colours and a
tel:112 link, also after a reload and while queued; every phone number in a bubble is a tel: link that
never breaks across lines. Screenshots at 390 px and 1280 px go to test-artifacts/widget/ (alarm-390.png,
alarm-1280.png, phone-links-1280.png)."""
from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.e2e.router_sites import PHONE_NUMBERS, WidgetSite

from tests.e2e.axe import BLOCKING, run_axe
from tests.e2e.browser import checked_page
from .chat_page import ChatPage

DANGER = "Det brinner i trapphuset!"


def contrast(page: Page, selector: str) -> float:
    """WCAG contrast ratio of the element's text colour against its background colour."""
    return page.evaluate(
        """(selector) => {
            const node = document.querySelector(selector);
            const style = getComputedStyle(node);
            const rgb = (value) => value.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
            const lum = ([r, g, b]) => [r, g, b].map((c) => {
                c /= 255;
                return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
            }).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
            const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
            return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }""",
        selector,
    )


def expect_alarm(chat: ChatPage, count: int = 1) -> None:
    alarms = chat.log.get_by_role("alert")
    expect(alarms).to_have_count(count)
    alarm = alarms.last
    expect(alarm).to_contain_text("Ring 112 nu")
    expect(alarm.locator("a[href='tel:112']")).to_have_text("112")
    expect(alarm.locator("svg[aria-hidden='true']")).to_have_count(1)
    assert alarm.locator("a[href='tel:112']").evaluate("a => getComputedStyle(a).whiteSpace") == "nowrap"


def test_alarm_bubble_in_bot_state_then_a_way_to_a_person(site_page: Page, widget_site: WidgetSite) -> None:
    page, chat = site_page, ChatPage(site_page, widget_site)
    chat.open()
    chat.send(DANGER)
    expect_alarm(chat)
    # The alarm is the first answer; after it, a person and the phone instead of "did not understand".
    bot_bubbles = chat.log.locator(".hbgc-msg--bot .hbgc-bubble")
    expect(bot_bubbles.first).to_have_attribute("role", "alert")
    choices = chat.log.get_by_role("group", name="Svarsalternativ")
    expect(choices.get_by_role("button", name="Prata med en kommunvägledare")).to_be_visible()
    call = choices.get_by_role("link", name="Ring 042-10 50 00")
    expect(call).to_have_attribute("href", "tel:042105000")
    assert contrast(page, ".hbgc-msg--alarm .hbgc-bubble") >= 4.5
    # After a reload the transcript still marks the alarm as one.
    page.reload()
    expect_alarm(chat)


def test_alarm_while_queued(site_page: Page, widget_site: WidgetSite) -> None:
    chat = ChatPage(site_page, widget_site)
    conv = chat.open()
    widget_site.queue(conv)
    expect(chat.panel).to_contain_text("i kön")
    chat.send("hjälp han slår mig nu")
    expect_alarm(chat)


def test_every_phone_number_is_a_tel_link_on_one_line(site_page: Page, widget_site: WidgetSite) -> None:
    page, chat = site_page, ChatPage(site_page, widget_site)
    page.set_viewport_size({"width": 390, "height": 844})
    chat.open()
    chat.send("nummer")
    bubble = chat.log.locator(".hbgc-msg--bot .hbgc-bubble").last
    links = bubble.locator("a[href^='tel:']")
    expect(links).to_have_count(len(PHONE_NUMBERS))
    shown = links.evaluate_all(
        "links => links.map(a => [a.textContent, a.getAttribute('href'), getComputedStyle(a).whiteSpace,"
        " a.getClientRects().length])"
    )
    assert [text for text, *_ in shown] == PHONE_NUMBERS
    for text, href, white_space, lines in shown:
        assert href == "tel:" + "".join(c for c in text if c.isdigit()), (text, href)
        assert (white_space, lines) == ("nowrap", 1), text
    # A case reference and a web address keep their digits as text.
    expect(bubble).to_contain_text("HBG-2026-000112")
    expect(bubble.locator("a", has_text="000112")).to_have_count(0)


def test_alarm_passes_axe_and_screenshots(
    browser: Browser, widget_site: WidgetSite, axe_path: Path, artifacts: Path
) -> None:
    with checked_page(browser, widget_site, bypass_csp=True) as page:  # axe is injected as an inline script
        chat = ChatPage(page, widget_site)
        chat.open()
        chat.send(DANGER)
        expect_alarm(chat)
        page.screenshot(path=str(artifacts / "alarm-1280.png"))
        chat.send("nummer")
        expect(chat.bubbles).to_have_count(5)
        page.screenshot(path=str(artifacts / "phone-links-1280.png"))
        violations = run_axe(page, axe_path)
        page.set_viewport_size({"width": 390, "height": 844})
        chat.log.get_by_role("alert").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "alarm-390.png"))
        violations += run_axe(page, axe_path)
    (artifacts / "axe-alarm.json").write_text(json.dumps(violations, indent=2, ensure_ascii=False), encoding="utf-8")
    assert [v for v in violations if v["impact"] in BLOCKING] == []
