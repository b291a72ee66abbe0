"""What the trained model predicts for every message of some NLU files, loading it once (run
by .venv-rasa's Python: `python scripts/nlu_predict.py MODEL OUT.json FILE...`). Writes
{file: [{"text", "intent", "predicted", "confidence", "ranked", "ranked_confidence"}...]}
("ranked": the classifier's first intent before the FallbackClassifier's word). Used by
tests/integration/test_rasa_model.py: one model load for the development and held-out sets
instead of one `rasa test nlu` each."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from rasa.core.agent import Agent
from rasa.shared.nlu.training_data.loading import load_data


async def predict(model: str, files: list[str]) -> dict[str, list[dict]]:
    agent = Agent.load(model)
    out: dict[str, list[dict]] = {}
    for name in files:
        records = []
        for example in load_data(name).intent_examples:
            text = example.get("text")
            parsed = await agent.parse_message(text)
            intent = parsed.get("intent") or {}
            ranking = [r for r in parsed.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]
            first = ranking[0] if ranking else intent
            records.append(
                {
                    "text": text,
                    "intent": example.get("intent"),
                    "predicted": intent.get("name"),
                    "confidence": intent.get("confidence"),
                    "ranked": first.get("name"),
                    "ranked_confidence": first.get("confidence"),
                }
            )
        out[name] = records
    return out


if __name__ == "__main__":
    model, target, *paths = sys.argv[1:]
    Path(target).write_text(json.dumps(asyncio.run(predict(model, paths))), encoding="utf-8")
