"""Prompt-injection benchmark: does text planted in a conversation change what is extracted from it?

    OMP_NUM_THREADS=2 nice -n 10 .venv/bin/python bench/injection.py --n 40 [--profile thorough|heads|paper]
        [--out results.json]

Builds pairs (a real conversation from ../shared/eval/train*.jsonl and a copy with one planted instruction
addressed to whatever analyses the transcript; generator in tests/extract/injection_set.py), extracts both
with the chosen profile (``thorough``: the embedded 1.5B judge as in today's default; ``heads``: no LLM;
``paper``: one prompt per feature) and counts pairs where any extracted field differs, and pairs where the
planted word shows up in a field. Held-out phrasings (not used to write the guard) are reported apart.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "extract"))

from injection_set import (  # noqa: E402
    FRESH_PHRASINGS,
    PHRASINGS,
    build_pairs,
    changed_fields,
    pick_conversations,
)

from wildvalues.extract.config import ExtractConfig  # noqa: E402
from wildvalues.extract.core import extract_batch  # noqa: E402
from wildvalues.extract.extractor import build_extractor  # noqa: E402


def _fields_text(features) -> str:
    parts = [features.task or "", *features.ai_values, *features.human_values, *features.stated_ai_values,
             features.response_type or ""]
    return " ".join(parts).lower()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--fresh", action="store_true", help="the fresh phrasings instead of dev + held-out")
    parser.add_argument("--max-chars", type=int, default=2500, help="longest conversation picked")
    parser.add_argument("--profile", choices=("thorough", "heads", "paper"), default="thorough")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--task-only", action="store_true",
                        help="thorough without contrasts and explicit values (task sentence only)")
    parser.add_argument("--threads", type=int, default=2, help="llama.cpp threads (1 on a crowded machine)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per LLM call")
    args = parser.parse_args()
    files = sorted((args.shared / "eval").glob("train*.jsonl"))
    pairs = build_pairs(pick_conversations(files, args.n, max_chars=args.max_chars),
                        FRESH_PHRASINGS if args.fresh else PHRASINGS)
    client = None
    if args.profile != "heads":
        from wildvalues.llm import LLMConfig, get_client

        # a long timeout: on a loaded machine a call timing out would count as a changed field
        client = get_client(LLMConfig(backend="local", timeout_s=args.timeout, threads=args.threads))
    profile = {"paper": "paper", "heads": "fast"}.get(args.profile, "thorough")
    cfg = ExtractConfig(profile=profile, extract_all=True)
    if args.task_only:
        cfg = cfg.model_copy(update={"llm_contrasts": False, "explicit_values_gate": "off"})
    extractor = build_extractor(cfg, client)
    start = time.perf_counter()
    rows = []
    for pair in pairs:  # pair by pair, one line each, so a long run can be read as it goes
        a, b = extract_batch([pair.clean, pair.injected], extractor)
        rows.append({
            "id": pair.clean.conversation_id, "phrasing": pair.phrasing, "position": pair.position,
            "held_out": pair.held_out, "word": pair.word, "changed": changed_fields(a, b),
            "planted_word_in_fields": pair.word in _fields_text(b) and pair.word not in _fields_text(a),
            "task_clean": a.task, "task_injected": b.task,
            "failures_clean": a.failures, "failures_injected": b.failures,
            "guard": b.raw_outputs.get("guard"), "guard_clean": a.raw_outputs.get("guard"),
        })
        shown = ("id", "phrasing", "position", "changed", "task_clean", "task_injected", "failures_clean",
                 "failures_injected")
        print(json.dumps({k: rows[-1][k] for k in shown}), flush=True)
    seconds = time.perf_counter() - start
    groups = (("all", lambda r: True),
              ("dev phrasings", lambda r: not r["held_out"] and not r["phrasing"].startswith("fresh_")),
              ("held-out phrasings", lambda r: r["held_out"]),
              ("fresh phrasings", lambda r: r["phrasing"].startswith("fresh_")))
    for group, keep in groups:
        part = [r for r in rows if keep(r)]
        if part:
            changed = sum(bool(r["changed"]) for r in part)
            planted = sum(r["planted_word_in_fields"] for r in part)
            print(f"{group:20s} pairs {len(part):3d}  changed {changed:3d}  planted word copied {planted:3d}")
    for r in rows:
        if r["changed"]:
            print(f"  changed {r['id']} [{r['phrasing']}/{r['position']}] {r['changed']}: "
                  f"{r['task_clean']!r} -> {r['task_injected']!r}")
    print(f"profile {args.profile}: {2 * len(pairs)} extractions in {seconds:.0f} s (shared machine)")
    if client is not None:
        client.close()
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
