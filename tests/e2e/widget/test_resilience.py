"""Reload, reconnect, HTTP fallback, rate limits, expired and forgotten chats: nothing lost, nothing shown
twice. Faults come from the real router (its sockets closed, its clock moved on, a restart, gallring) or
from the network between page and router (Playwright routes: no WebSockets, lost frames, slow answers)."""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from router import texts
from router.contact.keys import CONTACT_KEY
from tests.e2e.browser import checked_page, wait_until
from tests.e2e.router_sites import TEST_OPTIONS, WidgetSite

from .chat_page import ChatPage

JOINED = "Information: " + texts.agent_joined("Anna")




@pytest.fixture
def fresh_chat(browser: Browser, fresh_site: WidgetSite) -> Iterator[ChatPage]:
    """The widget on a router of its own (its clock moves, it restarts, gallring runs)."""
    with checked_page(browser, fresh_site) as opened:
        yield ChatPage(opened, fresh_site)


def stored_session(page: Page) -> dict:
    raw = page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('hbg-chat:')).map(k => sessionStorage.getItem(k))")
    assert len(raw) == 1
    return json.loads(raw[0])


def test_reload_keeps_the_transcript_without_duplicates(page: Page, chat: ChatPage) -> None:
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")  # the answer comes before the next question
    chat.send("knappar")
    expected = ["Du: Hej", "Assistenten: Du skrev: Hej", "Du: knappar", "Assistenten: Vill du veta mer?"]
    chat.expect_bubbles(*expected)
    session = stored_session(page)
    assert session["id"] == conv.id and session["token"] == conv.token
    assert session["lastId"] == conv.messages[-1]["id"]
    assert session["pending"] == []

    syncs = len(chat.sent("sync"))
    page.reload()
    expect(chat.panel).to_be_visible()
    chat.expect_bubbles(*expected)
    expect(chat.panel.locator("#hbgc-notice-text")).to_have_text(texts.notice(chat.site.app[CONTACT_KEY]))
    chat.wait_for(
        lambda: len(chat.sent("sync")) > syncs and chat.sent("sync")[-1]["after_id"] == session["lastId"],
        what="sync after reload",
    )
    chat.expect_bubbles(*expected)  # the sync after reload added nothing twice
    chat.log.get_by_role("button", name="Nej").click()
    chat.expect_bubbles(*expected, "Du: Nej", "Assistenten: Du skrev: /deny")
    assert conv.resident_texts() == ["Hej", "knappar", "Nej"]  # the button's title; Rasa got /deny
    assert chat.count("POST /api/conversations") == 1


def test_reload_during_a_chat_with_an_agent_keeps_the_agent_name(page: Page, chat: ChatPage, artifacts) -> None:
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    chat.site.queue(conv)
    chat.site.agent.joins(conv)
    chat.site.agent.says(conv, "Hej, det här är Anna. Vad gäller det?")
    expected = [
        "Du: Hej",
        "Assistenten: Du skrev: Hej",
        JOINED,
        "Anna, kommunvägledare: Hej, det här är Anna. Vad gäller det?",
    ]
    chat.expect_bubbles(*expected)
    session = stored_session(page)

    syncs = len(chat.sent("sync"))
    page.reload()
    expect(chat.panel).to_be_visible()
    chat.expect_bubbles(*expected)  # the agent keeps her name and joined once
    expect(chat.panel.locator("#hbgc-subtitle")).to_have_text("Du chattar med en kommunvägledare")
    chat.wait_for(
        lambda: len(chat.sent("sync")) > syncs and chat.sent("sync")[-1]["after_id"] == session["lastId"],
        what="sync after reload",
    )
    # No agent_joined frame comes again, yet new messages and typing still carry her name.
    chat.site.agent.types(conv)
    expect(chat.panel.get_by_role("status").filter(has_text="skriver")).to_have_text("Kommunvägledaren Anna skriver …")
    chat.site.agent.says(conv, "Är du kvar?")
    chat.expect_bubbles(*expected, "Anna, kommunvägledare: Är du kvar?")
    expect(chat.log.locator(".hbgc-who")).to_have_text(["Du", "Assistenten", "Anna, kommunvägledare"])
    page.screenshot(path=str(artifacts / "reload-with-agent.png"))


def test_agent_joining_while_polling_over_http_is_shown_once_with_the_name(page: Page, chat: ChatPage) -> None:
    chat.refuse_websockets()
    page.clock.install()
    conv = chat.open()
    chat.send("Via HTTP")
    chat.expect_bubbles("Du: Via HTTP", "Assistenten: Du skrev: Via HTTP")
    chat.site.queue(conv)
    chat.site.agent.joins(conv)
    chat.site.agent.says(conv, "Hej från Anna")
    expected = [
        "Du: Via HTTP",
        "Assistenten: Du skrev: Via HTTP",
        JOINED,
        "Anna, kommunvägledare: Hej från Anna",
    ]
    chat.next_poll(conv)
    chat.expect_bubbles(*expected)
    expect(chat.panel.locator("#hbgc-subtitle")).to_have_text("Du chattar med en kommunvägledare")
    page.reload()  # still without WebSockets: the transcript alone rebuilds it, once
    chat.expect_bubbles(*expected)
    chat.next_poll(conv)  # and the polls after it add nothing
    chat.next_poll(conv)
    chat.expect_bubbles(*expected)
    expect(chat.log.locator(".hbgc-msg--system")).to_have_count(1)


def test_reload_with_the_panel_closed_keeps_it_closed_and_unread_at_zero(page: Page, chat: ChatPage) -> None:
    chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    page.keyboard.press("Escape")
    page.reload()
    expect(chat.launcher).to_have_accessible_name("Chatta med oss")
    expect(chat.panel).to_be_hidden()
    chat.launcher.click()
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")


def test_a_message_written_before_a_reload_is_sent_once_after_it(page: Page, chat: ChatPage) -> None:
    chat.refuse_websockets()
    conv = chat.open()
    # The router is unreachable while the resident writes, then the page is reloaded.
    page.route("**/api/conversations/*/messages", lambda route: route.abort())
    chat.send("Skrivet innan omladdning")
    expect(chat.log.get_by_text("Skickas …")).to_be_visible()
    wait_until(lambda: stored_session(page)["pending"], what="the pending message to be stored")
    page.unroute("**/api/conversations/*/messages")
    chat.allow_websockets()
    page.reload()
    chat.expect_bubbles("Du: Skrivet innan omladdning", "Assistenten: Du skrev: Skrivet innan omladdning")
    expect(chat.log.get_by_text("Skickas …")).to_have_count(0)
    assert conv.resident_texts() == ["Skrivet innan omladdning"]
    assert stored_session(page)["pending"] == []


def test_reconnect_after_a_dropped_socket_fetches_missed_messages_once(chat: ChatPage) -> None:
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    chat.site.queue(conv)
    chat.site.agent.joins(conv)
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej", JOINED)
    last_seen = conv.messages[-1]["id"]
    # The router drops the socket and Anna writes before the widget is back (one step on the router's loop).
    chat.site.agent.says_after_dropping_sockets(conv, "Är du kvar?")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej", JOINED, "Anna, kommunvägledare: Är du kvar?")
    chat.wait_for(lambda: last_seen in [f["after_id"] for f in chat.sent("sync")], what="a sync after the last message seen")
    # While the socket is down again, the resident writes: the message arrives once, after reconnect.
    closed = chat.sockets_closed
    chat.site.drop_sockets()
    chat.wait_for(lambda: chat.sockets_closed > closed, what="the page to see its socket closed")
    chat.send("Ja, jag är kvar")
    chat.expect_bubbles(
        "Du: Hej",
        "Assistenten: Du skrev: Hej",
        JOINED,
        "Anna, kommunvägledare: Är du kvar?",
        "Du: Ja, jag är kvar",
    )
    expect(chat.log.get_by_text("Skickas …")).to_have_count(0)
    assert conv.resident_texts() == ["Hej", "Ja, jag är kvar"]


def test_falls_back_to_http_when_websockets_fail_and_back_again(page: Page, chat: ChatPage) -> None:
    chat.refuse_websockets()
    page.clock.install()
    conv = chat.open()
    chat.send("Via HTTP")
    chat.expect_bubbles("Du: Via HTTP", "Assistenten: Du skrev: Via HTTP")
    assert chat.count(f"POST /api/conversations/{conv.id}/messages") == 1
    expect(chat.panel.get_by_text("Anslutningen bröts")).to_be_hidden()
    # Anna's joining and message only reach the resident by polling GET /api/conversations/{id}.
    chat.site.queue(conv)
    chat.site.agent.joins(conv)
    chat.site.agent.says(conv, "Svar medan WebSocket inte fungerar")
    chat.next_poll(conv)
    expect(chat.bubbles).to_have_count(4)
    chat.send("Andra via HTTP")
    chat.expect_bubbles(
        "Du: Via HTTP",
        "Assistenten: Du skrev: Via HTTP",
        JOINED,
        "Anna, kommunvägledare: Svar medan WebSocket inte fungerar",
        "Du: Andra via HTTP",
    )
    wait_until(lambda: conv.resident_texts() == ["Via HTTP", "Andra via HTTP"], what="the second message")
    assert chat.count(f"POST /api/conversations/{conv.id}/messages") == 2
    # The network is back: the WebSocket returns and its sync replays everything; nothing is doubled.
    chat.allow_websockets()
    page.evaluate("window.dispatchEvent(new Event('online'))")
    chat.wait_for(lambda: chat.states_received and chat.sent("sync"), what="the WebSocket to come back")
    chat.site.agent.says(conv, "Nu via WebSocket igen")
    chat.expect_bubbles(
        "Du: Via HTTP",
        "Assistenten: Du skrev: Via HTTP",
        JOINED,
        "Anna, kommunvägledare: Svar medan WebSocket inte fungerar",
        "Du: Andra via HTTP",
        "Anna, kommunvägledare: Nu via WebSocket igen",
    )
    assert conv.resident_texts() == ["Via HTTP", "Andra via HTTP"]


def test_a_poll_during_a_slow_post_shows_the_message_once(page: Page, chat: ChatPage) -> None:
    chat.refuse_websockets()
    page.clock.install()
    conv = chat.open()
    held = []

    def hold_response(route) -> None:  # the router has the message, its answer is slow to arrive
        held.append((route, route.fetch()))

    page.route("**/api/conversations/*/messages", hold_response)
    chat.send("Långsam")
    wait_until(lambda: held, what="the POST to reach the router", page=page)
    chat.next_poll(conv)
    chat.expect_bubbles("Du: Långsam", "Assistenten: Du skrev: Långsam")
    expect(chat.log.get_by_text("Skickas …")).to_have_count(0)
    route, response = held[0]
    route.fulfill(response=response)
    page.wait_for_timeout(300)
    chat.expect_bubbles("Du: Långsam", "Assistenten: Du skrev: Långsam")
    assert conv.resident_texts() == ["Långsam"]


def test_unacknowledged_socket_message_is_confirmed_over_http_without_duplicates(page: Page, chat: ChatPage) -> None:
    """The socket looks open but the resident's frames never reach the router (a half-dead connection): ten
    seconds on, the widget sends the message over HTTP with the same client_message_id; the router's answer
    then comes both in the POST's reply and over the socket, and is shown once."""
    chat.drop_resident_frames()
    page.clock.install()
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej")
    expect(chat.log.get_by_text("Skickas …")).to_be_visible()
    assert chat.count(f"POST /api/conversations/{conv.id}/messages") == 0 and conv.messages == []
    page.clock.fast_forward(11_000)
    expect(chat.log.get_by_text("Skickas …")).to_have_count(0)
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    assert conv.resident_texts() == ["Hej"]
    assert chat.count(f"POST /api/conversations/{conv.id}/messages") == 1


def test_rate_limited_message_can_be_sent_again(browser: Browser, tmp_path: Path) -> None:
    """A router that takes one message a minute per conversation refuses the second; once the limit is gone
    (here: the router restarted, and its buckets are kept in the process) the resident sends it again."""
    site = WidgetSite(tmp_path / "router.db", options=replace(TEST_OPTIONS, conversation_per_minute=1))
    site.start()
    try:
        with checked_page(browser, site) as page:
            chat = ChatPage(page, site)
            page.clock.install()
            conv = chat.open()
            chat.send("Hej")
            chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
            chat.send("Snabbt")
            failed = chat.log.locator(".hbgc-msg--failed")
            expect(failed).to_contain_text(f"Meddelandet kunde inte skickas. {texts.ERRORS['rate_limited']}")
            assert conv.resident_texts() == ["Hej"]
            closed = chat.sockets_closed
            site.restart()
            chat.wait_for(lambda: chat.sockets_closed > closed, what="the page to see the restart close its socket")
            failed.get_by_role("button", name="Skicka igen").click()
            page.clock.run_for(1_000)  # the widget's first reconnect comes within a second (backoff, jitter)
            chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej", "Du: Snabbt", "Assistenten: Du skrev: Snabbt")
            expect(chat.log.locator(".hbgc-msg--failed")).to_have_count(0)
            assert conv.resident_texts() == ["Hej", "Snabbt"]
    finally:
        site.stop()


def test_a_conversation_the_router_no_longer_knows_starts_fresh_after_reload(fresh_chat: ChatPage) -> None:
    """Gallring deleted the conversation (quiet for longer than retention.yml keeps a bot conversation)."""
    chat, site = fresh_chat, fresh_chat.site
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    site.later(timedelta(days=91))
    assert site.run_retention()["records"]["bot_conversation"] == 1
    chat.page.reload()
    expect(chat.input).to_be_enabled()
    expect(chat.bubbles).to_have_count(0)
    assert chat.count("POST /api/conversations") == 2
    assert stored_session(chat.page)["id"] == site.conversation_of(chat.page).id != conv.id


def test_the_token_travels_in_the_first_frame_never_in_the_socket_url(chat: ChatPage) -> None:
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    chat.site.queue(conv)
    chat.site.agent.joins(conv)
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej", JOINED)
    states = chat.states_received
    chat.site.drop_sockets()  # and once more after a reconnect
    chat.wait_for(lambda: len(chat.socket_urls) >= 2 and chat.states_received > states, what="a reconnected socket")
    chat.site.agent.says(conv, "Är du kvar?")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej", JOINED, "Anna, kommunvägledare: Är du kvar?")
    assert chat.socket_urls == [chat.socket_urls[0]] * len(chat.socket_urls)
    assert all("?" not in url and conv.token not in url for url in chat.socket_urls)
    assert chat.sent("auth") == [{"type": "auth", "token": conv.token}] * len(chat.socket_urls)
    assert [frame["type"] for frame in chat.frames_sent][:1] == ["auth"]


EXPIRED_TEXT = "Chatten har gått ut eftersom det var länge sedan något skrevs i den."


def test_an_expired_chat_says_so_after_a_reload_and_a_new_one_can_start(fresh_chat: ChatPage) -> None:
    chat, page = fresh_chat, fresh_chat.page
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    chat.site.later(timedelta(hours=chat.site.options.resident_token_hours, minutes=1))
    page.reload()

    expect(chat.panel.get_by_role("heading", name="Chatten är avslutad")).to_be_visible()
    expect(chat.panel).to_contain_text(EXPIRED_TEXT)
    expect(chat.input).to_be_hidden()
    chat.panel.get_by_role("button", name="Starta en ny chatt").click()
    expect(chat.input).to_be_enabled()
    assert chat.count("POST /api/conversations") == 2
    new = chat.site.conversation_of(page)
    assert new.id != conv.id
    chat.send("Hej igen")
    wait_until(lambda: new.resident_texts() == ["Hej igen"], what="the new chat's first message")
    assert stored_session(page)["id"] == new.id


def test_a_chat_that_expires_while_open_says_so_when_the_socket_reconnects(fresh_chat: ChatPage) -> None:
    chat, page = fresh_chat, fresh_chat.page
    chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    chat.site.later(timedelta(hours=chat.site.options.resident_token_hours, minutes=1))
    chat.site.drop_sockets()

    expect(chat.panel).to_contain_text(EXPIRED_TEXT)
    expect(chat.panel.get_by_role("button", name="Starta en ny chatt")).to_be_visible()
    assert stored_session(page)["ended"] == "expired"
