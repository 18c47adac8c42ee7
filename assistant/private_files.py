"""Files only the service account may read: conversations, trackers, secrets.

The databases hold what residents wrote (personnummer, addresses) and `.env` holds the secrets, so no
other local user may read them. Every process the project starts runs with umask 077, so whatever it
creates (SQLite files and their -wal/-shm companions, logs, models) is private from its first byte;
`var/` is kept 0700 and files that an older version left readable are closed on the next start.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

PRIVATE_UMASK = 0o077
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def keep_private() -> None:
    """From now on this process (and every child it starts) creates files for its own user only."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> None:
    """Create `path` (and missing parents) and make it 0700, also when it already existed."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    path.chmod(PRIVATE_DIR_MODE)


def close_readable(*files: Path) -> None:
    """Make existing files 0600 (with SQLite's -wal, -shm and -journal companions); missing ones are skipped."""
    for file in files:
        for path in (file, *(file.with_name(file.name + suffix) for suffix in ("-wal", "-shm", "-journal"))):
            if path.exists():
                path.chmod(PRIVATE_FILE_MODE)


def write_new_private_file(path: Path, text: str) -> None:
    """Create `path` with mode 0600 from the first byte (never readable by others, whatever the umask)
    and write `text`; fails if the file already exists rather than exposing or overwriting it."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def append_private(path: Path) -> BinaryIO:
    """Open `path` for appending bytes; a new file is 0600 from the start (a log may quote residents)."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE_MODE), "ab")
