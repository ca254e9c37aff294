"""The embedded ``local`` backend: llama.cpp in-process through xllamacpp.

xllamacpp runs llama.cpp's own C++ server inside this process, listening on 127.0.0.1 on a free port;
we talk to it over HTTP with httpx. It is started with ONE slot and ``cache_prompt``, so consecutive
requests that share a prefix (several questions about one transcript) reuse the KV cache and only
the differing tail is evaluated.

Choices (``LLMRequest.choices``) are scored by log-probability of each label as the assistant's reply:

* the chat is rendered with the model's own template (``/apply-template``) and tokenized once;
* each label is tokenized; the labels' token sequences form a trie;
* for every trie node that has children, one ``/completion`` call with ``n_predict=1`` and
  ``n_probs=choice_top_k`` gives the next-token log-probs after ``prompt + node prefix`` (these calls
  share the prompt, so the KV cache makes each of them cost a few tokens);
* a label's score is the sum of its tokens' log-probs. When labels differ in their first token this is
  a single call and the score is the first token's log-prob ("first-token scoring"); otherwise the full
  continuation is scored. When one label is a proper prefix of another, the end-of-turn token's
  log-prob is added to the shorter one so that "support" and "support strongly" compare fairly.
* a token missing from the top-k list gets the k-th log-prob as an upper bound (``raw["bounded"]``).
* when every label is ONE token (yes/no, single words) and the labels differ beyond case, the score
  pools the top-k tokens spelling the label up to case and surrounding spaces ("yes", "Yes", " yes"):
  a model that answers "Yes" is answering the label "yes" (``raw["pooled_case_variants"]``).
"""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from wildvalues.llm.base import LLMBackend, LLMError, LLMRequest, LLMResponse
from wildvalues.llm.config import LLMConfig
from wildvalues.llm.models import gguf_model_name, resolve_model_path


class LocalBackend(LLMBackend):
    name = "local"

    def __init__(self, cfg: LLMConfig, model_file: Path | None = None) -> None:
        import xllamacpp  # heavy; only when the local backend is used

        path = model_file or resolve_model_path(cfg.model, cfg.model_path)
        self.model = cfg.model if not cfg.model_path else gguf_model_name(path)
        self.model_file = path
        self.top_k = cfg.choice_top_k
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_ctx = cfg.n_ctx
        params.n_parallel = 1  # one slot: every request reuses the same KV cache
        params.cache_prompt = True
        params.cpuparams.n_threads = cfg.threads
        params.cpuparams_batch.n_threads = cfg.threads
        params.n_threads_http = 2
        params.warmup = False
        params.verbosity = 0
        params.hostnames = ["127.0.0.1"]
        params.port = 0
        self._server = xllamacpp.Server(params)
        self.base_url = self._server.listening_address
        self._http = httpx.Client(base_url=self.base_url, timeout=cfg.timeout_s)
        self._lock = threading.Lock()  # one slot: serialise so prefix reuse is not interleaved away

    # -- plumbing ------------------------------------------------------------------------------------
    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            resp = self._http.post(path, json=payload)
        except httpx.HTTPError as exc:
            raise LLMError(f"local llama.cpp server {path}: {type(exc).__name__}: {exc}") from exc
        if resp.status_code != 200:
            raise LLMError(f"local llama.cpp server {path}: HTTP {resp.status_code}: {resp.text[:500]}")
        return resp.json()

    def render(self, request: LLMRequest) -> str:
        """The chat rendered with the model's template, ready for the assistant's reply."""
        msgs = [{"role": m.role, "content": m.content} for m in request.messages]
        return self._post("/apply-template", {"messages": msgs})["prompt"]

    def tokenize(self, text: str, *, special: bool) -> list[int]:
        body = {"content": text, "add_special": special, "parse_special": special}
        return self._post("/tokenize", body)["tokens"]

    def _next_token_logprobs(self, tokens: list[int]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Top-k next tokens after ``tokens``: [{"id", "token", "logprob"}...], and llama.cpp's timings."""
        out = self._post("/completion", {
            "prompt": tokens, "n_predict": 1, "n_probs": self.top_k, "temperature": 0.0,
            "cache_prompt": True, "post_sampling_probs": False,
        })
        return out["completion_probabilities"][0]["top_logprobs"], out.get("timings", {})

    # -- the interface -------------------------------------------------------------------------------
    def complete(self, request: LLMRequest) -> LLMResponse:
        started = time.perf_counter()
        with self._lock:
            resp = self._score_choices(request) if request.choices else self._generate(request)
        resp.latency_s = time.perf_counter() - started
        resp.model = self.model
        return resp

    def _generate(self, request: LLMRequest) -> LLMResponse:
        body: dict[str, Any] = {
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "temperature": request.temperature, "max_tokens": request.max_tokens,
            "cache_prompt": True,
        }
        if request.stop:
            body["stop"] = list(request.stop)
        if request.seed is not None:
            body["seed"] = request.seed
        if request.grammar:
            body["grammar"] = request.grammar
        elif request.json_schema is not None:
            body["json_schema"] = request.json_schema
        out = self._post("/v1/chat/completions", body)
        usage = out.get("usage", {})
        return LLMResponse(
            text=out["choices"][0]["message"].get("content") or "",
            prompt_tokens=usage.get("prompt_tokens", 0), completion_tokens=usage.get("completion_tokens", 0),
            raw={"finish_reason": out["choices"][0].get("finish_reason"), "timings": out.get("timings", {})},
        )

    def _score_choices(self, request: LLMRequest) -> LLMResponse:
        labels = list(dict.fromkeys(request.choices or ()))
        prompt_tokens = self.tokenize(self.render(request), special=True)
        label_tokens = {label: self._label_tokens(label) for label in labels}
        for label, toks in label_tokens.items():
            if not toks:
                raise LLMError(f"choice {label!r} tokenizes to nothing")
        end_token = self._end_of_turn_token()
        seqs = list(label_tokens.values())
        needs_end = {label for label, toks in label_tokens.items()
                     if any(len(o) > len(toks) and o[:len(toks)] == toks for o in seqs)}
        prefixes = sorted({tuple(t[:i]) for t in seqs for i in range(len(t))}
                          | {tuple(label_tokens[label]) for label in needs_end}, key=len)
        dist: dict[tuple[int, ...], dict[int, float]] = {}
        root: list[dict[str, Any]] = []
        cache_hits = evaluated = 0
        for prefix in prefixes:
            top, timings = self._next_token_logprobs(prompt_tokens + list(prefix))
            dist[prefix] = {p["id"]: p["logprob"] for p in top}
            root = root or top
            cache_hits += int(timings.get("cache_n", 0))
            evaluated += int(timings.get("prompt_n", 0))
        scores: dict[str, float] = {}
        bounded: list[str] = []
        folded = [label.strip().lower() for label in labels]
        if all(len(t) == 1 for t in seqs) and len(set(folded)) == len(folded):
            return self._pooled(labels, root, len(prompt_tokens), cache_hits, evaluated)
        for label, toks in label_tokens.items():
            total = 0.0
            steps = [(tuple(toks[:i]), tok) for i, tok in enumerate(toks)]
            if label in needs_end:
                steps.append((tuple(toks), end_token))
            for prefix, tok in steps:
                table = dist[prefix]
                if tok in table:
                    total += table[tok]
                else:  # not in the top-k: its log-prob is at most the k-th one
                    total += min(table.values())
                    bounded.append(label)
            scores[label] = total
        best = max(labels, key=lambda lab: scores[lab])
        mode = "first-token" if len(prefixes) == 1 else "continuation"
        return LLMResponse(
            text=best, prompt_tokens=len(prompt_tokens), completion_tokens=len(prefixes),
            choice_logprobs=scores,
            raw={"mode": mode, "scoring_calls": len(prefixes), "kv_cache_tokens": cache_hits,
                 "evaluated_tokens": evaluated, "bounded": sorted(set(bounded))},
        )

    def _pooled(self, labels: list[str], top: list[dict[str, Any]], n_prompt: int, cache_hits: int,
                evaluated: int) -> LLMResponse:
        """Single-token labels: pool the top-k tokens that spell the label up to case and spaces
        ("yes", "Yes", " yes"), so the score is P(the reply starts with that word)."""
        floor = min(p["logprob"] for p in top)
        scores: dict[str, float] = {}
        bounded: list[str] = []
        for label in labels:
            variants = [p["logprob"] for p in top if p["token"].strip().lower() == label.strip().lower()]
            if variants:
                scores[label] = math.log(sum(math.exp(lp) for lp in variants))
            else:
                scores[label] = floor
                bounded.append(label)
        best = max(labels, key=lambda lab: scores[lab])
        return LLMResponse(
            text=best, prompt_tokens=n_prompt, completion_tokens=1, choice_logprobs=scores,
            raw={"mode": "first-token", "pooled_case_variants": True, "scoring_calls": 1,
                 "kv_cache_tokens": cache_hits, "evaluated_tokens": evaluated, "bounded": bounded},
        )

    def _label_tokens(self, label: str) -> list[int]:
        cache = self.__dict__.setdefault("_label_cache", {})
        if label not in cache:
            cache[label] = self.tokenize(label, special=False)
        return cache[label]

    def _end_of_turn_token(self) -> int:
        if not hasattr(self, "_eot"):
            probe = self.tokenize("<|im_end|>", special=True)
            # ChatML models have <|im_end|> as a single token; other templates: fall back to EOS via props
            self._eot = probe[0] if len(probe) == 1 else self._post_props_eos()
        return self._eot

    def _post_props_eos(self) -> int:
        try:
            props = self._http.get("/props").json()
            return int(props.get("eos_token_id", props.get("default_generation_settings", {})
                                 .get("eos_token_id", -1)))
        except (httpx.HTTPError, ValueError):
            return -1

    def close(self) -> None:
        self._http.close()
        server, self._server = getattr(self, "_server", None), None
        del server  # the C++ server stops when the object is released
