"""A record as a printable HTML page (Swedish, print stylesheet). Everything written is escaped.

The stylesheet is inlined so a saved file prints the same; `CONTENT_SECURITY_POLICY` allows exactly
that stylesheet (by its hash) and nothing else."""
from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

TEMPLATES = Path(__file__).resolve().parent / "templates"
STYLE = (TEMPLATES / "record.css").read_text(encoding="utf-8")
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode("utf-8")).digest()).decode("ascii")
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


def when(iso: str | None, seconds: bool = False) -> str:
    """'2026-11-30 10:00' from an ISO time that is already in Swedish time."""
    if not iso:
        return "–"
    return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def title(record: dict[str, Any]) -> str:
    return f"Ärende {record['reference']}" if record["reference"] else "Chattkonversation"


def facts(record: dict[str, Any]) -> list[tuple[str, str]]:
    """The record's particulars as (label, value) pairs, in the order a registrar reads them."""
    times = record["times"]
    rows = [
        ("Ärendenummer", record["reference"] or "– (inget ärende)"),
        ("Typ", record["kind_text"]),
        ("Status", record["status_text"]),
        ("Kategori", record["category"] or "–"),
        ("Kommunvägledare", record["agent"]["name"] if record["agent"] else "–"),
        ("Skapad", when(times["created"])),
    ]
    if record["kind"] == "chat":
        rows += [("I kö", when(times["queued"])), ("Påbörjad", when(times["claimed"]))]
    rows.append(("Avslutad", when(times["closed"])))
    if record["reason_text"]:
        rows.append(("Anledning", record["reason_text"] + (f" ({record['topic']})" if record["topic"] else "")))
    if record["other_references"]:
        rows.append(("Andra ärenden i samma konversation", ", ".join(record["other_references"])))
    rows.append(("Konversations-id", record["conversation_id"]))
    return rows


_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters["when"] = when


def render_html(record: dict[str, Any]) -> str:
    return _environment.get_template("record.html").render(
        record=record,
        title=title(record),
        facts=facts(record),
        active_holds=[hold for hold in record["holds"] if hold["released_at"] is None],
        style=Markup(STYLE),
    )
