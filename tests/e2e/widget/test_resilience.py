"""Reload, reconnect, HTTP fallback: nothing lost, nothing shown twice."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from .chat_page import ChatPage
from .conftest import RunningServer, wait_until
from .stand_in_router import NOTICE, StandInRouter, agent_joined_text


@pytest.fixture
def chat(page: Page, server: RunningServer, stand_in: StandInRouter) -> ChatPage:
    return ChatPage(page, server)


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

    page.reload()
    expect(chat.panel).to_be_visible()
    chat.expect_bubbles(*expected)
    expect(chat.panel.locator("#hbgc-notice-text")).to_have_text(NOTICE)
    wait_until(lambda: conv.ws_syncs and conv.ws_syncs[-1] == session["lastId"], what="sync after reload")
    chat.expect_bubbles(*expected)  # the sync after reload added nothing twice
    chat.log.get_by_role("button", name="Nej").click()
    chat.expect_bubbles(*expected, "Du: Nej", "Assistenten: Du skrev: /deny")
    assert conv.resident_texts() == ["Hej", "knappar", "/deny"]
    assert len(chat.router.conversations) == 1


def test_reload_during_a_chat_with_an_agent_keeps_the_agent_name(page: Page, chat: ChatPage, artifacts) -> None:
    conv = chat.open()
    chat.send("Hej")
    chat.agent("queue", conv, 1, 2)
    chat.agent("agent_joins", conv, "Anna")
    chat.agent("agent_says", conv, "Hej, det här är Anna. Vad gäller det?")
    expected = [
        "Du: Hej",
        "Assistenten: Du skrev: Hej",
        "Information: " + agent_joined_text("Anna"),
        "Anna, kommunvägledare: Hej, det här är Anna. Vad gäller det?",
    ]
    chat.expect_bubbles(*expected)
    session = stored_session(page)

    page.reload()
    expect(chat.panel).to_be_visible()
    chat.expect_bubbles(*expected)  # the agent keeps her name and joined once
    expect(chat.panel.locator("#hbgc-subtitle")).to_have_text("Du chattar med en kommunvägledare")
    wait_until(lambda: conv.ws_syncs and conv.ws_syncs[-1] == session["lastId"], what="sync after reload")
    # No agent_joined frame comes again, yet new messages and typing still carry her name.
    chat.agent("agent_typing", conv)
    expect(chat.panel.get_by_role("status").filter(has_text="skriver")).to_have_text("Kommunvägledaren Anna skriver …")
    chat.agent("agent_says", conv, "Är du kvar?")
    chat.expect_bubbles(*expected, "Anna, kommunvägledare: Är du kvar?")
    expect(chat.log.locator(".hbgc-who")).to_have_text(["Du", "Assistenten", "Anna, kommunvägledare"])
    page.screenshot(path=str(artifacts / "reload-with-agent.png"))


def test_agent_joining_while_polling_over_http_is_shown_once_with_the_name(page: Page, chat: ChatPage) -> None:
    chat.router.ws_enabled = False
    conv = chat.open()
    chat.send("Via HTTP")
    chat.expect_bubbles("Du: Via HTTP", "Assistenten: Du skrev: Via HTTP")
    chat.agent("queue", conv, 1, 2)
    chat.agent("agent_joins", conv, "Anna")
    chat.agent("agent_says", conv, "Hej från Anna")
    expected = [
        "Du: Via HTTP",
        "Assistenten: Du skrev: Via HTTP",
        "Information: " + agent_joined_text("Anna"),
        "Anna, kommunvägledare: Hej från Anna",
    ]
    expect(chat.bubbles).to_have_text(expected, timeout=12000)
    expect(chat.panel.locator("#hbgc-subtitle")).to_have_text("Du chattar med en kommunvägledare")
    page.reload()  # still without WebSockets: the transcript alone rebuilds it, once
    expect(chat.bubbles).to_have_text(expected)
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
    chat.router.ws_enabled = False
    conv = chat.open()
    # The router is unreachable while the resident writes, then the page is reloaded.
    page.route("**/api/conversations/*/messages", lambda route: route.abort())
    chat.send("Skrivet innan omladdning")
    expect(chat.log.get_by_text("Skickas …")).to_be_visible()
    wait_until(lambda: stored_session(page)["pending"], what="the pending message to be stored")
    page.unroute("**/api/conversations/*/messages")
    chat.router.ws_enabled = True
    page.reload()
    chat.expect_bubbles("Du: Skrivet innan omladdning", "Assistenten: Du skrev: Skrivet innan omladdning")
    expect(chat.log.get_by_text("Skickas …")).to_have_count(0)
    assert conv.resident_texts() == ["Skrivet innan omladdning"]
    assert stored_session(page)["pending"] == []


def test_reconnect_after_a_dropped_socket_fetches_missed_messages_once(chat: ChatPage) -> None:
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    last_seen = conv.messages[-1]["id"]
    chat.agent("drop_sockets", conv)
    chat.agent("store_while_offline", conv, "agent", "Är du kvar?")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej", "Kommunvägledaren: Är du kvar?")
    wait_until(lambda: last_seen in conv.ws_syncs, what="a sync after the last message seen")
    # While the socket is down again, the resident writes: the message arrives once, after reconnect.
    chat.agent("drop_sockets", conv)
    chat.send("Ja, jag är kvar")
    chat.expect_bubbles(
        "Du: Hej",
        "Assistenten: Du skrev: Hej",
        "Kommunvägledaren: Är du kvar?",
        "Du: Ja, jag är kvar",
        "Assistenten: Du skrev: Ja, jag är kvar",
    )
    expect(chat.log.get_by_text("Skickas …")).to_have_count(0)
    assert conv.resident_texts() == ["Hej", "Ja, jag är kvar"]


def test_falls_back_to_http_when_websockets_fail_and_back_again(page: Page, chat: ChatPage) -> None:
    chat.router.ws_enabled = False
    conv = chat.open()
    chat.send("Via HTTP")
    chat.expect_bubbles("Du: Via HTTP", "Assistenten: Du skrev: Via HTTP")
    assert conv.http_posts == 1
    expect(chat.panel.get_by_text("Anslutningen bröts")).to_be_hidden()
    # An agent message only reaches the resident by polling GET /api/conversations/{id}.
    chat.agent("store_while_offline", conv, "agent", "Svar medan WebSocket inte fungerar")
    expect(chat.bubbles).to_have_count(3, timeout=12000)
    chat.send("Andra via HTTP")
    chat.expect_bubbles(
        "Du: Via HTTP",
        "Assistenten: Du skrev: Via HTTP",
        "Kommunvägledaren: Svar medan WebSocket inte fungerar",
        "Du: Andra via HTTP",
        "Assistenten: Du skrev: Andra via HTTP",
    )
    # The network is back: the WebSocket returns and its sync replays everything; nothing is doubled.
    chat.router.ws_enabled = True
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_until(lambda: conv.sockets and conv.ws_syncs, what="the WebSocket to come back")
    chat.agent("agent_says", conv, "Nu via WebSocket igen")
    chat.expect_bubbles(
        "Du: Via HTTP",
        "Assistenten: Du skrev: Via HTTP",
        "Kommunvägledaren: Svar medan WebSocket inte fungerar",
        "Du: Andra via HTTP",
        "Assistenten: Du skrev: Andra via HTTP",
        "Kommunvägledaren: Nu via WebSocket igen",
    )
    assert conv.resident_texts() == ["Via HTTP", "Andra via HTTP"]


def test_a_poll_during_a_slow_post_shows_the_message_once(page: Page, chat: ChatPage) -> None:
    chat.router.ws_enabled = False
    conv = chat.open()
    held = []

    def hold_response(route) -> None:  # the router has the message, its answer is slow to arrive
        held.append((route, route.fetch()))

    page.route("**/api/conversations/*/messages", hold_response)
    chat.send("Långsam")
    wait_until(lambda: held, what="the POST to reach the router", page=page)
    polls = chat.router.requests.count(f"GET /api/conversations/{conv.id}")
    wait_until(lambda: chat.router.requests.count(f"GET /api/conversations/{conv.id}") > polls, timeout=8, what="a poll", page=page)
    chat.expect_bubbles("Du: Långsam", "Assistenten: Du skrev: Långsam")
    expect(chat.log.get_by_text("Skickas …")).to_have_count(0)
    route, response = held[0]
    route.fulfill(response=response)
    page.wait_for_timeout(300)
    chat.expect_bubbles("Du: Långsam", "Assistenten: Du skrev: Långsam")
    assert conv.resident_texts() == ["Långsam"]


def test_unacknowledged_socket_message_is_confirmed_over_http_without_duplicates(page: Page, chat: ChatPage) -> None:
    chat.router.echo_resident = False  # a router that never echoes the resident's own message
    page.clock.install()
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    expect(chat.log.get_by_text("Skickas …")).to_be_visible()
    page.clock.fast_forward(11_000)
    expect(chat.log.get_by_text("Skickas …")).to_have_count(0)
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    assert conv.resident_texts() == ["Hej"]
    assert conv.http_posts == 1


def test_rate_limited_message_can_be_sent_again(chat: ChatPage) -> None:
    conv = chat.open()
    chat.router.rate_limit_next = True
    chat.send("Snabbt")
    failed = chat.log.locator(".hbgc-msg--failed")
    expect(failed).to_contain_text("Meddelandet kunde inte skickas. Du skickar meddelanden för snabbt.")
    assert conv.messages == []
    failed.get_by_role("button", name="Skicka igen").click()
    chat.expect_bubbles("Du: Snabbt", "Assistenten: Du skrev: Snabbt")
    expect(chat.log.locator(".hbgc-msg--failed")).to_have_count(0)
    assert conv.resident_texts() == ["Snabbt"]


def test_a_conversation_the_router_no_longer_knows_starts_fresh_after_reload(page: Page, chat: ChatPage) -> None:
    chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    chat.router.conversations.clear()
    page.reload()
    expect(chat.input).to_be_enabled()
    expect(chat.bubbles).to_have_count(0)
    assert len(chat.router.conversations) == 1
    assert stored_session(page)["id"] == chat.router.only().id


def test_the_token_travels_in_the_first_frame_never_in_the_socket_url(page: Page, chat: ChatPage) -> None:
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    wait_until(lambda: conv.sockets, what="an authenticated socket")
    chat.agent("drop_sockets", conv)  # and once more after a reconnect
    wait_until(lambda: len(conv.ws_query_strings) >= 2 and conv.sockets, what="a reconnected socket")
    chat.agent("agent_says", conv, "Är du kvar?")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej", "Kommunvägledaren: Är du kvar?")
    assert set(conv.ws_query_strings) == {""}


EXPIRED_TEXT = "Chatten har gått ut eftersom det var länge sedan något skrevs i den."


def test_an_expired_chat_says_so_after_a_reload_and_a_new_one_can_start(page: Page, chat: ChatPage) -> None:
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    conv.expired = True
    page.reload()

    expect(chat.panel.get_by_role("heading", name="Chatten är avslutad")).to_be_visible()
    expect(chat.panel).to_contain_text(EXPIRED_TEXT)
    expect(chat.input).to_be_hidden()
    chat.panel.get_by_role("button", name="Starta en ny chatt").click()
    expect(chat.input).to_be_enabled()
    assert len(chat.router.conversations) == 2
    new = next(c for c in chat.router.conversations.values() if c is not conv)
    chat.send("Hej igen")
    wait_until(lambda: new.resident_texts() == ["Hej igen"], what="the new chat's first message")
    assert stored_session(page)["id"] == new.id


def test_a_chat_that_expires_while_open_says_so_when_the_socket_reconnects(page: Page, chat: ChatPage) -> None:
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    conv.expired = True
    chat.agent("drop_sockets", conv)

    expect(chat.panel).to_contain_text(EXPIRED_TEXT)
    expect(chat.panel.get_by_role("button", name="Starta en ny chatt")).to_be_visible()
    assert stored_session(page)["ended"] == "expired"
