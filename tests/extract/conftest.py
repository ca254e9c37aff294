"""Fixtures of the extraction tests that need the embedded judge."""

import pytest


@pytest.fixture(scope="module")
def local_client():
    """A cached client over the embedded 1.5B judge (skipped when the model is not pulled)."""
    from wildvalues.llm import LLMConfig, get_client
    from wildvalues.llm.models import status

    if not status(LLMConfig().model)["verified"]:
        pytest.skip("local model not pulled and verified; run `wildvalues models pull`")
    client = get_client(LLMConfig(backend="local"))
    yield client
    client.close()
