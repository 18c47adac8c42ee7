"""`python -m router`: run the router on the host and port from the settings."""
from __future__ import annotations

import logging

from aiohttp import web

from router.app import create_app
from router.core.config import Settings


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    web.run_app(create_app(settings), host=settings.host, port=settings.port)


if __name__ == "__main__":
    main()
