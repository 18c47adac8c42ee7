"""Checking a change to the NLU files in a fraction of a second, so that saving an example from the inbox
or the data page does not wait 15–20 s for `rasa data validate` (Rasa's start-up is most of that time).

It checks what Rasa's validator checks on NLU examples, on the files as they would be after the change:
each changed file reads as Rasa NLU YAML, every intent is in domain.yml, every entity annotation names an
entity of the domain, no intent is left without examples, and no example ends up under two intents
(Rasa's "found labeled with multiple different intents" warning) unless that was so already. The full
`rasa data validate` still runs on the whole project before every training (lifecycle.py) and for the
other changes (response texts, imports: rasa_validation.py)."""
from __future__ import annotations

import re
from typing import Any

import yaml

from router.admin.training_data import Project, comparable, domain_entities, domain_intents
from router.core.yaml_reading import read_yaml
from router.errors import BadInput

_ENTITY = re.compile(r"\[[^\]]+\](?:\(([^)]*)\)|\{([^}]*)\})")
_OTHER_BLOCKS = ("synonym", "regex", "lookup")


def _examples(block: dict[str, Any]) -> list[str]:
    return [line.strip()[2:].strip() for line in str(block.get("examples") or "").splitlines()
            if line.strip().startswith("- ")]


def _read(relative: str, text: str) -> list[dict[str, Any]]:
    """The intent blocks of one NLU file's text; refused when Rasa could not read it."""
    try:
        data = read_yaml(text)
    except yaml.YAMLError:
        raise BadInput("validation_failed", f"{relative} går inte att läsa som YAML efter ändringen.") from None
    if not isinstance(data, dict) or not isinstance(data.get("nlu"), list):
        raise BadInput("validation_failed", f"{relative} saknar listan nlu efter ändringen.")
    blocks = []
    for block in data["nlu"]:
        if isinstance(block, dict) and any(key in block for key in _OTHER_BLOCKS):
            continue
        if not isinstance(block, dict) or not isinstance(block.get("intent"), str) \
                or not isinstance(block.get("examples"), str):
            raise BadInput("validation_failed", f"{relative}: varje intent ska ha en text med exempel.")
        blocks.append(block)
    return blocks


def _entity_names(example: str) -> list[str]:
    names = []
    for match in _ENTITY.finditer(example):
        if match.group(1) is not None:
            names.append(match.group(1).split(":")[0].strip())
        else:
            entity = re.search(r'"entity"\s*:\s*"([^"]+)"', match.group(2) or "")
            names.append(entity.group(1) if entity else "")
    return names


def _labels(project: Project, changes: dict[str, str]) -> dict[str, set[str]]:
    """Each example (compared as `comparable`) and the intents it is labelled with, over all NLU files."""
    labels: dict[str, set[str]] = {}
    for path in sorted(project.nlu_dir.glob("*.yml")):
        relative = project.relative(path)
        text = changes.get(relative)
        if text is None:
            text = path.read_text(encoding="utf-8")
        for block in _read(relative, text):
            for example in _examples(block):
                labels.setdefault(comparable(example), set()).add(block["intent"])
    return labels


class NluCheck:
    """The incremental check of NLU-only changes (see the module docstring)."""

    def __init__(self, project: Project) -> None:
        self._project = project

    def handles(self, changes: dict[str, str]) -> bool:
        """True when every changed file is an NLU file this check understands."""
        prefix = self._project.relative(self._project.nlu_dir) + "/"
        return all(name.startswith(prefix) and name.endswith(".yml") for name in changes)

    async def check(self, changes: dict[str, str]) -> None:
        intents = set(domain_intents(self._project))
        entities = domain_entities(self._project)
        for relative, text in changes.items():
            for block in _read(relative, text):
                if block["intent"] not in intents:
                    raise BadInput("validation_failed", f"Intentet {block['intent']} finns inte i domain.yml.")
                examples = _examples(block)
                if not examples:
                    raise BadInput("validation_failed", f"Intentet {block['intent']} skulle bli utan exempel.")
                for example in examples:
                    unknown = [name for name in _entity_names(example) if name not in entities]
                    if unknown:
                        raise BadInput("validation_failed", f"Exemplet ”{example}” märker ut en entitet som "
                                       f"inte finns i domain.yml ({', '.join(unknown)}).")
        before = {key for key, names in _labels(self._project, {}).items() if len(names) > 1}
        for key, names in _labels(self._project, changes).items():
            if len(names) > 1 and key not in before:
                raise BadInput("validation_failed", f"Exemplet ”{key}” skulle finnas under flera intent: "
                               f"{', '.join(sorted(names))}.")
