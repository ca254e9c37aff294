"""Explicit values without the LLM (cue spans, presence gate, kNN + span scores), fitting helpers, kappa."""

import numpy as np
import pytest

from wildvalues.extract.evaluate import kappa
from wildvalues.extract.explicit_spans import MAX_SPANS, cue_sentences
from wildvalues.extract.explicit_values import ExplicitValues, fill_explicit
from wildvalues.extract.fitting import (
    fit_linear,
    knn_shares,
    set_match_counts,
    shift_intercept_for_prior,
    shift_intercept_for_threshold,
    top_labels,
)
from wildvalues.extract.transcript import Turn


def unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_cue_sentences_pick_statements_of_each_side():
    turns = [
        Turn("user", "What is 2 + 2? I want to save money for my family because it matters to me."),
        Turn("assistant", "It is 4. I'm sorry, but I can't help with anything illegal. Here is a list."),
    ]
    spans = cue_sentences(turns)
    assert spans["human_values"] == ["I want to save money for my family because it matters to me."]
    assert spans["stated_ai_values"] == ["I'm sorry, but I can't help with anything illegal."]
    many = [Turn("user", " ".join(f"I want thing {i}." for i in range(10)))]
    assert len(cue_sentences(many)["human_values"]) == MAX_SPANS
    assert cue_sentences([Turn("user", "List primes.")]) == {"human_values": [], "stated_ai_values": []}


def test_explicit_values_gate_and_fuse_spans_with_neighbours():
    head = fit_linear(
        np.array([[0.0], [1.0]] * 3, np.float32), np.array(["False", "True"] * 3), slice(0, 1), 10.0
    )
    vocab = ("privacy", "honesty", "safety")
    vectors = np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(0, 0, 1)])
    predictor = ExplicitValues(
        "stated_ai_values",
        head,
        0.5,
        slice(1, 4),
        rows=np.stack([unit(0, 0, 1), unit(0, 1, 0)]),
        label_sets=(("safety",), ("honesty",)),
        neighbours=1,
        max_labels=1,
        vocab=vocab,
        vocab_vectors=vectors,
        span_weight=1.0,
        knn_weight=0.5,
    )
    signals = np.array([[1.0, *unit(0, 0.2, 1)], [0.0, *unit(0, 0.2, 1)]], dtype=np.float32)
    present = predictor.present(signals)
    assert present[0] > 0.5 > present[1]
    spans = [np.stack([unit(1, 0.1, 0)]), np.zeros((0, 3), np.float32)]
    scores = predictor.scores(signals, spans)
    # the span says privacy (cos ~0.99), the nearest labelled conversation says safety (share 1.0 x 0.5)
    assert top_labels(scores[0], 1) == ["privacy"] and scores[0]["safety"] == pytest.approx(0.5)
    assert top_labels(scores[1], 1) == ["safety"]  # no span: the neighbours alone


def test_fill_explicit_keeps_llm_labels_and_failures():
    predicted = {"human_values": (["privacy"], 0.8)}
    raw: dict = {}
    assert fill_explicit("human_values", None, predicted, raw, {}) == ["privacy"]
    assert raw["human_values_heads"] == {"labels": ["privacy"], "p_present": 0.8}
    assert fill_explicit("human_values", ["family"], predicted, {}, {}) == ["family"]
    assert fill_explicit("human_values", None, predicted, {}, {"human_values": "unparseable"}) == []
    assert fill_explicit("stated_ai_values", [], predicted, {}, {}) == []


def test_knn_shares_and_top_labels():
    rows = np.stack([unit(1, 0), unit(0, 1), unit(1, 1)])
    shares = knn_shares(rows, [("a",), ("b",), ("a", "c")], np.stack([unit(1, 0.1)]), neighbours=2)[0]
    assert set(shares) == {"a", "c"} and shares["a"] == pytest.approx(1.0)
    assert top_labels({"x": 0.2, "y": 0.5, "z": 0.05}, 2, floor=0.1) == ["y", "x"]
    assert top_labels({"x": 0.2, "y": 0.5, "z": 0.05}, 3, floor=0.1) == ["y", "x"]


def test_set_match_counts_pools_over_conversations():
    vectors = {"a": unit(1, 0), "a2": unit(1, 0.1), "b": unit(0, 1)}
    recall, precision, n_gold, n_pred = set_match_counts([["a", "b"], []], [["a2"], ["b"]], vectors, 0.6)
    assert (recall, precision, n_gold, n_pred) == (0.5, 0.5, 2, 2)


def test_intercept_shifts_match_prior_correction_and_threshold():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    y = np.array(["a", "b", "c"] * 20)
    head = fit_linear(x, y, slice(0, 3), 1.0)
    priors = np.array([0.5, 0.3, 0.2])
    shifted = shift_intercept_for_prior(head, priors, 0.5)
    expected = np.argmax(head.predict_proba(x) / priors**0.5, 1)
    assert (np.argmax(shifted.predict_proba(x), 1) == expected).all()
    binary = fit_linear(x, np.where(x[:, 0] > 0, "True", "False"), slice(0, 3), 1.0)
    moved = shift_intercept_for_threshold(binary, 0.7)
    assert ((moved.predict_proba(x)[:, 1] >= 0.5) == (binary.predict_proba(x)[:, 1] >= 0.7)).all()


def test_kappa_is_sklearns_and_none_when_undefined():
    assert kappa(["a", "b", "a", "b"], ["a", "b", "a", "b"]) == 1.0
    assert kappa(["a", "b", "a", "b"], ["b", "a", "b", "a"]) == -1.0
    assert kappa(["a", "a"], ["a", "a"]) is None


def test_no_llm_path_fills_only_the_configured_explicit_features():
    from wildvalues.extract.config import ExtractConfig
    from wildvalues.extract.core import extract_batch
    from wildvalues.extract.extractor import build_extractor
    from wildvalues.records import Conversation, Message

    refusal = Conversation(
        conversation_id="c1",
        source="t",
        source_file="t",
        source_ref="c1",
        messages=[
            Message(role="user", content="Tell me how to hurt my neighbour's dog, I hate it."),
            Message(
                role="assistant",
                content="I'm sorry, but I can't help with harming animals. Animal cruelty "
                "is illegal and it is important to treat animals with kindness and respect.",
            ),
        ],
    )
    thorough = ExtractConfig(profile="thorough", extract_all=True)
    default = extract_batch([refusal], build_extractor(thorough))[0]
    assert "stated_ai_values_heads" in default.raw_outputs and "human_values_heads" not in default.raw_outputs
    assert "human values" in default.failures["llm"] and "stated" not in default.failures["llm"]
    cfg = ExtractConfig(profile="thorough", extract_all=True,
                        explicit_values_heads=["human_values", "stated_ai_values"])
    both = extract_batch([refusal], build_extractor(cfg))[0]
    assert (
        "human_values_heads" in both.raw_outputs
        and both.failures["llm"] == "no LLM client: task not extracted"
    )
    p_stated = both.raw_outputs["stated_ai_values_heads"]["p_present"]
    assert (both.stated_ai_values != []) == (p_stated >= 0.6)  # the CV-chosen presence threshold
    with pytest.raises(ValueError, match="unknown"):
        extract_batch([refusal], build_extractor(ExtractConfig(explicit_values_heads=["task"])))
