"""Cohen's kappa and Krippendorff's alpha against cases computed by hand, and the score layout."""

from __future__ import annotations

import pytest

from wildvalues.validate.score import cohen_kappa, krippendorff_alpha, score


def test_cohen_kappa_hand_computed():
    # 50 items, 2 x 2 table: both yes 20, A yes / B no 5, A no / B yes 10, both no 15.
    # p_o = 35/50 = 0.70; p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.50; kappa = (0.70 - 0.50) / 0.50 = 0.40
    a = [True] * 20 + [True] * 5 + [False] * 10 + [False] * 15
    b = [True] * 20 + [False] * 5 + [True] * 10 + [False] * 15
    assert cohen_kappa(a, b, (False, True)) == pytest.approx(0.40)


def test_cohen_kappa_perfect_and_undefined():
    assert cohen_kappa(["a", "b", "a"], ["a", "b", "a"], ("a", "b")) == pytest.approx(1.0)
    assert cohen_kappa(["a"], ["a"], ("a", "b")) is None  # one item: undefined


def _raters(*columns: list[str | None]) -> list[dict[str, dict]]:
    return [{f"c{i}": {"response_type": v} for i, v in enumerate(col) if v is not None} for col in columns]


def test_krippendorff_alpha_hand_computed_nominal():
    # coder 1: a a b b; coder 2: a b b b. Coincidences: o_aa = 2, o_ab = o_ba = 1, o_bb = 4; n = 8,
    # n_a = 3, n_b = 5. alpha = 1 - (n - 1) * (o_ab + o_ba) / (2 * n_a * n_b) = 1 - 7 * 2 / 30 = 0.5333...
    raters = _raters(
        ["mild_support", "mild_support", "no_values", "no_values"],
        ["mild_support", "no_values", "no_values", "no_values"],
    )
    labels = ("mild_support", "no_values")
    assert krippendorff_alpha(raters, "response_type", labels, "nominal") == pytest.approx(1 - 14 / 30)


def test_krippendorff_alpha_with_missing_value():
    # third item labelled by coder 1 only: it is not pairable and drops out -> units (a,a), (b,b), (b,b):
    # o_aa = 2, o_bb = 4, no disagreement -> alpha = 1
    raters = _raters(
        ["mild_support", "no_values", "no_values", "no_values"],
        ["mild_support", "no_values", None, "no_values"],
    )
    labels = ("mild_support", "no_values")
    assert krippendorff_alpha(raters, "response_type", labels, "nominal") == pytest.approx(1.0)
    assert krippendorff_alpha(raters[:1], "response_type", labels, "nominal") is None  # one rater


def test_score_accuracy_confusion_and_ceiling():
    extractor = {
        f"c{i}": {"response_type": rt, "subjectivity_level": 3, "human_values": []}
        for i, rt in enumerate(["no_values", "no_values", "strong_resistance", "mild_support"])
    }
    alice = {
        f"c{i}": {"response_type": rt, "subjectivity_level": 3, "human_values": []}
        for i, rt in enumerate(["no_values", "mild_support", "strong_resistance", "mild_support"])
    }
    bob = {
        f"c{i}": {"response_type": rt, "subjectivity_level": lv, "human_values": []}
        for i, (rt, lv) in enumerate(
            [("no_values", 3), ("mild_support", 4), ("strong_resistance", 2), ("reframing", 3)]
        )
    }
    result = score(extractor, {"alice": alice, "bob": bob}, ["alice", "bob"])
    rt = result["features"]["response_type"]
    assert rt["extractor_vs"]["alice"]["accuracy"] == pytest.approx(0.75)
    assert rt["extractor_vs"]["bob"]["accuracy"] == pytest.approx(0.50)
    labels = rt["labels"]
    conf = rt["extractor_vs"]["alice"]["confusion"]  # extractor rows x annotator columns
    assert conf[labels.index("no_values")][labels.index("mild_support")] == 1
    assert sum(map(sum, conf)) == 4
    assert rt["human_ceiling"]["accuracy"] == pytest.approx(0.75)  # alice vs bob agree on 3 of 4
    low, high = rt["extractor_vs"]["alice"]["ci95"]
    assert low < 0.75 < high
    assert result["features"]["subjective"]["human_pairs"]["alice vs bob"]["accuracy"] == pytest.approx(0.75)
