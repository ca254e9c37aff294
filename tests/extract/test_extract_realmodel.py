"""The embedded 1.5B model on three real dev conversations (fast mode, then one paper-mode feature parse)."""

from pathlib import Path

import pytest

from wildvalues.extract.config import ExtractConfig
from wildvalues.extract.core import extract_batch
from wildvalues.extract.gold import load_gold
from wildvalues.records import RESPONSE_TYPES

pytestmark = pytest.mark.realmodel


@pytest.fixture(scope="module")
def local_client():
    from wildvalues.llm import LLMConfig, get_client
    from wildvalues.llm.models import status

    if not status(LLMConfig().model)["verified"]:
        pytest.skip("local model not pulled and verified; run `wildvalues models pull`")
    client = get_client(LLMConfig(backend="local"))
    yield client
    client.close()


def test_fast_mode_on_three_dev_conversations(shared_dir: Path, local_client):
    gold = load_gold(shared_dir / "eval" / "dev.jsonl")
    picked = [g for g in gold if g.source in ("xstest", "alpaca_eval")][:3]
    features = extract_batch(picked, local_client, ExtractConfig(explicit_values_gate="off"))
    assert [f.conversation_id for f in features] == [g.id for g in picked]
    for f in features:
        assert f.response_type in RESPONSE_TYPES
        assert f.subjectivity_level in (1, 2, 3, 4)
        assert f.ai_values and all(1 <= len(v.split()) <= 4 for v in f.ai_values)
        # the task is a generated sentence, or its failure is recorded with the raw output: never silent
        assert (f.task and len(f.task) > 8) or ("task" in f.failures and f.raw_outputs["task"])
        assert f.extractor_model.startswith("local:")
    accounting = local_client.accounting()
    assert accounting["calls"] == accounting["cached"] + accounting["new"] + accounting["failed"]
