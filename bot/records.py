"""`python -m bot cases export` and `python -m bot retention run`: the records area from the command line,
on the router's database (DATABASE_URL) and settings (SETTINGS_DIR).

The router's modules are imported when a command runs, so other commands start without them."""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

FORMATS = ("json", "html", "pdf")


async def export_case(reference: str, fmt: str, out: Path) -> int:
    """Write the record of a case (HBG-…) or of a conversation (its id) to `out`."""
    from router.core.clock import Clock
    from router.core.config import Settings
    from router.core.db import create_engine, create_session_maker, migrate
    from router.errors import NotFound
    from router.records.html import render_html
    from router.records.pdf import render_pdf
    from router.records.record import find_case_id, is_reference, load_case_record, load_conversation_record
    from router.transcript import add_event

    settings = Settings.from_env()
    clock = Clock(settings.fixed_now)
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        async with create_session_maker(engine)() as session:
            if is_reference(reference):
                record = await load_case_record(session, await find_case_id(session, reference), clock.now(), None)
            else:
                record = await load_conversation_record(session, reference, clock.now(), None)
            add_event(
                session, "exported", clock.now(), conversation_id=record["conversation_id"],
                case_id=record["case_id"], data={"format": fmt, "via": "command line"},
            )
            await session.commit()
    except NotFound as error:
        print(f"Nothing to export: {error.message}", file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
    try:
        if fmt == "json":
            out.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        elif fmt == "html":
            out.write_text(render_html(record), encoding="utf-8")
        else:
            out.write_bytes(render_pdf(record))
    except OSError as error:
        print(f"Could not write {out}: {error}", file=sys.stderr)
        return 2
    print(f"Wrote {out} ({record['reference'] or 'conversation ' + record['conversation_id']})")
    return 0


async def run_retention(dry_run: bool) -> int:
    """Delete what is due now (or, dry run, only list it); prints counts and references, never content."""
    import router.app  # noqa: F401  (puts every table of the router on the metadata that deletion follows)
    from router.core.clock import Clock
    from router.core.config import Settings
    from router.core.db import create_engine, create_session_maker, migrate
    from router.records.retention import MANUAL, Retention
    from router.records.retention_config import RetentionConfigError, load_retention_config

    settings = Settings.from_env()
    try:
        config = load_retention_config(settings.settings_dir)
    except RetentionConfigError as error:
        print(f"Retention settings are wrong: {error}", file=sys.stderr)
        return 2
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        retention = Retention(create_session_maker(engine), Clock(settings.fixed_now), config)
        result = await retention.run(dry_run=dry_run, trigger=MANUAL)
    finally:
        await engine.dispose()
    print(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
    return 0


def _cmd_cases_export(args: argparse.Namespace) -> int:
    return asyncio.run(export_case(args.reference, args.format, args.out))


def _cmd_retention_run(args: argparse.Namespace) -> int:
    return asyncio.run(run_retention(args.dry_run))


def add_records_commands(commands: argparse._SubParsersAction) -> None:
    """The `cases` and `retention` commands."""
    cases = commands.add_parser("cases", help="export cases as records a registrar can file")
    case_commands = cases.add_subparsers(dest="cases_command", required=True, metavar="ACTION")
    export = case_commands.add_parser("export", help="write a case (or a conversation without one) to a file")
    export.add_argument("reference", help="the case reference, e.g. HBG-2026-000123, or a conversation id")
    export.add_argument("--format", choices=FORMATS, default="pdf", help="json, html or pdf (default pdf)")
    export.add_argument("--out", type=Path, required=True, help="the file to write")
    export.set_defaults(func=_cmd_cases_export)

    retention = commands.add_parser("retention", help="gallring: delete what settings/retention.yml says is due")
    retention_commands = retention.add_subparsers(dest="retention_command", required=True, metavar="ACTION")
    run = retention_commands.add_parser("run", help="delete what is due now (held cases are kept)")
    run.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
    run.set_defaults(func=_cmd_retention_run)
