"""Session-wide fixture: the whole system running for real (trains a model first if none is current)."""
import pytest

from tests.e2e.stack import RunningStack, start_stack


@pytest.fixture(scope="session")
def running_stack(tmp_path_factory) -> RunningStack:
    running = start_stack(tmp_path_factory.mktemp("stack"))
    yield running
    running.stack.stop()


# The admin pages test works on a copy of the Rasa project files, like the router's admin tests. The router
# tests' conftest is imported first: it imports admin_fixtures at its end, which imports helpers from it.
import tests.router.conftest  # noqa: E402, F401
from tests.router.admin_fixtures import project  # noqa: E402, F401
from tests.e2e.router_sites import sso_site  # noqa: E402, F401
from tests.router.oidc_fixtures import oidc_provider  # noqa: E402, F401
