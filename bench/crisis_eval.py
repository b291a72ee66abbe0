"""Crisis detection quality per data set (not a test: the honest measure needs a set written
without seeing the detector). Prints recall and false alarms of the pattern detector alone and
of the detector together with the NLU's report_emergency (the system's two nets), and how many
alarms came from the broad tier only (`Crisis.certain` False).

crisis_messages.yml, crisis_heldout.yml and crisis_dev_extra.yml are DEVELOPMENT data (the
detector was widened on their misses). crisis_heldout_v2.yml, when present, was written by
someone else without seeing the detector: only its aggregate figures are printed, never its
texts, so that it stays an honest evaluation. Do not widen the detector on its misses: when you
change the detector on it, write a new held-out set (the old one then becomes development data).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from bot.conversation.crisis import detect
from bot.ops.rasa_service import MODEL_PATH, RASA_BIN, rasa_environment

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SETS = {
    "development": DATA / "crisis_messages.yml",
    "held-out (now development)": DATA / "crisis_heldout.yml",
    "development extra": DATA / "crisis_dev_extra.yml",
    "held-out v2": DATA / "crisis_heldout_v2.yml",
}
# Sets whose messages must never be printed (only aggregate figures).
HELD_OUT = {"held-out v2"}


def _examples(intent: str, texts: list[str]) -> str:
    lines = "".join(f"    - {json.dumps(t, ensure_ascii=False)[1:-1]}\n" for t in texts)
    return f"- intent: {intent}\n  examples: |\n{lines}"


def nlu_emergencies(crises: list[str], lookalikes: list[str]) -> set[str]:
    """Texts Rasa's NLU classifies as report_emergency (with `rasa test nlu`, which needs
    two labels: crises are labelled report_emergency, look-alikes out_of_scope)."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.yml"
        data.write_text(
            'version: "3.1"\nnlu:\n'
            + _examples("report_emergency", crises)
            + _examples("out_of_scope", lookalikes)
        )
        out = Path(tmp) / "out"
        subprocess.run(
            [str(RASA_BIN), "test", "nlu", "--nlu", str(data), "--model", str(MODEL_PATH),
             "--out", str(out)],
            env=rasa_environment(), cwd=ROOT, capture_output=True, check=True, timeout=600,
        )  # fmt: skip
        errors = json.loads((out / "intent_errors.json").read_text())
    wrong = {e["text"]: e["intent_prediction"]["name"] for e in errors}
    caught = {t for t in crises if t not in wrong}
    alarms = {t for t in lookalikes if wrong.get(t) == "report_emergency"}
    return caught | alarms


def main() -> int:
    for name, path in SETS.items():
        if not path.is_file():
            print(f"{name} set: {path.name} not there yet")
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        crises = [item["text"] for item in data["crisis"]]
        lookalikes = list(data["lookalike"])
        nlu = nlu_emergencies(crises, lookalikes) if MODEL_PATH.is_file() else set()
        caught = [t for t in crises if detect(t)]
        caught_both = [t for t in crises if detect(t) or t in nlu]
        alarms = [t for t in lookalikes if detect(t)]
        alarms_both = [t for t in lookalikes if detect(t) or t in nlu]
        uncertain = [t for t in crises + lookalikes if (c := detect(t)) and not c.certain]
        print(f"{name} set: {len(crises)} crises, {len(lookalikes)} look-alikes")
        print(f"  detector alone:  recall {len(caught) / len(crises):.3f}, "
              f"false alarms {len(alarms) / len(lookalikes):.1%} "
              f"({len(uncertain)} messages flagged by the broad tier only)")  # fmt: skip
        print(f"  detector + NLU:  recall {len(caught_both) / len(crises):.3f}, "
              f"false alarms {len(alarms_both) / len(lookalikes):.1%}")  # fmt: skip
        if name not in HELD_OUT:
            for text in sorted(set(crises) - set(caught)):
                print(f"    missed: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
