"""`python -m bot admin …`: the administration from the command line, as thin wrappers over the same
services the /admin pages use (router/admin). Changes are logged in the audit log as `cli:<user>`."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any

import aiohttp

from router.admin.config import load_admin_config, project_dir
from router.admin.inbox import REASONS
from router.admin.services import AdminServices, build_services
from router.admin.swap import RasaApi
from router.core.config import Settings
from router.core.db import create_engine, create_session_maker, migrate
from router.errors import ClientError

PROGRESS_SECONDS = 5
DEPLOY_TIMEOUT = aiohttp.ClientTimeout(total=1800)


def _now() -> datetime:
    return datetime.now(timezone.utc)


@asynccontextmanager
async def admin_services() -> AsyncIterator[AdminServices]:
    settings = Settings.from_env()
    engine = create_engine(settings.database_url)
    try:
        await migrate(engine)
        async with aiohttp.ClientSession() as http:
            # No diversion: deploys go through the router (`_through_router`), which diverts its residents.
            yield build_services(
                create_session_maker(engine), _now, load_admin_config(settings.settings_dir), project_dir(),
                RasaApi(http, settings.rasa_token), settings.rasa_url,
            )
    finally:
        await engine.dispose()


def _actor(args: argparse.Namespace) -> str:
    return f"cli:{args.actor or getpass.getuser()}"


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


async def _inbox(services: AdminServices, args: argparse.Namespace) -> int:
    page, pages, messages = 1, 1, 0
    while page <= pages:
        listing = await services.inbox.items(intent=args.intent, reason=args.reason, page=page)
        for item in listing["items"]:
            confidence = "–" if item["confidence"] is None else f"{item['confidence']:.2f}"
            count = f"×{item['count']}" if item["count"] > 1 else ""
            print(f"{item['id']:>7}  {item['at'][:16]}  {item['intent'] or '–':24} {confidence:>5}  "
                  f"{','.join(item['reasons']):28} {count:>4} {item['text']}")
        pages, messages, page = listing["pages"], listing["messages"], page + 1
    print(f"{messages} message(s) to review")
    return 0


async def _annotate(services: AdminServices, args: argparse.Namespace) -> int:
    action = "dismiss" if args.dismiss else "out_of_scope" if args.out_of_scope else "intent"
    _print_json(await services.inbox.annotate(args.message_id, action, args.intent, _actor(args), None))
    return 0


async def _follow(services: AdminServices) -> int:
    """Print the running job's progress until it ends; 0 when it succeeded."""
    job = services.jobs.current
    waiter = asyncio.ensure_future(services.jobs.wait())
    while not waiter.done():
        epoch = f" epoch {job.epoch}/{job.epochs}" if job.epochs else ""
        print(f"[{job.kind}] {job.stage}{' ' + job.component if job.component else ''}{epoch}", flush=True)
        await asyncio.wait([waiter], timeout=PROGRESS_SECONDS)
    _print_json({k: v for k, v in job.as_json().items() if k != "output"})
    if job.status != "succeeded":
        print("\n".join(job.output), file=sys.stderr)
        return 1
    return 0


async def _train(services: AdminServices, args: argparse.Namespace) -> int:
    services.lifecycle.start_training(_actor(args), full=args.full)
    return await _follow(services)


async def _evaluate(services: AdminServices, args: argparse.Namespace) -> int:
    if args.cross_validation:
        services.lifecycle.start_cross_validation(args.cross_validation, _actor(args))
    else:
        services.lifecycle.start_evaluation(args.model_id, _actor(args))
    code = await _follow(services)
    if code == 0 and not args.cross_validation:
        evaluation = await services.lifecycle.evaluation(args.model_id)
        print("gate:", "; ".join(evaluation["gate_problems"]) or "passes")
    return code


async def _models(services: AdminServices, args: argparse.Namespace) -> int:
    for model in await services.lifecycle.models():
        f1 = "–" if model["macro_f1"] is None else f"{model['macro_f1']:.3f}"
        recall = "–" if model["emergency_recall"] is None else f"{model['emergency_recall']:.0%}"
        print(f"{model['id']:>4}  {model['name']:40} F1 {f1:>6}  emergency {recall:>5}  {'SERVING' if model['serving'] else ''}")
    return 0


def _through_router(kind: str) -> Callable[[argparse.Namespace], int]:
    """Deploy and rollback run in the router: while Rasa swaps, the router sends its residents to a
    stand-in Rasa, which only the router process can do."""

    def run(args: argparse.Namespace) -> int:
        settings = Settings.from_env()
        base = os.environ.get("ROUTER_URL", "").strip().rstrip("/") or f"http://127.0.0.1:{settings.port}"
        body: dict[str, Any] = {"actor": _actor(args)}
        if getattr(args, "override_reason", None):
            body["override_reason"] = args.override_reason

        async def call() -> tuple[int, Any]:
            async with aiohttp.ClientSession(timeout=DEPLOY_TIMEOUT) as http:
                async with http.post(f"{base}/internal/admin/models/{args.model_id}/{kind}", json=body,
                                     headers={"X-Internal-Secret": settings.internal_secret}) as response:
                    return response.status, await response.json(content_type=None)

        print(f"{kind}: asking the router at {base}; this takes a few minutes", file=sys.stderr, flush=True)
        try:
            status, answer = asyncio.run(call())
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            print(f"Refused: the router at {base} did not answer ({error!r}); is it running?", file=sys.stderr)
            return 2
        if status != 200:
            message = answer.get("message") if isinstance(answer, dict) else None
            print(f"Refused: {message or status}", file=sys.stderr)
            return 2
        _print_json(answer)
        return 0

    return run


async def _audit(services: AdminServices, args: argparse.Namespace) -> int:
    for entry in await services.audit.entries(limit=args.limit):
        details = json.dumps(entry["details"], ensure_ascii=False) if entry["details"] else ""
        print(f"{entry['at'][:19]}  {entry['actor']:16} {entry['action']:22} {entry['target'] or '':30} {details}")
    return 0


def _run(command: Callable[[AdminServices, argparse.Namespace], Awaitable[int]]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        async def main() -> int:
            async with admin_services() as services:
                return await command(services, args)

        try:
            return asyncio.run(main())
        except ClientError as error:
            print(f"Refused: {error.message}", file=sys.stderr)
            return 2

    return run


def add_admin_commands(commands: argparse._SubParsersAction) -> None:
    admin = commands.add_parser("admin", help="inbox, annotate, train, evaluate, deploy, rollback, audit")
    admin.add_argument("--as", dest="actor", help="name recorded in the audit log (default: your user name)")
    actions = admin.add_subparsers(dest="admin_command", required=True, metavar="ACTION")

    inbox = actions.add_parser("inbox", help="messages the assistant was unsure about, newest first")
    inbox.add_argument("--intent", help="only messages predicted as this intent")
    inbox.add_argument("--reason", choices=REASONS)
    inbox.set_defaults(func=_run(_inbox))

    annotate = actions.add_parser("annotate", help="make an inbox message a training example, or dismiss it")
    annotate.add_argument("message_id", type=int)
    choice = annotate.add_mutually_exclusive_group(required=True)
    choice.add_argument("--intent", help="the right intent (must exist in domain.yml)")
    choice.add_argument("--out-of-scope", action="store_true", help="an example of out_of_scope")
    choice.add_argument("--dismiss", action="store_true", help="not useful as training data")
    annotate.set_defaults(func=_run(_annotate))

    train = actions.add_parser(
        "train", help="train a model from the current data (the old one keeps serving), then evaluate it; "
        "incrementally from the model in service when only examples or response texts changed"
    )
    train.add_argument("--full", action="store_true", help="train from scratch even when incremental training is possible")
    train.set_defaults(func=_run(_train))
    actions.add_parser("models", help="trained models, their scores, and which one serves").set_defaults(func=_run(_models))

    evaluate = actions.add_parser("evaluate", help="held-out scores and emergency recall of a model, or cross-validation")
    evaluate.add_argument("model_id", type=int, nargs="?")
    evaluate.add_argument("--cross-validation", type=int, metavar="FOLDS", help="cross-validate the current data instead")
    evaluate.set_defaults(func=_run(_evaluate))

    deploy = actions.add_parser("deploy", help="put a model into service (hot swap) if the gate lets it through")
    deploy.add_argument("model_id", type=int)
    deploy.add_argument("--override-reason", help="deploy despite the gate, with this written reason")
    deploy.set_defaults(func=_through_router("deploy"))

    rollback = actions.add_parser("rollback", help="put an earlier model back into service")
    rollback.add_argument("model_id", type=int)
    rollback.set_defaults(func=_through_router("rollback"))

    audit = actions.add_parser("audit", help="who changed, trained, deployed or rolled back what")
    audit.add_argument("--limit", type=int, default=50)
    audit.set_defaults(func=_run(_audit))
