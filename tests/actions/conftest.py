"""Fixtures for the action tests: a real router stand-in and settings pointing at it, and the
router's real opening-hours API (tests/actions/hours_router.py) with its clock fixed."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio

from actions.config import PROJECT_ROOT, ActionSettings
from actions.offline_hours import KnownWeek
from tests.actions.hours_router import HoursRouter
from tests.actions.router_stub import SECRET, RouterStub, closed_port_url

# The real router's clock in the opening-hours tests: Monday 30 November 2026, 10:00 in Stockholm.
ROUTER_NOW = "2026-11-30T10:00:00+01:00"
# A one-off deviation added to the shipped settings/hours.yml for those tests.
DEVIATION = '  - {date: 2026-12-02, closed: true, note: "personaldag"}\n'

# The project's own contact.yml, so the actions are tested with the facts residents are given.
CONTACT_YML = (PROJECT_ROOT / "settings" / "contact.yml").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def hours_router(tmp_path_factory: pytest.TempPathFactory) -> HoursRouter:
    settings_dir = tmp_path_factory.mktemp("router-settings")
    shipped = (PROJECT_ROOT / "settings" / "hours.yml").read_text(encoding="utf-8")
    assert "deviations: []" in shipped
    (settings_dir / "hours.yml").write_text(shipped.replace("deviations: []", f"deviations:\n{DEVIATION}"), "utf-8")
    router = HoursRouter(settings_dir, ROUTER_NOW)
    router.start()
    yield router
    router.stop()


@pytest.fixture
def hours_settings(hours_router: HoursRouter, settings_dir: Path) -> ActionSettings:
    """Settings pointing at the router's real opening-hours API."""
    return ActionSettings(
        router_url=hours_router.url, internal_secret=SECRET, timeout_seconds=3.0, settings_dir=settings_dir
    )


@pytest.fixture
def week() -> KnownWeek:
    """A fresh memory of the normal week, so no test sees what another one's router said."""
    return KnownWeek()


@pytest_asyncio.fixture
async def router() -> RouterStub:
    stub = RouterStub(SECRET)
    await stub.start()
    yield stub
    await stub.stop()


@pytest.fixture
def settings_dir(tmp_path: Path) -> Path:
    (tmp_path / "contact.yml").write_text(CONTACT_YML, encoding="utf-8")
    return tmp_path


@pytest.fixture
def settings(router: RouterStub, settings_dir: Path) -> ActionSettings:
    return ActionSettings(
        router_url=router.url, internal_secret=SECRET, timeout_seconds=0.3, settings_dir=settings_dir
    )


@pytest.fixture
def router_down(settings_dir: Path) -> ActionSettings:
    """Settings pointing at a port nothing listens on."""
    return ActionSettings(
        router_url=closed_port_url(), internal_secret=SECRET, timeout_seconds=0.3, settings_dir=settings_dir
    )


@pytest.fixture
def wrong_secret(settings: ActionSettings) -> ActionSettings:
    return replace(settings, internal_secret="not-the-secret")
