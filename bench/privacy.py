"""Benchmark the scrubber on the planted-PII corpus: recall/precision per kind, throughput, vs regex only.

    OMP_NUM_THREADS=2 nice -n 10 .venv/bin/python bench/privacy.py [--n 60] [--seed 20250423]

Rows: planted kinds (recall = share of planted occurrences fully replaced) and detected types
(precision = share of replaced spans that overlap a planted string). Three scrubbers run on the same
corpus in the same process: Presidio as configured (with per-conversation propagation and proper-noun
runs), Presidio without propagation, Presidio without proper-noun runs, and a straightforward regex-only
baseline.
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
    started = time.perf_counter()
    scrub_conversations([[m["content"] for m in c.messages] for c in corpus], PrivacyConfig())
    seconds = time.perf_counter() - started
    chars = sum(len(m["content"]) for c in corpus for m in c.messages)
    console.print(f"{'presidio batch':>16}: {chars / seconds:,.0f} chars/s "
                  "(all conversations in one spaCy pipe)")

    if args.sharegpt:
        real_text(console, args.sharegpt)


def real_text(console: Console, n: int) -> None:
    """No ground truth on real chats: report how much gets replaced, by type, and the speed."""
    import tempfile

    from wildvalues.ingest import demo_source, ingest
    from wildvalues.privacy.scrub import scrub_workspace
    from wildvalues.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp, Workspace(Path(tmp) / "ws") as ws:
        ingest([demo_source()], ws, sample=n, seed=0)
        for label, cfg in (("default", PrivacyConfig()), ("no proper-noun runs",
                                                          PrivacyConfig(proper_noun_runs=False))):
            ws.con.execute("DROP TABLE IF EXISTS scrubbed_messages")
            summary = scrub_workspace(ws, cfg)
            per_k = 1000 * summary["entities_replaced"] / summary["chars"]
            console.print(f"ShareGPT sample ({label}): {summary['scrubbed_now']} conversations, "
                          f"{summary['chars']:,} chars, {summary['chars_per_second']:,} chars/s, "
                          f"{summary['entities_replaced']} replacements ({per_k:.2f} per 1,000 chars): "
                          f"{summary['entities_by_type']}")


if __name__ == "__main__":
    main()
