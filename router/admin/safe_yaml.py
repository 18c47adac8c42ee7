"""Reading YAML an administrator or a file on disk hands us: safe types only, no anchors, aliases or
custom tags (a "billion laughs" document or an object constructor is refused), and a size limit."""
from __future__ import annotations

from typing import Any

import yaml

MAX_YAML_BYTES = 60_000  # below the router's 64 kB body limit


class YamlRefused(ValueError):
    """The text is not acceptable YAML; the message says why (Swedish, shown to the administrator)."""


class _StrictLoader(yaml.SafeLoader):
    def compose_node(self, parent, index):  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise YamlRefused("YAML med ankare eller alias (& och *) tas inte emot.")
        return super().compose_node(parent, index)


def _refuse_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    raise YamlRefused(f"YAML-taggen {node.tag!r} tas inte emot.")


_StrictLoader.add_multi_constructor("!", _refuse_tag)
_StrictLoader.add_multi_constructor("tag:yaml.org,2002:python/", _refuse_tag)


def load_yaml(text: str) -> Any:
    """Parse `text` strictly; raises YamlRefused with a clear message."""
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        raise YamlRefused(f"YAML-texten är för stor (högst {MAX_YAML_BYTES // 1000} kB).")
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except YamlRefused:
        raise
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (rad {mark.line + 1}, kolumn {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise YamlRefused(f"Ogiltig YAML{where}: {problem}") from None
