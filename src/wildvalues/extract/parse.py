"""Parsing model outputs and normalising value labels.

Every parser returns a value or raises :class:`ParseError`; nothing unparseable is ever turned into an
empty answer (an explicit "none" is an answer, garbage is not).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from wildvalues.records import RESPONSE_TYPES


class ParseError(ValueError):
    """The model output could not be read as the requested feature."""


NONE_WORDS = {
    "none",
    "no values",
    "n/a",
    "na",
    "nothing",
    "null",
    "no value",
    "none.",
    "no explicit values",
    "none found",
    "no values found",
    "not applicable",
    "-",
}

# true synonyms and trivial variants seen in model output -> the released vocabulary's spelling
SYNONYMS: dict[str, str] = {
    "helpful": "helpfulness",
    "being helpful": "helpfulness",
    "help": "helpfulness",
    "clear communication": "clarity",
    "clearness": "clarity",
    "clear": "clarity",
    "accurate": "accuracy",
    "factual accuracy": "accuracy",
    "correctness": "accuracy",
    "honest": "honesty",
    "truthfulness": "honesty",
    "truth": "honesty",
    "transparent": "transparency",
    "professional": "professionalism",
    "harmlessness": "harm prevention",
    "avoiding harm": "harm prevention",
    "preventing harm": "harm prevention",
    "harm avoidance": "harm prevention",
    "do no harm": "harm prevention",
    "safe": "safety",
    "user safety": "safety",
    "lawfulness": "legal compliance",
    "legality": "legal compliance",
    "following the law": "legal compliance",
    "law abiding": "legal compliance",
    "empathetic": "empathy",
    "compassionate": "compassion",
    "respectful": "respect",
    "creative": "creativity",
    "thorough": "thoroughness",
    "concise": "conciseness",
    "brevity": "conciseness",
    "privacy": "privacy protection",
    "user privacy": "privacy protection",
    "well-being": "wellbeing",
    "well being": "wellbeing",
    "user well-being": "user wellbeing",
    "following instructions": "instruction following",
    "instruction-following": "instruction following",
    "technical expertise": "technical competence",
    "technical accuracy": "technical competence",
}

_KEEP_S = ("ss", "us", "is", "ics", "ness", "ous", "sis", "ys")
_LIST_MARKER = re.compile(r"^\s*(?:[-*•·]+|\(?\d{1,2}[.)]|\(?[a-z][.)](?=\s))\s*", re.IGNORECASE)
_QUOTES = "\"'`“”‘’«»*_"


def answer_block(text: str, tag: str = "answer") -> str:
    """The content of ``<tag>...</tag>`` (last complete one; a missing close tag is tolerated at the end)."""
    pattern = re.compile(rf"<\s*{tag}\s*>(.*?)<\s*/\s*{tag}\s*>", re.IGNORECASE | re.DOTALL)
    found = pattern.findall(text)
    if found:
        return found[-1].strip()
    opened = re.search(rf"<\s*{tag}\s*>(.*)$", text, re.IGNORECASE | re.DOTALL)
    if opened and opened.group(1).strip():
        return opened.group(1).strip()
    closed_only = re.match(rf"^(.*?)<\s*/\s*{tag}\s*>", text, re.DOTALL)
    if closed_only and closed_only.group(1).strip():
        return closed_only.group(1).strip()
    # a bare answer (the prompt opened the tag), maybe with finished reasoning or a stray tag fragment
    rest = re.sub(r"<\s*thinking\s*>.*?<\s*/\s*thinking\s*>", " ", text, flags=re.IGNORECASE | re.DOTALL)
    if not re.search(r"<\s*thinking", rest, re.IGNORECASE):
        rest = re.sub(r"</?\s*[a-z_]*\s*>?", " ", rest, flags=re.IGNORECASE).strip()
        if rest:
            return rest
    raise ParseError(f"no <{tag}> block in output {text[:80]!r}")


def _singular(word: str) -> str:
    if len(word) <= 3 or word.endswith(_KEEP_S):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def normalise_label(label: str) -> str:
    """Lowercase, trimmed, quotes/markers/end punctuation removed, last word singular, synonyms merged."""
    text = _LIST_MARKER.sub("", label.strip())
    text = text.strip(_QUOTES + " \t.;:!?").lower()
    text = re.sub(r"\s+", " ", text.replace("_", " "))
    text = re.sub(r"\s*-\s*", "-", text)
    if not text:
        return ""
    words = text.split(" ")
    words[-1] = _singular(words[-1])
    text = " ".join(words)
    return SYNONYMS.get(text, text)


def split_labels(text: str) -> list[str]:
    """Split an answer into raw items: commas, semicolons, newlines and numbered/bulleted lists."""
    items = re.split(r"[,;\n]|\s+\d{1,2}[.)]\s+", text)
    return [i for i in (s.strip() for s in items) if i.strip(_QUOTES + " .")]


def parse_label_list(text: str, max_words: int = 4, max_items: int = 12) -> list[str]:
    """A comma list of short labels, or [] for an explicit "none". Raises ParseError for anything else."""
    body = answer_block(text) if "<" in text else text.strip()
    if normalise_label(body) in NONE_WORDS or body.strip(_QUOTES + " .").lower() in NONE_WORDS:
        return []
    items = split_labels(body)
    if items and all(normalise_label(i) in NONE_WORDS for i in items):
        return []  # "none, none" is still an explicit none
    labels: list[str] = []
    for raw in items:
        label = normalise_label(raw)
        if not label or label in NONE_WORDS:
            continue
        if len(label.split()) > max_words or not re.search(r"[a-z]", label):
            continue  # a sentence or a number is not a value label
        if label not in labels:
            labels.append(label)
    if not labels:
        raise ParseError(f"no value labels in {body[:80]!r}")
    return labels[:max_items]


def dedupe(labels: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for label in labels:
        norm = normalise_label(label)
        if norm and norm not in NONE_WORDS and norm not in seen:
            seen.append(norm)
    return seen


def parse_response_type(text: str) -> str:
    """Exactly one of RESPONSE_TYPES; spaces/hyphens/casing tolerated; an ambiguous answer is an error."""
    body = answer_block(text) if "<" in text else text
    flat = re.sub(r"[\s\-]+", "_", body.strip().strip(_QUOTES + " .").lower())
    if flat in RESPONSE_TYPES:
        return flat
    if flat in ("neutral", "neutral_acknowledgement"):
        return "neutral_acknowledgment"
    found = {label for label in RESPONSE_TYPES if label in flat}
    if "neutral_acknowledgement" in flat:
        found.add("neutral_acknowledgment")
    if len(found) == 1:
        return found.pop()
    raise ParseError(f"expected one of {', '.join(RESPONSE_TYPES)}; got {body[:80]!r}")


def parse_yes_no(text: str) -> bool:
    body = answer_block(text) if "<" in text else text
    word = re.match(r"\W*(yes|no)\b", body.strip().lower())
    if not word:
        raise ParseError(f"expected yes or no; got {body[:60]!r}")
    return word.group(1) == "yes"


def parse_level(text: str) -> int:
    body = answer_block(text) if "<" in text else text
    digits = re.findall(r"(?<!\d)([1-4])(?!\d)", body)
    if len(set(digits)) != 1:
        raise ParseError(f"expected one level 1-4; got {body[:60]!r}")
    return int(digits[0])


def parse_sentence(text: str, max_chars: int = 200) -> str:
    """One sentence (the task): first non-empty line of the answer, cut at the first sentence end."""
    body = answer_block(text) if "<" in text else text
    body = body.strip().strip(_QUOTES + " ")
    line = next((ln.strip() for ln in body.splitlines() if ln.strip()), "")
    line = re.sub(r"^(task|answer)\s*:\s*", "", line, flags=re.IGNORECASE).strip(_QUOTES + " ")
    if len(line) < 8 or not re.search(r"[A-Za-z]{3}", line):
        raise ParseError(f"no task sentence in {body[:60]!r}")
    match = re.match(r"(.+?[.!?])(\s|$)", line)
    sentence = match.group(1) if match else line
    if len(sentence) > max_chars:
        sentence = sentence[: max_chars - 3].rsplit(" ", 1)[0] + "..."
    return sentence[0].upper() + sentence[1:]
