"""The contrast stacker: the judge's log-prob contrasts refine the subjectivity head, for its own judge."""

import json

import pytest

from wildvalues.extract.config import ExtractConfig
from wildvalues.extract.core import extract_batch
from wildvalues.extract.extractor import build_extractor
from wildvalues.extract.stack import Stacker, load_stacker
from wildvalues.llm import LLMConfig, LLMError, get_client
from wildvalues.llm.testing import ScriptedBackend

from .test_extract_batch import CONVS

SUBJECTIVE_Q = "depend on personal circumstances"  # words of the question (not of its negation)


def answer(request):
    prompt = request.messages[-1].content
    if request.choices:
        return "yes" if SUBJECTIVE_Q in prompt else "no"
    return "Help the user with their request."


def write_stacker(tmp_path, judge: str, weights=(0.0, 10.0), intercept=-5.0):
    path = tmp_path / "stack.json"
    stacker = Stacker("t1", judge, "subjective", ("contrast_subjective",), weights, intercept, {})
    path.write_text(json.dumps(stacker.to_json()))
    return path


@pytest.fixture
def scripted(workspace):
    backend = ScriptedBackend(answer)
    client = get_client(LLMConfig(), workspace=workspace, backend=backend)
    yield backend, client
    client.close()


def test_stacker_turns_the_contrast_into_the_subjectivity_decision(tmp_path, scripted):
    backend, client = scripted
    cfg = ExtractConfig(extract_all=True, stack_path=str(write_stacker(tmp_path, "scripted")),
                        explicit_values_gate="off")
    features = extract_batch(CONVS, build_extractor(cfg, client))
    for f in features:  # contrast = P(yes|Q) - P(yes|not Q) = 1 - 0 -> z = 10 - 5 -> P = 0.993
        assert f.raw_outputs["contrasts"] == {"contrast_subjective": 1.0}
        assert f.subjective and f.raw_outputs["subjectivity"]["p_subjective"] == pytest.approx(
            0.9933, abs=1e-4
        )
        assert f.prompt_version.endswith("+stack-t1")
    code = next(f for f in features if f.conversation_id == "c-code")
    assert code.raw_outputs["subjectivity"]["p_head"] < 0.5  # the head alone said objective
    # both questions of the pair are asked on the user side only (the prefix the task prompt shares)
    asked = [r for r in backend.calls if r.choices]
    assert len(asked) == 2 * len(CONVS)
    assert all("AI:" not in r.messages[-1].content for r in asked)


def test_stacker_fitted_for_another_judge_is_not_used(tmp_path, scripted):
    _, client = scripted
    cfg = ExtractConfig(
        stack_path=str(write_stacker(tmp_path, "some-other-model")), explicit_values_gate="off"
    )
    f = extract_batch(CONVS[:1], build_extractor(cfg, client))[0]
    assert f.raw_outputs["contrasts"].startswith("not asked")
    assert "+stack" not in f.prompt_version
    assert f.raw_outputs["subjectivity"]["p_subjective"] == f.raw_outputs["subjectivity"]["p_head"]


def test_stacker_fitted_on_other_heads_is_not_used(tmp_path, scripted):
    _, client = scripted
    path = write_stacker(tmp_path, "scripted")
    path.write_text(json.dumps(json.loads(path.read_text()) | {"heads": "v0-older-heads"}))
    cfg = ExtractConfig(extract_all=True, stack_path=str(path), explicit_values_gate="off")
    f = extract_batch(CONVS[:1], build_extractor(cfg, client))[0]
    assert f.raw_outputs["contrasts"].startswith("not asked") and "+stack" not in f.prompt_version
    shipped = load_stacker()
    assert shipped is not None and shipped.heads == "v2-emb3-cues1"  # fitted before heads v3: not applied


def test_failed_contrast_leaves_the_head_and_records_the_failure(tmp_path, workspace):
    def broken(request):
        if request.choices:
            raise LLMError("server said 500")
        return "Help the user."

    client = get_client(LLMConfig(max_retries=0), workspace=workspace, backend=ScriptedBackend(broken))
    cfg = ExtractConfig(extract_all=True, stack_path=str(write_stacker(tmp_path, "scripted")),
                        explicit_values_gate="off")
    f = extract_batch(CONVS[:1], build_extractor(cfg, client))[0]
    client.close()
    assert "contrast_subjective" in f.failures["contrasts"]
    assert f.raw_outputs["subjectivity"]["p_subjective"] == f.raw_outputs["subjectivity"]["p_head"]


def test_heads_only_and_contrasts_off_never_ask(tmp_path, scripted):
    backend, client = scripted
    path = str(write_stacker(tmp_path, "scripted"))
    heads_only = build_extractor(ExtractConfig(extract_all=True, stack_path=path), None)
    assert "+stack" not in extract_batch(CONVS[:1], heads_only)[0].prompt_version
    no_contrasts = build_extractor(ExtractConfig(extract_all=True, stack_path=path, llm_contrasts=False),
                                   client)
    f = extract_batch(CONVS[:1], no_contrasts)[0]
    assert "contrasts" not in f.raw_outputs and not [r for r in backend.calls if r.choices]


def test_stacker_file_is_validated(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(Stacker("x", "m", "subjective", ("a", "b"), (1.0,), 0.0, {}).to_json()))
    with pytest.raises(ValueError, match="1 weights for 1 head \\+ 2 pairs"):
        load_stacker(path)
    assert load_stacker(tmp_path / "absent.json") is None


def test_stated_values_read_only_the_ais_principle_sentences(scripted):
    from wildvalues.extract.signals import principle_excerpt
    from wildvalues.extract.transcript import Turn

    turns = [
        Turn("user", "I believe in honesty. Can you help?"),
        Turn(
            "assistant",
            "Sure. Here is a plan. I'm sorry, but I can't help with the lock. "
            "Breaking in would be illegal. Step one. Step two.",
        ),
    ]
    assert principle_excerpt(turns) == (
        "I'm sorry, but I can't help with the lock. Breaking in would be illegal. Step one."
    )
    assert principle_excerpt([Turn("assistant", "def f(): pass")]) == "def f(): pass"  # no cue: the opening
    assert len(principle_excerpt([Turn("assistant", "I cannot do that. " * 500)], max_chars=300)) == 300
    backend, client = scripted
    cfg = ExtractConfig(extract_all=True, explicit_values_gate="all", llm_contrasts=False)
    extract_batch(CONVS[:1], build_extractor(cfg, client))
    asked = next(r for r in backend.calls if r.tag == "extract.stated_ai_values").messages[-1].content
    assert "would be illegal" in asked and "neighbour's lock" not in asked  # the AI's words, not the user's
