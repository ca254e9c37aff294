"""Configuration of the LLM layer (section ``[llm]`` of wildvalues.toml, env ``WILDVALUES_LLM__KEY``)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

# Dollars per million tokens: (input, output, cached-input read). USER-EDITABLE: prices change; override
# them in wildvalues.toml under [llm.prices] (e.g. "claude-3-5-sonnet-20241022" = [3.0, 15.0, 0.3]).
# Figures are public list prices as written into this table on PRICES_AS_OF (not re-checked since; a dry
# run prints the date next to every dollar figure).
PRICES_AS_OF = "2026-12-05"
DEFAULT_PRICES: dict[str, tuple[float, float, float]] = {
    "claude-3-5-sonnet": (3.00, 15.00, 0.30),
    "claude-3-5-haiku": (0.80, 4.00, 0.08),
    "claude-3-7-sonnet": (3.00, 15.00, 0.30),
    "claude-sonnet-4": (3.00, 15.00, 0.30),
    "gpt-4o": (2.50, 10.00, 1.25),
    "gpt-4o-mini": (0.15, 0.60, 0.075),
    "gpt-4.1": (2.00, 8.00, 0.50),
    "gpt-4.1-mini": (0.40, 1.60, 0.10),
}


class LLMConfig(BaseModel):
    backend: str = "local"  # local | openai | anthropic
    model: str = "qwen2.5-coder-1.5b-instruct-q4_k_m"  # registry name (local) or the endpoint's model id
    model_path: str | None = None  # local: any GGUF file instead of a registry model
    base_url: str | None = None  # openai: OpenAI-compatible endpoint; anthropic: API base (tests/proxies)
    api_key: SecretStr | None = None  # else env OPENAI_API_KEY / ANTHROPIC_API_KEY; never stored in runs
    concurrency: int = 1  # parallel calls in complete_many
    threads: int = 2  # local: CPU threads for llama.cpp
    n_ctx: int = 8192  # local: context window (tokens)
    timeout_s: float = 300.0  # per call
    max_retries: int = 4  # on rate limits, timeouts, 5xx (SDK retries where the SDK has them)
    choice_top_k: int = 100  # local/openai: how many top log-probs to read when scoring choices
    prompt_cache: bool = True  # anthropic: cache_control on the shared transcript block
    call_cache: bool = True  # reuse answers stored in the workspace call cache
    chars_per_token: float = 3.5  # estimate() when no tokenizer is at hand (stated ratio, English text)
    budget_calls: int | None = None  # per run; None = unlimited
    budget_tokens: int | None = None
    budget_dollars: float | None = None
    prices: dict[str, tuple[float, float, float]] = Field(default_factory=lambda: dict(DEFAULT_PRICES))

    def api_key_value(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None

    def price_for(self, model: str) -> tuple[float, float, float] | None:
        """Price triple of ``model`` (longest matching prefix in the table), None if unknown/free."""
        best = None
        for key, price in self.prices.items():
            if model.startswith(key) and (best is None or len(key) > len(best[0])):
                best = (key, price)
        return best[1] if best else None
