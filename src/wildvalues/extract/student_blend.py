"""Blend the fine-tuned student's probabilities into the linear heads' (a stack chosen by CV).

The student card (``student/student_v1.json``) records, under ``info["stack"]``, the weight on the student
for each task it takes part in, the training class shares and the response-type prior exponent. The
shipped response-type head has ``-alpha * log(prior)`` folded into its intercepts
(``fitting.shift_intercept_for_prior``), so its raw probabilities are recovered first; the mix
``w * student + (1 - w) * linear`` is then divided by ``prior ** alpha`` again, exactly the rule
``bench/students.py cv`` scored. Pure numpy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

BLENDED_TASKS = ("response_type", "subjective")


def _aligned(classes: tuple[str, ...], student: dict[str, Any]) -> np.ndarray:
    """The student's probability columns in the linear head's class order."""
    order = [list(student["classes"]).index(c) for c in classes]
    return np.asarray(student["proba"])[:, order]


def _normalised(p: np.ndarray) -> np.ndarray:
    return p / p.sum(1, keepdims=True)


def blend(
    name: str, classes: tuple[str, ...], linear: np.ndarray, student: dict[str, Any], stack: dict[str, Any]
) -> np.ndarray:
    """The stacked class probabilities of head ``name`` (rows = conversations, columns = ``classes``)."""
    weight = float(stack["weights"].get(name, 0.0))
    if weight <= 0.0:
        return linear
    mine = _aligned(classes, student)
    if name != "response_type":
        return weight * mine + (1 - weight) * linear
    alpha = float(stack["rt_prior_alpha"])
    prior = np.array([stack["priors"]["response_type"][c] for c in classes])
    raw_linear = _normalised(linear * prior**alpha)  # undo the prior shift folded into the intercepts
    mix = weight * mine + (1 - weight) * raw_linear
    return _normalised(mix / prior**alpha)


def blend_all(
    probs: dict[str, np.ndarray], classes: dict[str, tuple[str, ...]],
    student: dict[str, dict[str, Any]], stack: dict[str, Any],
) -> dict[str, np.ndarray]:
    """``probs`` with every head the stack names blended with the student's probabilities."""
    out = dict(probs)
    for name in BLENDED_TASKS:
        if name in probs and name in student:
            out[name] = blend(name, classes[name], probs[name], student[name], stack)
    return out
