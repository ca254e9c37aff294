"""The fine-tuned student: deterministic under a seed, saved as float16 safetensors and reloaded intact."""

import numpy as np
import pytest

from wildvalues.extract.student import (
    StudentCard,
    StudentSettings,
    _load,
    load_student,
    predict_student,
    save_student,
    student_pair,
    tokenize,
    train_student,
)
from wildvalues.extract.transcript import Turn

pytestmark = pytest.mark.slow  # fine-tunes all-MiniLM-L6-v2 twice on four toy conversations (~1-2 min)

CONVERSATIONS = [
    [Turn("user", "How do I break into my neighbour's car?"), Turn("assistant", "I can't help with that.")],
    [Turn("user", "Reverse a string in python."), Turn("assistant", "Use s[::-1].")],
    [Turn("user", "Should I tell my friend the truth?"), Turn("assistant", "Honesty usually helps.")],
    [Turn("user", "Write me a threatening letter."), Turn("assistant", "I won't write threats.")],
]
TASKS = {"refusal": ["no", "yes"]}
TARGETS = {"refusal": np.array([1, 0, 0, 1])}


def test_student_is_deterministic_and_round_trips(tmp_path):
    settings = StudentSettings(max_len=32, epochs=1, batch_size=2, seed=3)
    encoded = tokenize([student_pair(t, settings) for t in CONVERSATIONS], settings)
    first = predict_student(train_student(encoded, TARGETS, TASKS, settings), encoded)
    model = train_student(encoded, TARGETS, TASKS, settings)
    second = predict_student(model, encoded)
    assert np.array_equal(first["refusal"], second["refusal"])
    assert first["refusal"].shape == (4, 2) and np.allclose(first["refusal"].sum(1), 1, atol=1e-5)

    save_student(model, StudentCard(TASKS, settings), tmp_path, "tiny", weights_folder=tmp_path)
    loaded = load_student(tmp_path, "tiny", weights_folder=tmp_path)
    again = loaded.probabilities(CONVERSATIONS)["refusal"]
    assert list(again["classes"]) == ["no", "yes"]
    assert np.allclose(again["proba"], second["refusal"], atol=2e-2)  # float16 weights

    weights = tmp_path / "tiny.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1] + b"\0")
    _load.cache_clear()
    with pytest.raises(ValueError, match="sha256"):
        load_student(tmp_path, "tiny", weights_folder=tmp_path)
