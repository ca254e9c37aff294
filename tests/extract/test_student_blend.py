"""The student stack: weights from the card, the prior shift of the response-type head undone and redone."""

import numpy as np
import pytest

from wildvalues.extract.student_blend import blend, blend_all

CLASSES = ("a", "b", "c")
PRIORS = {"a": 0.6, "b": 0.3, "c": 0.1}
ALPHA = 0.5


def _shifted(raw: np.ndarray) -> np.ndarray:
    """What the shipped head outputs: softmax with -alpha*log(prior) in the intercepts = p / prior^alpha."""
    prior = np.array([PRIORS[c] for c in CLASSES])
    out = raw / prior**ALPHA
    return out / out.sum(1, keepdims=True)


def _stack(w_rt: float, w_subj: float = 0.0) -> dict:
    weights = {"response_type": w_rt, "subjective": w_subj}
    return {"weights": weights, "rt_prior_alpha": ALPHA, "priors": {"response_type": PRIORS}}


def test_weight_zero_leaves_the_heads_alone():
    linear = _shifted(np.array([[0.5, 0.3, 0.2]]))
    student = {"classes": ["c", "b", "a"], "proba": np.array([[0.9, 0.05, 0.05]])}
    assert np.array_equal(blend("response_type", CLASSES, linear, student, _stack(0.0)), linear)


def test_response_type_mixes_raw_probabilities_then_applies_the_prior_rule():
    raw_linear = np.array([[0.7, 0.2, 0.1], [0.2, 0.2, 0.6]])
    raw_student = np.array([[0.1, 0.8, 0.1], [0.5, 0.4, 0.1]])
    # the student's columns come in another order; blend aligns them by class name
    student = {"classes": ["c", "a", "b"], "proba": raw_student[:, [2, 0, 1]]}
    got = blend("response_type", CLASSES, _shifted(raw_linear), student, _stack(0.25))
    assert np.allclose(got, _shifted(0.25 * raw_student + 0.75 * raw_linear), atol=1e-6)
    # the same student as the heads changes nothing
    same = {"classes": list(CLASSES), "proba": raw_linear}
    assert np.allclose(blend("response_type", CLASSES, _shifted(raw_linear), same, _stack(0.5)),
                       _shifted(raw_linear), atol=1e-6)


def test_blend_all_touches_only_the_stacked_heads():
    probs = {
        "subjective": np.array([[0.8, 0.2]]),
        "response_type": _shifted(np.array([[0.4, 0.4, 0.2]])),
        "subjectivity_level": np.array([[0.25, 0.25, 0.25, 0.25]]),
    }
    classes = {"subjective": ("False", "True"), "response_type": CLASSES,
               "subjectivity_level": ("1", "2", "3", "4")}
    student = {"subjective": {"classes": ["False", "True"], "proba": np.array([[0.2, 0.8]])}}
    out = blend_all(probs, classes, student, _stack(0.0, 0.5))
    assert np.allclose(out["subjective"], [[0.5, 0.5]])
    assert out["response_type"] is probs["response_type"]
    assert out["subjectivity_level"] is probs["subjectivity_level"]


def test_the_student_is_opt_in_and_names_its_rebuild_when_missing(tmp_path, monkeypatch):
    from wildvalues.extract import student as student_mod
    from wildvalues.extract.config import ExtractConfig
    from wildvalues.extract.extractor import build_extractor
    from wildvalues.stage import MissingInput

    monkeypatch.setattr(student_mod, "weights_dir", lambda: tmp_path / "cache" / "student")
    default = build_extractor(ExtractConfig())
    assert default.student is None and "+student" not in default.version  # weights are not in git
    with pytest.raises(MissingInput, match="bench/students.py fit"):
        build_extractor(ExtractConfig(student=True))


@pytest.mark.slow  # builds an (untrained) MiniLM network and writes 45 MB of weights
def test_an_installed_student_is_blended_in_when_enabled(tmp_path, monkeypatch):
    from wildvalues.extract import student as student_mod
    from wildvalues.extract.config import ExtractConfig
    from wildvalues.extract.extractor import build_extractor

    card = student_mod.load_card()  # the committed card: classes, settings, the CV-chosen stack weights
    model = student_mod._network(card.tasks, student_mod.base_model_dir())
    monkeypatch.setattr(student_mod, "STUDENT_DIR", tmp_path / "cards")
    monkeypatch.setattr(student_mod, "weights_dir", lambda: tmp_path / "cache" / "student")
    student_mod.save_student(model, card)
    shipped = build_extractor(ExtractConfig(student=True))
    assert shipped.student is not None
    weights = shipped.student.card.info["stack"]["weights"]
    assert 0 < weights["response_type"] < 1 and 0 < weights["subjective"] < 1
    assert shipped.version.endswith("+heads-v3-emb3-cues1+student-student_v1")  # resumed runs re-extract
    alone = build_extractor(ExtractConfig(student=False))
    assert alone.student is None and "+student" not in alone.version
