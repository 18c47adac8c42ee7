"""The warning before sending personnummer, samordningsnummer, phone numbers and e-mail addresses."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from facts.contact import load_contact_facts
from router.core.config import PROJECT_ROOT
from tests.e2e.browser import wait_until

from .chat_page import ChatPage

CONTACT = load_contact_facts(PROJECT_ROOT / "settings")

WARNED = [
    ("Mitt personnummer är 811228-9874.", "ett personnummer", "811228-9874"),
    ("811228+9874", "ett personnummer", "811228+9874"),
    ("pnr 19811228-9874 tack", "ett personnummer", "19811228-9874"),
    ("198112289874", "ett personnummer", "198112289874"),
    ("8112289874", "ett personnummer", "8112289874"),
    ("Mitt samordningsnummer: 811288-2306", "ett samordningsnummer", "811288-2306"),
    ("Ring mig på 070-123 45 67 efter lunch", "ett telefonnummer", "070-123 45 67"),
    ("+46 70 123 45 67", "ett telefonnummer", "+46 70 123 45 67"),
    ("Nås på 0701234567.", "ett telefonnummer", "0701234567"),
    ("Kontoret: 042-10 50 00", "ett telefonnummer", "042-10 50 00"),
    ("Mejla anna.andersson@example.se om svaret", "en e-postadress", "anna.andersson@example.se"),
]

NOT_WARNED = [
    "Mitt nummer är 811228-9875",  # fails the Luhn check
    "19811228-9875",
    "811328-9874",  # month 13
    "Ring 112 eller 114 14 om det gäller polisen",
    "Öppet 08.00–17.00 på torsdagar, Stortorget 17",
    "Ärende HBG-2026-000123 från 2023-2026",
]



def test_warns_for_sensitive_data_and_edit_keeps_the_text(chat: ChatPage) -> None:
    conv = chat.open()
    for text, kind, match in WARNED:
        chat.send(text)
        expect(chat.prompt).to_be_visible()
        expect(chat.prompt).to_contain_text(f"Ditt meddelande verkar innehålla {kind}.")
        expect(chat.prompt).to_contain_text(CONTACT.public_record_notice)
        edit = chat.prompt.get_by_role("button", name="Ändra")
        expect(edit).to_be_focused()
        expect(chat.prompt.get_by_role("button", name="Skicka ändå")).to_be_visible()
        edit.click()
        expect(chat.prompt).to_be_hidden()
        expect(chat.input).to_be_focused()
        expect(chat.input).to_have_value(text)
        selected = chat.input.evaluate("el => el.value.slice(el.selectionStart, el.selectionEnd)")
        assert selected == match, text
    assert conv.messages == []


def test_does_not_warn_for_ordinary_text(chat: ChatPage) -> None:
    conv = chat.open()
    for i, text in enumerate(NOT_WARNED, start=1):
        chat.send(text)
        wait_until(lambda: len(conv.resident_texts()) == i, what=f"{text!r} to be sent")
        expect(chat.prompt).to_be_hidden()
    assert conv.resident_texts() == NOT_WARNED


def test_names_every_kind_found(chat: ChatPage) -> None:
    chat.open()
    chat.send("811228-9874, 070-123 45 67 och a@b.se")
    expect(chat.prompt).to_contain_text(
        "Ditt meddelande verkar innehålla ett personnummer, ett telefonnummer och en e-postadress."
    )
    expect(chat.prompt).to_contain_text("Om du vill att vi ska kunna kontakta dig går det bra att skicka ändå.")


def test_send_anyway_sends_once(chat: ChatPage) -> None:
    conv = chat.open()
    chat.send("Mitt personnummer är 811228-9874")
    chat.prompt.get_by_role("button", name="Skicka ändå").click()
    expect(chat.prompt).to_be_hidden()
    chat.expect_bubbles("Du: Mitt personnummer är 811228-9874", "Assistenten: Du skrev: Mitt personnummer är 811228-9874")
    assert conv.resident_texts() == ["Mitt personnummer är 811228-9874"]
    expect(chat.input).to_have_value("")


def test_escape_in_the_warning_means_edit(site_page: Page, chat: ChatPage) -> None:
    chat.open()
    chat.send("anna@example.se")
    expect(chat.prompt).to_be_visible()
    site_page.keyboard.press("Escape")
    expect(chat.prompt).to_be_hidden()
    expect(chat.panel).to_be_visible()
    expect(chat.input).to_be_focused()
    expect(chat.input).to_have_value("anna@example.se")


def test_warning_is_an_alert_dialog_with_name_and_description(chat: ChatPage) -> None:
    chat.open()
    chat.send("811228-9874")
    expect(chat.prompt).to_have_accessible_name("Vill du skicka meddelandet?")
    expect(chat.prompt).to_have_accessible_description(re.compile("verkar innehålla ett personnummer"))
