"""The NLU training data (`data/nlu/*.yml`) and the domain (`domain.yml`) as an administrator edits them.

Files are changed by careful text editing, so their style, comments and order stay exactly as they
were and a change is a one-line diff: a new example is appended at the end of its intent's block, a
removed one is deleted, a response text is rewritten as one double-quoted line. Every edit is checked
by parsing the result and comparing it with what was meant, so a change can never alter anything else.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from router.errors import BadInput, NotFound
from router.privacy.masking import mask
from router.core.yaml_reading import read_yaml

MAX_EXAMPLE_CHARS = 500
MAX_RESPONSE_CHARS = 2000
INTENT_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
RESPONSE_NAME = re.compile(r"utter_[a-z0-9_]{1,90}")
OUT_OF_SCOPE = "out_of_scope"
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
# Characters a text in the YAML files must not hold: C0 and C1 controls and DEL (PyYAML refuses most of
# them when it reads the file back, and reads U+0085 as a line break), the Unicode line and paragraph
# separators (line breaks in YAML 1.1), lone surrogates and the noncharacters U+FFFE/U+FFFF (refused).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Project:
    """Where the Rasa project files are (the repository root, or a copy of it in tests)."""

    root: Path

    @property
    def nlu_dir(self) -> Path:
        return self.root / "data" / "nlu"

    @property
    def domain(self) -> Path:
        return self.root / "domain.yml"

    @property
    def intent_descriptions(self) -> Path:
        return self.root / "data" / "intent_descriptions.yml"

    @property
    def held_out(self) -> Path:
        return self.root / "tests" / "nlu" / "test_nlu.yml"

    def relative(self, path: Path) -> str:
        return str(path.relative_to(self.root))


def comparable(example: str) -> str:
    """What two examples are compared by: entity annotations removed, whitespace collapsed, case folded."""
    return _WHITESPACE.sub(" ", _ANNOTATION.sub(r"\1", example)).strip().casefold()


def check_intent_name(name: Any) -> str:
    if not isinstance(name, str) or not INTENT_NAME.fullmatch(name):
        raise BadInput(
            "bad_intent_name",
            "Ogiltigt intentnamn: använd små bokstäver a–z, siffror och understreck (högst 64 tecken).",
        )
    return name


def clean_example(text: Any) -> str:
    """A resident's or administrator's text as a training example: personal data masked, whitespace
    collapsed to single spaces; empty, too long or control characters are refused."""
    if not isinstance(text, str):
        raise BadInput("bad_example", "Exemplet måste vara en text.")
    if _CONTROL.search(text.replace("\t", " ").replace("\n", " ").replace("\r", " ")):
        raise BadInput("bad_example", "Exemplet innehåller otillåtna tecken.")
    cleaned = _WHITESPACE.sub(" ", mask(text)).strip()
    if not cleaned:
        raise BadInput("empty_example", "Exemplet är tomt.")
    if len(cleaned) > MAX_EXAMPLE_CHARS:
        raise BadInput("example_too_long", f"Exemplet är för långt (högst {MAX_EXAMPLE_CHARS} tecken).")
    if cleaned.startswith(("/", "#")):
        raise BadInput("bad_example", "Ett exempel får inte börja med / eller #.")
    return cleaned


def _load(path: Path) -> Any:
    try:
        return read_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise BadInput("broken_file", f"Filen {path.name} går inte att läsa som YAML: {error}") from None


def _examples_of(block: dict[str, Any]) -> list[str]:
    raw = block.get("examples") or ""
    return [line.strip()[2:].strip() for line in str(raw).splitlines() if line.strip().startswith("- ")]


def nlu_intents(project: Project) -> dict[str, tuple[Path, list[str]]]:
    """Every intent in data/nlu: the file that holds it and its examples (in file order)."""
    found: dict[str, tuple[Path, list[str]]] = {}
    for path in sorted(project.nlu_dir.glob("*.yml")):
        data = _load(path) or {}
        for block in data.get("nlu") or []:
            if isinstance(block, dict) and isinstance(block.get("intent"), str):
                name = block["intent"]
                first_path, before = found.get(name, (path, []))
                found[name] = (first_path, before + _examples_of(block))
    return found


def domain_intents(project: Project) -> list[str]:
    data = _load(project.domain) or {}
    return [next(iter(item)) if isinstance(item, dict) else str(item) for item in data.get("intents") or []]


def domain_entities(project: Project) -> set[str]:
    data = _load(project.domain) or {}
    return {next(iter(item)) if isinstance(item, dict) else str(item) for item in data.get("entities") or []}


def intent_descriptions(project: Project) -> dict[str, str]:
    """The Swedish description of each intent (`data/intent_descriptions.yml`); empty when the file is missing."""
    if not project.intent_descriptions.exists():
        return {}
    data = _load(project.intent_descriptions) or {}
    found = data.get("intent_descriptions") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def domain_responses(project: Project) -> dict[str, list[dict[str, Any]]]:
    data = _load(project.domain) or {}
    return {name: variants for name, variants in (data.get("responses") or {}).items() if isinstance(variants, list)}


def known_intent(project: Project, name: Any) -> str:
    """`name` when it is an intent of domain.yml with training data; otherwise a clear error."""
    check_intent_name(name)
    if name not in domain_intents(project):
        raise NotFound("unknown_intent", f"Intentet {name!r} finns inte i domain.yml.")
    if name not in nlu_intents(project):
        raise NotFound("unknown_intent", f"Intentet {name!r} har inga träningsexempel i data/nlu.")
    return name


def check_not_duplicate(project: Project, examples: list[str]) -> None:
    """Refuse examples that already exist (in any intent) or repeat each other."""
    seen: dict[str, str] = {}
    for intent, (_, existing) in nlu_intents(project).items():
        for example in existing:
            seen.setdefault(comparable(example), intent)
    held_out: set[str] = set()
    if project.held_out.exists():
        for block in (_load(project.held_out) or {}).get("nlu") or []:
            if isinstance(block, dict):
                held_out.update(comparable(example) for example in _examples_of(block))
    batch: set[str] = set()
    for example in examples:
        key = comparable(example)
        if key in seen:
            raise BadInput("duplicate_example", f"Exemplet ”{example}” finns redan (intent {seen[key]}).")
        if key in held_out:
            raise BadInput(
                "held_out_example",
                f"Exemplet ”{example}” finns i testuppsättningen (tests/nlu) och får inte bli träningsdata.",
            )
        if key in batch:
            raise BadInput("duplicate_example", f"Exemplet ”{example}” förekommer två gånger.")
        batch.add(key)


# --- text editing of an NLU file -------------------------------------------------------------------

def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _example_block(lines: list[str], intent: str) -> tuple[int, int, str]:
    """(first example line, line after the last example, indent of the example lines) of `intent`."""
    header = re.compile(rf"^(\s*)- intent:\s*(['\"]?){re.escape(intent)}\2\s*(#.*)?$")
    for i, line in enumerate(lines):
        found = header.match(line)
        if not found:
            continue
        item_indent = len(found.group(1))
        for j in range(i + 1, len(lines)):
            stripped = lines[j].strip()
            if stripped and _indent(lines[j]) <= item_indent:
                break
            if re.match(r"^\s+examples:\s*\|[-+]?\s*(#.*)?$", lines[j]):
                key_indent = _indent(lines[j])
                end = j + 1
                last = j + 1
                while end < len(lines) and (not lines[end].strip() or _indent(lines[end]) > key_indent):
                    end += 1
                    if lines[end - 1].strip():
                        last = end
                example_lines = [k for k in range(j + 1, last) if lines[k].strip()]
                indent = " " * (_indent(lines[example_lines[0]]) if example_lines else key_indent + 2)
                return j + 1, last, indent
        break
    raise NotFound("unknown_intent", f"Intentet {intent!r} har inget examples-block i filen.")


def _check_edit(old_text: str, new_text: str, intent: str, expected: list[str]) -> None:
    old, new = read_yaml(old_text), read_yaml(new_text)
    new_blocks = [b for b in new.get("nlu", []) if isinstance(b, dict) and b.get("intent") == intent]
    if len(new_blocks) != 1 or _examples_of(new_blocks[0]) != expected:
        raise BadInput("edit_failed", f"Ändringen av {intent} kunde inte göras säkert i filen.")
    others_old = [b for b in old.get("nlu", []) if not (isinstance(b, dict) and b.get("intent") == intent)]
    others_new = [b for b in new.get("nlu", []) if not (isinstance(b, dict) and b.get("intent") == intent)]
    if others_old != others_new or {k: v for k, v in old.items() if k != "nlu"} != {
        k: v for k, v in new.items() if k != "nlu"
    }:
        raise BadInput("edit_failed", "Ändringen skulle ha påverkat andra delar av filen.")


def with_examples_added(text: str, intent: str, examples: list[str]) -> str:
    """The file text with `examples` appended to `intent`'s block."""
    lines = text.splitlines(keepends=True)
    start, last, indent = _example_block(lines, intent)
    if last > 0 and not lines[last - 1].endswith("\n"):
        lines[last - 1] += "\n"
    new_lines = [f"{indent}- {example}\n" for example in examples]
    result = "".join(lines[:last] + new_lines + lines[last:])
    before = _examples_of(next(b for b in read_yaml(text)["nlu"] if b.get("intent") == intent))
    _check_edit(text, result, intent, before + examples)
    return result


def with_example_removed(text: str, intent: str, example: str) -> str:
    """The file text without `example` (compared as `comparable`) in `intent`'s block."""
    lines = text.splitlines(keepends=True)
    start, last, _ = _example_block(lines, intent)
    key = comparable(example)
    for k in range(start, last):
        stripped = lines[k].strip()
        if stripped.startswith("- ") and comparable(stripped[2:]) == key:
            result = "".join(lines[:k] + lines[k + 1 :])
            before = _examples_of(next(b for b in read_yaml(text)["nlu"] if b.get("intent") == intent))
            first = next(i for i, e in enumerate(before) if comparable(e) == key)
            expected = before[:first] + before[first + 1 :]
            _check_edit(text, result, intent, expected)
            return result
    raise NotFound("unknown_example", f"Exemplet finns inte under {intent}.")


# --- text editing of a response in domain.yml -----------------------------------------------------

def clean_response_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise BadInput("empty_response", "Svarstexten är tom.")
    if len(text) > MAX_RESPONSE_CHARS:
        raise BadInput("response_too_long", f"Svarstexten är för lång (högst {MAX_RESPONSE_CHARS} tecken).")
    if _CONTROL.search(text.replace("\t", " ")):
        raise BadInput("bad_response", "Svarstexten innehåller otillåtna tecken.")
    return text.replace("\r\n", "\n").strip()


def with_response_text(text: str, name: str, index: int, new_text: str) -> str:
    """domain.yml's text with variant `index` of response `name` saying `new_text` (one quoted line)."""
    if not RESPONSE_NAME.fullmatch(name):
        raise BadInput("bad_response_name", "Ogiltigt svarsnamn.")
    lines = text.splitlines(keepends=True)
    section = next((i for i, line in enumerate(lines) if re.match(r"^responses:\s*(#.*)?$", line)), None)
    if section is None:
        raise NotFound("unknown_response", "domain.yml har inga svar (responses).")
    head = None
    for i in range(section + 1, len(lines)):
        if lines[i].strip() and _indent(lines[i]) == 0:
            break
        if re.match(rf"^\s+{re.escape(name)}:\s*(#.*)?$", lines[i]):
            head = i
            break
    if head is None:
        raise NotFound("unknown_response", f"Svaret {name} finns inte i domain.yml.")
    head_indent = _indent(lines[head])
    end = head + 1
    while end < len(lines) and (
        not lines[end].strip()
        or _indent(lines[end]) > head_indent
        or (_indent(lines[end]) == head_indent and lines[end].lstrip().startswith("- "))
    ):
        end += 1
    texts = [k for k in range(head + 1, end) if re.match(r"^\s*(- )?text:", lines[k])]
    if not 0 <= index < len(texts):
        raise NotFound("unknown_response", f"Svaret {name} har ingen variant nummer {index + 1}.")
    k = texts[index]
    key = re.match(r"^(\s*(?:- )?)text:", lines[k])
    key_column = len(key.group(1))
    stop = k + 1
    while stop < end and (not lines[stop].strip() or _indent(lines[stop]) > key_column):
        stop += 1
    while stop > k + 1 and not lines[stop - 1].strip():
        stop -= 1
    quoted = json.dumps(new_text, ensure_ascii=False)
    result = "".join(lines[:k] + [f"{key.group(1)}text: {quoted}\n"] + lines[stop:])
    old, new = read_yaml(text), read_yaml(result)
    old["responses"][name][index]["text"] = new_text
    if old != new:
        raise BadInput("edit_failed", "Svarstexten kunde inte ändras säkert i domain.yml.")
    return result
