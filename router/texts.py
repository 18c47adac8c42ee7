"""What the router itself says to residents (Swedish). The bot's own answers live in Rasa's domain.

Phone numbers and the public-record notice are never written here: they come from settings/contact.yml
(facts/contact.py) and are passed in."""
from __future__ import annotations

from facts.contact import ContactFacts

HUMAN_HANDOFF_PAYLOAD = "/human_handoff"
MAX_TEXT_LENGTH = 2000


def notice(contact: ContactFacts) -> str:
    """Shown before the resident writes anything (offentlighetsprincipen, EU AI Act art. 50)."""
    return (
        "Hej! Du chattar med Helsingborgs stads chattrobot. Den är en automatisk assistent, inte en människa. "
        f"{contact.public_record_notice} "
        "Du behöver inte heller uppge ditt eget namn. "
        "Är det akut eller är någon i fara – ring 112. "
        f"Vill du prata med en person? Skriv det i chatten eller ring {contact.name} på {contact.phone}."
    )


def rasa_down(phone: str) -> str:
    return (
        "Tyvärr kan chattroboten inte svara just nu på grund av ett tekniskt fel. Ditt meddelande är sparat. "
        f"Du kan ringa Helsingborg kontaktcenter på {phone} eller välja att chatta med en person. "
        "Är det akut – ring 112."
    )


def rasa_starting(phone: str) -> str:
    """While Rasa loads its model after a start (the router answers already)."""
    return (
        "Assistenten startar, prova igen om en liten stund. Ditt meddelande är sparat. "
        f"Du kan också ringa Helsingborg kontaktcenter på {phone} eller välja att chatta med en person. "
        "Är det akut – ring 112."
    )


HANDOFF_BUTTON_TITLE = "Chatta med en person"

# After an alarm, instead of "I did not understand": a way to a person, in the message's language.
AFTER_ALARM_HANDOFF_TITLE = {"sv": "Prata med en kommunvägledare", "en": "Chat with a kommunvägledare"}


def after_alarm(phone: str, language: str) -> str:
    if language == "en":
        return (
            "Do you want to talk to someone? You can chat with a kommunvägledare (a guide at the city's "
            f"contact centre) or call Helsingborg contact centre on {phone}."
        )
    return (
        "Vill du prata med någon? Du kan chatta med en kommunvägledare eller ringa Helsingborg "
        f"kontaktcenter på {phone}."
    )


def call_button_title(phone: str, language: str) -> str:
    return f"Call {phone}" if language == "en" else f"Ring {phone}"


def in_queue(already: bool, reference: str | None, position: int | None, wait_minutes: int | None) -> str:
    """The answer when a handoff put the resident in the queue (or found them there). The one wording:
    the action server shows it as the router gives it (POST /internal/handoff, `text`)."""
    sentences = [
        "Du står redan i kö till en kommunvägledare." if already else "Nu står du i kö till en kommunvägledare."
    ]
    place = f"Du är nummer {position} i kön" if position is not None else None
    wait = _wait(wait_minutes)
    if place and wait:
        sentences.append(f"{place}, beräknad väntetid {wait}.")
    elif place:
        sentences.append(f"{place}.")
    elif wait:
        sentences.append(f"Beräknad väntetid är {wait}.")
    if reference:
        sentences.append(f"Ditt ärendenummer är {reference}.")
    return " ".join(sentences)


def _wait(minutes: int | None) -> str | None:
    if minutes is None:
        return None
    if minutes < 1:
        return "under en minut"
    if minutes == 1:
        return "cirka 1 minut"
    return f"cirka {minutes} minuter"


def no_agent(phone: str) -> str:
    return (
        "Just nu finns ingen kommunvägledare tillgänglig i chatten. "
        f"Du kan ringa Helsingborg kontaktcenter på {phone}. Är det akut – ring 112."
    )


def closing_soon(phone: str) -> str:
    return (
        "Kontaktcenter stänger snart, så vi hinner inte starta en ny chatt med en kommunvägledare i dag. "
        f"Du kan ringa oss på {phone} fram till stängning. Är det akut – ring 112."
    )


def closed(opens_at_text: str | None, phone: str) -> str:
    when = f"Vi öppnar igen {opens_at_text}." if opens_at_text else "Vi har stängt just nu."
    return (
        f"Kontaktcenter har stängt och ingen kommunvägledare kan chatta just nu. {when} "
        f"Du kan då chatta med oss eller ringa {phone}. Är det akut – ring 112."
    )


def agent_joined(name: str) -> str:
    return f"Du chattar nu med {name}, kommunvägledare på Helsingborg kontaktcenter."


def transferred(name: str) -> str:
    return f"Din chatt har lämnats över till {name}, kommunvägledare på Helsingborg kontaktcenter."


def transfer_note(name: str, note: str) -> str:
    return f"Överlämnad till {name}: {note}"


def follow_up_subject(reference: str) -> str:
    return f"Svar på ditt meddelande till Helsingborg kontaktcenter ({reference})"


def follow_up_mail(answer: str, reference: str, left_text: str, phone: str) -> str:
    """The e-mail a resident gets: the answer, then what they wrote, and how to reach us again."""
    quoted = "\n".join("> " + line for line in left_text.splitlines())
    return (
        f"Hej!\n\n{answer}\n\nMed vänliga hälsningar\nHelsingborg kontaktcenter\n{phone}\n\n"
        f"Ärendenummer: {reference}\nDu skrev:\n{quoted}\n"
    )


ALREADY_WITH_AGENT = "Du chattar redan med en kommunvägledare."
# The chat keeps the place it had (the queue is ordered by when the resident first queued).
AGENT_REQUEUED = (
    "Kommunvägledaren har lämnat chatten. Du har kvar din plats i kön, och nästa lediga kommunvägledare tar över."
)
# The text box is gone in a closed chat: more questions go in a new chat ("Starta en ny chatt", issue 13).
CLOSED_BY_AGENT = "Kommunvägledaren har avslutat chatten. Har du fler frågor kan du starta en ny chatt."
HANDED_BACK = "Kommunvägledaren har lämnat chatten. Nu svarar chattroboten igen."
LEFT_QUEUE = "Du har lämnat kön. Nu svarar chattroboten igen."

# Error messages for bad requests (API and WebSocket).
ERRORS = {
    "invalid_json": "Förfrågan kunde inte läsas (ogiltig JSON).",
    "bad_header": "Förfrågan kunde inte läsas (ogiltiga tecken i ett huvudfält).",
    "bad_frame": "Meddelandet kunde inte läsas. Skicka text i JSON-format.",
    "empty_text": "Meddelandet är tomt. Skriv något innan du skickar.",
    "text_too_long": "Meddelandet är för långt. Det får vara högst 2 000 tecken.",
    "invalid_field": "Förfrågan innehåller ett ogiltigt värde.",
    "unauthorized": "Du har inte behörighet till den här konversationen.",
    "expired": "Chatten har gått ut eftersom det var länge sedan något skrevs i den. Starta en ny chatt om du vill fortsätta.",
    "not_found": "Konversationen finns inte.",
    "too_many_sockets": "Chatten är redan öppen i för många fönster. Stäng något av dem och försök igen.",
    "rate_limited": "Du skickar för många meddelanden. Vänta en liten stund och försök igen.",
    "not_in_queue": "Du står inte i kö.",
    "internal_error": "Något gick fel hos oss. Försök igen om en stund.",
}


def unavailable(phone: str) -> str:
    """The answer when a backing service (the database) is down."""
    return (
        "Chatten är tillfälligt otillgänglig. Försök igen om en stund eller ring Helsingborg kontaktcenter på "
        f"{phone}. Är det akut – ring 112."
    )
