"""Predict intents for a list of texts with a trained model (runs inside .venv-rasa).

Usage: .venv-rasa/bin/python -m assistant.predict_intents MODEL < texts.json > predictions.json
Input: a JSON list of strings. Output: a JSON list of {"text", "intent", "confidence"}.
"""
import asyncio
import json
import logging
import sys
from typing import Any

import structlog

from rasa.core.agent import Agent


async def predict(model: str, texts: list[str]) -> list[dict[str, Any]]:
    agent = Agent.load(model)
    predictions = []
    for text in texts:
        parsed = await agent.parse_message(text)
        intent = parsed.get("intent") or {}
        predictions.append(
            {"text": text, "intent": intent.get("name"), "confidence": float(intent.get("confidence") or 0.0)}
        )
    return predictions


if __name__ == "__main__":
    logging.disable(logging.WARNING)
    # Rasa logs parses through structlog, which prints to stdout past `logging`: keep stdout pure JSON.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    texts = json.load(sys.stdin)
    json.dump(asyncio.run(predict(sys.argv[1], texts)), sys.stdout, ensure_ascii=False)
