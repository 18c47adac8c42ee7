"""A model's life: trained (into models/), evaluated, let through the deploy gate, put into service
without a failed resident request (router/admin/swap.py), and rolled back by deploying an older model
again.

Which model is in service is asked from Rasa (`GET /status`); the history of deployments says which
model served when.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from sqlmodel import col, select

from assistant.evaluation_cache import cached_evaluation, store_evaluation
from assistant.rasa_run import RasaProgress
from assistant.in_service import in_service_model, mark_in_service
from assistant.training import changes_since, finetune_base, fingerprint_file, read_manifest, training_fingerprint
from router.admin.audit import AuditLog
from router.admin.config import AdminConfig
from router.admin.evaluation import CONFUSION_MATRIX, cross_validate, evaluate_model
from router.admin.jobs import Job, JobFailed, Jobs, train_model
from router.admin.models import Deployment, TrainedModel
from router.admin.rasa_validation import RasaValidator
from router.admin.swap import RasaError, ServedModel, Swapper
from router.core.db import SessionMaker
from router.errors import BadInput, Conflict, NotFound

MIN_OVERRIDE_REASON = 10
MAX_FOLDS = 10


def gate_problems(candidate: TrainedModel, serving: TrainedModel | None, config: AdminConfig) -> list[str]:
    """Why `candidate` may not replace `serving` (empty: it may)."""
    if candidate.macro_f1 is None or candidate.emergency_recall is None:
        return ["Modellen är inte utvärderad."]
    problems = []
    if candidate.emergency_recall < config.min_emergency_recall:
        problems.append(
            f"Akutfallen fångas bara till {candidate.emergency_recall:.1%} (krav: {config.min_emergency_recall:.0%})."
        )
    if serving is not None and serving.id != candidate.id:
        if serving.macro_f1 is None:
            problems.append("Modellen i drift är inte utvärderad, så ingen jämförelse kan göras.")
        elif candidate.macro_f1 < serving.macro_f1 - config.max_f1_drop:
            problems.append(
                f"Makro-F1 sjunker från {serving.macro_f1:.3f} till {candidate.macro_f1:.3f} "
                f"(mer än {config.max_f1_drop:.2f})."
            )
    return problems


def model_json(model: TrainedModel) -> dict[str, Any]:
    """A model as the pages show it. `created_at` is when its training finished; `training_started_at` and
    `training_seconds` come from the manifest written at training (None for models trained elsewhere)."""
    path = Path(model.path)
    manifest = read_manifest(path) or {}
    return {
        "id": model.id,
        "name": path.name,
        "path": model.path,
        "exists": path.exists(),
        "created_at": model.created_at.isoformat(),
        "training_started_at": manifest.get("started_at"),
        "training_seconds": manifest.get("seconds"),
        "macro_f1": model.macro_f1,
        "emergency_recall": model.emergency_recall,
        "evaluated": model.evaluation is not None,
        "evaluated_at": model.evaluated_at.isoformat() if model.evaluated_at else None,
    }


def _trained_at(model: Path) -> datetime | None:
    """When the training of `model` finished, from its manifest."""
    manifest = read_manifest(model) or {}
    try:
        started = datetime.fromisoformat(manifest["started_at"])
        return started + timedelta(seconds=float(manifest.get("seconds") or 0))
    except (KeyError, TypeError, ValueError):
        return None


class Lifecycle:
    """`swapper` says which model Rasa serves; in the router it also swaps models (a `Swapper`), while the
    command line leaves deploys to the router, the one process that can divert the residents meanwhile."""

    def __init__(
        self, maker: SessionMaker, now: Callable[[], datetime], config: AdminConfig, swapper: ServedModel, jobs: Jobs,
        audit: AuditLog, project_root: Path, rasa_bin: Path, env: dict[str, str], validator: RasaValidator,
    ) -> None:
        self._maker = maker
        self._now = now
        self._config = config
        self.swapper = swapper
        self.jobs = jobs
        self._audit = audit
        self.project_root = project_root
        self.models_dir = project_root / "models"
        self.results_dir = project_root / "results" / "admin"
        self._rasa_bin = rasa_bin
        self._env = env
        self._swap_lock = asyncio.Lock()
        # The full `rasa data validate` before every training (saving an example checks only the change).
        self.validator = validator

    # --- models ---------------------------------------------------------------------------------

    async def _register(self, path: Path) -> TrainedModel:
        path = path.resolve()
        async with self._maker() as session:
            found = (await session.exec(select(TrainedModel).where(TrainedModel.path == str(path)))).first()
            if found is None:
                created = _trained_at(path) or (
                    datetime.fromtimestamp(path.stat().st_mtime, tz=self._now().tzinfo) if path.exists() else self._now()
                )
                found = TrainedModel(path=str(path), created_at=created)
                session.add(found)
                await session.commit()
                await session.refresh(found)
            return found

    async def model(self, model_id: int) -> TrainedModel:
        async with self._maker() as session:
            found = await session.get(TrainedModel, model_id)
        if found is None:
            raise NotFound("not_found", "Modellen finns inte.")
        return found

    async def serving(self) -> TrainedModel | None:
        """The model Rasa serves now, registered (found under models/ by its file name)."""
        name = await self.swapper.serving_file()
        if not name:
            return None
        async with self._maker() as session:
            for model in (await session.exec(select(TrainedModel))).all():
                if Path(model.path).name == Path(name).name:
                    return model
        for candidate in (self.models_dir / Path(name).name, Path(name)):
            if candidate.is_absolute() and candidate.exists():
                return await self._register(candidate)
        return None

    async def models(self) -> list[dict[str, Any]]:
        if self.models_dir.exists():
            for path in sorted(self.models_dir.glob("*.tar.gz")):
                await self._register(path)
        async with self._maker() as session:
            rows = (await session.exec(select(TrainedModel).order_by(col(TrainedModel.created_at).desc()))).all()
        serving = await self._serving_if_known()
        return [dict(model_json(row), serving=serving is not None and row.id == serving.id) for row in rows]

    async def data_changes(self) -> dict[str, Any]:
        """Whether the training data changed since the model in service was trained, and what changed:
        files and intents from the manifest beside the model; only yes/no from its fingerprint for models
        without one; unknown (None) when no model in service is known."""
        serving = await self._serving_if_known()
        if serving is None:
            return {"changed": None, "serving": None, "files": [], "intents": []}
        path = Path(serving.path)
        manifest = read_manifest(path)
        if manifest is not None:
            changes = changes_since(manifest, self.project_root)
            return {"changed": bool(changes["files"]), "serving": path.name, **changes}
        stamp = fingerprint_file(path)
        if not stamp.exists():
            return {"changed": None, "serving": path.name, "files": [], "intents": []}
        changed = stamp.read_text().strip() != training_fingerprint(self.project_root)
        return {"changed": changed, "serving": path.name, "files": [], "intents": []}

    async def _serving_if_known(self) -> TrainedModel | None:
        """The model in service, or None when Rasa cannot be asked (lists still show)."""
        try:
            return await self.serving()
        except RasaError:
            return None

    async def evaluation(self, model_id: int) -> dict[str, Any]:
        model = await self.model(model_id)
        serving = await self._serving_if_known()
        return {
            "model": model_json(model),
            "evaluation": model.evaluation,
            "serving": model_json(serving) if serving else None,
            "serving_evaluation": serving.evaluation if serving else None,
            "gate_problems": gate_problems(model, serving, self._config),
        }

    def confusion_matrix(self, model: TrainedModel) -> Path:
        path = self._results_for(model) / CONFUSION_MATRIX
        if not path.exists():
            raise NotFound("not_found", "Ingen förväxlingsmatris finns för modellen.")
        return path

    def _results_for(self, model: TrainedModel) -> Path:
        return self.results_dir / Path(model.path).name.removesuffix(".tar.gz")

    # --- jobs -----------------------------------------------------------------------------------

    async def _evaluate(self, progress: RasaProgress, model: TrainedModel) -> TrainedModel:
        """Held-out scores and emergency recall, from models/.evaluations when this model was evaluated on
        this test set before (assistant/evaluation_cache.py)."""
        path = Path(model.path)
        scores = await asyncio.to_thread(cached_evaluation, self.models_dir, path)
        if scores is None:
            scores = await evaluate_model(progress, path, self._results_for(model), self._env)
            await asyncio.to_thread(store_evaluation, self.models_dir, path, scores)
        scores["confusion_matrix"] = (self._results_for(model) / CONFUSION_MATRIX).exists()
        async with self._maker() as session:
            stored = await session.get(TrainedModel, model.id)
            stored.macro_f1 = scores["macro_f1"]
            stored.emergency_recall = scores["emergency_recall"]
            stored.evaluation = scores
            stored.evaluated_at = self._now()
            await session.commit()
            await session.refresh(stored)
        return stored

    async def _serving_to_evaluate(self) -> TrainedModel | None:
        """The model in service, when it was never evaluated (e.g. started with the router or deployed from
        the shell): the deploy gate compares the new model with it."""
        serving = await self._serving_if_known()
        if serving is not None and serving.evaluation is None and Path(serving.path).exists():
            return serving
        return None

    async def _evaluate_serving_if_needed(self, job: Job) -> None:
        serving = await self._serving_to_evaluate()
        if serving is not None:
            job.stage = "evaluating_serving"
            await self._evaluate(job, serving)

    def _evaluate_serving_beside(self, serving: TrainedModel | None) -> asyncio.Task[Any] | None:
        """Evaluate the model in service beside a training: `rasa train` keeps about one of the machine's
        cores busy, so the administrator waits for the longer of the two runs instead of both in turn. Its
        progress is not the job's (the job shows the training)."""
        if serving is None:
            return None
        return asyncio.create_task(self._evaluate(RasaProgress(), serving))

    async def _finetune_base(self) -> Path | None:
        """The model in service, when the project can be trained incrementally from it."""
        serving = await self._serving_if_known()
        candidate = Path(serving.path) if serving is not None else in_service_model(self.models_dir)
        return await asyncio.to_thread(finetune_base, candidate, self.project_root)

    def start_training(self, actor: str, full: bool = False) -> Job:
        """Train a model from the current project files: incrementally from the model in service when only
        examples, stories, rules or response texts changed since it was trained (a quarter of the epochs),
        else, or when `full`, from scratch. Should Rasa refuse to finetune, the training is done fully."""
        started = time.monotonic()

        async def work(job: Job) -> None:
            job.stage = "validating"
            await self.validator.check_project()
            name = "admin-" + self._now().strftime("%Y%m%d-%H%M%S")
            base = None if full else await self._finetune_base()
            serving = self._evaluate_serving_beside(await self._serving_to_evaluate())
            try:
                try:
                    path = await train_model(
                        job, self.project_root, self.models_dir, self._rasa_bin, self._env, name, finetune=base
                    )
                except JobFailed:
                    if base is None:
                        raise
                    base = None
                    path = await train_model(job, self.project_root, self.models_dir, self._rasa_bin, self._env, name)
                train_peak = job.rss_peak_mb
                if isinstance(self.swapper, Swapper):  # the stand-in loads while the evaluation runs
                    self.swapper.warm(path)
                model = await self._register(path)
                job.result = {"model_id": model.id, "train_seconds": round(time.monotonic() - started, 1),
                              "train_rss_peak_mb": train_peak, "incremental": base is not None,
                              "finetuned_from": base.name if base is not None else None}
                job.stage = "evaluating"
                model = await self._evaluate(job, model)
                if serving is not None:
                    if not serving.done():
                        job.stage = "evaluating_serving"
                    await serving
            finally:
                if serving is not None and not serving.done():
                    serving.cancel()  # the training failed: stop the evaluation's Rasa run too
            job.result.update({"macro_f1": model.macro_f1, "emergency_recall": model.emergency_recall})

        return self.jobs.start("train", actor, work)

    def start_evaluation(self, model_id: Any, actor: str) -> Job:
        if isinstance(model_id, bool) or not isinstance(model_id, int):
            raise BadInput("bad_model", "Ange modellens id.")

        async def work(job: Job) -> None:
            model = await self.model(model_id)
            if not Path(model.path).exists():
                raise JobFailed("Modellfilen finns inte längre.")
            job.model, job.stage = model.path, "evaluating"
            model = await self._evaluate(job, model)
            await self._evaluate_serving_if_needed(job)
            job.result = {"model_id": model.id, "macro_f1": model.macro_f1, "emergency_recall": model.emergency_recall}

        return self.jobs.start("evaluate", actor, work)

    def start_cross_validation(self, folds: Any, actor: str) -> Job:
        if isinstance(folds, bool) or not isinstance(folds, int) or not 2 <= folds <= MAX_FOLDS:
            raise BadInput("bad_folds", f"Antalet delar (folds) ska vara ett heltal från 2 till {MAX_FOLDS}.")

        async def work(job: Job) -> None:
            job.stage = "cross_validation"
            job.result = await cross_validate(
                job, self.project_root, folds, self.results_dir / "cross-validation", self._rasa_bin, self._env
            )

        return self.jobs.start("cross_validation", actor, work)

    # --- deploy and rollback ----------------------------------------------------------------------

    async def deploy(self, model_id: Any, actor: str, override_reason: Any = None, rollback: bool = False) -> dict[str, Any]:
        if isinstance(model_id, bool) or not isinstance(model_id, int):
            raise BadInput("bad_model", "Ange modellens id.")
        if override_reason is not None and not isinstance(override_reason, str):
            raise BadInput("bad_reason", "Motiveringen måste vara en text.")
        reason = (override_reason or "").strip() or None
        self._swapping()
        if self._swap_lock.locked():
            raise Conflict("swap_running", "En driftsättning pågår redan.")
        async with self._swap_lock:
            return await self._deploy(model_id, actor, reason, rollback)

    async def _deploy(self, model_id: int, actor: str, reason: str | None, rollback: bool) -> dict[str, Any]:
        model = await self.model(model_id)
        if not Path(model.path).exists():
            raise NotFound("model_missing", "Modellfilen finns inte längre.")
        serving = await self.serving()
        if serving is not None and serving.id == model.id:
            raise Conflict("already_serving", "Modellen är redan i drift.")
        if rollback:
            async with self._maker() as session:
                earlier = (await session.exec(select(Deployment).where(Deployment.model_id == model.id))).first()
            if earlier is None:
                raise Conflict("never_served", "Bara en modell som har varit i drift kan återställas.")
            problems: list[str] = []
        else:
            problems = gate_problems(model, serving, self._config)
        if problems and reason is None:
            raise Conflict("gate", "Spärren stoppade driftsättningen: " + " ".join(problems))
        if problems and reason is not None and len(reason) < MIN_OVERRIDE_REASON:
            raise BadInput("short_reason", f"Skriv en motivering på minst {MIN_OVERRIDE_REASON} tecken för att gå förbi spärren.")
        previous = serving
        if previous is not None:
            await self._ensure_history(previous)
        report = await self._swapping().swap(Path(model.path))
        mark_in_service(self.models_dir, Path(model.path))
        kind = "rollback" if rollback else "deploy"
        async with self._maker() as session:
            session.add(Deployment(model_id=model.id, actor=actor, kind=kind,
                                   override_reason=reason if problems else None,
                                   swap_seconds=report.swap_seconds, created_at=self._now()))
            await session.commit()
        await self._audit.record(
            actor, kind, Path(model.path).name, previous=Path(previous.path).name if previous else None,
            macro_f1=model.macro_f1, gate_problems=problems or None, override_reason=reason if problems else None,
            **asdict(report),
        )
        return {"model": model_json(model), "kind": kind, **asdict(report), "gate_problems": problems}

    def _swapping(self) -> Swapper:
        if not isinstance(self.swapper, Swapper):
            raise Conflict("deploy_in_router", "Driftsättning görs i routern, som flyttar invånarnas frågor under bytet.")
        return self.swapper

    async def _ensure_history(self, serving: TrainedModel) -> None:
        """The model Rasa was started with has no deployment yet: record it as the first one."""
        async with self._maker() as session:
            if (await session.exec(select(Deployment).where(Deployment.model_id == serving.id))).first() is None:
                session.add(Deployment(model_id=serving.id, actor="system", kind="startup",
                                       created_at=serving.evaluated_at or serving.created_at))
                await session.commit()

    async def history(self) -> list[dict[str, Any]]:
        serving = await self._serving_if_known()
        if serving is not None:
            await self._ensure_history(serving)
        async with self._maker() as session:
            rows = (await session.exec(
                select(Deployment, TrainedModel).join(TrainedModel, col(Deployment.model_id) == col(TrainedModel.id))
                .order_by(col(Deployment.created_at), col(Deployment.id))
            )).all()
        history = []
        for index, (deployment, model) in enumerate(rows):
            until = rows[index + 1][0].created_at if index + 1 < len(rows) else None
            history.append({
                "id": deployment.id, "kind": deployment.kind, "actor": deployment.actor,
                "override_reason": deployment.override_reason, "swap_seconds": deployment.swap_seconds,
                "from": deployment.created_at.isoformat(), "until": until.isoformat() if until else None,
                "model": model_json(model),
                "serving": until is None and serving is not None and serving.id == model.id,
            })
        return list(reversed(history))
