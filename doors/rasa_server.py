"""`python -m doors.rasa_server run --enable-api …`: the `rasa` command, with the HTTP API's token taken
from the environment (RASA_TOKEN) instead of `--auth-token` on the command line, where `ps` would show
it to every local user. Rasa 3.6 reads the token only from its arguments, so this adds it to the
argument list inside the process: /proc/<pid>/cmdline keeps the command as it was started.

Models load without Rasa's one-example training step (doors/model_load.py): a start, a hot swap or a
`test core` run waits 8 s for the project's model instead of 24 s.
"""
from __future__ import annotations

import sys

from doors.secret import MissingSecret, required_secret

TOKEN_OPTIONS = ("--auth-token", "-t")


def arguments(argv: list[str], token: str) -> list[str]:
    """Rasa's arguments with the token added to `rasa run`; a token given on the command line is refused."""
    if any(arg in TOKEN_OPTIONS or arg.startswith("--auth-token=") for arg in argv):
        raise MissingSecret("give Rasa's token in RASA_TOKEN, not on the command line")
    if argv[:1] != ["run"] or argv[1:2] == ["actions"]:
        return list(argv)
    # One argument, `--auth-token=…`: a token that starts with "-" (token_urlsafe gives one in 64) would
    # otherwise be read by argparse as an option, and Rasa would not start.
    return [*argv, f"--auth-token={token}"]


def main() -> None:
    from rasa.__main__ import main as rasa_main

    from doors.model_load import install

    try:
        sys.argv[1:] = arguments(sys.argv[1:], required_secret("RASA_TOKEN"))
    except MissingSecret as error:
        sys.exit(f"Rasa not started: {error}")
    install()
    rasa_main()


if __name__ == "__main__":
    main()
