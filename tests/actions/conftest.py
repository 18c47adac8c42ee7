"""Fixtures for the action tests: a real router stand-in and settings pointing at it."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import pytest_asyncio

from actions.config import PROJECT_ROOT, ActionSettings
from tests.actions.router_stub import SECRET, RouterStub, closed_port_url

HOURS_YML = """\
timezone: Europe/Stockholm
weekly:
  monday:    {opens: "08:00", closes: "17:00"}
  tuesday:   {opens: "08:00", closes: "17:00"}
  wednesday: {opens: "08:00", closes: "17:00"}
  thursday:  {opens: "08:00", closes: "18:00"}
  friday:    {opens: "08:00", closes: "17:00"}
  saturday:  closed
  sunday:    closed
holidays:
  closed_on_public_holidays: true
  closed_on_de_facto_holidays: true
  eve_closes: "15:00"
deviations: []
"""
# The project's own contact.yml, so the actions are tested with the facts residents are given.
CONTACT_YML = (PROJECT_ROOT / "settings" / "contact.yml").read_text(encoding="utf-8")


@pytest_asyncio.fixture
async def router() -> RouterStub:
    stub = RouterStub(SECRET)
    await stub.start()
    yield stub
    await stub.stop()


@pytest.fixture
def settings_dir(tmp_path: Path) -> Path:
    (tmp_path / "hours.yml").write_text(HOURS_YML, encoding="utf-8")
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
