"""A learned danger classifier beside the patterns: scikit-learn over character and word
n-grams of the folded text (the patterns' own folding: accents, chat spellings, repeated
letters), trained locally from the repository's data, nothing downloaded.

Two heads over one set of features: `danger` (logistic regression, probabilities calibrated
with a sigmoid over 5 folds) says how likely the message speaks of danger now; `kind`
(logistic regression over the crisis examples only) says which of the nine kinds, so her lines
fit her case.

Training data: nlu/crisis/train_*.yml — crises with their kind and everyday look-alikes, written
by several writers who never saw an evaluation set — and nlu/crisis/from_dialogue.yml, a frozen
copy of the dialogue's NLU examples: what she writes every day, and its report_emergency
examples. A copy, not nlu/data itself, so that the dialogue NLU's data can grow without moving
the crisis check (examples written for the NLU moved it on the crisis sets). Training takes
a few seconds; the fitted models are kept in models/ (git-ignored) under a fingerprint of the
data and this file, so every process loads the same model and a change of either retrains.
`almas crisis train` (run by `make`) builds it ahead; otherwise the first process that needs it
does.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
import yaml
from scipy.special import expit, softmax
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_union

from bot.conversation.crisis.patterns import normalise
from bot.core.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

TRAINING_DIR = PROJECT_ROOT / "nlu" / "crisis"
# The dialogue's examples: every everyday thing she writes to the helpline ("hola", "no",
# "salir", a course, a loan…) is a look-alike the classifier must know; its emergencies (intent
# report_emergency) are crises of no stated kind. Frozen (see the module docstring).
DIALOGUE_EXAMPLES = TRAINING_DIR / "from_dialogue.yml"
NLU_EMERGENCY = "report_emergency"
MODELS_DIR = PROJECT_ROOT / "models"
# Regularisation and features: chosen by leave-one-writer-out on the training data
# (bench/crisis_thresholds.py prints the comparison).
DANGER_C = 16.0
KIND_C = 8.0


@dataclass
class Examples:
    texts: list[str] = field(default_factory=list)
    danger: list[int] = field(default_factory=list)  # 1: a crisis, 0: a look-alike
    kinds: list[str | None] = field(default_factory=list)  # the crisis kind, None for look-alikes
    sources: list[str] = field(default_factory=list)  # which file (writer) it came from

    def add(self, text: str, danger: int, kind: str | None, source: str) -> None:
        self.texts.append(text)
        self.danger.append(danger)
        self.kinds.append(kind)
        self.sources.append(source)


def training_files() -> list[Path]:
    return [*sorted(TRAINING_DIR.glob("train_*.yml")), DIALOGUE_EXAMPLES]


def load_examples(paths: list[Path] | None = None) -> Examples:
    """The crises and look-alikes of these files (default: nlu/crisis/)."""
    examples = Examples()
    for path in paths if paths is not None else training_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("crisis", []):
            examples.add(item["text"], 1, item["kind"], path.stem)
        for item in data.get("look_alike", []):
            examples.add(item["text"], 0, None, path.stem)
        for block in data.get("dialogue", []):
            danger = int(block["intent"] == NLU_EMERGENCY)
            for text in block["examples"]:
                examples.add(text, danger, None, "nlu")
    return examples


def _features() -> FeatureUnion:
    return make_union(
        TfidfVectorizer(
            preprocessor=normalise, analyzer="char_wb", ngram_range=(2, 5), min_df=2,
            sublinear_tf=True,
        ),
        TfidfVectorizer(
            preprocessor=normalise, analyzer="word", ngram_range=(1, 2), sublinear_tf=True
        ),
    )  # fmt: skip


@dataclass(frozen=True)
class Reading:
    score: float  # the calibrated probability of danger
    kind: str  # the most likely kind, were it danger
    kind_probability: float


@dataclass
class CrisisModel:
    """The fitted features and the two heads as plain arrays: scoring one message is one
    feature transform and two small sparse products (~1 ms), not sklearn's per-call checks
    over six estimators (~4 ms) — it runs on every message she sends."""

    features: FeatureUnion
    danger_weights: np.ndarray  # one row per calibration fold: the fold's logistic regression
    danger_bias: np.ndarray
    calibration_a: np.ndarray  # the fold's sigmoid calibration: p = 1 / (1 + exp(a·f + b))
    calibration_b: np.ndarray
    kind_weights: np.ndarray
    kind_bias: np.ndarray
    kind_classes: tuple[str, ...]

    def read(self, text: str) -> Reading:
        """Both heads on one transform of the text."""
        x = self.features.transform([text])
        kind, probability = self._kind(x)
        return Reading(score=self._score(x), kind=kind, kind_probability=probability)

    def score(self, text: str) -> float:
        """The calibrated probability that the message speaks of danger."""
        return self._score(self.features.transform([text]))

    def kind_of(self, text: str) -> tuple[str, float]:
        """The most likely kind of danger, and its probability."""
        return self._kind(self.features.transform([text]))

    def _score(self, x: Any) -> float:
        # The mean over the calibration folds, as CalibratedClassifierCV computes it.
        decision = np.asarray(x @ self.danger_weights.T).ravel() + self.danger_bias
        return float(np.mean(expit(-(self.calibration_a * decision + self.calibration_b))))

    def _kind(self, x: Any) -> tuple[str, float]:
        logits = np.asarray(x @ self.kind_weights.T).ravel() + self.kind_bias
        probabilities = softmax(logits)
        best = int(probabilities.argmax())
        return self.kind_classes[best], float(probabilities[best])


def train(examples: Examples) -> CrisisModel:
    features = _features().fit(examples.texts)
    x = features.transform(examples.texts)
    regression = LogisticRegression(C=DANGER_C, max_iter=3000, class_weight="balanced")
    danger = CalibratedClassifierCV(regression, method="sigmoid", cv=5).fit(x, examples.danger)
    folds = danger.calibrated_classifiers_
    crisis_rows = [i for i, kind in enumerate(examples.kinds) if kind]
    kind = LogisticRegression(C=KIND_C, max_iter=3000, class_weight="balanced").fit(
        x[crisis_rows], [examples.kinds[i] for i in crisis_rows]
    )
    return CrisisModel(
        features=features,
        danger_weights=np.vstack([fold.estimator.coef_[0] for fold in folds]),
        danger_bias=np.array([fold.estimator.intercept_[0] for fold in folds]),
        calibration_a=np.array([fold.calibrators[0].a_ for fold in folds]),
        calibration_b=np.array([fold.calibrators[0].b_ for fold in folds]),
        kind_weights=kind.coef_,
        kind_bias=kind.intercept_,
        kind_classes=tuple(str(c) for c in kind.classes_),
    )


def fingerprint(paths: list[Path] | None = None) -> str:
    """Of the training data, this file and scikit-learn's version: a change retrains."""
    digest = hashlib.sha256(sklearn.__version__.encode())
    digest.update(Path(__file__).read_bytes())
    for path in paths if paths is not None else training_files():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path(paths: list[Path] | None = None) -> Path:
    return MODELS_DIR / f"crisis-{fingerprint(paths)}.joblib"


def build_and_save(path: Path | None = None) -> tuple[CrisisModel, Path]:
    """Train on nlu/crisis/ and write the model atomically (processes may race: the last
    rename wins, and every one of them is the same model)."""
    path = path or model_path()
    model = train(load_examples())
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
        joblib.dump(model, tmp.name)
    os.replace(tmp.name, path)
    log.info("crisis classifier trained: %s", path.name)
    return model, path


@lru_cache(maxsize=1)
def current_model() -> CrisisModel:
    """The model for the current data: loaded from models/, trained first if missing."""
    path = model_path()
    if path.is_file():
        try:
            return joblib.load(path)  # type: ignore[no-any-return]
        except Exception:  # a torn or foreign file: train again
            log.warning("could not load %s; training the crisis classifier again", path.name)
    return build_and_save(path)[0]
