"""Retention settings (settings/retention.yml): a wrong or missing period stops the router, naming the
field; and when the daily run falls, also across daylight-saving changes."""
from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from router.app import create_app
from router.core.config import PROJECT_ROOT
from router.records.retention_config import RetentionConfig, RetentionConfigError, load_retention_config
from router.records.schedule import next_run

STOCKHOLM = ZoneInfo("Europe/Stockholm")
CONFIG = RetentionConfig(
    bot_conversation_days=30, chat_case_days=365, left_message_days=100, daily_at=time(2, 30), timezone=STOCKHOLM
)


@pytest.fixture
def settings_copy(tmp_path):
    folder = tmp_path / "settings"
    shutil.copytree(PROJECT_ROOT / "settings", folder)
    return folder


@pytest.mark.parametrize(
    "edit, field",
    [
        (("chat_case: 730", "chat_case: 0"), "retention_days.chat_case"),
        (("left_message: 730", "left_message: -30"), "retention_days.left_message"),
        (("bot_conversation: 90", "bot_conversation: nittio"), "retention_days.bot_conversation"),
        (("  bot_conversation: 90\n", ""), "retention_days.bot_conversation: missing"),
        (('daily_at: "02:30"', 'daily_at: "25:00"'), "schedule.daily_at"),
        (("timezone: Europe/Stockholm", "timezone: Europe/Helsingborg"), "schedule.timezone"),
    ],
)
def test_router_refuses_to_start_with_a_bad_retention_setting(settings, settings_copy, edit, field) -> None:
    path = settings_copy / "retention.yml"
    text = path.read_text(encoding="utf-8")
    assert edit[0] in text
    path.write_text(text.replace(edit[0], edit[1]), encoding="utf-8")
    with pytest.raises(RetentionConfigError, match=field.replace(".", r"\.")):
        create_app(replace(settings, settings_dir=settings_copy))


def test_missing_retention_file_is_refused(settings, settings_copy) -> None:
    (settings_copy / "retention.yml").unlink()
    with pytest.raises(RetentionConfigError, match="retention.yml: cannot be read"):
        create_app(replace(settings, settings_dir=settings_copy))


def test_shipped_retention_settings() -> None:
    config = load_retention_config(PROJECT_ROOT / "settings")
    assert config.daily_at == time(2, 30) and config.timezone.key == "Europe/Stockholm"
    assert min(config.bot_conversation_days, config.chat_case_days, config.left_message_days) > 0


def test_next_run_is_daily_at_the_local_time_across_daylight_saving() -> None:
    def local(*args: int) -> datetime:
        return datetime(*args, tzinfo=STOCKHOLM)

    assert next_run(CONFIG, local(2026, 11, 30, 10, 0)) == local(2026, 12, 1, 2, 30)
    assert next_run(CONFIG, local(2026, 12, 1, 2, 29)) == local(2026, 12, 1, 2, 30)
    assert next_run(CONFIG, local(2026, 12, 1, 2, 30)) == local(2026, 12, 2, 2, 30)
    # Summer time: 02:30 is 00:30 UTC.
    assert next_run(CONFIG, local(2026, 7, 1, 12, 0)) == datetime(2026, 7, 2, 0, 30, tzinfo=timezone.utc)
    # 28 March 2027 has no 02:30 (clocks jump 02:00 → 03:00): it runs at 03:30 summer time.
    assert next_run(CONFIG, local(2027, 3, 27, 12, 0)) == datetime(2027, 3, 28, 1, 30, tzinfo=timezone.utc)
    # 25 October 2026 has 02:30 twice: it runs once, at the first.
    first = next_run(CONFIG, local(2026, 10, 24, 12, 0))
    assert first == datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)
    assert next_run(CONFIG, first) == datetime(2026, 10, 26, 1, 30, tzinfo=timezone.utc)
