"""Cheap per-conversation signals for the calibrated heads: sentence embeddings and surface cues.

The feature vector layout is versioned (``FEATURE_SPEC``); heads fitted on one layout refuse another.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from wildvalues.extract.transcript import Turn, side_text

FEATURE_SPEC = "emb3-cues1"

_CUES: dict[str, re.Pattern[str]] = {
    "refuse": re.compile(
        r"\b(i\s*(?:am|'m)\s*(?:sorry|afraid)|i\s*(?:can(?:no|')t|cannot|can not|won't|will not|must decline|"
        r"am unable|'m unable|am not able|'m not able)|unable to (?:help|assist|provide|comply)|"
        r"(?:can't|cannot|won't) (?:help|assist|provide|comply|fulfill|do that)|not (?:able|going) to help|"
        r"decline|i don't feel comfortable)",
        re.I,
    ),
    "harm_words": re.compile(
        r"\b(illegal|unethical|harmful|dangerous|inappropriate|against the law|"
        r"not appropriate|violat\w+|abuse|hurt|crime|criminal)\b",
        re.I,
    ),
    "as_ai": re.compile(
        r"\bas an ai\b|\blanguage model\b|\bi don't have (?:personal )?(?:opinions|feelings|"
        r"preferences|beliefs)\b",
        re.I,
    ),
    "redirect": re.compile(
        r"\b(instead|however|rather than|i(?:'d| would) (?:suggest|recommend|encourage)|"
        r"consider|it's important to|it is important to|please (?:seek|consult|contact))\b",
        re.I,
    ),
    "affirm": re.compile(
        r"\b(great (?:question|idea)|absolutely|what a|wonderful|love (?:this|that|your)|"
        r"good idea|excellent|congratulations|that's great)\b",
        re.I,
    ),
    "code": re.compile(r"```|\bdef \w+\(|\bfunction\b|;\s*$|\bimport \w+|</?\w+>|\bSELECT\b", re.I | re.M),
    "math": re.compile(r"[=+*/^]\s*\d|\d\s*[=+*/^]"),
    "first_person_user": re.compile(
        r"\b(i think|i believe|i feel|i want|i love|i hate|i need|my \w+|we should|"
        r"i'm|i am)\b",
        re.I,
    ),
    "opinion_request": re.compile(
        r"\b(should i|what do you think|your opinion|do you (?:think|believe|like)|"
        r"best way|recommend|advice|which is better|pros and cons)\b",
        re.I,
    ),
    "fact_request": re.compile(r"^\s*(what|who|when|where|how many|how much|which|is|are|does|do)\b", re.I),
    "creative": re.compile(r"\b(write|poem|story|song|joke|essay|rap|haiku|lyrics|imagine|pretend)\b", re.I),
}


def cue_vector(turns: Sequence[Turn]) -> np.ndarray:
    user, assistant = side_text(turns, "user", 4000), side_text(turns, "assistant", 4000)
    opening = assistant[:300]
    values: list[float] = []
    for name, pattern in _CUES.items():
        if name in ("first_person_user", "opinion_request", "fact_request", "creative"):
            values.append(min(len(pattern.findall(user)), 5) / 5)
        else:
            values.append(min(len(pattern.findall(assistant)), 5) / 5)
            values.append(1.0 if pattern.search(opening) else 0.0)
    values += [
        np.log1p(len(user)) / 8,
        np.log1p(len(assistant)) / 8,
        min(sum(t.role == "user" for t in turns), 6) / 6,
        float("?" in user),
    ]
    return np.asarray(values, dtype=np.float32)


def embedding_texts(turns: Sequence[Turn]) -> tuple[str, str, str]:
    """(user side, assistant side, assistant opening) as embedded."""
    assistant = side_text(turns, "assistant", 1000)
    return side_text(turns, "user", 1000) or "(empty)", assistant or "(empty)", assistant[:250] or "(empty)"


def encode_texts(texts: list[str], model: str = "all-MiniLM-L6-v2") -> np.ndarray:
    """L2-normalised embeddings of ``texts`` by ``model`` (through :mod:`wildvalues.embed`, disk-cached)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    from wildvalues.embed import encode

    return np.asarray(encode(texts, model=model), dtype=np.float32)


def signal_matrix(all_turns: Sequence[Sequence[Turn]], model: str = "all-MiniLM-L6-v2", *,
                  encode: Callable[[list[str]], np.ndarray] | None = None) -> np.ndarray:
    """One row per conversation: [emb(user) | emb(assistant) | emb(opening) | cues].

    ``encode`` (texts -> normalised embeddings) defaults to ``model`` through :func:`encode_texts`."""
    if not all_turns:
        return np.zeros((0, 0), dtype=np.float32)
    triples = [embedding_texts(turns) for turns in all_turns]
    flat = [text for triple in triples for text in triple]
    vectors = encode(flat) if encode is not None else encode_texts(flat, model)
    emb = np.asarray(vectors, dtype=np.float32).reshape(len(triples), 3, -1).reshape(len(triples), -1)
    cues = np.stack([cue_vector(turns) for turns in all_turns])
    return np.hstack([emb, cues]).astype(np.float32)


_USER_STATES = re.compile(
    r"\b(i think|i believe|i feel|i want|i love|i hate|i like|i prefer|i care|i value|my |"
    r"we should|i'm|i am|i need|i would like|i'd like)\b",
    re.I,
)
_AI_STATES = re.compile(
    "|".join(_CUES[k].pattern for k in ("refuse", "as_ai", "harm_words", "redirect")), re.I
)


def user_may_state_values(turns: Sequence[Turn]) -> bool:
    """First-person statements by the user (a cheap gate before asking for explicit human values)."""
    return bool(_USER_STATES.search(side_text(turns, "user", 4000)))


def ai_may_state_values(turns: Sequence[Turn]) -> bool:
    """Refusal, caution or principle wording by the AI (a gate before asking for stated AI values)."""
    return bool(_AI_STATES.search(side_text(turns, "assistant", 4000)))


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def principle_excerpt(turns: Sequence[Turn], max_chars: int = 1200) -> str:
    """The AI's sentences that may state a principle (refusal, caution, "as an AI", redirection), each with
    the sentence after it (where the reason often follows), in order and cut to ``max_chars``; the AI's
    opening when no sentence has such wording. This is what the stated-AI-values question reads."""
    sentences = [s.strip() for t in turns if t.role == "assistant" for s in _SENTENCE_END.split(t.content)]
    sentences = [s for s in sentences if s]
    keep = sorted({j for i, s in enumerate(sentences) if _AI_STATES.search(s) for j in (i, i + 1)
                   if j < len(sentences)})
    if not keep:
        return " ".join(sentences)[:max_chars]
    parts = [sentences[keep[0]]]
    for previous, j in zip(keep, keep[1:], strict=False):
        parts.append(("" if j == previous + 1 else "[...] ") + sentences[j])
    return " ".join(parts)[:max_chars]
