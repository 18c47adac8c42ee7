"""The audit log in an administrator's words: Swedish action names and details written out as text
(never Python literals), in local time; and the same rows as CSV for a spreadsheet."""
from __future__ import annotations

import csv
import io
from typing import Any

from router.admin import swedish

ACTION_TEXTS = {
    "annotate": "Granskade ett inkorgsmeddelande",
    "add_examples": "Lade till träningsexempel",
    "remove_example": "Tog bort ett träningsexempel",
    "import_examples": "Importerade träningsexempel",
    "edit_response": "Ändrade en svarstext",
    "deploy": "Driftsatte en modell",
    "rollback": "Återställde en tidigare modell",
    "train_started": "Startade en träning",
    "train_succeeded": "Träningen blev klar",
    "train_failed": "Träningen misslyckades",
    "evaluate_started": "Startade en utvärdering",
    "evaluate_succeeded": "Utvärderingen blev klar",
    "evaluate_failed": "Utvärderingen misslyckades",
    "cross_validation_started": "Startade en korsvalidering",
    "cross_validation_succeeded": "Korsvalideringen blev klar",
    "cross_validation_failed": "Korsvalideringen misslyckades",
}
DETAIL_TEXTS = {
    "outcome": "beslut", "intent": "intent", "messages": "antal meddelanden", "file": "fil",
    "examples": "exempel", "example": "exempel", "variant": "variant", "before": "före", "after": "efter",
    "previous": "tidigare modell", "macro_f1": "makro-F1", "gate_problems": "spärren", "override_reason": "motivering",
    "stand_in_seconds": "reservens start (s)", "swap_seconds": "bytet (s)", "total_seconds": "totalt (s)",
    "seconds": "tid (s)", "error": "fel", "rss_peak_mb": "minne högst (MB)",
}
VALUE_TEXTS = {"annotated": "sparat som exempel", "out_of_scope": "utanför området", "dismissed": "avfärdat"}
# Cells a spreadsheet would run as a formula are written as text.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def action_text(action: str) -> str:
    return ACTION_TEXTS.get(action, action)


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float):
        return swedish.number(value, 3 if key == "macro_f1" else 1)
    if isinstance(value, int):
        return swedish.number(value) if key != "variant" else str(value + 1)
    if isinstance(value, list):
        return ", ".join(f"”{item}”" if key in ("examples", "example") else _value(key, item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{name}: {_value(key, item)}" for name, item in value.items())
    text = str(value)
    if key in ("example", "before", "after"):
        return f"”{text}”"
    return VALUE_TEXTS.get(text, text)


def details_text(details: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) pairs for the details that have a value."""
    return [(DETAIL_TEXTS.get(key, key), _value(key, value)) for key, value in details.items()
            if value is not None and value != [] and value != {}]


def readable(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry of `AuditLog.entries` with its time, action and details as text."""
    return {**entry, "local_time": swedish.local(entry["at"], seconds=True), "action_text": action_text(entry["action"]),
            "detail_texts": details_text(entry["details"])}


def _cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA) else text


def as_csv(entries: list[dict[str, Any]]) -> str:
    """Semicolon-separated (as Swedish spreadsheets expect, since the comma is the decimal sign), with a
    byte-order mark so Excel reads UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Tid (svensk tid)", "Vem", "Vad", "Gäller", "Detaljer"])
    for entry in map(readable, entries):
        writer.writerow([_cell(entry["local_time"]), _cell(entry["actor"]), _cell(entry["action_text"]),
                         _cell(entry["target"] or ""),
                         _cell(" | ".join(f"{label}: {text}" for label, text in entry["detail_texts"]))])
    return "\ufeff" + out.getvalue()
