"""False-positive scan of the injection guard: every text in ../shared (eval sets and raw data) through
``neutralise``; prints each text it would alter (what it would take out) and the count.

    nice -n 10 .venv/bin/python bench/guard_scan.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wildvalues.extract.guard import neutralise

ROOT = Path(__file__).resolve().parents[1]


def _strings(obj: Any) -> Iterator[str]:
    if isinstance(obj, str):
        if len(obj) > 20:
            yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _strings(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _strings(value)


def _records(path: Path) -> Iterator[Any]:
    if path.suffix == ".json":
        yield json.loads(path.read_text(encoding="utf-8"))
    elif path.suffix == ".jsonl":
        yield from (json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip())
    elif path.name.endswith(".jsonl.gz"):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            yield from (json.loads(line) for line in fh if line.strip())
    elif path.suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as fh:
            yield from (list(row.values()) for row in csv.DictReader(fh))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    csv.field_size_limit(1 << 30)
    texts = altered = chars = 0
    start = time.perf_counter()
    for path in sorted(p for sub in ("eval", "data") for p in (args.shared / sub).rglob("*") if p.is_file()):
        for record in _records(path):
            for text in _strings(record):
                texts += 1
                chars += len(text)
                kept, notes = neutralise(text)
                if kept != text:
                    altered += 1
                    removed = [n.text[:160] for n in notes if n.action == "removed"]
                    print(f"altered {path.relative_to(args.shared)}: {removed}")
    print(f"{texts} texts ({chars / 1e6:.1f} M characters): {altered} altered, "
          f"{time.perf_counter() - start:.0f} s (shared machine)")


if __name__ == "__main__":
    main()
