"""`rasa data validate` on a candidate change, in a temporary copy of the project files, so a bad
change never touches the real files. A change is refused when Rasa fails, or when it brings a warning
the files did not have before (e.g. the same example under two intents)."""
from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from pathlib import Path

from assistant.paths import TRAINING_INPUTS
from assistant.training import training_fingerprint
from router.admin.training_data import Project
from router.errors import BadInput

VALIDATE_TIMEOUT_SECONDS = 300
_WARNING = re.compile(r"UserWarning: (.*)$")
_NOISE = ("DeprecationWarning", "declare_namespace", "pkg_resources", "MovedIn20Warning", "from jax", "Base: ")


class RasaValidator:
    def __init__(self, project: Project, rasa_bin: Path, env: dict[str, str]) -> None:
        self._project = project
        self._rasa_bin = rasa_bin
        self._env = env
        self._baseline: dict[str, set[str]] = {}

    def _copy(self, target: Path, changes: dict[str, str]) -> None:
        for name in TRAINING_INPUTS:
            source = self._project.root / name
            if source.is_dir():
                shutil.copytree(source, target / name)
            elif source.exists():
                shutil.copy2(source, target / name)
        for relative, text in changes.items():
            path = target / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    async def _run(self, changes: dict[str, str]) -> tuple[int, str]:
        with tempfile.TemporaryDirectory(prefix="admin-validate-") as folder:
            self._copy(Path(folder), changes)
            process = await asyncio.create_subprocess_exec(
                str(self._rasa_bin), "data", "validate",
                cwd=folder, env=self._env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            )
            try:
                output, _ = await asyncio.wait_for(process.communicate(), VALIDATE_TIMEOUT_SECONDS)
            except TimeoutError:
                process.kill()
                await process.wait()
                raise BadInput("validation_timeout", "Valideringen tog för lång tid. Försök igen.") from None
            return process.returncode, output.decode("utf-8", "replace")

    async def _baseline_warnings(self) -> set[str]:
        key = training_fingerprint(self._project.root)
        if key not in self._baseline:
            _, output = await self._run({})
            self._baseline = {key: warnings(output)}
        return self._baseline[key]

    async def check_project(self) -> None:
        """The whole project as it is, as before every training: refused when Rasa fails on it."""
        code, output = await self._run({})
        if code != 0:
            raise BadInput("validation_failed", "Rasa godkände inte träningsdata: " + problem_lines(output))

    async def check(self, changes: dict[str, str]) -> None:
        """Raise BadInput with Rasa's words when the project with `changes` applied does not validate."""
        baseline = await self._baseline_warnings()
        code, output = await self._run(changes)
        if code != 0:
            raise BadInput("validation_failed", "Rasa godkände inte ändringen: " + problem_lines(output))
        new = sorted(warnings(output) - baseline)
        if new:
            raise BadInput("validation_failed", "Rasa varnar för ändringen: " + " | ".join(new[:5]))


def warnings(output: str) -> set[str]:
    return {m.group(1).strip() for line in output.splitlines() if (m := _WARNING.search(line))}


def problem_lines(output: str, count: int = 6) -> str:
    lines = [
        line.strip() for line in output.splitlines()
        if line.strip() and not any(noise in line for noise in _NOISE) and "INFO" not in line
    ]
    return " | ".join(lines[-count:]) or "okänt fel"
