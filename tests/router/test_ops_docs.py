"""docs/ops: the Prometheus alert rules load in promtool and behave as tests/router/alerts_test.yml says, and
the rules and the Grafana dashboard ask only for metrics the router exports (read from a real scrape)."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from router.core.config import PROJECT_ROOT

OPS = PROJECT_ROOT / "docs" / "ops"
ALERTS = OPS / "alerts.yml"
DASHBOARD = OPS / "grafana-dashboard.json"
ALERT_TESTS = Path(__file__).parent / "alerts_test.yml"

_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_LABEL_LISTS = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}


def metric_names(expression: str) -> set[str]:
    """The metric names a PromQL expression reads: identifiers that are not functions, keywords, label
    names in by/without/on lists or matchers, or durations."""
    text = _QUOTED.sub("", expression)
    text = _LABEL_LISTS.sub("", text)
    text = _MATCHERS.sub("", text)
    text = _RANGES.sub("", text)
    names = set()
    for match in _NAME.finditer(text):
        following = text[match.end():].lstrip()[:1]
        preceding = text[:match.start()].rstrip()[-1:]
        if following == "(" or match.group().lower() in _KEYWORDS or preceding.isdigit():
            continue
        names.add(match.group())
    return names


def test_metric_names_are_read_from_expressions() -> None:
    assert metric_names(
        'histogram_quantile(0.9, sum by (le) (rate(chat_x_bucket{kind="a b"}[30m]))) > max(chat_y) and on(job) up'
    ) == {"chat_x_bucket", "chat_y", "up"}


def _alert_expressions() -> dict[str, str]:
    rules = yaml.safe_load(ALERTS.read_text())
    return {rule["alert"]: rule["expr"] for group in rules["groups"] for rule in group["rules"]}


def _dashboard_expressions() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


@pytest.fixture
def promtool() -> str:
    found = shutil.which("promtool")
    if not found:
        pytest.fail("promtool is not installed: run `make promtool` (apt-get install --no-install-recommends prometheus)")
    return found


def test_promtool_accepts_the_rules(promtool: str) -> None:
    result = subprocess.run([promtool, "check", "rules", str(ALERTS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_alerts_fire_when_they_should(promtool: str) -> None:
    result = subprocess.run([promtool, "test", "rules", str(ALERT_TESTS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_issue_asks_for_these_alerts() -> None:
    assert set(_alert_expressions()) >= {
        "ChatRasaDown", "ChatSlowReplies", "ChatQueueWaitLong", "ChatNoAgentWhileResidentsWait",
        "ChatEmergencyAlarmSpike", "ChatRasaErrorRate",
    }


@pytest.mark.asyncio
async def test_rules_and_dashboard_read_only_exported_metrics(client, rasa) -> None:
    rasa.model_file = "models/20261130-090000-test-model.tar.gz"  # so that the model's info is exported too
    scrape = await (await client.get("/metrics")).text()
    families = list(text_string_to_metric_families(scrape))
    exported = {sample.name for family in families for sample in family.samples}
    for alert, expression in _alert_expressions().items():
        assert metric_names(expression) <= exported, (alert, metric_names(expression) - exported)
    used: set[str] = set()
    for expression in _dashboard_expressions():
        assert metric_names(expression) <= exported, (expression, metric_names(expression) - exported)
        used |= metric_names(expression)
    # and the dashboard shows every metric the router exports
    unshown = [family.name for family in families if not any(sample.name in used for sample in family.samples)]
    assert unshown == []
