"""The in-service model link: written by a deploy, read when the stack starts."""
from __future__ import annotations

from pathlib import Path

from assistant.in_service import in_service_model, mark_in_service


def test_the_link_follows_the_last_deploy_and_a_deleted_model_is_not_served(tmp_path: Path):
    assert in_service_model(tmp_path) is None
    first, second = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    first.write_bytes(b"a")
    second.write_bytes(b"b")
    mark_in_service(tmp_path, first)
    mark_in_service(tmp_path, second)
    assert in_service_model(tmp_path) == second.resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tar.gz", "b.tar.gz", "in-service"]
    second.unlink()
    assert in_service_model(tmp_path) is None  # a deleted model is not served: `run` trains instead
