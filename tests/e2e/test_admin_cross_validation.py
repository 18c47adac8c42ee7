"""Cross-validation on demand (the /admin page's "Kör korsvalidering") with the real `rasa test nlu
--cross-validation`, on a small project so it runs in about a minute: the job's result is what the page
shows (folds, macro-F1, per-intent rows), and a project Rasa cannot train fails the job with Rasa's words.
The full project's cross-validation takes 25–40 min here and is `python -m bot evaluate`."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from assistant import paths
from assistant.rasa_env import rasa_environment
from bot.setup_env import setup
from router.admin.evaluation import cross_validate
from router.admin.jobs import Job, JobFailed

pytestmark = pytest.mark.asyncio

CONFIG = """\
recipe: default.v1
language: sv
assistant_id: cross-validation-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 4
  - name: DIETClassifier
    epochs: 20
    random_seed: 42
policies:
  - name: RulePolicy
"""

EXAMPLES = {
    "greet": ["hej", "hejsan", "god morgon", "hallå där", "tjena", "hej hej", "goddag", "hej på dig"],
    "opening_hours": ["när har ni öppet", "vilka öppettider har ni", "är ni öppna i dag", "när stänger ni",
                      "öppettider i morgon", "har ni öppet på lördag", "när öppnar ni", "hur länge är ni öppna"],
    "report_crime": ["hur polisanmäler jag", "jag vill anmäla ett brott", "var anmäler man stöld",
                     "hur gör jag en polisanmälan", "anmäla inbrott", "jag blev rånad vad gör jag",
                     "anmäla skadegörelse", "vart vänder jag mig för att anmäla"],
}


def _project(root: Path, config: str) -> Path:
    (root / "data" / "nlu").mkdir(parents=True)
    (root / "config.yml").write_text(config)
    (root / "domain.yml").write_text('version: "3.1"\nintents:\n' + "".join(f"  - {i}\n" for i in EXAMPLES))
    nlu = 'version: "3.1"\nnlu:\n' + "".join(
        f"  - intent: {intent}\n    examples: |\n" + "".join(f"      - {e}\n" for e in examples)
        for intent, examples in EXAMPLES.items()
    )
    (root / "data" / "nlu" / "all.yml").write_text(nlu)
    return root


def _job() -> Job:
    return Job(id=1, kind="cross_validation", actor="ada", started_at=datetime.now(timezone.utc))


async def test_cross_validation_reports_what_the_page_shows(tmp_path: Path) -> None:
    setup()
    project = _project(tmp_path / "project", CONFIG)
    job = _job()
    result = await cross_validate(job, project, 2, tmp_path / "out", paths.RASA_BIN, rasa_environment())
    assert result["folds"] == 2
    assert 0.5 < result["macro_f1"] <= 1.0, result
    assert [row["intent"] for row in result["intents"]] == sorted(EXAMPLES)
    assert sum(row["support"] for row in result["intents"]) == sum(len(e) for e in EXAMPLES.values())
    assert all(0 <= row["f1"] <= 1 and isinstance(row["confused_with"], dict) for row in result["intents"])
    assert job.rss_peak_mb and job.rss_peak_mb > 100


async def test_cross_validation_that_rasa_cannot_run_fails_with_its_words(tmp_path: Path) -> None:
    setup()
    project = _project(tmp_path / "project", CONFIG.replace("WhitespaceTokenizer", "NoSuchTokenizer"))
    job = _job()
    with pytest.raises(JobFailed) as failed:
        await cross_validate(job, project, 2, tmp_path / "out", paths.RASA_BIN, rasa_environment())
    assert "felkod" in str(failed.value) and "NoSuchTokenizer" in str(failed.value)
