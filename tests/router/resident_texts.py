"""Find every text residents (and agents) can be shown in a project tree, and every phone number, e-mail
address and web address in it, for tests/router/test_single_source.py.

A *unit* is one text as it is shown: a response variant or button title in domain.yml (its {slots} filled
from settings/contact.yml as action_session_start does), a string constant in the actions' and the router's
Python (docstrings are documentation, not shown), a string literal in the static JavaScript, a page (the
resident pages rendered from their templates; the other templates with their Jinja tags removed), and a
string value in a settings file (canned answers filled in as the router does). settings/contact.yml itself
is the source, and its reader (facts/contact.py, outside the scanned folders) is left out: its error messages
show the expected format of a number.
"""
from __future__ import annotations

import ast
import html as entities
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import jinja2
import yaml

from router.web.pages import days_text, host_text
from facts.contact import ContactFacts, load_contact_facts, phone_digits
from router.records.retention_config import load_retention_config

# The router's Python that says things to people (its own texts, errors, hours, records, admin and agent
# answers); migrations and the core plumbing do not.
ROUTER_PYTHON = (
    "", "chat/", "handoff/", "web/", "rasa/", "bus/", "contact/", "hours/", "records/", "admin/", "privacy/"
)
# Pages residents see, rendered with the facts; the other templates are scanned with their tags removed.
RESIDENT_PAGES = {"demo.html": ("contact",), "integritet.html": ("contact", "retention")}
# Addresses a program uses that nobody is shown: the SVG namespace, loopback defaults for local services.
TECHNICAL_URLS = re.compile(r"^https?://(?:www\.w3\.org/|127\.0\.0\.1|localhost)")
# Texts that explain public records (answering "is my chat public?") instead of warning before writing;
# they may mention "allmän handling" without repeating the notice. Keyed by file and unit.
EXPLAINS_PUBLIC_RECORDS = {
    ("domain.yml", "responses.utter_privacy"),  # the privacy answer: OSL, gallring, link to /integritet
}

_NUMBER = re.compile(r"(?<![\w.,:/+\-])(?<!ISO )(\+?\d+(?:[ \u00a0-]\d+)*)(?![\w.,:/\-]?\d)")
_UNIT_AFTER = re.compile(
    r"^\s*(?:px|rem|em|%|procent|kB|MB|tecken|minut\w*|timm\w*|dag\w*|arbetsdag\w*|veck\w*|år\b|sekund\w*|"
    r"kr\b|kronor|ms\b|s\b|st\b|gånger|characters|days|seconds|minutes|hours|bytes)"
)
_SEPARATOR = re.compile(r"[ \u00a0-]")
# The word before a plain number that makes it a number to call: "ring 112", "på 1177", "call 112".
_CALL_CUE = re.compile(
    r"(?:^|\W)(?:ring\w*|call\w*|telefon\w*|tel|nummer|numret|number|på|on|via|linjen|jouren|nå|når|sms\w*|"
    r"dial\w*)\W*$",
    re.I,
)
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LETTER = re.compile(r"[^\W\d_]")
_SVG_DATA = re.compile(r"^[\d\s.,MmLlHhVvCcSsQqTtAaZz-]+$")
_TEL = re.compile(r"tel:(\+?[\d\-]+)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://[^\s\"'<>()\[\]{}]+")
_DOMAIN = re.compile(r"(?<![\w@/.:\-])(?:[a-z0-9\-]+\.)+(?:se|nu|com|org|net|eu|info)\b(?:/[^\s\"'<>()]*)?", re.I)
# A JavaScript string literal, or a comment (matched so that quotes inside comments start no string).
_JS_TOKEN = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`|//[^\n]*|/\*.*?\*/", re.S)
_SHOWN_ATTRIBUTES = re.compile(r'\b(?:href|content|value|placeholder|aria-label|title|alt)="([^"]*)"')
_JINJA = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)


@dataclass(frozen=True)
class Unit:
    file: str  # relative to the project root
    where: str  # the unit inside the file
    text: str  # as shown: placeholders filled in, pages rendered
    resident: bool  # shown to residents (the public-record notice rule applies)
    raw: str  # as written in the file


@dataclass(frozen=True)
class Finding:
    file: str
    where: str
    problem: str

    def __str__(self) -> str:
        return f"{self.file} [{self.where}]: {self.problem}"


# ------------------------------------------------------------------------------------------------ finding
def phone_numbers(text: str, known: frozenset[str]) -> list[str]:
    """Phone-number-like tokens in `text` as written, and tel: links ("tel:+4642105000").

    A token counts when it starts with 0 or +, has at least five digits in groups ("114 14"), is one of the
    `known` numbers (as digits, see phone_digits) however written, or follows a word such as "ring" or "på".
    Left out: clock times, dates, years, amounts with a unit and numbers of one or two digits, and a plain
    count like "de senaste 500 händelserna"."""
    found = [match.group(0) for match in _TEL.finditer(text)]
    text = _TEL.sub(" ", text)
    for match in _NUMBER.finditer(text):
        token = match.group(1)
        digits = re.sub(r"\D", "", token)
        if len(digits) <= 2 or _YEAR.match(token) or _ISO_DATE.match(token):
            continue
        if _UNIT_AFTER.match(text[match.end():]):
            continue
        dialled = token.startswith(("0", "+")) or (len(digits) >= 5 and _SEPARATOR.search(token))
        if dialled or phone_digits(token) in known or _CALL_CUE.search(text[max(0, match.start() - 30):match.start()]):
            found.append(token)
    return found


def emails(text: str) -> list[str]:
    return _EMAIL.findall(text)


def web_addresses(text: str) -> list[str]:
    """Full URLs and bare domains ("polisen.se"), without trailing punctuation; e-mail domains excluded."""
    text = _EMAIL.sub(" ", text)
    urls = [url.rstrip(".,;:!?") for url in _URL.findall(text)]
    text = _URL.sub(" ", text)
    return urls + [domain.rstrip(".,;:!?") for domain in _DOMAIN.findall(text)]


def _address_key(url: str) -> str:
    return re.sub(r"^(?:https?://)?(?:www\.)?", "", url.lower()).rstrip("/")


def check_unit(unit: Unit, facts: ContactFacts) -> list[Finding]:
    """What in one unit is not in the source, or words the public-record notice another way."""
    problems = []
    allowed_numbers = {facts.phone, *(service.number for service in facts.services.values())}
    allowed_digits = facts.phone_numbers()
    for token in phone_numbers(unit.text, allowed_digits):
        if phone_digits(token.removeprefix("tel:")) not in allowed_digits:
            problems.append(f"phone number {token!r} is not in settings/contact.yml")
        elif not token.startswith("tel:") and token not in allowed_numbers:
            problems.append(f"phone number {token!r} is written differently in settings/contact.yml")
    for address in emails(unit.text):
        if address.lower() != facts.email.lower():
            problems.append(f"e-mail address {address!r} is not in settings/contact.yml")
    links = {_address_key(url) for url in facts.links.values()}
    for url in web_addresses(unit.text):
        if not TECHNICAL_URLS.match(url) and _address_key(url) not in links:
            problems.append(f"web address {url!r} is not in settings/contact.yml")
    if (
        unit.resident
        and re.search(r"allmänn?a? handling", unit.text, re.I)
        and facts.public_record_notice not in unit.text
        and (unit.file, unit.where) not in EXPLAINS_PUBLIC_RECORDS
    ):
        problems.append("speaks of public records but not with the notice from settings/contact.yml")
    return [Finding(unit.file, unit.where, problem) for problem in problems]


def typed_facts(unit: Unit, facts: ContactFacts) -> list[Finding]:
    """The contact center's own details and the notice typed into a text instead of filled in."""
    typed = {"phone": facts.phone, "e-mail": facts.email, "address": facts.address,
             "public-record notice": facts.public_record_notice}
    raw = " ".join(unit.raw.split())
    return [
        Finding(unit.file, unit.where, f"the contact center's {what} is typed here; fill it in from settings/contact.yml")
        for what, value in typed.items()
        if value in raw
    ]


def scan(root: Path) -> list[Finding]:
    facts = load_contact_facts(root / "settings")
    findings = []
    for unit in units(root, facts):
        findings += typed_facts(unit, facts) + check_unit(unit, facts)
    return findings


# ------------------------------------------------------------------------------------------------ units
def _files(root: Path) -> Iterator[Path]:
    yield root / "domain.yml"
    for pattern in ("actions/**/*.py", *(f"router/{part}*.py" for part in ROUTER_PYTHON), "router/**/templates/**/*.html", "router/static/*.js",
                    "router/static/*.html", "settings/*.yml"):
        for path in sorted(root.glob(pattern)):
            relative = path.relative_to(root).as_posix()
            if relative != "settings/contact.yml":
                yield path


def units(root: Path, facts: ContactFacts) -> Iterator[Unit]:
    slots = facts.placeholders()
    for path in _files(root):
        relative = path.relative_to(root).as_posix()
        if relative == "domain.yml":
            yield from _domain_units(path, slots)
        elif path.suffix == ".py":
            for where, text in _python_strings(path):
                if _LETTER.search(text):  # "0123456789", "#222" and version ids are not texts
                    resident = relative.startswith(("actions/", "router/texts.py"))
                    yield Unit(relative, where, text, resident, raw=text)
        elif path.suffix == ".js":
            resident = path.name == "widget.js"
            for match in _JS_TOKEN.finditer(path.read_text(encoding="utf-8")):
                text = match.group(0)[1:-1]
                if match.group(0)[0] in "\"'`" and _LETTER.search(text) and not _SVG_DATA.match(text):
                    yield Unit(relative, f"offset {match.start()}", text, resident, raw=text)
        elif path.suffix == ".html":
            yield _page_unit(root, path, facts)
        elif path.suffix == ".yml":
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            for where, text in _yaml_strings(data):
                # A canned answer's text reaches the resident, filled in as the router does; its title
                # only the agent's list.
                answer_text = path.name == "canned_answers.yml" and where.endswith(".text")
                shown = facts.fill(text, where) if answer_text else text
                yield Unit(relative, where, shown, resident=answer_text, raw=text)


def _domain_units(path: Path, slots: dict[str, str]) -> Iterator[Unit]:
    domain = yaml.safe_load(path.read_text(encoding="utf-8"))
    for name, variants in (domain.get("responses") or {}).items():
        for variant in variants:
            texts = [variant.get("text", "")] + [button.get("title", "") for button in variant.get("buttons") or []]
            for text in texts:
                # Rasa fills {slot} from the tracker; contact slots come from action_session_start.
                filled = re.sub(r"{([^\n{}]+?)}", lambda m: slots.get(m.group(1), m.group(0)), text)
                yield Unit("domain.yml", f"responses.{name}", filled, resident=True, raw=text)


def _python_strings(path: Path) -> Iterator[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield f"line {node.lineno}", node.value


def _yaml_strings(data: Any, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _yaml_strings(value, f"{where}.{key}" if where else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _yaml_strings(value, f"{where}[{index}]")
    elif isinstance(data, str):
        yield where, data


def _page_unit(root: Path, path: Path, facts: ContactFacts) -> Unit:
    relative = path.relative_to(root).as_posix()
    template = _JINJA.sub(" ", path.read_text(encoding="utf-8"))
    if path.parent == root / "router" / "templates" and path.name in RESIDENT_PAGES:
        environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(path.parent), autoescape=True, undefined=jinja2.StrictUndefined
        )
        environment.filters.update(days=days_text, host=host_text)
        context = {"contact": facts, "retention": load_retention_config(root / "settings")}
        html = environment.get_template(path.name).render(
            **{name: context[name] for name in RESIDENT_PAGES[path.name]}
        )
        return Unit(relative, "(page)", _visible(html), resident=True, raw=_visible(template))
    return Unit(relative, "(page)", _visible(template), resident=False, raw=_visible(template))


def _visible(html: str) -> str:
    """The text of a page and the attribute values people see or follow (href="tel:…" included), with
    entities resolved and whitespace collapsed."""
    attributes = _SHOWN_ATTRIBUTES.findall(html)
    text = re.sub(r"<[^>]*>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S))
    return " ".join(entities.unescape(" ".join([text, *attributes])).split())
