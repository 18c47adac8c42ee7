"""`python -m router`: run the router on the host and port from the settings."""
from __future__ import annotations

import logging

from aiohttp import web

from assistant.private_files import keep_private
from router.web.access_log import PathOnlyAccessLogger
from router.app import create_app
from router.core.config import Settings
from router.privacy.masking import install_masking_filter


def main() -> None:
    keep_private()  # router.db, its WAL and anything else the router writes: readable by this user only
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_masking_filter()  # personnummer, phone numbers and e-mail addresses never reach the log
    settings = Settings.from_env()
    web.run_app(
        create_app(settings), host=settings.host, port=settings.port, access_log_class=PathOnlyAccessLogger
    )


if __name__ == "__main__":
    main()
