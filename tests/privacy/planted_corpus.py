"""A seeded corpus of synthetic everyday conversations with planted PII, each planted string recorded.

Run ``python tests/privacy/planted_corpus.py OUT_DIR`` to write ``planted.jsonl`` (OpenAI messages format,
one conversation a line) and ``planted_truth.jsonl`` (line number -> planted strings with their kind).
Used by the privacy tests and by ``bench/privacy.py``. Synthetic: no real people.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # siblings import as top-level modules

from planted_ids import KINDS, SEED, Planted  # noqa: E402
from planted_scenarios import SCENARIOS  # noqa: E402

__all__ = ["KINDS", "SEED", "Planted", "build_corpus", "write_corpus"]


def build_corpus(seed: int = SEED, n: int = 60) -> list[Planted]:
    """``n`` conversations cycling through the scenarios, deterministic for a seed."""
    rng = random.Random(seed)
    corpus = []
    for i in range(n):
        conv = Planted()
        SCENARIOS[i % len(SCENARIOS)](conv, rng)
        corpus.append(conv)
    return corpus


def write_corpus(out_dir: Path, seed: int = SEED, n: int = 60) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    corpus = build_corpus(seed, n)
    conv_path, truth_path = out_dir / "planted.jsonl", out_dir / "planted_truth.jsonl"
    with open(conv_path, "w", encoding="utf-8") as conv_fh, \
            open(truth_path, "w", encoding="utf-8") as truth_fh:
        for line, conv in enumerate(corpus, start=1):
            conv_fh.write(json.dumps({"messages": conv.messages}, ensure_ascii=False) + "\n")
            truth_fh.write(json.dumps({"line": line, "planted": conv.planted}, ensure_ascii=False) + "\n")
    return conv_path, truth_path


if __name__ == "__main__":
    paths = write_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "planted-pii"))
    print(*paths, sep="\n")
