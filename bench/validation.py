"""Naive vs prediction-powered estimate of the strong-resistance share on HH-RLHF (issue 14's measure).

    OMP_NUM_THREADS=2 nice -n 10 .venv/bin/python bench/validation.py [--json OUT.json]

* Unlabelled: all 2,312 rows of HH-RLHF harmless-base test (``../shared/data``; the ``chosen`` side, as
  ``wildvalues ingest`` reads it: 2,309 distinct conversations), labelled by the embedded default's
  response-type head (no LLM: in fast mode the response type is the head's argmax whatever the LLM does).
* Labelled: the 520 HH-RLHF conversations of ``../shared/eval/train.jsonl`` (120) and ``train2.jsonl`` (400),
  matched to the 2,312 by their line in the file, with the gold response type as truth. Their predictions are
  made out of fold by heads that never saw them: the shipped heads were fitted on ``train.jsonl`` only, so
  train2's 400 are predicted by the shipped head, and train's 120 by the same head refitted without them
  (5 folds, ``bench/extract_contrast.py``'s ``head_oof``). The same out-of-fold predictions replace the
  shipped head's for those 520 among the 2,312, so one predictor labels everything.
* Reported: the naive share (the head's share of the 2,312, Wilson 95% CI), the PPI++ estimate and 95% CI, the
  labelled sample alone, the labelled share (520 / 2,312) and the head's accuracy on the 520.

Caveat printed with the figures: the 520 are not a uniform random draw from the 2,312 (train2 picked
multi-turn dialogues), which PPI assumes; the figure shows the size of the correction, not a certified
interval.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
HH_FILE = SHARED / "data" / "hh-rlhf" / "harmless-base" / "test.jsonl.gz"
TRAIN_FILES = (SHARED / "eval" / "train.jsonl", SHARED / "eval" / "train2.jsonl")
TARGET = "strong_resistance"
_LINE = re.compile(r"line (\d+)")


def _head_oof():
    spec = importlib.util.spec_from_file_location("extract_contrast", REPO / "bench" / "extract_contrast.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.head_oof, module._kfold


def read_hh() -> dict[int, object]:
    """HH-RLHF harmless-base test as ``wildvalues ingest`` reads it: line number -> Conversation."""
    from wildvalues.ingest.config import IngestConfig
    from wildvalues.ingest.detect import plan
    from wildvalues.ingest.readers import FileStats, read_source
    from wildvalues.records import Conversation

    cfg = IngestConfig()
    sources, _ = plan([HH_FILE], "hh-rlhf", cfg)
    out = {}
    for item in read_source(sources[0], cfg, FileStats()):
        if isinstance(item, Conversation):
            out[int(_LINE.search(item.source_ref).group(1))] = item
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    import torch

    from wildvalues.extract.config import ExtractConfig
    from wildvalues.extract.gold import load_gold
    from wildvalues.extract.heads import load_heads
    from wildvalues.extract.metrics import wilson
    from wildvalues.extract.signals import signal_matrix
    from wildvalues.extract.transcript import truncated_turns
    from wildvalues.validate.ppi import labels_only, naive_share, ppi_mean

    torch.set_num_threads(2)
    started = time.perf_counter()
    cfg = ExtractConfig()
    hh = read_hh()
    lines = sorted(hh)
    print(f"HH-RLHF harmless-base test: {len(lines)} conversations read", file=sys.stderr)
    heads = load_heads()
    head = heads.heads["response_type"]
    x_hh = signal_matrix([truncated_turns(hh[i], cfg) for i in lines], cfg.embed_model)
    classes = list(head.classes)
    pred = np.array(classes)[np.argmax(head.predict_proba(x_hh), 1)]
    print(f"signals + shipped head on {len(lines)}: {time.perf_counter() - started:.0f} s", file=sys.stderr)

    train, train2 = load_gold(TRAIN_FILES[0]), load_gold(TRAIN_FILES[1])
    refs = {}  # id -> "hh-rlhf/harmless-base/test.jsonl.gz line N" (GoldConversation keeps no source_ref)
    for path in TRAIN_FILES:
        for text in path.open(encoding="utf-8"):  # not splitlines(): U+2028 occurs inside strings
            if text.strip():
                row = json.loads(text)
                refs[row["id"]] = row.get("source_ref", "")
    x_train = signal_matrix([truncated_turns(c, cfg) for c in train], cfg.embed_model)
    y_train = np.array([c.labels.response_type for c in train])
    head_oof, kfold = _head_oof()
    position = {line: k for k, line in enumerate(lines)}
    labelled_pos, truth, oof_pred, origin = [], [], [], []
    sub = [i for i, c in enumerate(train) if c.source.startswith("hh-rlhf")]
    oof_classes, proba = head_oof(x_train, y_train, sub, kfold(sub, 0))
    missing = []
    for j, i in enumerate(sub):
        line = _gold_line(refs[train[i].id])
        if line not in position:  # a line the reader rejected or de-duplicated
            missing.append(train[i].id)
            continue
        labelled_pos.append(position[line])
        truth.append(train[i].labels.response_type)
        oof_pred.append(oof_classes[np.argmax(proba[j])])
        origin.append("train (5-fold OOF)")
    hh2 = [c for c in train2 if c.source.startswith("hh-rlhf")]
    x2 = signal_matrix([truncated_turns(c, cfg) for c in hh2], cfg.embed_model)
    pred2 = np.array(classes)[np.argmax(head.predict_proba(x2), 1)]
    for c, p in zip(hh2, pred2, strict=True):
        line = _gold_line(refs[c.id])
        if line not in position:
            missing.append(c.id)
            continue
        labelled_pos.append(position[line])
        truth.append(c.labels.response_type)
        oof_pred.append(p)
        origin.append("train2 (shipped head, unseen)")
    labelled_pos = np.array(labelled_pos)
    gold_by_pos = {position[_gold_line(refs[c.id])]: c for c in [*train, *hh2]
                   if c.source.startswith("hh-rlhf") and _gold_line(refs[c.id]) in position}
    mismatched = sum(  # the match by line number must pair the same dialogue: compare the opening words
        1 for k in labelled_pos
        if _opening(gold_by_pos[k].messages) != _opening(hh[lines[k]].messages)
    )
    if mismatched > 0.02 * len(labelled_pos):
        raise SystemExit(f"{mismatched} of {len(labelled_pos)} labelled conversations differ from their line")
    if len(set(labelled_pos)) != len(labelled_pos):
        raise SystemExit("two labelled conversations matched the same HH-RLHF line")
    pred = pred.copy()
    pred[labelled_pos] = oof_pred  # one predictor for all: out-of-fold where the shipped head saw the item
    f_all = (pred == TARGET).astype(float)
    y = (np.array(truth) == TARGET).astype(float)
    f_lab = f_all[labelled_pos]
    unlabelled = np.setdiff1d(np.arange(len(lines)), labelled_pos)
    naive = naive_share(f_all)
    ppi = ppi_mean(f_all[unlabelled], y, f_lab)
    ppi_classic = ppi_mean(f_all[unlabelled], y, f_lab, lam=1.0)
    only = labels_only(y)
    hits = int(np.sum(f_lab == y))
    acc_low, acc_high = wilson(hits, len(y))
    tp = int(np.sum((f_lab == 1) & (y == 1)))
    figures = {
        "conversations": len(lines), "labelled": len(y), "labelled_share": round(len(y) / len(lines), 4),
        "labelled_by_origin": {o: origin.count(o) for o in sorted(set(origin))},
        "labelled_not_found_in_file": missing,
        "labelled_opening_mismatch": mismatched,
        "true_share_in_labelled": round(float(y.mean()), 4),
        "head_share_in_labelled": round(float(f_lab.mean()), 4),
        "head_accuracy_on_labelled": [round(hits / len(y), 4), round(acc_low, 3), round(acc_high, 3)],
        "head_recall_strong_resistance": round(tp / max(1, int(y.sum())), 4),
        "head_precision_strong_resistance": round(tp / max(1, int(f_lab.sum())), 4),
        "naive": _est(naive), "ppi_tuned": _est(ppi), "ppi_classic": _est(ppi_classic),
        "labelled_only": _est(only), "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(figures, indent=1))
    print(
        f"\nstrong-resistance share, HH-RLHF harmless-base test ({len(lines)} conversations; "
        f"{len(y)} labelled = {100 * len(y) / len(lines):.1f}%)\n"
        "| estimate | share | 95% CI | width |\n|---|---|---|---|\n"
        + "\n".join(f"| {name} | {100 * e.value:.1f}% | {100 * e.low:.1f}–{100 * e.high:.1f}% | "
                    f"{100 * e.width:.1f} pts |"
                    for name, e in (("naive (head labels, Wilson)", naive), ("PPI++ (power-tuned)", ppi),
                                    ("PPI (lam = 1)", ppi_classic), ("labelled sample alone", only)))
        + "\nCaveat: the 520 are not a uniform random draw from the 2,312 (train2 chose multi-turn "
        "dialogues); PPI assumes one."
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))


def _gold_line(ref: str) -> int:
    """The eval files count HH-RLHF lines from 0, ``wildvalues ingest`` from 1 (checked by the openings)."""
    return int(_LINE.search(ref).group(1)) + 1


def _opening(messages) -> str:
    first = next((m.content for m in messages if m.role == "user"), "")
    return " ".join(first.split())[:60].lower()


def _est(e) -> dict:
    out = {"share": round(float(e.value), 4), "ci95": [round(float(e.low), 4), round(float(e.high), 4)],
           "width": round(float(e.width), 4)}
    if e.lam is not None:
        out["lam"] = round(float(e.lam), 3)
    return out


if __name__ == "__main__":
    main()
