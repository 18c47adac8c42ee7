"""`python -m bot`: the operator's entry point."""
from __future__ import annotations

import argparse
import getpass
import sys

from assistant.private_files import keep_private
from assistant.rasa_run import RasaFailed
from bot.admin import add_admin_commands
from bot.records import add_records_commands


def _cmd_setup(args: argparse.Namespace) -> int:
    from bot.setup_env import setup

    return setup()


def _cmd_train(args: argparse.Namespace) -> int:
    from bot.setup_env import setup
    from bot.training import train

    setup()
    train(force=args.force)
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from bot.setup_env import setup
    from bot.training import validate

    setup()
    return validate()


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from assistant.evaluation import Thresholds, evaluate
    from bot.setup_env import setup
    from bot.training import train

    setup()
    model = train()
    thresholds = Thresholds(
        min_f1=args.min_f1,
        min_cv_f1=args.min_cv_f1,
        max_unrelated=args.max_unrelated,
        max_wrong_topic=args.max_wrong_topic,
        max_false_alarms=args.max_false_alarms,
    )
    return evaluate(model, folds=args.folds, thresholds=thresholds)


def _cmd_test_stories(args: argparse.Namespace) -> int:
    from assistant.evaluation import test_stories
    from bot.setup_env import setup
    from bot.training import train

    setup()
    return test_stories(train())


def _cmd_run(args: argparse.Namespace) -> int:
    from assistant.console import step
    from assistant.in_service import in_service_model
    from bot.first_run import needs_training, plan_for_run
    from bot.services import run
    from bot.setup_env import setup
    from bot.training import train

    plan = plan_for_run(needs_training())
    plan.announce()
    setup(plan.begin)
    deployed = in_service_model()
    if deployed is not None:
        step(f"Serving the model the administration deployed: {deployed.name} (models/in-service)")
    plan.begin("training")
    model = deployed or train()
    plan.begin("start")
    return run(model)


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass(f"Password for {args.username}: ")


def _cmd_agents_add(args: argparse.Namespace) -> int:
    import asyncio

    from bot.accounts import add_agent

    password = _read_password(args)
    return asyncio.run(add_agent(args.username, password, args.name or args.username, args.role))


def _cmd_agents(args: argparse.Namespace) -> int:
    import asyncio

    from bot import accounts

    if args.agents_command == "list":
        return asyncio.run(accounts.print_agents())
    if args.agents_command == "reset-password":
        return asyncio.run(accounts.new_password(args.username, _read_password(args)))
    change = {"deactivate": accounts.deactivate, "activate": accounts.activate, "revoke-sessions": accounts.revoke}
    return asyncio.run(change[args.agents_command](args.username))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Tryggare Helsingborg chat: set up, train, validate, evaluate and run the system.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("setup", help="create .venv-rasa, the spaCy model and .env if missing").set_defaults(
        func=_cmd_setup
    )

    train = commands.add_parser("train", help="train a model if the training data changed (or --force)")
    train.add_argument("--force", action="store_true", help="train even if a current model exists")
    train.set_defaults(func=_cmd_train)

    commands.add_parser("validate", help="rasa data validate --fail-on-warnings").set_defaults(func=_cmd_validate)

    evaluate = commands.add_parser("evaluate", help="held-out macro-F1, emergency recall, cross-validation")
    evaluate.add_argument("--folds", type=int, default=5, help="cross-validation folds (0 skips it)")
    evaluate.add_argument("--min-f1", type=float, default=None, help="fail when held-out macro-F1 is below this")
    evaluate.add_argument(
        "--min-cv-f1", type=float, default=None, help="fail when cross-validation macro-F1 is below this"
    )
    evaluate.add_argument(
        "--max-unrelated", type=float, default=None,
        help="fail when a larger share of out-of-scope messages gets a confident topic answer (e.g. 0.05)",
    )
    evaluate.add_argument(
        "--max-wrong-topic", type=float, default=None,
        help="fail when a larger share of paraphrases gets a confident answer on another topic",
    )
    evaluate.add_argument(
        "--max-false-alarms", type=float, default=None,
        help="fail when a larger share of ordinary messages trips the emergency safety net",
    )
    evaluate.set_defaults(func=_cmd_evaluate)

    commands.add_parser("test-stories", help="rasa test core on the test stories; fails on any wrong action").set_defaults(
        func=_cmd_test_stories
    )

    commands.add_parser("run", help="set up, train if needed, start Rasa, actions and router").set_defaults(
        func=_cmd_run
    )

    agents = commands.add_parser("agents", help="manage kommunvägledare and admin accounts")
    agent_commands = agents.add_subparsers(dest="agents_command", required=True, metavar="ACTION")
    add = agent_commands.add_parser("add", help="create an account (password asked for)")
    add.add_argument("username")
    add.add_argument("--name", help="display name shown to residents (default: the username)")
    add.add_argument("--role", choices=("agent", "admin", "analyst"), default="agent")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=_cmd_agents_add)
    agent_commands.add_parser("list", help="every account: role, active or not, online, live sessions").set_defaults(
        func=_cmd_agents
    )
    for name, help_text in (
        ("deactivate", "lock an account out: no login, its sessions and open consoles end"),
        ("activate", "let a deactivated account log in again"),
        ("revoke-sessions", "log an account out everywhere (its open consoles close)"),
    ):
        command = agent_commands.add_parser(name, help=help_text)
        command.add_argument("username")
        command.set_defaults(func=_cmd_agents)
    reset = agent_commands.add_parser("reset-password", help="set a new password (asked for); sessions end")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    reset.set_defaults(func=_cmd_agents)
    add_admin_commands(commands)
    add_records_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    keep_private()  # whatever a command writes (.env, models, var/) is the service account's alone
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except RasaFailed as error:
        print(f"Failed: {error}", file=sys.stderr)
        return 1
