"""Find and mask personal data in Swedish free text: personnummer, phone numbers and e-mail addresses.

Used to warn a resident before a message is sent, and to mask application logs and training data.

What is found:
- Personnummer and samordningsnummer (day + 60), written YYMMDD-XXXX, YYMMDD+XXXX, YYMMDDXXXX,
  YYYYMMDD-XXXX or YYYYMMDDXXXX (also with a space before the last four digits). Only numbers with a real
  calendar date and a valid Luhn check digit count; both kinds are reported as `personnummer`.
- Swedish phone numbers with a mobile prefix or an area code, national (070-123 45 67, 042-10 50 00,
  08-123 456 78) or international (+46 70 123 45 67, 0046 42 10 50 00, +46 (0)70-…), grouped with spaces
  or hyphens. Every such number is masked, also public ones like the contact center's 042-10 50 00: a
  number alone does not tell whether it belongs to a person.
- E-mail addresses.

Deliberately left readable: short public service numbers (112, 114 14, 116 006, 90101, 1177, 113 13),
which have no area code; case references (HBG-2026-000123); dates (2026-11-27, 27/11, 05-11-2026); times
(08.00–17.00, 0800-1700); amounts (1 500 kr, 12 000 000 kronor); postal codes (252 25, 100 05); years; and
six digits plus four (010229-1234) that are not a valid personnummer, since that is how a personnummer is
written, not a phone number.

E-mail addresses are found first; numbers are then looked for in the text as it reads with the addresses
masked, left to right, and a personnummer wins over a phone number it overlaps. Masking is idempotent:
placeholders contain no digits and no "@", and every finding is judged by its neighbours as they read after
masking.

All patterns are precompiled, use bounded repetition or possessive quantifiers, and start only where a
number or address can begin, so scanning is linear in the length of the text.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Kind(StrEnum):
    """What was found; the value is the Swedish word used in the placeholder."""

    EMAIL = "e-post"
    PERSONNUMMER = "personnummer"
    PHONE = "telefonnummer"


@dataclass(frozen=True, slots=True)
class Match:
    """A finding in a text: `text[start:end]` is personal data of the given kind."""

    kind: Kind
    start: int
    end: int

    @property
    def placeholder(self) -> str:
        """What `mask` writes instead of the finding, e.g. '[personnummer]'."""
        return f"[{self.kind}]"


_PERSONNUMMER = re.compile(
    r"(?<!\d)"
    r"(?P<century>1[89]|20)?"
    r"(?P<yymmdd>\d{6})"
    r"[-+ ]?"
    r"(?P<last4>\d{4})"
    r"(?!\d)"
)

_SPACE = "[ \u00a0\u202f]"
_SEPARATOR = rf"(?:{_SPACE}?-{_SPACE}?|{_SPACE})"
_DIGIT = rf"(?:{_SEPARATOR}?\d)"
# After the trunk 0 (or +46): mobile and other 07 numbers have 9 digits, landlines 7 to 9.
_SUBSCRIBER = rf"(?:7{_DIGIT}{{8}}|[1-689]{_DIGIT}{{6,8}})"
_INTERNATIONAL_ZERO = rf"(?:\(0\){_SEPARATOR}?)?"
_PHONE = re.compile(
    rf"(?:\+46{_SEPARATOR}?{_INTERNATIONAL_ZERO}"
    rf"|(?<!\d)(?:0046{_SEPARATOR}?{_INTERNATIONAL_ZERO}|0))"
    rf"{_SUBSCRIBER}"
    r"(?!\d)"
)
_DIGIT_GROUP = re.compile(r"\d+")
# Characters that join a number to the one before it: 2026-11-…, 12.5…, 3,0…, 08:0…
_NUMBER_JOINERS = frozenset("-./,:")
_SPACES = frozenset(" \u00a0\u202f")

_EMAIL_ADDRESS = r"[\w.%+-]++@(?:[\w-]++\.)+[^\W\d_]{2,}+"
_EMAIL = re.compile(rf"(?<![\w.%+-]){_EMAIL_ADDRESS}")
_EMAIL_HERE = re.compile(_EMAIL_ADDRESS)


def find_sensitive(text: str) -> list[Match]:
    """All personal data in `text`, in order, without overlaps."""
    if not isinstance(text, str):
        raise TypeError(f"find_sensitive needs a str, not {type(text).__name__}")
    emails = [Match(Kind.EMAIL, m.start(), m.end()) for m in _emails(text)]
    return sorted(emails + _numbers(_blanked(text, emails)), key=lambda m: m.start)


def mask(text: str) -> str:
    """`text` with every finding replaced by its placeholder ('[personnummer]', '[telefonnummer]', '[e-post]')."""
    pieces: list[str] = []
    position = 0
    for match in find_sensitive(text):
        pieces += (text[position:match.start], match.placeholder)
        position = match.end
    pieces.append(text[position:])
    return "".join(pieces)


def _emails(text: str) -> Iterator[re.Match[str]]:
    position = 0
    while (match := _EMAIL.search(text, position)) is not None:
        yield match
        # An address right after another one ("a@b.se1@c.se") follows a placeholder once masked: take it too.
        while (following := _EMAIL_HERE.match(text, match.end())) is not None:
            yield following
            match = following
        position = match.end()


def _blanked(text: str, findings: list[Match]) -> str:
    """`text` with each finding overwritten, keeping positions, by a digit-free stand-in for its placeholder."""
    pieces: list[str] = []
    position = 0
    for finding in findings:
        pieces += (text[position:finding.start], "[" + "#" * (finding.end - finding.start - 2) + "]")
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces)


def _numbers(text: str) -> list[Match]:
    """Personnummer and phone numbers, left to right.

    Each candidate is judged by the neighbours it has once the numbers before it are masked, and a
    personnummer wins over a phone number candidate that overlaps it. Both searches only move forward.
    """
    found: list[Match] = []
    previous_end = 0  # where the last accepted number ends
    personnummer, phone = _PERSONNUMMER.search(text), _PHONE.search(text)
    while personnummer is not None or phone is not None:
        if personnummer is not None and (phone is None or personnummer.start() < phone.end()):
            if _is_personnummer(personnummer, previous_end):
                found.append(Match(Kind.PERSONNUMMER, personnummer.start(), personnummer.end()))
                previous_end = personnummer.end()
            else:
                personnummer = _PERSONNUMMER.search(text, personnummer.start() + 1)
        elif _is_phone_number(phone, previous_end):
            found.append(Match(Kind.PHONE, phone.start(), phone.end()))
            previous_end = phone.end()
        else:
            phone = _PHONE.search(text, phone.start() + 1)
        # Candidates that start inside an accepted number are gone: look further on.
        if personnummer is not None and personnummer.start() < previous_end:
            personnummer = _PERSONNUMMER.search(text, previous_end)
        if phone is not None and phone.start() < previous_end:
            phone = _PHONE.search(text, previous_end)
    return found


def _joined_to_number_before(text: str, start: int, previous_end: int) -> bool:
    """Whether the number at `start` continues the one before it: 2026-11-…, HBG-2026-000123, 12.5…

    The last digit of a number already found reads as the placeholder's ']' after masking: it does not count.
    """
    return start >= 2 + previous_end and text[start - 1] in _NUMBER_JOINERS and text[start - 2].isdecimal()


def _is_personnummer(match: re.Match[str], previous_end: int) -> bool:
    if _joined_to_number_before(match.string, match.start(), previous_end):
        return False
    yymmdd, last4 = match["yymmdd"], match["last4"]
    if not _luhn_valid(yymmdd + last4):
        return False
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    if day > 60:  # samordningsnummer
        day -= 60
    # Without a century, 2000 + yy is a leap year exactly when either century's year could be.
    year = int(match["century"]) * 100 + yy if match["century"] else 2000 + yy
    return _is_date(year, month, day)


def _luhn_valid(digits: str) -> bool:
    total = 0
    for index, character in enumerate(digits):
        product = int(character) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return total % 10 == 0


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _is_phone_number(match: re.Match[str], previous_end: int) -> bool:
    """Whether a candidate is a phone number; `previous_end` is where the number before it ends."""
    text, start = match.string, match.start()
    groups = _DIGIT_GROUP.findall(match[0])
    sizes = tuple(len(group) for group in groups)
    if sizes == (6, 4):
        return False  # written like a personnummer (one with a wrong check digit or date): 010229-1234
    if sizes[:3] == (2, 2, 4) and _is_day_month_year(*groups[:3]):
        return False  # starts with a date: 05-11-2026
    if sizes[:2] == (4, 4) and all(_is_clock(group) for group in groups[:2]):
        return False  # starts with a time span: 0800-1700
    if text[start] == "+":
        return True
    if _joined_to_number_before(text, start, previous_end):
        return False
    after_number_and_space = (
        start >= 2 + previous_end and text[start - 1] in _SPACES and text[start - 2].isdecimal()
    )
    # Thousands of an amount (1 050 000 000) or the end of a postal code (100 05).
    return not (after_number_and_space and (set(sizes) == {3} or sizes[0] == 2))


def _is_day_month_year(first: str, second: str, year: str) -> bool:
    return 1900 <= int(year) <= 2099 and (
        _is_date(int(year), int(second), int(first)) or _is_date(int(year), int(first), int(second))
    )


def _is_clock(hhmm: str) -> bool:
    return int(hhmm[:2]) <= 23 and int(hhmm[2:]) <= 59


class MaskingFilter(logging.Filter):
    """Masks personal data in a log record: the formatted message, exception text and stack.

    The record is rewritten in place (message formatted with its arguments, then masked), so every
    handler after this filter sees only masked text. Records are never dropped.
    """

    _exception_formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - the handler reports the bad format string; keep its parts masked
            record.msg = mask(str(record.msg))
            record.args = _masked_args(record.args)
        else:
            record.msg = mask(message)
            record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._exception_formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


def _masked_args(args: object) -> object:
    if isinstance(args, Mapping):
        return {key: mask(str(value)) for key, value in args.items()}
    if isinstance(args, tuple):
        return tuple(mask(str(value)) for value in args)
    return args


def install_masking_filter() -> None:
    """Add a `MaskingFilter` to every handler of the root logger (once per handler).

    Handlers added to the root logger later are not covered: call this after logging is configured.
    """
    root = logging.getLogger()
    if not root.handlers:
        raise RuntimeError("the root logger has no handlers; configure logging before installing the masking filter")
    for handler in root.handlers:
        if not any(isinstance(existing, MaskingFilter) for existing in handler.filters):
            handler.addFilter(MaskingFilter())
