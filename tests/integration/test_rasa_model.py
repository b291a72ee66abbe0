"""The trained Rasa model and its data, checked with Rasa's own tools (from .venv-rasa):
`rasa data validate`, `rasa test nlu` on the held-out set, and the test stories with
--fail-on-prediction-errors. Thresholds: intent weighted F1 >= 0.90, report_emergency
recall = 1.0 (a woman in danger is never misunderstood)."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.ops.rasa_service import MODEL_PATH, RASA_BIN, model_is_current, rasa_environment

pytestmark = pytest.mark.model
ROOT = Path(__file__).resolve().parents[2]
# Development sets: held out once, then their errors were read and answered with training data
# (or with the definitions the training data follows), so their figures are development
# figures. v1 (nlu/tests/heldout.yml) keeps the build's thresholds; v2 and v3 (issue 16) keep
# floors at what the model reached, so that it cannot go back unnoticed. v2's writer read
# ask_enrollment as enrolling in a course, where the definitions mean the programme itself.
# Reached (2026-11-30): v1 0.982, v2 0.929, v3 0.975, emergency recall 1.0 on each.
HELDOUT = ROOT / "nlu" / "tests" / "heldout.yml"
MIN_WEIGHTED_F1 = 0.90
DEVELOPMENT = {
    "v2": (
        ROOT / "tests" / "data" / "nlu_heldout_v2.yml",
        {"weighted_f1": 0.92, "emergency_recall": 1.0},
    ),
    "v3": (
        ROOT / "tests" / "data" / "nlu_heldout_v3.yml",
        {"weighted_f1": 0.96, "emergency_recall": 1.0},
    ),
}
# The held-out set: written from the intent definitions by a writer who never saw the training
# data, the code or an earlier set; committed before any model was measured on it; never tuned
# on (only aggregates are printed). Measured 2026-11-30 on the model `make test` trains:
# weighted F1 0.959, emergency recall 1.000, every intent >= 0.90 (lowest 0.904); an NLU-only
# training of the same data: 0.955, 1.000, two intents at 0.897 and 0.899. The floors are the
# issue's targets.
TARGETS = {"intent_f1": 0.90, "weighted_f1": 0.95, "emergency_recall": 1.0}
HELD_OUT = {
    "v4": (
        ROOT / "tests" / "data" / "nlu_heldout_v4.yml",
        {"weighted_f1": 0.95, "emergency_recall": 1.0},
    ),
}


def rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RASA_BIN), *args],
        cwd=ROOT,
        env=rasa_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def model() -> Path:
    if not model_is_current():
        pytest.fail("the Rasa model is missing or stale: run `make test` (it trains first)")
    return MODEL_PATH


@pytest.fixture(scope="module")
def predictions(model: Path, tmp_path_factory) -> dict[str, list[dict]]:  # type: ignore[no-untyped-def]
    """What the model predicts for the development and held-out sets (one model load, by
    scripts/nlu_predict.py in Rasa's environment; FallbackClassifier included)."""
    out = tmp_path_factory.mktemp("nlu") / "predictions.json"
    files = [HELDOUT, *(path for path, _ in (*DEVELOPMENT.values(), *HELD_OUT.values()))]
    result = subprocess.run(
        [str(RASA_BIN.parent / "python"), str(ROOT / "scripts" / "nlu_predict.py"), str(model),
         str(out), *map(str, files)],
        cwd=ROOT, env={**rasa_environment(), "LOG_LEVEL": "ERROR"}, capture_output=True,
        text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    by_file = json.loads(out.read_text())
    return {Path(name).resolve().as_posix(): records for name, records in by_file.items()}


def records_of(predictions: dict[str, list[dict]], path: Path) -> list[dict]:
    return predictions[path.resolve().as_posix()]


def f1_scores(records: list[dict]) -> tuple[float, dict[str, float], float]:
    """Weighted F1, F1 per intent and report_emergency recall of (intent, predicted) records."""
    truth = Counter(r["intent"] for r in records)
    predicted = Counter(r["predicted"] for r in records)
    right = Counter(r["intent"] for r in records if r["intent"] == r["predicted"])
    f1 = {}
    for intent, count in truth.items():
        precision = right[intent] / predicted[intent] if predicted[intent] else 0.0
        recall = right[intent] / count
        f1[intent] = 2 * precision * recall / (precision + recall) if right[intent] else 0.0
    weighted = sum(f1[i] * n for i, n in truth.items()) / sum(truth.values())
    emergency = right["report_emergency"] / truth["report_emergency"]
    return weighted, f1, emergency


def print_report(name: str, records: list[dict]) -> tuple[float, dict[str, float], float]:
    """Weighted F1, every intent under 0.90, emergency recall and the confusion pairs (counts
    of intent → predicted intent; never a held-out message)."""
    weighted, per_intent, emergency = f1_scores(records)
    errors = [r for r in records if r["intent"] != r["predicted"]]
    confusions = Counter((r["intent"], r["predicted"]) for r in errors)
    weak = sorted((f, i) for i, f in per_intent.items() if f < 0.90)
    print(f"\n{name}: weighted F1 {weighted:.3f}, report_emergency recall {emergency:.3f}, "
          f"{len(errors)} errors")  # fmt: skip
    print("  intents under F1 0.90: " + (", ".join(f"{i} {f:.2f}" for f, i in weak) or "none"))
    print("  confusion pairs (intent → predicted):")
    for (truth, predicted), n in confusions.most_common(15):
        print(f"  {n:3d} × {truth} → {predicted}")
    return weighted, per_intent, emergency


def training_examples() -> set[str]:
    found = set()
    for path in (ROOT / "nlu" / "data").glob("*.yml"):
        for item in (yaml.safe_load(path.read_text()) or {}).get("nlu", []):
            for line in str(item.get("examples", "")).splitlines():
                text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line.strip().removeprefix("- "))
                found.add(text.strip().lower())
    return found - {""}


def test_rasa_data_validates() -> None:
    result = rasa(
        "data", "validate",
        "--domain", "flows/domain.yml",
        "--data", "nlu/data", "flows/data",
        "--config", "nlu/config.yml",
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_heldout_set_shares_no_message_with_the_training_data() -> None:
    def examples(path: Path) -> set[str]:
        found = set()
        for item in (yaml.safe_load(path.read_text()) or {}).get("nlu", []):
            for line in str(item.get("examples", "")).splitlines():
                found.add(line.strip().removeprefix("- ").strip().lower())
        return found - {""}

    training = set().union(*(examples(p) for p in (ROOT / "nlu" / "data").glob("*.yml")))
    heldout = examples(HELDOUT)
    assert len(heldout) >= 200
    assert heldout & training == set()


def test_intent_f1_and_emergency_recall_on_the_development_set(predictions, capsys) -> None:  # type: ignore[no-untyped-def]
    records = records_of(predictions, HELDOUT)
    with capsys.disabled():
        weighted, _, emergency = print_report("development set (nlu/tests/heldout.yml)", records)
    missed = [r["text"] for r in records if r["intent"] == "report_emergency" != r["predicted"]]
    assert emergency == 1.0, f"emergencies not recognised: {missed}"
    assert weighted >= MIN_WEIGHTED_F1


@pytest.mark.parametrize("name", sorted(DEVELOPMENT))
def test_intent_f1_and_emergency_recall_on_the_later_development_sets(
    predictions, name: str, capsys
) -> None:  # type: ignore[no-untyped-def]
    path, reached = DEVELOPMENT[name]
    records = records_of(predictions, path)
    with capsys.disabled():
        weighted, _, emergency = print_report(f"development {name} (was held out)", records)
    assert weighted >= reached["weighted_f1"]
    assert emergency >= reached["emergency_recall"]


@pytest.mark.parametrize("name", sorted(HELD_OUT))
def test_intent_f1_and_emergency_recall_on_the_held_out_set(predictions, name: str, capsys) -> None:  # type: ignore[no-untyped-def]
    path, reached = HELD_OUT[name]
    records = records_of(predictions, path)
    # Short everyday phrases ("adios", "baja") may also be training examples; scored also
    # without them.
    seen = training_examples()
    unseen = [r for r in records if r["text"].strip().lower() not in seen]
    with capsys.disabled():
        weighted, _, emergency = print_report(f"held-out {name} (never tuned on)", records)
        unseen_weighted, per_intent, unseen_emergency = f1_scores(unseen)
        weak = sorted((f, i) for i, f in per_intent.items() if f < 0.90)
        print(f"  without the {len(records) - len(unseen)} messages also in the training data: "
              f"weighted F1 {unseen_weighted:.3f}, report_emergency recall "
              f"{unseen_emergency:.3f}; under 0.90: "
              + (", ".join(f"{i} {f:.2f}" for f, i in weak) or "none"))  # fmt: skip
        targets = ", ".join(f"{target} {value}" for target, value in TARGETS.items())
        print(f"  the issue's targets: {targets}")
    assert weighted >= reached["weighted_f1"]
    assert emergency >= reached["emergency_recall"]


def test_test_stories_pass_without_prediction_errors(model: Path, tmp_path) -> None:
    result = rasa(
        "test", "core",
        "--stories", "flows/tests/stories.yml",
        "--model", str(model),
        "--out", str(tmp_path),
        "--fail-on-prediction-errors",
    )  # fmt: skip
    failed = tmp_path / "failed_test_stories.yml"
    detail = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, detail + result.stdout[-3000:] + result.stderr[-2000:]
