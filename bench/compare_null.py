"""False-positive rate of `wildvalues compare` and the drift check over repeated same-distribution draws.

    python bench/compare_null.py [--draws 400] [--n 800] [--drift-draws 100]

Each draw makes two synthetic studies from the same distribution (30 independent values, 5 categories,
7 response types; wildvalues.compare.synthetic) and counts, per family, whether anything was flagged after
the correction (BH and Bonferroni), and the share of single tests flagged. The drift part draws stable
6-week series and counts series with any flag. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from wildvalues.compare.drift import drift_flags, period_shares
from wildvalues.compare.stats import adjust, compare_items, item_counts
from wildvalues.compare.synthetic import CATEGORIES, make_view


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=400)
    parser.add_argument("--n", type=int, default=800)
    parser.add_argument("--drift-draws", type=int, default=100)
    args = parser.parse_args()
    started = time.perf_counter()
    any_flag = {m: {"value": 0, "category": 0, "response_type": 0} for m in ("bh", "bonferroni", "none")}
    tests = flagged_single = 0
    for draw in range(args.draws):
        rng = np.random.default_rng(10_000 + draw)
        a, b = make_view("A", args.n, rng), make_view("B", args.n, rng)
        counts_a, n_a, _ = item_counts(a.conversations, a.labels, CATEGORIES)
        counts_b, n_b, _ = item_counts(b.conversations, b.labels, CATEGORIES)
        items = compare_items(counts_a, n_a, counts_b, n_b, correction="bh")
        for kind, group in items.groupby("kind"):
            p = group["p_value"].to_numpy()
            any_flag["bh"][kind] += bool((adjust(p, "bh") < 0.05).any())
            any_flag["bonferroni"][kind] += bool((adjust(p, "bonferroni") < 0.05).any())
            any_flag["none"][kind] += bool((p < 0.05).any())
        tests += len(items)
        flagged_single += int(items["significant"].sum())
    series_flagged = 0
    for draw in range(args.drift_draws):
        view = make_view("S", 2400, np.random.default_rng(50_000 + draw), periods=6)
        flags = drift_flags(period_shares(view.conversations, view.labels, CATEGORIES, "week"))
        series_flagged += bool(flags["flagged"].any())
    result = {
        "draws": args.draws,
        "n_per_study": args.n,
        "family_any_flag_rate": {
            m: {k: round(v / args.draws, 4) for k, v in d.items()} for m, d in any_flag.items()
        },
        "single_test_flag_rate_bh": round(flagged_single / tests, 5),
        "drift_series": args.drift_draws,
        "drift_series_any_flag_rate": round(series_flagged / args.drift_draws, 4),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
