"""Every intent has a Swedish description for the administrators, kept with the training data in one file
(data/intent_descriptions.yml), which is not trained from."""
from __future__ import annotations

import shutil

from assistant.training import training_fingerprint
from router.admin.training_data import Project, domain_intents, intent_descriptions
from router.core.config import PROJECT_ROOT


def test_every_intent_in_the_domain_has_a_swedish_description():
    project = Project(PROJECT_ROOT)
    descriptions = intent_descriptions(project)
    missing = [name for name in domain_intents(project) if not descriptions.get(name, "").strip()]
    assert missing == [], f"add these to data/intent_descriptions.yml: {missing}"
    unknown = set(descriptions) - set(domain_intents(project)) - {"nlu_fallback"}
    assert unknown == set(), f"descriptions of intents that are not in domain.yml: {sorted(unknown)}"
    assert all(text != name for name, text in descriptions.items())


def test_editing_a_description_does_not_make_the_model_stale(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    for name in ("config.yml", "domain.yml"):
        shutil.copy2(PROJECT_ROOT / name, root / name)
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    before = training_fingerprint(root)
    path = root / "data" / "intent_descriptions.yml"
    path.write_text(path.read_text().replace("greet: Hälsning", "greet: En hälsning"))
    assert intent_descriptions(Project(root))["greet"] == "En hälsning"
    assert training_fingerprint(root) == before
    (root / "data" / "nlu" / "basics.yml").write_text((root / "data" / "nlu" / "basics.yml").read_text() + "\n")
    assert training_fingerprint(root) != before
