"""Benchmark the scrubber on the planted-PII corpus: recall/precision per kind, throughput, vs regex only.

    OMP_NUM_THREADS=2 nice -n 10 .venv/bin/python bench/privacy.py [--n 60] [--seed 20250423]

Rows: planted kinds (recall = share of planted occurrences fully replaced) and detected types
(precision = share of replaced spans that overlap a planted string). Scrubbers run on the same corpus in
the same process: Presidio as configured (segmented spaCy, with per-conversation propagation and
proper-noun runs), the same on Presidio's whole-text path (``nlp_mode="full"``, the scrubber before
issue 13), Presidio without propagation, Presidio without proper-noun runs, and a straightforward
regex-only baseline.

Throughput, whole-text path vs segmented path, in the same run: the planted corpus in one batch, and with
``--sharegpt N`` N real ShareGPT conversations end to end through ``scrub_workspace`` (conversations per
second of wall time, and per CPU-second for the in-process runs, which a busy machine disturbs less;
worker processes' CPU is not visible from here), with the load average and how many messages the two
paths scrub differently.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "privacy"))

from planted_corpus import KINDS, SEED, build_corpus  # noqa: E402
from planted_eval import Score, regex_baseline, score_corpus  # noqa: E402

from wildvalues.privacy.config import PrivacyConfig  # noqa: E402
from wildvalues.privacy.scrub import scrub_conversation, scrub_conversations  # noqa: E402

# Which Presidio entity types answer which planted kind (for the precision rows).
TYPE_TO_KIND = {
    "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "CREDIT_CARD": "CREDIT_CARD", "US_SSN": "SSN",
    "US_PASSPORT": "PASSPORT", "UK_PASSPORT": "PASSPORT", "US_DRIVER_LICENSE": "DRIVER_LICENSE",
    "IBAN_CODE": "IBAN", "UK_NHS": "NHS", "IP_ADDRESS": "IP_ADDRESS", "STREET_ADDRESS": "STREET_ADDRESS",
    "UK_POSTCODE": "STREET_ADDRESS", "URL": "URL", "PERSON": "PERSON",
}


def presidio(cfg: PrivacyConfig):
    def run(texts: list[str]) -> list[list[tuple[int, int, str]]]:
        return [[(e.start, e.end, TYPE_TO_KIND.get(e.entity_type, e.entity_type)) for e in r.entities]
                for r in scrub_conversation(texts, cfg)]
    return run


def regex(texts: list[str]) -> list[list[tuple[int, int, str]]]:
    return [regex_baseline(t) for t in texts]


def fmt(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=60, help="conversations in the corpus")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--sharegpt", type=int, default=0, metavar="N",
                        help="also scrub N real ShareGPT conversations: replacement rate and speed")
    args = parser.parse_args()
    console = Console(width=180)
    corpus = build_corpus(args.seed, args.n)
    n_planted = sum(len(c.planted) for c in corpus)
    n_kinds = len({p["kind"] for c in corpus for p in c.planted})
    console.print(f"corpus: {len(corpus)} conversations, {sum(len(c.messages) for c in corpus)} messages, "
                  f"{n_planted} planted strings of {n_kinds} kinds")

    started = time.perf_counter()
    scrub_conversation(["warm-up: Jane Doe, jane@example.com"])  # loads spaCy + Presidio once
    console.print(f"analyzer load: {time.perf_counter() - started:.1f} s")

    runs: dict[str, Score] = {
        "presidio": score_corpus(corpus, presidio(PrivacyConfig())),
        "presidio-full": score_corpus(corpus, presidio(PrivacyConfig(nlp_mode="full"))),
        "presidio-noprop": score_corpus(corpus, presidio(PrivacyConfig(propagate_within_conversation=False))),
        "presidio-noNNP": score_corpus(corpus, presidio(PrivacyConfig(proper_noun_runs=False))),
        "regex": score_corpus(corpus, regex),
    }
    table = Table(title="recall per planted kind (occurrences fully replaced) | precision per detected kind")
    table.add_column("kind")
    table.add_column("planted occ.", justify="right")
    for name in runs:
        table.add_column(f"{name} recall", justify="right")
    for name in runs:
        table.add_column(f"{name} prec. (n)", justify="right")
    for kind in (*KINDS, None):
        label = kind or "ALL (micro)"
        planted = runs["presidio"].planted[kind] if kind else sum(runs["presidio"].planted.values())
        recalls = [fmt(s.recall(kind)) for s in runs.values()]
        precs = [f"{fmt(s.precision(kind))} ({s.detected[kind] if kind else sum(s.detected.values())})"
                 for s in runs.values()]
        table.add_row(label, str(planted), *recalls, *precs)
    extra = sorted({t for s in runs.values() for t in s.detected} - set(KINDS))
    for etype in extra:
        table.add_row(f"(other) {etype}", "", *["" for _ in runs],
                      *[f"{fmt(s.precision(etype))} ({s.detected[etype]})" for s in runs.values()])
    console.print(table)

    for name, score in runs.items():
        console.print(f"{name:>16}: {score.chars / score.seconds:,.0f} chars/s "
                      f"({score.chars:,} chars in {score.seconds:.2f} s, one call per conversation)")
    conversations = [[m["content"] for m in c.messages] for c in corpus]
    chars = sum(len(m["content"]) for c in corpus for m in c.messages)
    for mode in ("full", "segmented"):
        wall, cpu = time.perf_counter(), time.process_time()
        scrub_conversations(conversations, PrivacyConfig(nlp_mode=mode))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        console.print(f"{'batch ' + mode:>16}: {len(corpus) / wall:.1f} conversations/s, "
                      f"{chars / wall:,.0f} chars/s ({len(corpus) / cpu:.1f} per CPU-second; "
                      "all conversations in one call)")

    if args.sharegpt:
        real_text(console, args.sharegpt)


def real_text(console: Console, n: int) -> None:
    """No ground truth on real chats: speed end to end, what gets replaced, and where the paths differ."""
    import os
    import resource
    import tempfile

    from wildvalues.ingest import demo_source, ingest
    from wildvalues.privacy.scrub import scrub_workspace
    from wildvalues.workspace import Workspace

    def own_cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    runs = (("whole-text (before)", PrivacyConfig(nlp_mode="full", processes=1)),
            ("segmented, 1 process", PrivacyConfig(processes=1)),
            ("segmented, 2 processes", PrivacyConfig(processes=2)),
            ("segmented, no proper-noun runs", PrivacyConfig(proper_noun_runs=False, processes=1)))
    texts: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp, Workspace(Path(tmp) / "ws") as ws:
        ingest([demo_source()], ws, sample=n, seed=0)
        for label, cfg in runs:
            ws.con.execute("DROP TABLE IF EXISTS scrubbed_messages")
            load = os.getloadavg()[0]
            wall, cpu = time.perf_counter(), own_cpu()
            summary = scrub_workspace(ws, cfg)
            wall, cpu = time.perf_counter() - wall, own_cpu() - cpu
            texts[label] = [row[0] for row in ws.con.execute(
                "SELECT content FROM scrubbed_messages ORDER BY conversation_id, idx").fetchall()]
            per_k = 1000 * summary["entities_replaced"] / summary["chars"]
            per_cpu = f", {summary['scrubbed_now'] / cpu:.1f} per CPU-second" if cfg.processes == 1 else ""
            console.print(f"ShareGPT ({label}): {summary['scrubbed_now']} conversations, "
                          f"{summary['scrubbed_now'] / wall:.1f} conversations/s{per_cpu} "
                          f"({summary['chars'] / wall:,.0f} chars/s; load average {load:.1f} on "
                          f"{os.cpu_count()} CPUs), {summary['entities_replaced']} replacements "
                          f"({per_k:.2f} per 1,000 chars): {summary['entities_by_type']}")
    before, after = texts["whole-text (before)"], texts["segmented, 1 process"]
    differing = sum(a != b for a, b in zip(before, after, strict=True))
    same_parallel = texts["segmented, 2 processes"] == after
    console.print(f"ShareGPT: {differing} of {len(after)} messages scrubbed differently by the whole-text "
                  f"and segmented paths; 2 processes give {'the same' if same_parallel else 'DIFFERENT'} "
                  "text as 1")


if __name__ == "__main__":
    main()
