"""The three questions the hierarchizer asks an LLM, batched, with plain-text answers parsed leniently.

* propose: given one neighbourhood of items and some nearby items from *other* neighbourhoods
  (the contrast), suggest ``k`` broader categories (name | description);
* assign: given a batch of items and a shuffled list of lettered candidate categories, pick one letter
  per item (only for children whose embedding match is ambiguous);
* rename: given several parents with the children they actually received, write a name and a
  description for each.

Every answer line that cannot be parsed is counted (``parse_failures``) and the caller falls back to
the embedding decision, so a weak model degrades the names, never the structure. :class:`ExtractiveNamer`
answers the same questions without any model (names taken from the heaviest children) — used for a
quick ``--no-llm`` build and as the LLM-free skeleton in the validation.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wildvalues.llm.base import ChatMessage, LLMError, LLMRequest

if TYPE_CHECKING:
    from wildvalues.llm.base import LLMClient

PROMPT_VERSION = "taxonomy-v1"

_SUBJECTS = {
    "ai_values": ("values an AI assistant expressed in conversations", "value"),
    "human_values": ("values that people expressed while talking to an AI assistant", "value"),
    "tasks": ("tasks people asked an AI assistant to do", "task"),
}

_LINE_PREFIX = re.compile(r"^\s*(?:[-*•]|\d+[.)]|[A-Za-z][.)])\s*")


@dataclass
class Proposal:
    name: str
    description: str
    source: str = "llm"  # llm | extractive (taken from the members) | keywords


@dataclass
class NamerStats:
    calls: int = 0
    failed_calls: int = 0
    parse_failures: int = 0
    by_question: dict[str, int] = field(default_factory=dict)

    def count(self, question: str, n: int = 1) -> None:
        self.calls += n
        self.by_question[question] = self.by_question.get(question, 0) + n


def _subject(tree: str) -> tuple[str, str]:
    return _SUBJECTS.get(tree, _SUBJECTS["ai_values"])


def _clean(text: str, limit: int) -> str:
    text = re.sub(r"\s+", " ", text.replace("*", "").replace('"', "")).strip(" .-:|")
    return text[:limit].strip()


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


class LLMNamer:
    """Asks the questions through an LLM client (``complete_many`` keeps request order)."""

    def __init__(self, client: LLMClient, tree: str = "ai_values", max_tokens: int = 700) -> None:
        self.client = client
        self.tree = tree
        self.max_tokens = max_tokens
        self.stats = NamerStats()

    # -- transport -------------------------------------------------------------------------------
    @property
    def _grammars(self) -> bool:
        """GBNF grammars only where the backend is llama.cpp (they make every answer parseable)."""
        return getattr(getattr(self.client, "backend", None), "name", "") == "local"

    def _ask(self, question: str, prompts: list[str], shapes: list[tuple[str, int]] | None = None
             ) -> list[str | None]:
        """``shapes``: per prompt, (GBNF grammar, max_tokens) of the expected answer."""
        subject, _ = _subject(self.tree)
        system = (f"You organise a taxonomy of {subject}. You write short, plain, general category "
                  "names (2 to 5 words) and short descriptions (under 15 words), and follow the answer "
                  "format exactly.")
        shapes = shapes or [("", self.max_tokens)] * len(prompts)
        requests = [LLMRequest(messages=(ChatMessage("system", system), ChatMessage("user", p)),
                               temperature=0.0, max_tokens=min(tokens, self.max_tokens),
                               grammar=(grammar or None) if self._grammars else None, seed=0,
                               tag=f"taxonomy.{question}") for p, (grammar, tokens) in zip(prompts, shapes,
                                                                                            strict=True)]
        self.stats.count(question, len(requests))
        if hasattr(self.client, "complete_many"):
            answers = self.client.complete_many(requests)
        else:
            answers = []
            for request in requests:
                try:
                    answers.append(self.client.complete(request))
                except LLMError as exc:
                    answers.append(exc)
        texts: list[str | None] = []
        for answer in answers:
            if isinstance(answer, BaseException):
                self.stats.failed_calls += 1
                texts.append(None)
            else:
                texts.append(answer.text)
        return texts

    # -- propose ---------------------------------------------------------------------------------
    def propose(self, groups: list[tuple[list[str], list[str], int]]) -> list[list[Proposal]]:
        """``groups``: (members, contrast items, how many categories wanted) -> proposals per group."""
        _, noun = _subject(self.tree)
        prompts = []
        for members, contrast, k in groups:
            prompt = (f"Here is one group of related {noun}s:\n{_bullets(members)}\n\n")
            if contrast:
                prompt += (f"For contrast, these nearby {noun}s belong to OTHER groups and should not "
                           f"define the categories:\n{_bullets(contrast)}\n\n")
            prompt += (f"Propose {k} broader categories that together cover every {noun} of the group. "
                       f"Each category must be more general than any single {noun}.\n"
                       f"Answer with exactly {k} lines, each: name | one-sentence description")
            prompts.append(prompt)
        shapes = [(_numbered_grammar(k, "pair", " "), 40 * k) for _, _, k in groups]
        results = []
        for text, (_, _, k) in zip(self._ask("propose", prompts, shapes), groups, strict=True):
            parsed = _parse_pairs(text or "")
            if len(parsed) < k:
                self.stats.parse_failures += k - len(parsed)
            results.append(parsed[: max(k, 1) * 2])
        return results

    # -- assign ----------------------------------------------------------------------------------
    def assign(self, batches: list[tuple[list[str], list[str]]]) -> list[list[int | None]]:
        """``batches``: (items, candidate category lines) -> index of the chosen candidate per item."""
        _, noun = _subject(self.tree)
        prompts = []
        for items, candidates in batches:
            letters = "\n".join(f"{string.ascii_uppercase[i]}. {c}" for i, c in enumerate(candidates))
            numbered = "\n".join(f"{i + 1}. {item}" for i, item in enumerate(items))
            prompts.append(f"Categories:\n{letters}\n\nFor each numbered {noun} below, choose the one best "
                           f"category.\n{numbered}\n\nAnswer with one line per {noun}: number: letter")
        shapes = [(_numbered_grammar(len(items), "letter", ": ", len(cands)), 6 * len(items) + 4)
                  for items, cands in batches]
        results = []
        for text, (items, candidates) in zip(self._ask("assign", prompts, shapes), batches, strict=True):
            chosen: list[int | None] = [None] * len(items)
            for line in (text or "").splitlines():
                match = re.match(r"^\s*(\d+)\s*[:.)\-]\s*\(?([A-Za-z])\b", line)
                if not match:
                    continue
                row, letter = int(match.group(1)) - 1, string.ascii_uppercase.find(match.group(2).upper())
                if 0 <= row < len(items) and 0 <= letter < len(candidates):
                    chosen[row] = letter
            self.stats.parse_failures += sum(c is None for c in chosen)
            results.append(chosen)
        return results

    # -- rename ----------------------------------------------------------------------------------
    def rename(self, batches: list[list[list[str]]]) -> list[list[Proposal | None]]:
        """``batches``: per call, the children of several parents -> a name+description per parent."""
        _, noun = _subject(self.tree)
        prompts = []
        for parents in batches:
            body = "\n".join(f"Group {i + 1}: {'; '.join(children)}" for i, children in enumerate(parents))
            prompts.append(f"Each group below lists {noun}s that were put together.\n{body}\n\n"
                           f"For every group write a short name that covers all of its {noun}s and a "
                           "one-sentence description.\nAnswer with one line per group: "
                           "number | name | description")
        shapes = [(_numbered_grammar(len(parents), "pair", " | "), 40 * len(parents)) for parents in batches]
        results = []
        for text, parents in zip(self._ask("rename", prompts, shapes), batches, strict=True):
            named: list[Proposal | None] = [None] * len(parents)
            for line in (text or "").splitlines():
                match = re.match(r"^\s*(?:group\s*)?(\d+)\s*[:.)|\-]+\s*(.+)$", line, re.IGNORECASE)
                if not match:
                    continue
                row = int(match.group(1)) - 1
                pair = _parse_pairs(match.group(2))
                if 0 <= row < len(parents) and pair and named[row] is None:
                    named[row] = pair[0]
            self.stats.parse_failures += sum(n is None for n in named)
            results.append(named)
        return results


def _numbered_grammar(n: int, kind: str, separator: str, letters: int = 26) -> str:
    """GBNF for exactly ``n`` numbered lines: 'i<sep>name | description' or 'i: <letter>'."""
    lines = " ".join(f'"{i + 1}{separator}" {kind} "\\n"' for i in range(n)) if separator != " " else \
        " ".join(f"{kind} \"\\n\"" for _ in range(n))
    letter_set = string.ascii_uppercase[:max(1, min(letters, 26))]
    return (f"root ::= {lines}\n"
            f"letter ::= [{letter_set}]\n"
            "pair ::= name \" | \" desc\n"
            "name ::= [A-Za-z] [A-Za-z ,&'/-]{1,48}\n"
            "desc ::= [A-Za-z] [^|\\n]{4,110}\n")


def _parse_pairs(text: str) -> list[Proposal]:
    out = []
    for line in text.splitlines():
        line = _LINE_PREFIX.sub("", line.strip())
        if "|" in line:
            name, _, description = line.partition("|")
        elif " - " in line or ": " in line:
            name, _, description = line.partition(" - ") if " - " in line else line.partition(": ")
        else:
            continue
        name, description = _clean(name, 80), _clean(description.replace("|", " "), 300)
        if name and 1 <= len(name.split()) <= 8:
            out.append(Proposal(name, description))
    return out


class ExtractiveNamer:
    """No model: categories are named after their heaviest members; assignment stays with embeddings."""

    def __init__(self, tree: str = "ai_values") -> None:
        self.tree = tree
        self.stats = NamerStats()

    def propose(self, groups: list[tuple[list[str], list[str], int]]) -> list[list[Proposal]]:
        return [[] for _ in groups]  # the hierarchizer then uses k-means centroids as proposals

    def assign(self, batches: list[tuple[list[str], list[str]]]) -> list[list[int | None]]:
        return [[None] * len(items) for items, _ in batches]

    def rename(self, batches: list[list[list[str]]]) -> list[list[Proposal | None]]:
        return [[extractive_name(children) for children in parents] for parents in batches]


def extractive_name(children: Sequence[str]) -> Proposal:
    """A name from the first (heaviest) children: 'a, b and c' + a description listing a few more."""
    head = list(dict.fromkeys(child.split(" and ")[0] for child in children[:2]))  # no 'a and b and c'
    name = " and ".join(head)
    description = "Includes " + "; ".join(children[:6]) + (" and more." if len(children) > 6 else ".")
    return Proposal(name, description, "extractive")
