"""The widget on the demo page: notice first, sending, safe rendering, length limit, keyboard use."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from router import texts
from router.contact.keys import CONTACT_KEY
from tests.e2e.browser import wait_until

from .chat_page import ChatPage

NBSP = "\u00a0"




def test_demo_page_embeds_the_widget_with_one_script_tag(chat: ChatPage) -> None:
    chat.goto()
    tags = chat.page.locator("script")
    expect(tags).to_have_count(1)
    expect(tags).to_have_attribute("src", "/static/widget.js")
    expect(tags).to_have_attribute("data-router", "")
    expect(chat.page.locator("html")).to_have_attribute("lang", "sv")
    expect(chat.page.get_by_role("heading", level=1)).to_have_text("Brottsförebyggande arbete")
    expect(chat.launcher).to_be_visible()
    expect(chat.panel).to_be_hidden()


def test_notice_is_shown_before_the_resident_can_write(chat: ChatPage) -> None:
    chat.goto()
    expect(chat.page.locator(".hbgc-root")).to_have_attribute("lang", "sv")
    chat.launcher.click()
    expect(chat.panel).to_be_visible()
    expect(chat.launcher).to_have_attribute("aria-expanded", "true")
    notice = chat.panel.locator("#hbgc-notice-text")
    expect(notice).to_have_text(texts.notice(chat.site.app[CONTACT_KEY]))
    expect(chat.input).to_be_enabled()
    expect(chat.input).to_be_focused()
    # The notice is part of the text field's description, so a screen reader reads it before writing.
    described_by = chat.input.get_attribute("aria-describedby").split()
    assert "hbgc-notice-text" in described_by
    expect(chat.input).to_have_accessible_description(re.compile("allmän handling"))
    expect(chat.panel.get_by_text("Akut fara? Ring 112.")).to_be_visible()
    # No name is asked: the only text field is the message.
    expect(chat.panel.get_by_role("textbox")).to_have_count(1)
    assert chat.site.conversation_of(chat.page).messages == []


def test_text_field_stays_disabled_until_the_notice_has_arrived(page: Page, chat: ChatPage) -> None:
    held = []
    page.route("**/api/conversations", lambda route: held.append(route))
    chat.goto()
    chat.launcher.click()
    expect(chat.panel.get_by_text("Chatten startar …")).to_be_visible()
    expect(chat.input).to_be_disabled()
    wait_until(lambda: held, what="the conversation request", page=page)
    held[0].continue_()
    expect(chat.input).to_be_enabled()
    expect(chat.panel.locator("#hbgc-notice-text")).to_have_text(texts.notice(chat.site.app[CONTACT_KEY]))


def test_router_down_at_start_says_so_and_offers_a_retry(page: Page, chat: ChatPage) -> None:
    page.route("**/api/conversations", lambda route: route.fulfill(status=503, body="{}"))
    chat.goto()
    chat.launcher.click()
    failed = chat.panel.get_by_text(re.compile("Chatten kan inte startas just nu"))
    expect(failed).to_be_visible()
    # The phone number comes from the router's GET /api/contact (settings/contact.yml), not from widget.js.
    contact = chat.site.app[CONTACT_KEY]
    expect(failed).to_contain_text(f"ring {contact.name} på {contact.phone}.")
    expect(chat.input).to_be_disabled()
    page.unroute("**/api/conversations")
    chat.panel.get_by_role("button", name="Försök igen").click()
    expect(chat.input).to_be_enabled()


def test_message_and_bot_reply_appear_once(chat: ChatPage) -> None:
    conv = chat.open()
    chat.send("Hej")
    chat.expect_bubbles("Du: Hej", "Assistenten: Du skrev: Hej")
    expect(chat.input).to_have_value("")
    assert conv.resident_texts() == ["Hej"]
    expect(chat.log.get_by_text("Skickas …")).to_have_count(0)


def test_html_in_a_reply_is_shown_as_text(page: Page, chat: ChatPage) -> None:
    chat.open()
    chat.send("html")
    reply = chat.bubbles.nth(1)
    expect(reply).to_contain_text('<img src="x" onerror="window.__xss = 1"><b>fet</b> &amp; <script>')
    expect(chat.log.locator("img, b, script")).to_have_count(0)
    assert page.evaluate("window.__xss") is None


def test_only_http_links_are_clickable(page: Page, chat: ChatPage) -> None:
    chat.open()
    chat.send("länkar")
    reply = chat.bubbles.nth(1)
    expect(reply).to_contain_text("Farlig länk (javascript:window.__xss=3)")
    links = reply.locator("a")
    expect(links).to_have_count(3)
    expect(links.nth(0)).to_have_attribute("href", "https://polisen.se/anmal")
    expect(links.nth(0)).to_have_text("https://polisen.se/anmal (öppnas i ny flik)")
    expect(links.nth(1)).to_have_attribute("href", "https://www.helsingborg.se/trygghet")
    expect(links.nth(1)).to_have_accessible_name("Säker länk (öppnas i ny flik)")
    # A path is one of the router's own pages (the widget may run on another origin); "//host" is no path.
    expect(links.nth(2)).to_have_attribute("href", chat.base_url + "/integritet")
    expect(reply).to_contain_text("Protokollrelativ (//evil.example/x)")
    for i in range(3):
        expect(links.nth(i)).to_have_attribute("target", "_blank")
        expect(links.nth(i)).to_have_attribute("rel", "noopener noreferrer")
    assert page.locator(".hbgc-root a[href^='javascript' i], .hbgc-root a[href^='data' i]").count() == 0
    reply.get_by_text("Farlig länk").click()
    assert page.evaluate("window.__xss") is None


def test_character_counter_and_refusal_over_2000_characters(chat: ChatPage) -> None:
    conv = chat.open()
    counter = chat.panel.locator("#hbgc-counter")
    expect(counter).to_have_text(f"0 / 2{NBSP}000 tecken")
    chat.input.fill("a" * 2000)
    expect(counter).to_have_text(f"2{NBSP}000 / 2{NBSP}000 tecken")
    expect(chat.input).to_have_attribute("aria-invalid", "false")
    chat.input.fill("a" * 2001)
    expect(counter).to_have_text(f"2{NBSP}001 / 2{NBSP}000 tecken")
    expect(chat.input).to_have_attribute("aria-invalid", "true")
    error = chat.panel.get_by_role("alert").filter(has_text="för långt")
    expect(error).to_have_text(f"Meddelandet är för långt. Det får vara högst 2{NBSP}000 tecken.")
    chat.send_button.click()
    chat.input.press("Enter")
    expect(chat.input).to_have_value("a" * 2001)
    expect(chat.bubbles).to_have_count(0)
    assert conv.messages == []
    assert chat.count(f"POST /api/conversations/{conv.id}/messages") == 0 and chat.sent("message") == []
    chat.input.fill("a" * 2000)
    expect(error).to_have_count(0)
    chat.input.press("Enter")
    expect(chat.bubbles).to_have_count(2)
    assert conv.resident_texts() == ["a" * 2000]


def test_router_413_message_is_shown_and_the_text_kept(page: Page, chat: ChatPage) -> None:
    router_text = "Meddelandet får vara högst 2 000 tecken (routerns text)."
    chat.refuse_websockets()  # the message goes over HTTP
    chat.open()
    # The router counts characters its own way: here it refuses a short message.
    page.route(
        re.compile(r".*/api/conversations/[^/]+/messages$"),
        lambda route: route.fulfill(status=413, content_type="application/json", body=f'{{"error": "{router_text}"}}'),
    )
    chat.send("hej där")
    expect(chat.panel.get_by_role("alert").filter(has_text="routerns text")).to_have_text(router_text)
    expect(chat.input).to_have_value("hej där")
    expect(chat.bubbles).to_have_count(0)


def test_rapid_clicks_send_one_message(chat: ChatPage) -> None:
    conv = chat.open()
    chat.input.fill("Bara en gång")
    chat.send_button.dblclick()
    chat.send_button.click()
    chat.expect_bubbles("Du: Bara en gång", "Assistenten: Du skrev: Bara en gång")
    chat.send("knappar")
    choice = chat.log.get_by_role("button", name="Ja tack")
    expect(choice).to_be_enabled()
    choice.click(click_count=3)
    chat.expect_bubbles(
        "Du: Bara en gång",
        "Assistenten: Du skrev: Bara en gång",
        "Du: knappar",
        "Assistenten: Vill du veta mer?",
        "Du: Ja tack",
        "Assistenten: Du skrev: /affirm",
    )
    # The router keeps a tapped button's title as the resident's text (Rasa got its payload).
    assert conv.resident_texts() == ["Bara en gång", "knappar", "Ja tack"]
    expect(chat.log.get_by_role("button", name="Nej")).to_be_disabled()
    # After an answer choice, the resident can go on writing.
    chat.send("knappar")
    expect(chat.log.get_by_role("button", name="Nej")).to_have_count(2)
    chat.log.get_by_role("button", name="Nej").last.click()
    expect(chat.input).to_be_focused()
    wait_until(lambda: conv.resident_texts()[-1:] == ["Nej"], what="the second choice")


def test_keyboard_only_open_send_and_close(page: Page, chat: ChatPage) -> None:
    chat.goto()
    chat.launcher.focus()
    page.keyboard.press("Enter")
    expect(chat.input).to_be_focused()
    page.keyboard.type("Skrivet med tangentbordet")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("andra raden")
    page.keyboard.press("Enter")
    chat.expect_bubbles("Du: Skrivet med tangentbordet\nandra raden", "Assistenten: Du skrev: Skrivet med tangentbordet\nandra raden")
    # Tab order inside the panel: text field → send → tools; backwards: the notice, folded after the first
    # message (issue 13), opens from its button and then its links come in order.
    page.keyboard.press("Tab")
    expect(chat.send_button).to_be_focused()
    for name in ("Spara chatten", "Skriv ut", "Avsluta chatten"):
        page.keyboard.press("Tab")
        expect(chat.panel.get_by_role("button", name=name)).to_be_focused()
    chat.input.focus()
    page.keyboard.press("Shift+Tab")
    show = chat.panel.get_by_role("button", name="Visa information om chatten")
    expect(show).to_be_focused()
    page.keyboard.press("Enter")
    expect(chat.panel.get_by_role("button", name="Dölj information om chatten")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    privacy = chat.panel.get_by_role("link", name=re.compile("Så hanterar vi dina uppgifter"))
    expect(privacy).to_be_focused()
    # The notice's phone numbers are call links: the contact center's, then 112, going backwards.
    notice = chat.panel.get_by_role("region", name="Innan du skriver")
    for number in ("042-10 50 00", "112"):
        page.keyboard.press("Shift+Tab")
        expect(notice.get_by_role("link", name=number, exact=True)).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(chat.panel.get_by_role("region", name="Chattens innehåll")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(chat.panel.get_by_role("button", name="Stäng chattfönstret")).to_be_focused()
    expect(privacy).to_have_attribute("href", chat.base_url + "/integritet")
    expect(privacy).to_have_attribute("target", "_blank")
    page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_focused()
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(chat.input).to_be_focused()
    assert chat.count("POST /api/conversations") == 1


def test_focus_is_visible_on_widget_controls(page: Page, chat: ChatPage) -> None:
    chat.goto()
    chat.launcher.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    expect(chat.launcher).to_be_focused()
    style = chat.launcher.evaluate("el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth")
    assert style == "solid 3px"


def test_page_button_opens_the_chat(chat: ChatPage) -> None:
    chat.goto()
    chat.page.get_by_role("button", name="Öppna chatten").click()
    expect(chat.panel).to_be_visible()
    expect(chat.input).to_be_focused()


def test_unread_messages_are_counted_on_the_launcher(chat: ChatPage) -> None:
    conv = chat.open()
    chat.site.queue(conv)
    chat.site.agent.joins(conv)
    expect(chat.bubbles.last).to_have_text("Information: " + texts.agent_joined("Anna"))
    chat.page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    chat.site.agent.says(conv, "Hej, jag heter Anna.")
    expect(chat.page.get_by_role("button", name="Chatta med oss – 1 nytt meddelande")).to_be_visible()
    chat.launcher.click()
    expect(chat.page.get_by_role("button", name="Chatta med oss", exact=True)).to_have_attribute("aria-expanded", "true")
    expect(chat.bubbles.last).to_have_text("Anna, kommunvägledare: Hej, jag heter Anna.")


def test_start_failure_without_contact_details_still_says_what_to_do(page: Page, chat: ChatPage) -> None:
    page.route("**/api/conversations", lambda route: route.fulfill(status=503, body="{}"))
    page.route("**/api/contact", lambda route: route.abort())
    chat.goto()
    chat.launcher.click()
    expect(chat.panel.get_by_text("Chatten kan inte startas just nu. Försök igen om en stund.")).to_be_visible()
