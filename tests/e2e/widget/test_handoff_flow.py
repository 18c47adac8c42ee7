"""Queue, kommunvägledare joining and leaving, closing, feedback, transcript and inactivity, against the real
router: the queue and the kommunvägledare Anna are the router's own (tests/e2e/router_sites.py, DeskAgent)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from router import texts
from router.contact.keys import CONTACT_KEY
from router.handoff.keys import HANDOFF_CONFIG_KEY
from tests.e2e.browser import checked_page, wait_until
from tests.e2e.router_sites import SiteConversation, WidgetSite

from .chat_page import ChatPage

JOINED = "Information: " + texts.agent_joined("Anna")




def notice(chat: ChatPage) -> str:
    return texts.notice(chat.site.app[CONTACT_KEY])


def joined(chat: ChatPage, conv: SiteConversation) -> None:
    """The resident is queued and Anna takes the chat."""
    chat.site.queue(conv)
    chat.site.agent.joins(conv)


def test_queue_agent_typing_and_leaving(browser: Browser, fresh_site: WidgetSite) -> None:
    """On a router of its own, so the queue and its estimates start from handoff.yml: someone else waits
    first (place 2, two places of `default_handling_minutes`); when Anna takes that chat, the resident is
    next and the estimate comes from the wait just measured (seconds: "cirka 1 minut")."""
    with checked_page(browser, fresh_site) as page:
        chat = ChatPage(page, fresh_site)
        conv = chat.open()
        chat.send("Jag vill prata med en människa")
        chat.expect_bubbles("Du: Jag vill prata med en människa", "Assistenten: Du skrev: Jag vill prata med en människa")
        first = fresh_site.queue_another_resident()
        reference = fresh_site.queue(conv)["reference"]
        minutes = 2 * fresh_site.app[HANDOFF_CONFIG_KEY].default_handling_minutes
        queue = chat.panel.get_by_role("region", name="Du står i kö")
        expect(queue).to_contain_text("Du är nummer 2 i kön.")
        expect(queue).to_contain_text(f"Beräknad väntetid: cirka {minutes} minuter.")
        expect(queue).to_contain_text(f"Ärendenummer: {reference}")
        expect(chat.panel.locator("#hbgc-subtitle")).to_have_text("Du väntar på en kommunvägledare")
        fresh_site.agent.joins(first)
        expect(queue).to_contain_text("Du är nummer 1 i kön.")
        expect(queue).to_contain_text("Beräknad väntetid: cirka 1 minut.")

        fresh_site.agent.joins(conv)
        expect(chat.bubbles.last).to_have_text(JOINED)
        expect(queue).to_be_hidden()
        expect(chat.panel.locator("#hbgc-subtitle")).to_have_text("Du chattar med en kommunvägledare")

        fresh_site.agent.types(conv)
        typing = chat.panel.get_by_role("status").filter(has_text="skriver")
        expect(typing).to_have_text("Kommunvägledaren Anna skriver …")
        fresh_site.agent.says(conv, "Hej! Vad kan jag hjälpa till med? Se https://helsingborg.se")
        expect(chat.bubbles.last).to_have_text(
            "Anna, kommunvägledare: Hej! Vad kan jag hjälpa till med? Se https://helsingborg.se (öppnas i ny flik)"
        )
        expect(typing).to_have_count(0)

        chat.input.fill("Tack")  # the resident's typing reaches the agents' consoles
        chat.wait_for(lambda: fresh_site.typing_seen_by_consoles(conv) >= 1, what="a typing signal")
        chat.input.press("Enter")
        wait_until(lambda: conv.resident_texts()[-1:] == ["Tack"], what="the message")
        fresh_site.agent.hands_back(conv)
        expect(chat.bubbles.last).to_have_text("Information: " + texts.HANDED_BACK)
        expect(chat.panel.locator("#hbgc-subtitle")).to_have_text("Du chattar med en automatisk assistent")
        expect(chat.log.locator(".hbgc-msg--system .hbgc-bubble")).to_have_text([JOINED, "Information: " + texts.HANDED_BACK])


def test_an_agent_joining_is_said_once(chat: ChatPage) -> None:
    """agent_joined plus the router's stored system message: one line in the log, not two."""
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    joined(chat, conv)
    chat.site.agent.says(conv, "Hej, det här är Anna.")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej", JOINED, "Anna, kommunvägledare: Hej, det här är Anna.")
    expect(chat.log.locator(".hbgc-msg--system")).to_have_count(1)


# Each way an agent leaves (router/handoff/desk.py): the router's stored system message and the state after it.
LEAVING = {
    "hands_back": (texts.HANDED_BACK, "Du chattar med en automatisk assistent"),
    "requeues": (texts.AGENT_REQUEUED, "Du väntar på en kommunvägledare"),
    "closes": (texts.CLOSED_BY_AGENT, "Chatten är avslutad"),
}


@pytest.mark.parametrize("transport", ["websocket", "http"])
@pytest.mark.parametrize("leaving", list(LEAVING))
def test_an_agent_leaving_is_said_once(page: Page, chat: ChatPage, leaving: str, transport: str) -> None:
    """agent_left plus the router's stored system message: one line in the log, not two, live (over the
    WebSocket or HTTP polling) and after a reload. Over HTTP the page's clock is moved on to each poll."""
    polling = transport == "http"
    if polling:
        chat.refuse_websockets()
        page.clock.install()
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    joined(chat, conv)
    chat.site.agent.says(conv, "Hej, det här är Anna.")
    text, subtitle = LEAVING[leaving]
    expected = [
        "Du: Hej",
        "Assistenten: Du skrev: Hej",
        JOINED,
        "Anna, kommunvägledare: Hej, det här är Anna.",
        "Information: " + text,
    ]
    if not polling:
        chat.expect_bubbles(*expected[:4])
    getattr(chat.site.agent, leaving)(conv)
    if polling:
        chat.next_poll(conv)
    expect(chat.panel.locator("#hbgc-subtitle")).to_have_text(subtitle)
    chat.expect_bubbles(*expected)
    # A late second line would show by now: over the WebSocket every frame has come; polling, the poll
    # after the one that brought the line has been answered too (a closed chat polls no more).
    if not polling or leaving == "closes":
        page.wait_for_timeout(500)
    else:
        chat.next_poll(conv)
        chat.next_poll(conv)
    chat.expect_bubbles(*expected)
    expect(chat.log.locator(".hbgc-msg--system")).to_have_count(2)
    if leaving == "requeues":
        expect(chat.panel.get_by_role("region", name="Du står i kö")).to_be_visible()
    if leaving == "closes":
        expect(chat.panel.get_by_role("heading", name="Chatten är avslutad")).to_be_visible()

    page.reload()
    expect(chat.panel).to_be_visible()
    expect(chat.panel.locator("#hbgc-subtitle")).to_have_text(subtitle)
    expect(chat.bubbles).to_have_text(expected)
    expect(chat.log.locator(".hbgc-msg--system")).to_have_count(2)


def left_queue_once(conv: SiteConversation) -> bool:
    """The router took the resident out of the queue once: the bot answers again, its line stored once."""
    transcript = conv.transcript()
    notices = [m for m in transcript["messages"] if m["from"] == "system" and m["text"] == texts.LEFT_QUEUE]
    return transcript["state"] == "bot" and len(notices) == 1


def test_leave_queue(chat: ChatPage) -> None:
    conv = chat.open()
    chat.site.queue(conv)
    chat.panel.get_by_role("button", name="Lämna kön").click()
    wait_until(lambda: left_queue_once(conv), what="leave_queue")
    expect(chat.panel.get_by_role("region", name="Du står i kö")).to_be_hidden()
    expect(chat.page.locator(".hbgc-root [role=alert]").filter(has_text="Du har lämnat kön.")).to_have_count(1)
    expect(chat.input).to_be_focused()


def test_closed_chat_asks_for_feedback_and_posts_it(chat: ChatPage) -> None:
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    joined(chat, conv)
    expect(chat.bubbles.last).to_have_text(JOINED)
    chat.input.focus()
    chat.site.agent.closes(conv)
    expect(chat.panel.get_by_role("heading", name="Chatten är avslutad")).to_be_focused()
    expect(chat.input).to_be_hidden()
    expect(chat.send_button).to_be_hidden()
    expect(chat.panel.get_by_role("button", name="Avsluta chatten")).to_be_hidden()
    expect(chat.panel.get_by_role("button", name="Spara chatten")).to_be_visible()
    question = chat.panel.get_by_role("group", name="Fick du hjälp?")
    question.get_by_role("button", name="Ja").dblclick()
    expect(chat.panel.get_by_text("Tack för ditt svar!")).to_be_focused()
    assert conv.feedback() == [True]
    expect(question).to_be_hidden()


def test_new_chat_after_the_end_gets_a_new_notice_and_empty_log(chat: ChatPage) -> None:
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    joined(chat, conv)
    chat.site.agent.closes(conv)
    chat.panel.get_by_role("button", name="Starta en ny chatt").click()
    expect(chat.input).to_be_enabled()
    expect(chat.bubbles).to_have_count(0)
    expect(chat.panel.locator("#hbgc-notice-text")).to_have_text(notice(chat))
    assert chat.count("POST /api/conversations") == 2
    assert chat.site.conversation_of(chat.page).id != conv.id


def test_resident_can_end_the_chat_and_say_it_did_not_help(chat: ChatPage) -> None:
    conv = chat.open()
    chat.site.queue(conv)
    expect(chat.panel.get_by_role("region", name="Du står i kö.")).to_be_visible()
    chat.panel.get_by_role("button", name="Avsluta chatten").click()
    confirm = chat.prompt
    expect(confirm).to_contain_text("Vill du avsluta chatten?")
    confirm.get_by_role("button", name="Avsluta", exact=True).click()
    expect(chat.panel.get_by_text("Du har avslutat chatten.")).to_be_visible()
    wait_until(lambda: left_queue_once(conv), what="leaving the queue when ending")
    chat.panel.get_by_role("button", name="Nej", exact=True).click()
    expect(chat.panel.get_by_text("Tråkigt att du inte fick hjälp.")).to_be_visible()
    # Other ways to get help (issue 13): a person, since the contact center is open now (Monday 10:00 on
    # the router's clock), the phone and leaving a message.
    others = chat.panel.get_by_role("group", name="Andra sätt att få hjälp")
    expect(others.get_by_role("button", name="Prata med en kommunvägledare")).to_be_visible()
    expect(others.get_by_role("link", name="Ring 042-10 50 00")).to_be_visible()
    expect(others.get_by_role("button", name="Jag vill lämna ett meddelande")).to_be_visible()
    assert conv.feedback() == [False]
    chat.page.reload()
    expect(chat.panel.get_by_text("Du har avslutat chatten.")).to_be_visible()
    expect(chat.panel.get_by_role("group", name="Fick du hjälp?")).to_be_hidden()


def test_transcript_download_as_text(chat: ChatPage) -> None:
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    reference = chat.site.queue(conv)["reference"]
    chat.site.agent.joins(conv)
    chat.site.agent.says(conv, "Hej, det här är Anna.")
    expect(chat.bubbles).to_have_count(4)
    with chat.page.expect_download() as info:
        chat.panel.get_by_role("button", name="Spara chatten").click()
    download = info.value
    assert re.fullmatch(rf"chatt-helsingborg-\d{{4}}-\d{{2}}-\d{{2}}-{reference}\.txt", download.suggested_filename)
    with open(download.path(), encoding="utf-8-sig", newline="") as saved:
        text = saved.read()
    assert text.startswith(f"Chatt med Helsingborgs stad\r\nÄrendenummer: {reference}\r\nSparad: ")
    assert f"Information före chatten: {notice(chat)}" in text
    lines = [line.split("] ", 1)[1] for line in text.splitlines() if line.startswith("[")]
    assert lines == [
        "Du: Hej",
        "Assistenten: Du skrev: Hej",
        JOINED,
        "Anna, kommunvägledare: Hej, det här är Anna.",
    ]
    assert all(re.match(r"\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}\] ", line) for line in text.splitlines() if line.startswith("["))


def test_inactivity_warns_before_closing_and_can_be_extended(page: Page, chat: ChatPage) -> None:
    page.clock.install()
    chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    page.clock.fast_forward("19:50")
    expect(chat.prompt).to_be_hidden()
    page.clock.fast_forward("00:15")
    expect(chat.prompt).to_have_accessible_name("Chatten stängs om 2 minuter. Vill du fortsätta?")
    keep = chat.prompt.get_by_role("button", name="Fortsätt")
    expect(keep).to_be_focused()
    syncs_before = len(chat.sent("sync"))
    keep.click()
    expect(chat.prompt).to_be_hidden()
    expect(chat.input).to_be_enabled()
    chat.wait_for(lambda: len(chat.sent("sync")) > syncs_before, what="the keep-alive")
    page.clock.fast_forward("02:30")  # the earlier two-minute countdown was cancelled
    expect(chat.input).to_be_enabled()
    page.clock.fast_forward("20:00")
    expect(chat.prompt).to_be_visible()
    page.clock.fast_forward("02:01")
    expect(chat.panel.get_by_text("Chatten stängdes eftersom den inte har använts på en stund.")).to_be_visible()
    expect(chat.input).to_be_hidden()


def test_inactivity_warning_opens_a_closed_panel(page: Page, chat: ChatPage) -> None:
    page.clock.install()
    chat.open()
    page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    page.clock.fast_forward("20:01")
    expect(chat.panel).to_be_visible()
    expect(chat.prompt).to_be_visible()
    chat.input.press("a")  # any activity in the chat also keeps it open
    expect(chat.prompt).to_be_hidden()
