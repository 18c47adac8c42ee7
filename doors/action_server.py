"""`python -m doors.action_server --port 5055 --actions actions`: rasa-sdk's action server, taking the
same arguments as `rasa run actions`, where every request but /health must carry
`X-Internal-Secret: $INTERNAL_SECRET` (Rasa sends it: `headers` of action_endpoint in endpoints.yml).

rasa-sdk 3.6 has no authentication of its own; it offers a plugin hook (`attach_sanic_app_extensions`)
for extending its Sanic app, which this module implements and registers before handing over to
rasa-sdk's own entry point. Being the entry point, it refuses to start without a secret rather than
serve an open door. /health stays open for readiness checks: it says only "ok".
"""
from __future__ import annotations

import sys
from typing import Optional

import pluggy
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from doors.secret import MissingSecret, presented, required_secret

SECRET_HEADER = "X-Internal-Secret"
OPEN_PATHS = ("/health",)

hookimpl = pluggy.HookimplMarker("rasa_sdk")


class SecretCheck:
    """The rasa-sdk plugin: a request middleware on the action server's app."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        @app.middleware("request")
        async def require_secret(request: Request) -> Optional[HTTPResponse]:
            if request.path in OPEN_PATHS or presented(request.headers.get(SECRET_HEADER), self.secret):
                return None
            return response.json({"error": "unauthorized", "message": f"Wrong or missing {SECRET_HEADER}."}, 401)


def main() -> None:
    from rasa_sdk.__main__ import main as rasa_sdk_main
    from rasa_sdk.plugin import plugin_manager

    try:
        secret = required_secret("INTERNAL_SECRET")
    except MissingSecret as error:
        sys.exit(f"action server not started: {error}")
    plugin_manager().register(SecretCheck(secret))
    rasa_sdk_main()


if __name__ == "__main__":
    main()
