"""From a resident's message to the fields of a signal: category, time of day, weekday and a masked place.

Only what the resident said is recorded ("på kvällarna" → kväll, "på helgerna" → helg); nothing is guessed
from when the message was sent. The place description is a word from a list of kinds of places found in the
message ("parken", "gångtunneln", "stortorget"), then masked (router/privacy): it can hold no name, number
or e-mail address, because only place words are ever taken from the text.
"""
from __future__ import annotations

import re

from router.privacy.masking import mask
from router.signals.models import SignalCreate

# The intents whose answers are followed by a signal (rules.yml: feeling_unsafe and report_fault).
FEELING_UNSAFE, PLACE_PROBLEM = "feeling_unsafe", "report_fault"
SIGNAL_INTENTS = (FEELING_UNSAFE, PLACE_PROBLEM)

UNSAFE, OTHER = "otrygghet", "annat"
# In order of precedence: "trasig lampa" is lighting, not vandalism.
CATEGORY_WORDS: tuple[tuple[str, str], ...] = (
    ("belysning", r"belysning|gatlyk|gatlamp|lampa|lampor|lyktstolp|mörk|släckt"),
    ("klotter", r"klott|graffiti|tagg(?:ar|at|ning)"),
    ("narkotika", r"narkotik|knark|drog|langa|langn|hasch|cannabis|sprutor"),
    ("grupper", r"gäng|grupper|hänger|samlas|ungdomar som"),
    ("trafik", r"trafik|bilar|kör fort|fortkör|moped|buskör|övergångsställ|cyklist"),
    ("skadegörelse", r"skadegör|vandalis|sönder|krossa|förstör|trasig|sabotage|brand i"),
)
CATEGORIES = (UNSAFE, *(name for name, _ in CATEGORY_WORDS), OTHER)

TIMES_OF_DAY = ("morgon", "dag", "kväll", "natt")
TIME_WORDS: tuple[tuple[str, str], ...] = (
    ("kväll", r"kväll|efter mörkrets inbrott|när det är mörkt|när det blir mörkt"),
    ("natt", r"natt|nätter|nätterna"),
    ("morgon", r"morgon|morgn|morron"),
    ("dag", r"dagtid|på dagen|på dagarna|förmiddag|eftermiddag|mitt på dagen|lunch"),
)
WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag", "vardag", "helg")

PLACE_WORDS = (
    r"\w*park\w*", r"\w*tunnel\w*", r"\w*station\w*", r"\w*hållplats\w*", r"\w*torg\w*", r"trappuppgång\w*",
    r"\w*skola\w*", r"\w*skolan", r"affär\w*", r"butik\w*", r"\w*gata\w*", r"\w*gatan", r"lekplats\w*",
    r"parkering\w*", r"\w*garage\w*", r"strand\w*", r"\w*skog\w*", r"bibliotek\w*", r"gångväg\w*",
    r"cykelväg\w*", r"\w*bro\b|\w*bron", r"port\b|porten", r"tvättstug\w*", r"källar\w*", r"idrottsplats\w*",
    r"centrum\w*", r"köpcentr\w*", r"badplats\w*", r"hamn\w*", r"gård\w*", r"promenad\w*", r"stig\w*",
)
_PLACE = re.compile(
    r"(?<!\w)(?:i|på|vid|utanför|runt|genom|kring|bakom|nära|förbi|längs)\s+(?:den\s+|det\s+)?"
    r"(" + "|".join(PLACE_WORDS) + r")(?!\w)",
    re.IGNORECASE,
)
MAX_PLACE = 60


def category_of(intent: str, text: str) -> str:
    lowered = text.casefold()
    for name, pattern in CATEGORY_WORDS:
        if re.search(pattern, lowered):
            return name
    return UNSAFE if intent == FEELING_UNSAFE else OTHER


def time_of_day_of(text: str) -> str | None:
    lowered = text.casefold()
    for name, pattern in TIME_WORDS:
        if re.search(pattern, lowered):
            return name
    return None


def weekday_of(text: str) -> str | None:
    """The weekday the resident named: a day ("på fredagarna", "fredagskvällar"), "helg" or "vardag"."""
    lowered = text.casefold()
    if re.search(r"helg", lowered):
        return "helg"
    if re.search(r"vardag", lowered):
        return "vardag"
    for day in WEEKDAYS[:7]:
        if re.search(rf"(?<!\w){day[:-3]}dag", lowered):
            return day
    return None


def place_of(text: str) -> str | None:
    match = _PLACE.search(text)
    if not match:
        return None
    place = mask(match.group(1).casefold())[:MAX_PLACE].strip()
    return place or None


def capture(intent: str, text: str, district: str) -> SignalCreate | None:
    """The signal a message gives, or None when the intent is not one that gives signals."""
    if intent not in SIGNAL_INTENTS:
        return None
    return SignalCreate(
        district=district, category=category_of(intent, text), time_of_day=time_of_day_of(text),
        weekday=weekday_of(text), place=place_of(text),
    )
