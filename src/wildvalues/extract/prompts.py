"""Versioned prompt templates: built-in sets ``prompts/v1`` (fast) and ``prompts/paper``, overridable
per file.

A template is a text file with a ``$transcript`` placeholder (``string.Template`` syntax). Contrast
templates hold the question and its negation separated by a line ``---``. The prompt version names the
set plus a short hash of every template's text, so a user's override yields a new version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from string import Template

from wildvalues.llm.base import ChatMessage

BUILTIN = Path(__file__).parent / "prompts"
MODE_SETS = {"fast": "v1", "paper": "paper"}


class PromptError(ValueError):
    pass


@dataclass(frozen=True)
class PromptSet:
    name: str
    texts: dict[str, str]

    @property
    def version(self) -> str:
        digest = hashlib.sha256()
        for key in sorted(self.texts):
            digest.update(key.encode() + b"\0" + self.texts[key].encode() + b"\0")
        return f"{self.name}-{digest.hexdigest()[:8]}"

    def _fill(self, name: str, text: str, transcript: str) -> str:
        try:
            return Template(text).substitute(transcript=transcript)
        except (KeyError, ValueError) as exc:
            raise PromptError(
                f"prompt template {name!r}: {exc} (use $transcript; write $$ for a dollar)"
            ) from exc

    def messages(self, name: str, transcript: str) -> tuple[ChatMessage, ...]:
        if name not in self.texts:
            raise PromptError(f"prompt set {self.name!r} has no template {name!r}")
        return (
            ChatMessage("system", self.texts["system"].strip()),
            ChatMessage("user", self._fill(name, self.texts[name], transcript).strip()),
        )

    def contrast(self, name: str, transcript: str) -> tuple[tuple[ChatMessage, ...], tuple[ChatMessage, ...]]:
        text = self.texts.get(name)
        if text is None or "\n---\n" not in text:
            raise PromptError(f"contrast template {name!r} needs a question and its negation split by '---'")
        question, negation = text.split("\n---\n", 1)
        system = ChatMessage("system", self.texts["system"].strip())
        return (
            (system, ChatMessage("user", self._fill(name, question, transcript).strip())),
            (system, ChatMessage("user", self._fill(name, negation, transcript).strip())),
        )


def load_prompts(mode: str = "fast", override_dir: Path | str | None = None) -> PromptSet:
    """The built-in set for ``mode``; files in ``override_dir`` (same names, ``.txt``) replace them."""
    if mode not in MODE_SETS:
        raise PromptError(f"unknown extraction mode {mode!r} (expected fast or paper)")
    texts = {p.stem: p.read_text(encoding="utf-8") for p in sorted((BUILTIN / MODE_SETS[mode]).glob("*.txt"))}
    name = MODE_SETS[mode]
    if override_dir is not None:
        folder = Path(override_dir)
        if not folder.is_dir():
            raise PromptError(f"prompt folder {folder} does not exist")
        overrides = {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}
        unknown = sorted(set(overrides) - set(texts))
        if unknown:
            raise PromptError(f"{folder}: unknown template(s) {unknown}; known: {sorted(texts)}")
        texts.update(overrides)
        name += "+custom"
    for key, text in texts.items():
        if key != "system" and "$transcript" not in text:
            raise PromptError(f"template {key!r} has no $transcript placeholder")
    return PromptSet(name, texts)
