"""The masking corpus: texts with personal data in every written form and ordinary numbers that must stay
readable. Shared by the Python masker's tests (tests/router/test_masking.py) and the parity test that feeds the
same texts to the widget's detector in chromium (tests/e2e/widget/test_masking_parity.py), so the two cannot
drift apart unnoticed."""
from __future__ import annotations

EXAMPLE = (
    "Hej, mitt personnummer är 811228-9874 och ni når mig på 070-123 45 67 eller anna.svensson@example.se. "
    "Ärende HBG-2026-000123 från 2026-11-27 gällde 1 500 kr."
)
PERSONNUMMER = "811228-9874"

# Personnummer and samordningsnummer as residents write them; masked as [personnummer].
PERSONNUMMER_FORMS = [
    "811228-9874",
    "811228+9874",
    "8112289874",
    "811228 9874",
    "19811228-9874",
    "198112289874",
    "19811228 9874",
    "121212-1212",
    "19121212-1212",
    "811288-9871",  # samordningsnummer: day 28 + 60
    "000229-1235",  # 29 February 2000
    "071231-1232",  # also shaped like a mobile number; the personnummer wins
]


# Shaped like a personnummer, but not one (check digit or date): kept.
NOT_PERSONNUMMER = [
    "811228-9875",  # wrong check digit
    "8112289870",
    "010229-1234",  # 29 February 2001 does not exist (the check digit is right)
    "811232-1230",  # day 32
    "811328-1235",  # month 13
    "212000-1355",  # Helsingborgs stad's organisationsnummer
]


# Swedish phone numbers, national and international: masked as [telefonnummer].
PHONE_NUMBERS = [
    "070-123 45 67",
    "070-1234567",
    "0701234567",
    "070 123 45 67",
    "070 - 123 45 67",
    "073-987 65 43",
    "+46 70 123 45 67",
    "+46701234567",
    "+46 (0)70-123 45 67",
    "0046 70 123 45 67",
    "042-10 50 00",
    "042-105000",
    "042 10 50 00",
    "0421050 00",
    "08-123 456 78",
    "08-123 45 67",
    "0911-123 45",
    "+46 42 10 50 00",
    "0046 42 10 50 00",
    "+46 8 123 456 78",
    "020-50 50 50",
    "0771-11 22 33",
    "070\u00a0123\u00a045\u00a067",
]


# Ordinary numbers a resident or an answer writes: nothing is found.
ORDINARY_TEXTS = [
    "Ärende HBG-2026-000123",
    "Ärende HBG-2026-012345 är klart.",
    "Datum 2026-11-27, 2026-01-05 och 2026-05-07 08.00.",
    "Den 27/11 och 05/11.",
    "Den 05-11-2026 och 27-11-2026.",
    "Öppet 08.00–17.00, torsdag 08.00-18.00, stänger 15.00.",
    "Öppet 0800-1700.",
    "Det kostar 1 500 kr, 12 000 000 kronor eller 1 050 000 000 kr.",
    "Postadress 252 25 Helsingborg, Stortorget 17.",
    "Avtalet gäller 2023–2026, lägesbilden 2023–2024.",
    "Ring 112, 114 14, 116 006, 90101, 1177 eller 113 13.",
    "Nummer 070-123 45 är för kort.",
    "Skriv till anna@helsingborg eller @helsingborg.se.",
    "Den 05-11-2026 1 500 kr, kl. 0800-1700 1 gång.",
]


# (text, masked text) for e-mail addresses.
EMAIL_CASES = [
    ("Mejla kontaktcenter@helsingborg.se.", "Mejla [e-post]."),
    ("a+chatt@sub.example.com", "[e-post]"),
    ("Örjan.Åkesson@exempel.se svarar.", "[e-post] svarar."),
    ("<anna_s-1@example.se>", "<[e-post]>"),
]


# (text, masked text) where findings and ordinary numbers touch each other.
NEIGHBOURING_CASES = [
    ("Tel. 042-10 50 00, mobil 070-123 45 67.", "Tel. [telefonnummer], mobil [telefonnummer]."),
    ("0701234567-0707654321", "[telefonnummer]-[telefonnummer]"),
    ("2026-05-11 070-123 45 67", "2026-05-11 [telefonnummer]"),
    ("05-11-2026 070-123 45 67", "05-11-2026 [telefonnummer]"),
    ("HBG-2026-000123 0701234567", "HBG-2026-000123 [telefonnummer]"),
    ("811228-9874 0701234567", "[personnummer] [telefonnummer]"),
    ("+4612289878", "+[personnummer]"),  # '+' and a personnummer, not a phone number
    ("811228 9874anna@example.se", "811228 [e-post]"),  # the address starts at 9874
    ("811228-9874-811228-9874", "[personnummer]-[personnummer]"),
    ("0701234567/811228-9874", "[telefonnummer]/[personnummer]"),
    ("Ärende HBG-2026-000123 2026-11-27", "Ärende HBG-2026-000123 2026-11-27"),
    ("a@b.se1@c.se", "[e-post][e-post]"),
    ("anna@example.se0701234567", "[e-post][telefonnummer]"),
    ("08 123 456 78anna@example.se", "[telefonnummer] [e-post]"),
]


LONG = 100_000
# Long inputs that would take minutes with a quadratic scan.
LONG_INPUTS = [
    "0" * LONG,
    "1" * LONG,
    "a" * LONG,
    "a." * (LONG // 2),
    "a@" * (LONG // 2),
    "x@" + "a." * (LONG // 2),
    "a" * LONG + "@example.se",
    "x@" + "a-" * (LONG // 2),
    "07 " * (LONG // 3),
    "0 " * (LONG // 2),
    "0-" * (LONG // 2),
    "+46 " * (LONG // 4),
    "1 050 " * (LONG // 6),
    "811228-" * (LONG // 7),
    "0701234567-" * (LONG // 11),
    (EXAMPLE + " ") * (LONG // len(EXAMPLE)),
]


def corpus() -> list[str]:
    """Every text of the corpus, in the sentences the Python tests put them in."""
    return [
        EXAMPLE,
        *(f"Mitt nummer: {number}, tack." for number in PERSONNUMMER_FORMS),
        *(f"Numret {number} står på fakturan." for number in NOT_PERSONNUMMER),
        *(f"Ring mig på {number} i morgon." for number in PHONE_NUMBERS),
        *ORDINARY_TEXTS,
        *(text for text, _ in EMAIL_CASES),
        *(text for text, _ in NEIGHBOURING_CASES),
        *LONG_INPUTS,
    ]
