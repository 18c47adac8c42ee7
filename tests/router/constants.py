"""Values the router tests share: the secrets their settings carry (and the fake Rasa and the internal
calls present), every test agent's password, and the moment the test clock starts. Plain constants in a
module of their own, so that fixtures, fixture modules, test modules and the end-to-end sites import them
from one place instead of from a conftest."""

from __future__ import annotations

from datetime import datetime, timezone

RASA_TOKEN = "rasa-test-token"
INTERNAL_SECRET = "internal-test-secret"
PASSWORD = "correct horse battery"
# Monday 30 November 2026, 10:00 in Stockholm: the contact center is open (08.00–17.00).
MONDAY_10 = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
