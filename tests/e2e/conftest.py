"""Session-wide fixture: the whole system running for real (trains a model first if none is current)."""
import shutil

import pytest

from assistant import paths
from tests.e2e.stack import RunningStack, start_stack


@pytest.fixture(scope="session")
def running_stack(tmp_path_factory) -> RunningStack:
    """One stack for every end-to-end test that leaves its processes alone: a Rasa start costs a minute or
    more on 2 cores. Its settings are the shipped ones except the trygghetssignaler threshold, 1 instead of 5,
    so that the signals journey sees its one signal (k-anonymity is tested in tests/router/test_signals_api.py
    and tests/e2e/test_signals_page.py).

    Tests on it find their own conversations and cases; the two browser journeys, which expect an empty queue
    (place 1) and no signals, run first on it: pytest runs modules in file-name order, and `test_journey.py`
    and `test_journey_signals.py` come before every other module that uses this stack."""
    workdir = tmp_path_factory.mktemp("stack")
    settings_dir = workdir / "settings"
    shutil.copytree(paths.ROOT / "settings", settings_dir)
    shipped = (settings_dir / "signals.yml").read_text(encoding="utf-8")
    assert "threshold: 5" in shipped
    (settings_dir / "signals.yml").write_text(shipped.replace("threshold: 5", "threshold: 1"), encoding="utf-8")
    running = start_stack(workdir, extra_env={"SETTINGS_DIR": str(settings_dir)}, timeout=600)
    yield running
    running.stack.stop()


# The admin pages test works on a copy of the Rasa project files, like the router's admin tests.
from tests.router.admin_fixtures import project  # noqa: E402, F401
from tests.e2e.router_sites import sso_site  # noqa: E402, F401
from tests.router.oidc_fixtures import oidc_provider  # noqa: E402, F401
