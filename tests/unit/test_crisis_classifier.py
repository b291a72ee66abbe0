"""The crisis classifier: its fast scoring is exactly scikit-learn's calibrated model, it is
rebuilt when its data changes, and it reads danger in words the patterns never saw."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression

from bot.conversation.crisis import classifier
from bot.conversation.crisis.classifier import load_examples, train, training_files

SAMPLES = [
    "mi marido me pega todos los dias",
    "me pegó la gripa, no puedo ir al curso",
    "los del gota a gota dicen q si no pago me pican",
    "hola q cursos de sistemas hay en barranquilla",
    "quiero desaparecer de todo ya no aguanto",
]


@pytest.fixture(scope="module")
def small() -> classifier.Examples:
    """Every fifth example of the training data: enough to check the arithmetic quickly."""
    full = load_examples()
    out = classifier.Examples()
    for i in range(0, len(full.texts), 5):
        out.add(full.texts[i], full.danger[i], full.kinds[i], full.sources[i])
    return out


def test_fast_scoring_equals_scikit_learns_calibrated_classifier(small) -> None:  # type: ignore[no-untyped-def]
    model = train(small)
    x = model.features.transform(small.texts)
    regression = LogisticRegression(
        C=classifier.DANGER_C, max_iter=3000, class_weight="balanced"
    )
    reference = CalibratedClassifierCV(regression, method="sigmoid", cv=5).fit(x, small.danger)
    expected = reference.predict_proba(model.features.transform(SAMPLES))[:, 1]
    assert np.allclose([model.score(t) for t in SAMPLES], expected, atol=1e-9)
    kind, probability = model.kind_of(SAMPLES[0])
    assert kind in set(k for k in small.kinds if k) and 0 < probability <= 1


def test_the_model_file_changes_with_the_training_data(tmp_path) -> None:  # type: ignore[no-untyped-def]
    files = training_files()
    copy = tmp_path / files[0].name
    copy.write_text(files[0].read_text())
    before = classifier.model_path([copy])
    copy.write_text(copy.read_text() + "\n# one more line\n")
    assert classifier.model_path([copy]) != before


def test_training_data_has_every_kind_and_enough_of_both_classes() -> None:
    examples = load_examples()
    assert sum(examples.danger) >= 1500 and examples.danger.count(0) >= 1500
    from bot.conversation.crisis.kinds import KINDS

    assert set(KINDS) == {k for k in examples.kinds if k}
    assert len({s for s in examples.sources}) >= 3  # several writers
