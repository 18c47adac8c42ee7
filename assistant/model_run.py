"""Everything an evaluation asks of a trained model, from one load of it (runs inside .venv-rasa).

Loading a model costs Rasa 20–60 s on 2 cores (TensorFlow traces DIET's graphs), more than all the
predictions that follow; an evaluation used to load it twice (`rasa test nlu`, then the intents of the
safety net's and the unsure cases' messages). Here the held-out evaluation is Rasa's own,
`rasa.nlu.test.run_evaluation` with the arguments `rasa test nlu --nlu NLU --model MODEL --out OUT` gives
it, so the report, the errors file and the confusion matrix are exactly what that command writes. The
model loads without Rasa's one-example training step (doors/model_load.py).

Usage: .venv-rasa/bin/python -m assistant.model_run MODEL REQUEST
REQUEST is a JSON file: {"texts": [...], "predictions": PATH, "held_out": {"nlu": PATH, "out": DIR} or null}.
The intents of "texts" are written to PATH as a JSON list of {"text", "intent", "confidence"} (the intent
as the assistant answers it: below the fallback threshold, `nlu_fallback`); the held-out reports go to DIR.
"""
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Any

import structlog

from rasa.core.agent import Agent
from rasa.nlu.test import run_evaluation
from rasa.shared.constants import DEFAULT_DOMAIN_PATH

from doors.model_load import install


async def predict(agent: Agent, texts: list[str]) -> list[dict[str, Any]]:
    predictions = []
    for text in texts:
        parsed = await agent.parse_message(text)
        intent = parsed.get("intent") or {}
        predictions.append(
            {"text": text, "intent": intent.get("name"), "confidence": float(intent.get("confidence") or 0.0)}
        )
    return predictions


async def run(model: str, request: dict[str, Any]) -> None:
    agent = Agent.load(model)
    held_out = request.get("held_out")
    if held_out:
        Path(held_out["out"]).mkdir(parents=True, exist_ok=True)
        await run_evaluation(
            held_out["nlu"], agent.processor, output_directory=held_out["out"], successes=False, errors=True,
            disable_plotting=False, domain_path=DEFAULT_DOMAIN_PATH,
        )
    predictions = await predict(agent, request["texts"])
    Path(request["predictions"]).write_text(json.dumps(predictions, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(name)s - %(message)s")
    # Rasa logs every parse through structlog, which prints past `logging`: keep only what matters.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    install()
    model_file, request_file = sys.argv[1:3]
    asyncio.run(run(model_file, json.loads(Path(request_file).read_text(encoding="utf-8"))))
