"""Find the days a resident's Swedish message asks about: "har ni öppet på julafton?" → 24 December.

Why a parser of our own: dateparser 1.5.0 (the well-kept general library) was tried on the phrases
residents write. It knows no holiday names at all (julafton, midsommarafton, påskafton …: nothing),
reads "5/1" as 1 May and "24/12" as the year 2124, drops "nästa" from "nästa fredag", and has
no "i helgen" or "i övermorgon". The holiday names are the heart of the question, so this module
keeps a small grammar of its own and takes every holiday's date from the same `holidays`
calendar the engine uses to close (SwedishHolidays.by_name), so the two can never disagree.
Eves that are not holidays themselves (trettondagsafton, skärtorsdagen, påskafton, valborg,
pingstafton, alla helgons afton) are "the day before" a holiday.

What it understands, case-insensitive and with or without å/ä/ö, anywhere in the message:
- named days and periods: julafton, juldagen, annandag jul, nyårsafton, nyårsdagen,
  trettondagsafton, trettondedag jul, skärtorsdagen, långfredagen, påskafton, påskdagen,
  annandag påsk, valborg, första maj, Kristi himmelsfärd, pingst, nationaldagen,
  midsommarafton, midsommardagen, alla helgons afton/dag; "jul", "påsk", "midsommar", "nyår",
  "mellandagarna" (and "mellan jul och nyår") as several days;
- dates: "5 januari", "den 5:e jan", "5/1", "24/12", "24/12/2026", "2026-12-24" (day first,
  as Swedish writes it);
- weekdays: "fredag", "på fredag", "i fredag", "fredagen" (the coming one, today included),
  "nästa fredag" and "fredag nästa vecka" (the Friday of next week), "på fre";
- i dag, i morgon, i övermorgon (also written together), "i helgen" (the coming Saturday and
  Sunday; on a Sunday just that day), "nästa helg", "i veckan" (today to Sunday), "nästa vecka".

Every date is the next occurrence on or after `today`; a date written with a past year is not a
day the resident can visit, so it is ignored. Habitual plurals ("på fredagar") and the past
("i fredags") name no single day and are ignored too: the caller then answers with the week.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from router.hours.swedish import MONTH_NAMES, WEEKDAY_NAMES

MAX_DAYS = 31
MAX_YEARS_AHEAD = 5

_TOKEN = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}(?:/\d{2,4})?|\d+(?::?[ae])?|[a-z]+")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?$")
_DAY_NUMBER = re.compile(r"^(\d{1,2})(?::?[ae])?$")
_YEAR = re.compile(r"^\d{4}$")


def fold(text: str) -> str:
    """Lower case without diacritics: 'Påskafton' → 'paskafton'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


_WEEKDAYS = {fold(name): index for index, name in enumerate(WEEKDAY_NAMES)}
_WEEKDAY_FORMS = {**_WEEKDAYS, **{f"{name}en": index for name, index in _WEEKDAYS.items()}}
# Short forms only after "på" ("öppet på tis?"): alone, "ons" or "sön" could be other words.
# "mån" is left out: folded it is the pronoun "man" ("det beror på man själv").
_WEEKDAY_SHORT = {"tis": 1, "ons": 2, "tor": 3, "tors": 3, "fre": 4, "lor": 5, "son": 6}
_MONTHS = {fold(name): index + 1 for index, name in enumerate(MONTH_NAMES)}
_MONTHS.update({name[:3]: number for name, number in _MONTHS.items()})
_MONTHS["sept"] = 9


@dataclass(frozen=True)
class DayPhrase:
    """Days one expression names, in order, and how to say when in an answer.

    `when` is the Swedish adverbial for a named day or period ("på julafton", "i helgen", "i dag");
    None for a weekday or a date, which the answer names by its date alone.
    """

    dates: tuple[date, ...]
    when: str | None


@dataclass(frozen=True)
class _Named:
    """A named day or period: the holidays it is made of, each moved by a number of days."""

    when: str
    parts: tuple[tuple[str, int], ...]  # (holiday name as SwedishHolidays writes it, days to add)


def _day(holiday: str, shift: int = 0) -> tuple[tuple[str, int], ...]:
    return ((holiday, shift),)


_EASTER = (
    ("långfredagen", -1), ("långfredagen", 0), ("påskdagen", -1), ("påskdagen", 0), ("annandag påsk", 0)
)
_CHRISTMAS = (("julafton", 0), ("juldagen", 0), ("annandag jul", 0))
_NEW_YEAR = (("nyårsafton", 0), ("nyårsafton", 1))  # nyårsdagen belongs to the next year
_MIDSUMMER = (("midsommarafton", 0), ("midsommardagen", 0))
_BETWEEN_THE_HOLIDAYS = tuple(("annandag jul", shift) for shift in range(1, 5))  # 27–30 December

# Phrases as folded token sequences → what they name. Longer phrases are tried first.
_NAMED: dict[tuple[str, ...], _Named] = {}


def _name(phrases: tuple[str, ...], when: str, parts: tuple[tuple[str, int], ...]) -> None:
    for phrase in phrases:
        _NAMED[tuple(fold(phrase).split())] = _Named(when, parts)


_name(("julafton", "julaftonen"), "på julafton", _day("julafton"))
_name(("juldagen", "juldag"), "på juldagen", _day("juldagen"))
_name(("annandag jul", "annandagjul", "annandag juldag"), "på annandag jul", _day("annandag jul"))
_name(("jul", "julen", "julhelgen"), "i jul", _CHRISTMAS)
_name(("mellandagarna", "mellan jul och nyår", "mellan jul och nyårsafton"), "i mellandagarna", _BETWEEN_THE_HOLIDAYS)
_name(("nyårsafton", "nyårsaftonen"), "på nyårsafton", _day("nyårsafton"))
_name(("nyårsdagen", "nyårsdag"), "på nyårsdagen", _day("nyårsdagen"))
_name(("nyår", "nyåret", "nyårshelgen"), "över nyår", _NEW_YEAR)
_name(("trettondagsafton", "trettondagsaftonen", "trettondeafton"), "på trettondagsafton", _day("trettondedag jul", -1))
_name(
    ("trettondedag jul", "trettondedagen", "trettondedag", "trettondag jul", "trettondagen", "trettondedagjul"),
    "på trettondedag jul",
    _day("trettondedag jul"),
)
_name(("trettonhelgen",), "i trettonhelgen", (("trettondedag jul", -1), ("trettondedag jul", 0)))
_name(("skärtorsdag", "skärtorsdagen"), "på skärtorsdagen", _day("långfredagen", -1))
_name(("långfredag", "långfredagen"), "på långfredagen", _day("långfredagen"))
_name(("påskafton", "påskaftonen"), "på påskafton", _day("påskdagen", -1))
_name(("påskdagen", "påskdag"), "på påskdagen", _day("påskdagen"))
_name(("annandag påsk", "annandagpåsk", "annandag påskdag"), "på annandag påsk", _day("annandag påsk"))
_name(("påsk", "påsken", "påskhelgen"), "i påsk", _EASTER)
_name(("valborg", "valborgsmässoafton", "valborgsafton", "valborgsmässoaftonen"), "på valborg", _day("första maj", -1))
_name(("första maj", "förstamaj"), "på första maj", _day("första maj"))
_name(
    ("kristi himmelsfärd", "kristi himmelsfärdsdag", "kristi himmelfärd", "himmelsfärd", "himmelsfärdsdagen",
     "himmelsfärdsdag"),
    "på Kristi himmelsfärdsdag",
    _day("Kristi himmelsfärdsdag"),
)
_name(("pingstafton",), "på pingstafton", _day("pingstdagen", -1))
_name(("pingst", "pingsten", "pingstdagen", "pingstdag"), "på pingstdagen", _day("pingstdagen"))
_name(("nationaldagen", "nationaldag", "sveriges nationaldag"), "på nationaldagen", _day("nationaldagen"))
_name(("midsommarafton", "midsommaraftonen"), "på midsommarafton", _day("midsommarafton"))
_name(("midsommardagen", "midsommardag"), "på midsommardagen", _day("midsommardagen"))
_name(("midsommar", "midsommarhelgen"), "i midsommar", _MIDSUMMER)
_name(
    ("alla helgons afton", "allhelgonaafton", "allhelgonsafton", "alla helgonsafton"),
    "på alla helgons afton",
    _day("alla helgons dag", -1),
)
_name(
    ("alla helgons dag", "allhelgonadagen", "alla helgon", "allhelgona", "alla helgonsdag"),
    "på alla helgons dag",
    _day("alla helgons dag"),
)
_name(
    ("allhelgonahelgen", "alla helgons helg"),
    "i allhelgonahelgen",
    (("alla helgons dag", -1), ("alla helgons dag", 0)),
)

_NAMED_LENGTHS = sorted({len(key) for key in _NAMED}, reverse=True)

_RELATIVE = {
    ("idag",): (0, "i dag"), ("i", "dag"): (0, "i dag"),
    ("ikvall",): (0, "i dag"), ("i", "kvall"): (0, "i dag"),  # the answer gives the whole day's hours
    ("imorgon",): (1, "i morgon"), ("i", "morgon"): (1, "i morgon"),
    ("imorn",): (1, "i morgon"), ("i", "morn"): (1, "i morgon"),
    ("imorrn",): (1, "i morgon"), ("i", "morrn"): (1, "i morgon"),
    ("overmorgon",): (2, "i övermorgon"), ("iovermorgon",): (2, "i övermorgon"),
    ("i", "overmorgon"): (2, "i övermorgon"),
}

_HolidayDates = Callable[[int], dict[str, date]]
_Match = tuple[int, DayPhrase] | None


def find_days(text: str, today: date, holidays_in: _HolidayDates) -> list[DayPhrase]:
    """Every day expression in `text`, left to right; no more than MAX_DAYS days in all.

    `holidays_in(year)` gives the Swedish holiday names of a year with their dates
    (SwedishHolidays.by_name).
    """
    tokens = _TOKEN.findall(fold(text))
    found: list[DayPhrase] = []
    total = 0
    index = 0
    while index < len(tokens):
        match = _match(tokens, index, today, holidays_in)
        if match is None:
            index += 1
            continue
        length, phrase = match
        if total + len(phrase.dates) > MAX_DAYS:
            break
        found.append(phrase)
        total += len(phrase.dates)
        index += length
    return found


def _match(tokens: list[str], index: int, today: date, holidays_in: _HolidayDates) -> _Match:
    if index > 0 and tokens[index - 1] == "forra":  # "förra veckan", "förra julafton": the past
        return None
    for rule in (_relative, _weekend, _week, _weekday, _date):
        match = rule(tokens, index, today)
        if match is not None:
            return match
    return _named(tokens, index, today, holidays_in)


def _relative(tokens: list[str], index: int, today: date) -> _Match:
    for length in (2, 1):
        key = tuple(tokens[index : index + length])
        if key in _RELATIVE:
            offset, when = _RELATIVE[key]
            return length, DayPhrase((today + timedelta(days=offset),), when)
    return None


def _weekend(tokens: list[str], index: int, today: date) -> _Match:
    token = tokens[index]
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    if token == "nasta" and following in ("helg", "helgen"):
        saturday = _monday_of_next_week(today) + timedelta(days=5)
        return 2, DayPhrase((saturday, saturday + timedelta(days=1)), "nästa helg")
    if token == "helgen":
        if today.weekday() == 6:
            return 1, DayPhrase((today,), "i helgen")
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        return 1, DayPhrase((saturday, saturday + timedelta(days=1)), "i helgen")
    return None


def _week(tokens: list[str], index: int, today: date) -> _Match:
    token = tokens[index]
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    if token == "nasta" and following in ("vecka", "veckan"):
        monday = _monday_of_next_week(today)
        return 2, DayPhrase(tuple(monday + timedelta(days=offset) for offset in range(7)), "nästa vecka")
    if token == "veckan":
        days = tuple(today + timedelta(days=offset) for offset in range(7 - today.weekday()))
        return 1, DayPhrase(days, "i veckan")
    return None


def _weekday(tokens: list[str], index: int, today: date) -> _Match:
    token = tokens[index]
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    third = tokens[index + 2] if index + 2 < len(tokens) else ""
    if token == "nasta" and following == "veckas" and third in _WEEKDAY_FORMS:  # "nästa veckas fredag"
        return 3, DayPhrase((_in_next_week(today, _WEEKDAY_FORMS[third]),), None)
    if token == "nasta" and following in _WEEKDAY_FORMS:
        return 2, DayPhrase((_in_next_week(today, _WEEKDAY_FORMS[following]),), None)
    if token == "kommande" and following in _WEEKDAY_FORMS:
        return 2, DayPhrase((_coming(today, _WEEKDAY_FORMS[following]),), None)
    if token == "pa" and following in _WEEKDAY_SHORT:
        return 2, DayPhrase((_coming(today, _WEEKDAY_SHORT[following]),), None)
    if token not in _WEEKDAY_FORMS:
        return None
    weekday = _WEEKDAY_FORMS[token]
    if (following, third) == ("nasta", "vecka"):  # "fredag nästa vecka"
        return 3, DayPhrase((_in_next_week(today, weekday),), None)
    return 1, DayPhrase((_coming(today, weekday),), None)


def _date(tokens: list[str], index: int, today: date) -> _Match:
    token = tokens[index]
    iso = _ISO.match(token)
    if iso:
        return _dated(1, today, int(iso[3]), int(iso[2]), int(iso[1]))
    slash = _SLASH.match(token)
    if slash:
        year = slash[3]
        if year is not None and len(year) == 2:
            year = f"20{year}"
        return _dated(1, today, int(slash[1]), int(slash[2]), int(year) if year else None)
    number = _DAY_NUMBER.match(token)
    following = tokens[index + 1] if index + 1 < len(tokens) else ""
    if number is None or following not in _MONTHS:
        return None
    after = tokens[index + 2] if index + 2 < len(tokens) else ""
    if _YEAR.match(after):
        return _dated(3, today, int(number[1]), _MONTHS[following], int(after))
    return _dated(2, today, int(number[1]), _MONTHS[following], None)


def _dated(length: int, today: date, day: int, month: int, year: int | None) -> _Match:
    """The date, the next such date on or after `today` when no year is given; None when there is none."""
    years = [year] if year is not None else list(range(today.year, today.year + 9))
    for candidate in years:  # without a year: the next one; 29 February comes back within eight years
        try:
            wanted = date(candidate, month, day)
        except ValueError:
            continue
        if wanted < today:
            continue
        if wanted.year > today.year + MAX_YEARS_AHEAD:
            return None
        return length, DayPhrase((wanted,), None)
    return None


def _named(tokens: list[str], index: int, today: date, holidays_in: _HolidayDates) -> _Match:
    for length in _NAMED_LENGTHS:
        named = _NAMED.get(tuple(tokens[index : index + length]))
        if named is not None:
            days = _next_named(named, today, holidays_in)
            return (length, DayPhrase(days, named.when)) if days else None
    return None


def _next_named(named: _Named, today: date, holidays_in: _HolidayDates) -> tuple[date, ...]:
    """This year's days of the named day or period, or next year's once its last day has passed
    (last year's for a period that runs into this year, such as "över nyår"). Empty in years the
    day is no holiday (nationaldagen before 2005)."""
    for year in (today.year - 1, today.year, today.year + 1):
        calendar = holidays_in(year)
        if any(name not in calendar for name, _ in named.parts):
            continue
        days = tuple(calendar[name] + timedelta(days=shift) for name, shift in named.parts)
        if days[-1] >= today:
            return tuple(day for day in days if day >= today)
    return ()


def _coming(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _in_next_week(today: date, weekday: int) -> date:
    return _monday_of_next_week(today) + timedelta(days=weekday)


def _monday_of_next_week(today: date) -> date:
    return today + timedelta(days=7 - today.weekday())
