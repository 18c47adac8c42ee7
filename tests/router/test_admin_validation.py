"""The real `rasa data validate` (in .venv-rasa) on candidate changes, in a temporary copy: a change
Rasa fails on or warns about anew is refused with Rasa's words; the project files stay untouched.
Slow: each validation takes half a minute on a loaded machine, so the real run is marked `rasa_toolchain`
and belongs to `make test`; `make check` runs the parsing of Rasa's output only."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import paths
from assistant.rasa_env import rasa_environment
from router.admin.rasa_validation import RasaValidator, problem_lines, warnings
from router.admin.training_data import Project, with_examples_added
from router.errors import BadInput



@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "project"
    root.mkdir()
    for name in ("config.yml", "domain.yml"):
        shutil.copy2(paths.ROOT / name, root / name)
    shutil.copytree(paths.ROOT / "data", root / "data")
    return Project(root)


def _files(project: Project) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(project.root.rglob("*")) if p.is_file()}


@pytest.mark.rasa_toolchain
@pytest.mark.asyncio
async def test_real_rasa_validation_accepts_good_changes_and_refuses_bad_ones(project: Project):
    validator = RasaValidator(project, paths.RASA_BIN, rasa_environment())
    before = _files(project)
    basics = (project.nlu_dir / "basics.yml").read_text()

    await validator.check({"data/nlu/basics.yml": with_examples_added(basics, "thank", ["tack för en toppenchatt"])})

    # The same example under a second intent: a warning the files did not have before.
    with pytest.raises(BadInput) as warned:
        await validator.check({"data/nlu/basics.yml": with_examples_added(basics, "goodbye", ["hejsan"])})
    assert "hejsan" in warned.value.message and "multiple different intents" in warned.value.message

    # A file Rasa cannot read at all.
    with pytest.raises(BadInput) as failed:
        await validator.check({"data/nlu/basics.yml": "version: '3.1'\nnlu:\n- intent: greet\n  examples: 5\n"})
    assert failed.value.code == "validation_failed"
    assert _files(project) == before


@pytest.mark.rasa_toolchain
@pytest.mark.asyncio
async def test_the_whole_project_is_validated_before_training(project: Project):
    """What a training runs first (router/admin/lifecycle.py): the project as it is, with the intent
    descriptions file beside the NLU data, passes; a broken NLU file fails with Rasa's words."""
    validator = RasaValidator(project, paths.RASA_BIN, rasa_environment())
    assert project.intent_descriptions.exists()
    await validator.check_project()
    (project.nlu_dir / "basics.yml").write_text("version: '3.1'\nnlu:\n- intent: greet\n  examples: 5\n")
    with pytest.raises(BadInput) as failed:
        await validator.check_project()
    assert failed.value.message.startswith("Rasa godkände inte träningsdata: ")


def test_warning_and_problem_lines_are_read_from_rasa_output():
    output = (
        "/x/site-packages/pkg_resources/__init__.py:3117: DeprecationWarning: Deprecated call\n"
        "2026-11-27 17:22:34 INFO     rasa.validator  - Validating intents...\n"
        "/x/rasa/shared/utils/io.py:100: UserWarning: The utterance 'utter_x' is not used in any story or rule.\n"
        "YamlValidationException: Failed to validate 'data/nlu/basics.yml'.\n"
    )
    assert warnings(output) == {"The utterance 'utter_x' is not used in any story or rule."}
    assert problem_lines(output).endswith("YamlValidationException: Failed to validate 'data/nlu/basics.yml'.")
    assert "DeprecationWarning" not in problem_lines(output)
