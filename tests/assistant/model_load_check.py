"""Runs inside .venv-rasa (`python tests/assistant/model_load_check.py MODEL`), for test_model_load.py:
loads MODEL with Rasa's own `RasaModel.load`, then with doors/model_load.py's, and prints as JSON the
intent and confidences each gives every held-out message, with the seconds each load took."""
import asyncio
import json
import logging
import sys
import time
from pathlib import Path

import structlog

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rasa.core.agent import Agent  # noqa: E402

from assistant.evaluation import held_out_messages  # noqa: E402
from doors.model_load import install  # noqa: E402


async def predictions(model: str, texts: list[str]) -> tuple[float, list[list]]:
    started = time.monotonic()
    agent = Agent.load(model)
    seconds = time.monotonic() - started
    out = []
    for text in texts:
        parsed = await agent.parse_message(text)
        out.append([parsed["intent"]["name"], [[r["name"], r["confidence"]] for r in parsed["intent_ranking"]]])
    return seconds, out


async def main(model: str) -> dict:
    texts = held_out_messages()
    rasa_seconds, rasa_way = await predictions(model, texts)
    installed = install()
    fast_seconds, fast_way = await predictions(model, texts)
    return {"installed": installed, "texts": texts, "rasa": rasa_way, "fast": fast_way,
            "seconds": {"rasa": round(rasa_seconds, 1), "fast": round(fast_seconds, 1)}}


if __name__ == "__main__":
    logging.disable(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    print(json.dumps(asyncio.run(main(sys.argv[1]))))
