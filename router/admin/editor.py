"""Changes to the training data and responses: checked, validated by Rasa in a copy, then written
atomically, one at a time, and logged."""
from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

from router.admin.audit import AuditLog
from router.admin.nlu_check import NluCheck
from router.admin.rasa_validation import RasaValidator
from router.admin.safe_yaml import YamlRefused, load_yaml
from router.admin.training_data import (
    Project,
    check_intent_name,
    check_not_duplicate,
    clean_example,
    clean_response_text,
    domain_intents,
    domain_responses,
    intent_descriptions,
    known_intent,
    nlu_intents,
    with_example_removed,
    with_examples_added,
    with_response_text,
)
from router.errors import BadInput, Conflict

MAX_EXAMPLES_PER_CHANGE = 200


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Editor:
    def __init__(self, project: Project, validator: RasaValidator, audit: AuditLog) -> None:
        self.project = project
        self.validator = validator
        self.quick = NluCheck(project)
        self._audit = audit
        self._lock = asyncio.Lock()

    def intents(self) -> list[dict[str, Any]]:
        data = nlu_intents(self.project)
        descriptions = intent_descriptions(self.project)
        return [
            {"name": name, "description": descriptions.get(name, name),
             "file": self.project.relative(data[name][0]) if name in data else None,
             "examples": data[name][1] if name in data else []}
            for name in domain_intents(self.project)
        ]

    def responses(self) -> list[dict[str, Any]]:
        return [
            {"name": name, "variants": [
                {"index": i, "text": v.get("text", ""), "conditional": "condition" in v}
                for i, v in enumerate(variants) if isinstance(v, dict)
            ]}
            for name, variants in sorted(domain_responses(self.project).items())
        ]

    async def _apply(self, originals: dict[Path, str], changes: dict[Path, str], quick: bool = False) -> None:
        """Validate, then write. `quick`: a change of single examples, checked by `NluCheck` in milliseconds
        instead of `rasa data validate` in a copy (15–20 s)."""
        relative = {self.project.relative(path): text for path, text in changes.items()}
        if quick and self.quick.handles(relative):
            await self.quick.check(relative)
        else:
            await self.validator.check(relative)
        for path, original in originals.items():
            if path.read_text(encoding="utf-8") != original:
                raise Conflict("file_changed", f"{path.name} ändrades av någon annan under valideringen. Försök igen.")
        for path, text in changes.items():
            _write_atomically(path, text)

    async def add_examples(self, intent: Any, examples: Any, actor: str) -> list[str]:
        """Append examples (masked and cleaned) to the file that holds `intent`; returns what was added."""
        if not isinstance(examples, list) or not examples:
            raise BadInput("no_examples", "Ange minst ett exempel.")
        if len(examples) > MAX_EXAMPLES_PER_CHANGE:
            raise BadInput("too_many_examples", f"Högst {MAX_EXAMPLES_PER_CHANGE} exempel åt gången.")
        async with self._lock:
            intent = known_intent(self.project, intent)
            cleaned = [clean_example(example) for example in examples]
            check_not_duplicate(self.project, cleaned)
            path = nlu_intents(self.project)[intent][0]
            original = path.read_text(encoding="utf-8")
            await self._apply({path: original}, {path: with_examples_added(original, intent, cleaned)}, quick=True)
        await self._audit.record(actor, "add_examples", intent, file=self.project.relative(path), examples=cleaned)
        return cleaned

    async def remove_example(self, intent: Any, example: Any, actor: str) -> None:
        if not isinstance(example, str) or not example.strip():
            raise BadInput("empty_example", "Exemplet är tomt.")
        async with self._lock:
            intent = known_intent(self.project, intent)
            path = nlu_intents(self.project)[intent][0]
            original = path.read_text(encoding="utf-8")
            await self._apply({path: original}, {path: with_example_removed(original, intent, example)}, quick=True)
        await self._audit.record(actor, "remove_example", intent, file=self.project.relative(path), example=example)

    async def set_response(self, name: Any, index: Any, text: Any, actor: str) -> None:
        if not isinstance(name, str) or not isinstance(index, int) or isinstance(index, bool):
            raise BadInput("bad_response", "Ange svarets namn och variantens nummer.")
        new_text = clean_response_text(text)
        async with self._lock:
            path = self.project.domain
            original = path.read_text(encoding="utf-8")
            old = domain_responses(self.project).get(name, [])
            await self._apply({path: original}, {path: with_response_text(original, name, index, new_text)})
        before = old[index].get("text") if 0 <= index < len(old) else None
        await self._audit.record(actor, "edit_response", name, variant=index, before=before, after=new_text)

    async def import_yaml(self, text: Any, actor: str) -> dict[str, list[str]]:
        """Add the examples of a pasted Rasa NLU document (`nlu: - intent: … examples: |`)."""
        if not isinstance(text, str) or not text.strip():
            raise BadInput("empty_yaml", "YAML-texten är tom.")
        try:
            data = load_yaml(text)
        except YamlRefused as error:
            raise BadInput("bad_yaml", str(error)) from None
        blocks = data.get("nlu") if isinstance(data, dict) else None
        if not isinstance(blocks, list) or not blocks:
            raise BadInput("bad_yaml", "YAML-texten måste ha en lista under nyckeln nlu.")
        wanted: dict[str, list[Any]] = {}
        for block in blocks:
            if not isinstance(block, dict) or set(block) != {"intent", "examples"} or not isinstance(block["examples"], str):
                raise BadInput("bad_yaml", "Varje post under nlu ska ha exakt nycklarna intent och examples (en text).")
            check_intent_name(block["intent"])
            lines = [line.strip() for line in block["examples"].splitlines() if line.strip()]
            if any(not line.startswith("- ") for line in lines):
                raise BadInput("bad_yaml", "Varje exempel ska stå på en egen rad som börjar med ”- ”.")
            wanted.setdefault(block["intent"], []).extend(line[2:] for line in lines)
        if sum(len(v) for v in wanted.values()) > MAX_EXAMPLES_PER_CHANGE:
            raise BadInput("too_many_examples", f"Högst {MAX_EXAMPLES_PER_CHANGE} exempel åt gången.")
        async with self._lock:
            cleaned = {known_intent(self.project, intent): [clean_example(e) for e in examples]
                       for intent, examples in wanted.items()}
            check_not_duplicate(self.project, [e for examples in cleaned.values() for e in examples])
            files = nlu_intents(self.project)
            originals: dict[Path, str] = {}
            changes: dict[Path, str] = {}
            for intent, examples in cleaned.items():
                path = files[intent][0]
                originals.setdefault(path, path.read_text(encoding="utf-8"))
                changes[path] = with_examples_added(changes.get(path, originals[path]), intent, examples)
            await self._apply(originals, changes)
        await self._audit.record(actor, "import_examples", ", ".join(cleaned), examples=cleaned)
        return cleaned
