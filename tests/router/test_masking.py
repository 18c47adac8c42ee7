"""Finding and masking personal data: personnummer, phone numbers, e-mail addresses, and the log filter."""
from __future__ import annotations

import io
import logging
import time
from contextlib import contextmanager
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from router.privacy.masking import Kind, Match, MaskingFilter, find_sensitive, install_masking_filter, mask
from tests.router.masking_cases import (
    EMAIL_CASES,
    EXAMPLE,
    LONG_INPUTS,
    NEIGHBOURING_CASES,
    NOT_PERSONNUMMER,
    ORDINARY_TEXTS,
    PERSONNUMMER,
    PERSONNUMMER_FORMS,
    PHONE_NUMBERS,
)



def test_example_message_is_masked_and_the_rest_kept() -> None:
    assert mask(EXAMPLE) == (
        "Hej, mitt personnummer är [personnummer] och ni når mig på [telefonnummer] eller [e-post]. "
        "Ärende HBG-2026-000123 från 2026-11-27 gällde 1 500 kr."
    )


def test_findings_carry_kind_and_position() -> None:
    found = find_sensitive(EXAMPLE)
    assert [(m.kind, EXAMPLE[m.start:m.end]) for m in found] == [
        (Kind.PERSONNUMMER, "811228-9874"),
        (Kind.PHONE, "070-123 45 67"),
        (Kind.EMAIL, "anna.svensson@example.se"),
    ]
    assert found[0] == Match("personnummer", 26, 37)
    assert [m.placeholder for m in found] == ["[personnummer]", "[telefonnummer]", "[e-post]"]


@pytest.mark.parametrize("number", PERSONNUMMER_FORMS)
def test_personnummer_in_every_form_is_masked(number: str) -> None:
    assert mask(f"Mitt nummer: {number}, tack.") == "Mitt nummer: [personnummer], tack."
    assert [m.kind for m in find_sensitive(number)] == [Kind.PERSONNUMMER]


@pytest.mark.parametrize("number", NOT_PERSONNUMMER)
def test_numbers_that_are_not_personnummer_are_kept(number: str) -> None:
    text = f"Numret {number} står på fakturan."
    assert mask(text) == text


@pytest.mark.parametrize("number", PHONE_NUMBERS)
def test_phone_numbers_are_masked(number: str) -> None:
    assert mask(f"Ring mig på {number} i morgon.") == "Ring mig på [telefonnummer] i morgon."


@pytest.mark.parametrize("text", ORDINARY_TEXTS)
def test_ordinary_numbers_are_kept(text: str) -> None:
    assert mask(text) == text
    assert find_sensitive(text) == []


@pytest.mark.parametrize(("text", "expected"), EMAIL_CASES)
def test_email_addresses_are_masked(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize(("text", "expected"), NEIGHBOURING_CASES)
def test_neighbouring_findings(text: str, expected: str) -> None:
    assert mask(text) == expected
    assert mask(expected) == expected


def test_text_without_findings_is_returned_unchanged() -> None:
    assert mask("") == ""
    assert mask("Hej! Hur når jag en kommunvägledare?") == "Hej! Hur når jag en kommunvägledare?"


@pytest.mark.parametrize("value", [None, b"811228-9874", 8112289874])
def test_non_text_is_refused(value: object) -> None:
    with pytest.raises(TypeError, match="needs a str"):
        find_sensitive(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="needs a str"):
        mask(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    LONG_INPUTS,
    ids=lambda text: repr(text[:12]),
)
def test_long_input_is_scanned_in_linear_time(text: str) -> None:
    started = time.process_time()  # CPU time: other processes on the machine do not count
    mask(text)
    # Linear scans take a few hundredths of a second; quadratic ones would take minutes.
    assert time.process_time() - started < 2.0


# --- properties ---------------------------------------------------------------------------------------

LAYOUTS = (
    "{yymmdd}-{last4}",
    "{yymmdd}+{last4}",
    "{yymmdd}{last4}",
    "{yymmdd} {last4}",
    "{century}{yymmdd}-{last4}",
    "{century}{yymmdd}{last4}",
    "{century}{yymmdd} {last4}",
)


def luhn_check_digit(nine_digits: str) -> int:
    total = 0
    for index, character in enumerate(nine_digits):
        product = int(character) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


@st.composite
def identity_numbers(draw: st.DrawFn, valid: bool) -> str:
    """A personnummer or samordningsnummer in one of the written forms, with a right or wrong check digit."""
    born = draw(st.dates(min_value=date(1890, 1, 1), max_value=date(2099, 12, 31)))
    day = born.day + (60 if draw(st.booleans()) else 0)
    body = f"{born:%y%m}{day:02d}{draw(st.integers(0, 999)):03d}"
    check = luhn_check_digit(body)
    if not valid:
        check = (check + draw(st.integers(1, 9))) % 10
    layout = draw(st.sampled_from(LAYOUTS))
    return layout.format(century=born.year // 100, yymmdd=body[:6], last4=f"{body[6:]}{check}")


# Surrounding text: anything but digits (so nothing is glued to the number) and '@' (no e-mail addresses).
surroundings = st.text(st.characters(blacklist_categories=("Nd", "Cs"), blacklist_characters="@"), max_size=40)


@given(prefix=surroundings, number=identity_numbers(valid=True), suffix=surroundings)
def test_a_valid_personnummer_is_always_masked_and_nothing_else_changes(prefix: str, number: str, suffix: str) -> None:
    text = prefix + number + suffix
    assert mask(text) == prefix + "[personnummer]" + suffix
    assert find_sensitive(text) == [Match(Kind.PERSONNUMMER, len(prefix), len(prefix) + len(number))]


@given(prefix=surroundings, number=identity_numbers(valid=False), suffix=surroundings)
def test_a_number_with_a_wrong_check_digit_is_never_a_personnummer(prefix: str, number: str, suffix: str) -> None:
    assert Kind.PERSONNUMMER not in {m.kind for m in find_sensitive(prefix + number + suffix)}


def _format_amount(amount: int) -> str:
    return f"{amount:,}".replace(",", " ")


ordinary_numbers = st.one_of(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)).flatmap(
        lambda day: st.sampled_from(
            [f"{day:%Y-%m-%d}", f"{day.day}/{day.month}", f"{day:%d/%m}", f"{day:%d-%m-%Y}", f"{day:%d.%m.%Y}"]
        )
    ),
    st.integers(0, 10**12).map(lambda amount: f"{_format_amount(amount)} kr"),
    st.integers(0, 10**9).map(lambda amount: f"{_format_amount(amount)} kronor"),
    st.builds(lambda year, serial: f"HBG-{year}-{serial:06d}", st.integers(2020, 2099), st.integers(0, 999_999)),
    st.builds(
        lambda h1, m1, h2, m2: f"{h1:02d}.{m1:02d}–{h2:02d}.{m2:02d}",
        st.integers(0, 23), st.integers(0, 59), st.integers(0, 23), st.integers(0, 59),
    ),
    st.builds(lambda h1, h2: f"{h1:02d}00-{h2:02d}00", st.integers(0, 23), st.integers(0, 23)),
    st.builds(lambda area, rest: f"{area} {rest:02d}", st.integers(100, 989), st.integers(0, 99)),
    st.integers(1900, 2099).map(str),
    st.sampled_from(["112", "114 14", "116 006", "90101", "1177", "113 13"]),
)
words = st.sampled_from([" ", ", ", " och ", " den ", ". Ärende ", "\n", " kl. ", " gällde "])


@given(st.lists(st.tuples(ordinary_numbers, words), min_size=1, max_size=8))
def test_ordinary_numbers_are_left_alone(parts: list[tuple[str, str]]) -> None:
    text = "".join(number + word for number, word in parts)
    assert mask(text) == text


sensitive_fragments = st.one_of(
    identity_numbers(valid=True),
    identity_numbers(valid=False),
    ordinary_numbers,
    st.sampled_from(
        ["070-123 45 67", "+46 70 123 45 67", "042-10 50 00", "08 123 456 78", "0046 42 10 50 00",
         "anna.svensson@example.se", "a@b.se", "@", ".", "-", "/", ":", ",", "+", "+46", "0", "07", "1", " ",
         "(0)", "Hej"]
    ),
)


@settings(max_examples=300)
@given(st.one_of(st.text(), st.lists(sensitive_fragments, max_size=10).map("".join)))
def test_masking_is_idempotent(text: str) -> None:
    once = mask(text)
    assert mask(once) == once


@given(st.text())
def test_findings_are_ordered_and_disjoint(text: str) -> None:
    found = find_sensitive(text)
    assert all(0 <= m.start < m.end <= len(text) for m in found)
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))


# --- logging ------------------------------------------------------------------------------------------


@pytest.fixture
def log() -> tuple[logging.Logger, io.StringIO]:
    """A logger of its own whose one handler (with the masking filter) writes to a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskingFilter())
    logger = logging.getLogger("tests.masking")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger, stream
    logger.handlers = []
    logger.propagate = True
    logger.setLevel(logging.NOTSET)


def test_log_message_and_arguments_are_masked(log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log
    logger.info("Meddelande från %s: %s", "anna.svensson@example.se", EXAMPLE)
    logger.info("Samtal %(reference)s, nummer %(phone)s", {"reference": "HBG-2026-000123", "phone": "0701234567"})
    assert stream.getvalue().splitlines() == [
        "Meddelande från [e-post]: " + mask(EXAMPLE),
        "Samtal HBG-2026-000123, nummer [telefonnummer]",
    ]


def test_exception_text_is_masked(log: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = log
    try:
        raise ValueError(f"okänt personnummer {PERSONNUMMER}")
    except ValueError:
        logger.exception("Kunde inte spara")
    output = stream.getvalue()
    assert "ValueError: okänt personnummer [personnummer]" in output
    assert PERSONNUMMER not in output


def test_a_broken_format_string_is_reported_without_personal_data(capsys: pytest.CaptureFixture[str]) -> None:
    handler = logging.StreamHandler(io.StringIO())
    handler.addFilter(MaskingFilter())
    record = logging.LogRecord("tests.masking", logging.INFO, __file__, 1, "nummer %d", (PERSONNUMMER,), None)
    handler.handle(record)  # the handler reports the format error on stderr
    reported = capsys.readouterr().err
    assert "Logging error" in reported
    assert "[personnummer]" in reported
    assert PERSONNUMMER not in reported


@contextmanager
def only_root_handlers(*handlers: logging.Handler):
    """Give the root logger exactly these handlers for a moment (in place, so pytest's own are restored)."""
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers[:] = handlers
    try:
        yield root
    finally:
        root.handlers[:] = saved


def test_install_puts_one_filter_on_each_root_handler() -> None:
    streams = [io.StringIO(), io.StringIO()]
    handlers = [logging.StreamHandler(stream) for stream in streams]
    with only_root_handlers(*handlers) as root:
        install_masking_filter()
        install_masking_filter()
        previous_level = root.level
        root.setLevel(logging.INFO)
        try:
            logging.getLogger("tests.masking_install").info("Ring %s", "070-123 45 67")
        finally:
            root.setLevel(previous_level)
    assert [sum(isinstance(f, MaskingFilter) for f in h.filters) for h in handlers] == [1, 1]
    assert [stream.getvalue() for stream in streams] == ["Ring [telefonnummer]\n"] * 2


def test_install_without_handlers_is_refused() -> None:
    with only_root_handlers(), pytest.raises(RuntimeError, match="no handlers"):
        install_masking_filter()
