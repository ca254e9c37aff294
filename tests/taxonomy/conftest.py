"""Test doubles for the taxonomy tests: a bag-of-words embedder and a scripted LLM client."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from wildvalues.llm.base import LLMRequest, LLMResponse


def word_vector(word: str, dim: int = 64) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:8], "little")
    return np.random.default_rng(seed).standard_normal(dim)


def bag_of_words(texts: list[str], dim: int = 64) -> np.ndarray:
    """Texts sharing words get similar unit vectors (deterministic, no model)."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in re.findall(r"[a-z]+", text.lower()):
            out[row] += word_vector(word, dim)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1, norms)


class ScriptedClient:
    """Answers the taxonomy prompts in the requested format, from the prompt's own words."""

    def __init__(self) -> None:
        self.requests: list[LLMRequest] = []
        self.cache: dict[str, str] = {}
        self.new_calls = 0

    def _answer(self, prompt: str) -> str:
        if "Propose" in prompt:
            k = int(re.search(r"Propose (\d+)", prompt).group(1))
            members = re.findall(r"^- (.+)$", prompt.split("For contrast")[0], re.M)
            words = sorted({w for m in members for w in m.split()})
            return "\n".join(f"{words[i % len(words)]} family | things about {words[i % len(words)]}"
                             for i in range(k))
        if "Categories:" in prompt:
            n = len(re.findall(r"^\d+\. ", prompt.split("Categories:")[1].split("\n\n")[1], re.M))
            return "\n".join(f"{i + 1}: A" for i in range(n))
        groups = re.findall(r"^Group (\d+): (.+)$", prompt, re.M)
        return "\n".join(f"{g} | {items.split(';')[0]} group | about {items.split(';')[0]}"
                         for g, items in groups)

    def complete(self, request: LLMRequest) -> LLMResponse:
        self.requests.append(request)
        key = request.cache_key("scripted", "fake")
        cached = key in self.cache
        if not cached:
            self.new_calls += 1
            self.cache[key] = self._answer(request.messages[-1].content)
        return LLMResponse(text=self.cache[key], prompt_tokens=10, completion_tokens=5, cached=cached)

    def complete_many(self, requests):
        return [self.complete(r) for r in requests]

    def accounting(self) -> dict:
        return {"calls_new": self.new_calls, "calls_cached": len(self.requests) - self.new_calls}


@pytest.fixture
def scripted():
    """The ScriptedClient class (tests subclass or instantiate it)."""
    return ScriptedClient


@pytest.fixture
def bow():
    return bag_of_words
