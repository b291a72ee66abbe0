"""The trained Rasa model and its data, checked with Rasa's own tools (from .venv-rasa):
`rasa data validate`, `rasa test nlu` on the held-out set, and the test stories with
--fail-on-prediction-errors. Thresholds: intent weighted F1 >= 0.90, report_emergency
recall = 1.0 (a woman in danger is never misunderstood)."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.ops.rasa_service import MODEL_PATH, RASA_BIN, model_is_current, rasa_environment

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = ROOT / "nlu" / "tests" / "heldout.yml"
MIN_WEIGHTED_F1 = 0.90


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
def nlu_results(model: Path, tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("nlu-results")
    result = rasa("test", "nlu", "--nlu", str(HELDOUT), "--model", str(model), "--out", str(out))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


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


def test_intent_f1_and_emergency_recall_on_the_heldout_set(nlu_results: Path) -> None:
    report = json.loads((nlu_results / "intent_report.json").read_text())
    errors_path = nlu_results / "intent_errors.json"
    errors = json.loads(errors_path.read_text()) if errors_path.exists() else []
    confusions = Counter(
        (e["intent"], (e.get("intent_prediction") or {}).get("name")) for e in errors
    )
    weighted_f1 = report["weighted avg"]["f1-score"]
    emergency_recall = report["report_emergency"]["recall"]
    print(f"\nheld-out NLU: weighted F1 {weighted_f1:.3f}, report_emergency recall "
          f"{emergency_recall:.3f}, {len(errors)} errors; worst confusions:")  # fmt: skip
    for (truth, predicted), n in confusions.most_common(8):
        print(f"  {n:3d} × {truth} → {predicted}")
    missed = [e["text"] for e in errors if e["intent"] == "report_emergency"]
    assert emergency_recall == 1.0, f"emergencies not recognised: {missed}"
    assert weighted_f1 >= MIN_WEIGHTED_F1


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
