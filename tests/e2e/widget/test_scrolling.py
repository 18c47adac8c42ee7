"""The message log follows the newest line — through the queue, Anna joining, her typing line and her
messages, and when the log's room shrinks — unless the resident has scrolled up to read; against the real
router, with the DeskAgent Anna."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.browser import checked_page
from tests.e2e.router_sites import SiteConversation, WidgetSite

from .chat_page import ChatPage

SIZES = {"1280": {"width": 1280, "height": 800}, "320": {"width": 320, "height": 640}}


def expect_in_view(chat: ChatPage, line: Locator) -> None:
    """The line lies wholly inside the visible part of the log. Playwright's check waits for the widget's
    next frames (its ResizeObserver follows a frame later); the boxes then say it in the log's own terms."""
    expect(line).to_be_in_viewport(ratio=1)
    box = line.bounding_box()
    area = chat.page.locator(".hbgc-scroll").bounding_box()
    assert box and area, "the line or the log is not on screen"
    assert area["y"] - 0.5 <= box["y"] and box["y"] + box["height"] <= area["y"] + area["height"] + 0.5, (box, area)


def talk_to_the_bot(chat: ChatPage) -> SiteConversation:
    """Two questions, each answered (with the bot's typing line) before the next."""
    conv = chat.open()
    chat.send("knappar")
    expect(chat.bubbles).to_have_count(2)
    chat.send("länkar")
    expect(chat.bubbles).to_have_count(4)
    return conv


def anna_takes_over(chat: ChatPage, conv: SiteConversation) -> None:
    """The queue, then Anna joins and writes, typing before each message: more than the log can show."""
    chat.site.queue(conv)
    expect(chat.panel.get_by_role("region", name="Du står i kö")).to_be_visible()
    chat.site.agent.joins(conv)
    for n in range(1, 4):
        chat.site.agent.types(conv)
        chat.site.agent.says(conv, f"Meddelande {n} från Anna: jag läser vad du har skrivit och svarar snart.")
    expect(chat.bubbles).to_have_count(8)
    expect(chat.bubbles.first).not_to_be_in_viewport()  # the log is full: following it means scrolling


def expect_newest_in_view(chat: ChatPage, conv: SiteConversation) -> None:
    """Anna's last message and her typing line are on screen."""
    typing = chat.panel.get_by_role("status").filter(has_text="skriver")
    chat.site.agent.types(conv)
    expect(typing).to_be_visible()
    expect_in_view(chat, chat.bubbles.last)
    expect_in_view(chat, typing)


@pytest.mark.parametrize("size", SIZES)
def test_the_newest_line_stays_in_view_through_queue_and_agent(
    browser: Browser, widget_site: WidgetSite, artifacts: Path, size: str
) -> None:
    with checked_page(browser, widget_site, viewport=SIZES[size]) as page:
        chat = ChatPage(page, widget_site)
        conv = talk_to_the_bot(chat)
        anna_takes_over(chat, conv)
        expect_newest_in_view(chat, conv)
        page.screenshot(path=str(artifacts / f"follow-agent-{size}.png"))


def test_a_shorter_window_keeps_the_newest_line_in_view(page: Page, chat: ChatPage, artifacts: Path) -> None:
    """The log's room shrinks at once while Anna is writing (here the window; the queue box arriving in one
    piece does the same). Chrome's scroll anchoring then moves the log before the widget catches up: that
    is not the resident scrolling up, so her next message and typing line are still followed."""
    conv = talk_to_the_bot(chat)
    anna_takes_over(chat, conv)
    page.set_viewport_size({"width": 1280, "height": 640})
    chat.site.agent.says(conv, "Meddelande 4 från Anna: jag skickar en länk strax, https://helsingborg.se/trygghet")
    expect(chat.bubbles).to_have_count(9)
    expect_newest_in_view(chat, conv)
    page.screenshot(path=str(artifacts / "follow-shorter-window-1280x640.png"))


def test_reading_earlier_messages_is_not_interrupted(page: Page, chat: ChatPage) -> None:
    """The resident scrolls up to read: Anna's typing and new message leave the log where it is; back at the
    end, it follows again."""
    conv = talk_to_the_bot(chat)
    anna_takes_over(chat, conv)
    scroller = page.locator(".hbgc-scroll")
    scroller.hover()
    page.mouse.wheel(0, -300)
    expect(chat.bubbles.last).not_to_be_in_viewport()
    top = scroller.evaluate("el => el.scrollTop")
    chat.site.agent.types(conv)
    chat.site.agent.says(conv, "Meddelande 4 från Anna: är du kvar?")
    expect(chat.bubbles).to_have_count(9)
    page.wait_for_timeout(300)  # some frames: the widget's scroll and resize handlers have had their turn
    assert scroller.evaluate("el => el.scrollTop") == top
    expect(chat.bubbles.last).not_to_be_in_viewport()
    page.mouse.wheel(0, 5000)
    expect_in_view(chat, chat.bubbles.last)  # the wheel's scrolling has arrived at the end
    chat.site.agent.says(conv, "Meddelande 5 från Anna: ta den tid du behöver.")
    expect(chat.bubbles).to_have_count(10)
    expect_in_view(chat, chat.bubbles.last)
