"""Layout rules for the test code itself: nothing is imported from a conftest.py.

A conftest is pytest's plugin for its directory, not an API. pytest imports it by itself, and a module that
imports it as well may get a second copy under another name (rootdir, import mode and `sys.path` decide),
with its own module-level state and classes that are not the same objects. So conftest files hold fixtures
only; helpers, constants and classes that other modules use live in plain modules beside them
(tests/router/client_steps.py, tests/e2e/browser.py, the *_fixtures.py modules), which a conftest may use.

The scan covers every Python file under tests/ and bench/. The last test proves it can fail: it plants each
form of such an import in a file of its own and expects the scan to name it.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCANNED = ("tests", "bench")


def _is_conftest(module: str | None) -> bool:
    return module is not None and module.rsplit(".", 1)[-1] == "conftest"


def conftest_imports(path: Path) -> list[str]:
    """Each import of a conftest module in the file, as `line: statement`: from a conftest (absolute or
    relative), of a conftest from its package, or the plain `import` of one."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if _is_conftest(node.module) or any(alias.name == "conftest" for alias in node.names):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Import):
            if any(_is_conftest(alias.name) for alias in node.names):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def python_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for top in SCANNED:
        for path in sorted((root / top).rglob("*.py")):
            if "node_modules" not in path.relative_to(root).parts:
                files.append(path)
    return files


def scan(root: Path) -> list[str]:
    return [
        f"{path.relative_to(root)}:{finding}" for path in python_files(root) for finding in conftest_imports(path)
    ]


def test_no_module_under_tests_or_bench_imports_from_a_conftest() -> None:
    findings = scan(ROOT)
    assert findings == [], "conftest.py holds fixtures only; move these helpers to a plain module:\n" + "\n".join(
        findings
    )


def test_the_scan_covers_tests_and_bench() -> None:
    scanned = {path.relative_to(ROOT).parts[0] for path in python_files(ROOT)}
    assert scanned == set(SCANNED)
    assert ROOT / "tests" / "router" / "conftest.py" in python_files(ROOT)


# Spelled in parts, so that grepping tests/ for such imports finds the real ones only.
CONFTEST = "conftest"


@pytest.mark.parametrize(
    "statement",
    [
        f"from tests.router.{CONFTEST} import login",
        f"from .{CONFTEST} import wait_until",
        f"from {CONFTEST} import PASSWORD",
        f"from tests.e2e.widget import {CONFTEST}",
        f"from . import {CONFTEST}",
        f"import tests.router.{CONFTEST}",
        f"import {CONFTEST}",
    ],
)
def test_the_scan_names_each_form_of_importing_a_conftest(tmp_path: Path, statement: str) -> None:
    planted = tmp_path / "tests" / "router" / "test_planted.py"
    planted.parent.mkdir(parents=True)
    planted.write_text(f'"""Planted."""\n\n\ndef test_x():\n    {statement}\n', encoding="utf-8")
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "fine.py").write_text("from tests.router.client_steps import login\n", encoding="utf-8")
    assert scan(tmp_path) == [f"tests/router/test_planted.py:5: {statement}"]
