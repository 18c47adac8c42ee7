"""What the inbox takes for a resident rephrasing the question right after the bot's answer (a sign the
answer missed), and what it does not (thanks, a plain no)."""
from __future__ import annotations

import pytest

from router.admin.inbox import is_rephrasing


@pytest.mark.parametrize("first, second, expected", [
    ("var kan jag läsa lägesbilden", "lägesbilden, var finns den", True),
    ("hur anmäler jag ett brott", "nej jag menade hur man gör en anmälan", True),
    ("hur anmäler jag ett brott", "nej", False),
    ("kan jag prata med någon", "nej jag vill inte det tack", False),
    ("var ligger kontaktcenter", "du missförstod mig helt", True),
    ("öppettider", "tack för hjälpen", False),
])
def test_what_counts_as_a_rephrasing(first, second, expected):
    assert is_rephrasing(first, second) is expected
