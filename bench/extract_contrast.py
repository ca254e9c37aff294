"""Do the LLM's contrast log-probs add to the heads? Collect them on labelled data, then test by CV.

    # 1. collect (resumable; every call goes through the cached LLM layer)
    nice -n 10 .venv/bin/python bench/extract_contrast.py collect --train-n 240 --out contrast.jsonl
    # 2. 5-fold CV on the training subset only: heads alone vs heads + contrasts; dev scored once
    .venv/bin/python bench/extract_contrast.py fit --out contrast.jsonl

The contrast questions are asked on the *user side* of the truncated transcript: the same prompt prefix
(system + user-side transcript) that the task sentence already pays for, so in production each pair costs
two one-token scorings on a cached prefix. A pair's score is P(yes | Q) - P(yes | not Q) (BASELINE.md).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO.parent / "shared" / "eval"
PAIRS = ("contrast_subjective", "contrast_values")


def collect(args) -> None:
    from wildvalues.extract.config import ExtractConfig
    from wildvalues.extract.gold import load_gold
    from wildvalues.extract.llm_features import YES_NO, p_yes
    from wildvalues.extract.prompts import load_prompts
    from wildvalues.extract.transcript import render, truncated_turns
    from wildvalues.llm import LLMConfig, LLMRequest, get_client
    from wildvalues.workspace import Workspace

    cfg, prompts = ExtractConfig(), load_prompts("fast")
    train = load_gold(args.train)
    random.Random(0).shuffle(train)
    items = [("dev", c) for c in load_gold(args.dev)] + [("train", c) for c in train[: args.train_n]]
    done = set()
    if args.out.exists():
        done = {json.loads(line)["id"] for line in args.out.read_text().splitlines() if line.strip()}
    client = get_client(LLMConfig(threads=args.threads), workspace=Workspace(args.cache_workspace))
    started = time.perf_counter()
    with args.out.open("a") as fh:
        for n, (split, conv) in enumerate(items):
            if conv.id in done:
                continue
            turns = truncated_turns(conv, cfg)
            user_side = render([t for t in turns if t.role == "user"])
            row = {"id": conv.id, "split": split}
            for name in PAIRS:
                q, neg = prompts.contrast(name, user_side)
                answers = client.complete_many(
                    [
                        LLMRequest(messages=m, choices=YES_NO, max_tokens=2, tag=f"bench.{name}")
                        for m in (q, neg)
                    ]
                )
                row[name] = [p_yes(a.choice_logprobs) for a in answers]
            fh.write(json.dumps(row) + "\n")
            fh.flush()
            print(
                f"[{time.perf_counter() - started:7.1f}s] {n + 1}/{len(items)} {split} {conv.id}",
                file=sys.stderr,
                flush=True,
            )
    print(json.dumps(client.accounting()))
    client.close()


def _contrast_matrix(rows: list[dict]) -> np.ndarray:
    cols = []
    for name in PAIRS:
        pos = np.array([r[name][0] for r in rows])
        neg = np.array([r[name][1] for r in rows])
        cols += [pos - neg]
    return np.column_stack(cols)


def head_oof(x_all, y_all, sub, held_folds, c_head: float = 0.01):
    """Out-of-fold class probabilities on ``sub`` (indices into the training set): for each fold of
    positions in ``held_folds``, the head is refitted on every other training conversation."""
    from sklearn.linear_model import LogisticRegression

    classes = np.array(sorted(set(y_all)))
    oof = np.zeros((len(sub), len(classes)))
    for held_idx in held_folds:
        held = [sub[i] for i in held_idx]
        keep = np.setdiff1d(np.arange(len(y_all)), held)
        xs = x_all[keep]
        mean, scale = xs.mean(0), xs.std(0) + 1e-3
        model = LogisticRegression(C=c_head, max_iter=4000, random_state=0).fit(
            (xs - mean) / scale, y_all[keep]
        )
        proba = model.predict_proba((x_all[held] - mean) / scale)
        for j, k in enumerate(model.classes_):
            oof[held_idx, list(classes).index(k)] = proba[:, j]
    return classes, oof


def _kfold(sub, seed: int):
    from sklearn.model_selection import KFold

    return (held for _, held in KFold(5, shuffle=True, random_state=seed).split(sub))


def repeated_cv(x_all, y_all, sub, contrast, repeats: int = 5) -> dict[str, tuple[float, float, float]]:
    """Subjective accuracy (mean, sd) and AUC over ``repeats`` different 5-fold splits: head vs stacked."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    y = y_all[sub]
    scores: dict[str, list[tuple[float, float]]] = {}
    for seed in range(repeats):
        oof = head_oof(x_all, y_all, sub, _kfold(sub, seed))[1][:, 1]  # classes [False, True]
        logit = np.log(np.clip(oof, 1e-4, 1 - 1e-4) / np.clip(1 - oof, 1e-4, 1))
        scores.setdefault("head alone", []).append((np.mean((oof >= 0.5) == y), roc_auc_score(y, oof)))
        for name, cols in (("+ subjective pair", [0]), ("+ both pairs", [0, 1])):
            for c in (0.3, 1.0, 3.0):
                feats, pred = np.column_stack([logit, contrast[:, cols]]), np.zeros(len(sub))
                for tr, held in StratifiedKFold(5, shuffle=True, random_state=100 + seed).split(feats, y):
                    model = LogisticRegression(C=c, max_iter=1000).fit(feats[tr], y[tr])
                    pred[held] = model.predict_proba(feats[held])[:, 1]
                key = f"{name}, C={c}"
                scores.setdefault(key, []).append((np.mean((pred >= 0.5) == y), roc_auc_score(y, pred)))
    return {
        k: (
            float(np.mean([a for a, _ in v])),
            float(np.std([a for a, _ in v])),
            float(np.mean([u for _, u in v])),
        )
        for k, v in scores.items()
    }


def fit(args) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    from wildvalues.extract.config import ExtractConfig
    from wildvalues.extract.gold import load_gold
    from wildvalues.extract.heads import load_heads
    from wildvalues.extract.signals import signal_matrix
    from wildvalues.extract.transcript import truncated_turns

    rows = {json.loads(line)["id"]: json.loads(line) for line in args.out.read_text().splitlines() if line}
    cfg = ExtractConfig()
    train_all = load_gold(args.train)
    dev = load_gold(args.dev)
    x_all = signal_matrix([truncated_turns(c, cfg) for c in train_all])
    y_all = np.array([bool(c.labels.subjective) for c in train_all])
    sub = [i for i, c in enumerate(train_all) if c.id in rows and rows[c.id]["split"] == "train"]
    print(f"training conversations with contrasts: {len(sub)} of {len(train_all)}")
    contrast = _contrast_matrix([rows[train_all[i].id] for i in sub])
    y = y_all[sub]
    for j, name in enumerate(PAIRS):
        print(
            f"AUC of {name} alone for 'subjective' on the train subset: "
            f"{roc_auc_score(y, contrast[:, j]):.3f}"
        )

    print(f"subjective, {args.repeats} x 5-fold CV on the subset (mean accuracy, sd, mean AUC):")
    repeated = repeated_cv(x_all, y_all, sub, contrast, args.repeats)
    for key, (acc, sd, auc) in repeated.items():
        print(f"  {key}: {acc:.3f} (sd {sd:.3f}), AUC {auc:.3f}")
    # out-of-fold head probability: the head is refitted without the held-out fold (all other 600 - fold)
    stratified = (held for _, held in StratifiedKFold(5, shuffle=True, random_state=0).split(sub, y))
    p_head = head_oof(x_all, y_all, sub, stratified)[1][:, 1]
    logit = np.log(np.clip(p_head, 1e-4, 1 - 1e-4) / np.clip(1 - p_head, 1e-4, 1))
    print(
        f"head alone, CV on the subset: acc {np.mean((p_head >= 0.5) == y):.3f}, "
        f"AUC {roc_auc_score(y, p_head):.3f}"
    )
    variants = {"head + subjective contrast": [0], "head + both contrasts": [0, 1]}
    for label, cols in variants.items():
        feats = np.column_stack([logit, contrast[:, cols]])
        for c in (0.1, 1.0, 10.0):
            pred = np.zeros(len(sub))
            for tr_idx, held_idx in StratifiedKFold(5, shuffle=True, random_state=1).split(feats, y):
                model = LogisticRegression(C=c, max_iter=1000).fit(feats[tr_idx], y[tr_idx])
                pred[held_idx] = model.predict_proba(feats[held_idx])[:, 1]
            print(
                f"{label}, C={c}: CV acc {np.mean((pred >= 0.5) == y):.3f}, AUC {roc_auc_score(y, pred):.3f}"
            )
    rt_all = np.array([c.labels.response_type for c in train_all])
    p_rt = head_oof(x_all, rt_all, sub, _kfold(sub, 0))
    rt = rt_all[sub]
    print(
        "response type head alone, CV on the subset: strict "
        f"{np.mean(p_rt[0][np.argmax(p_rt[1], 1)] == rt):.3f}"
    )
    log_rt = np.log(np.clip(p_rt[1], 1e-4, 1))
    for label, cols in {"+ values contrast": [1], "+ both contrasts": [0, 1]}.items():
        feats = np.column_stack([log_rt, contrast[:, cols]])
        for c in (0.1, 1.0):
            pred = np.empty(len(sub), dtype=object)
            for tr_idx, held_idx in StratifiedKFold(5, shuffle=True, random_state=1).split(feats, rt):
                model = LogisticRegression(C=c, max_iter=2000).fit(feats[tr_idx], rt[tr_idx])
                pred[held_idx] = model.predict(feats[held_idx])
            print(f"response type head {label}, C={c}: CV strict {np.mean(pred == rt):.3f}")
    cols = [PAIRS.index(p) for p in args.pairs.split(",")]
    final = LogisticRegression(C=args.c, max_iter=1000).fit(np.column_stack([logit, contrast[:, cols]]), y)
    if args.write:
        from datetime import date

        from wildvalues.extract.stack import Stacker
        from wildvalues.llm import LLMConfig

        info = {
            "fitted_on": f"{len(sub)} conversations of {args.train.name} (seeded subset), "
            f"out-of-fold head probabilities",
            "C": args.c,
            "date": date.today().isoformat(),
            "command": "bench/extract_contrast.py fit --write",
            "cv_subjective_accuracy": {
                "head alone": round(repeated["head alone"][0], 3),
                "stacked": round(repeated[f"+ subjective pair, C={args.c}"][0], 3),
                "splits": f"{args.repeats} x 5-fold",
            },
        }
        stacker = Stacker(
            "v1",
            LLMConfig().model,
            "subjective",
            tuple(PAIRS[i] for i in cols),
            tuple(float(w) for w in final.coef_[0]),
            float(final.intercept_[0]),
            info,
        )
        args.write.write_text(json.dumps(stacker.to_json(), indent=1) + "\n")
        print(f"wrote {args.write}: weights {stacker.weights}, intercept {stacker.intercept:.3f}")
    if args.dev_once:
        heads = load_heads()
        dev_rows = [rows[c.id] for c in dev if c.id in rows]
        sig = signal_matrix([truncated_turns(c, cfg) for c in dev])
        classes = heads.heads["subjective"].classes
        p_dev = heads.heads["subjective"].predict_proba(sig)[:, list(classes).index("True")]
        y_dev = np.array([bool(c.labels.subjective) for c in dev])
        model = final
        logit_dev = np.log(np.clip(p_dev, 1e-4, 1 - 1e-4) / np.clip(1 - p_dev, 1e-4, 1))
        stacked = model.predict_proba(np.column_stack([logit_dev, _contrast_matrix(dev_rows)[:, cols]]))[:, 1]
        print(
            f"dev (n={len(dev)}): head {np.mean((p_dev >= 0.5) == y_dev):.3f}, stacked "
            f"{np.mean((stacked >= 0.5) == y_dev):.3f}; coefficients {model.coef_.round(3).tolist()} "
            f"intercept {model.intercept_.round(3).tolist()}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=("collect", "fit"))
    parser.add_argument("--train", type=Path, default=EVAL / "train.jsonl")
    parser.add_argument("--dev", type=Path, default=EVAL / "dev.jsonl")
    parser.add_argument("--train-n", type=int, default=240)
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "contrast.jsonl")
    parser.add_argument("--cache-workspace", type=Path, default=Path(tempfile.gettempdir()) / "contrast-ws")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dev-once", action="store_true", help="score dev with the chosen setting")
    parser.add_argument("--pairs", default="contrast_subjective", help="the pairs the stacker uses")
    parser.add_argument("--c", type=float, default=1.0, help="the stacker's regularisation")
    parser.add_argument("--repeats", type=int, default=5, help="repeated 5-fold CV splits")
    parser.add_argument("--write", type=Path, default=None, help="write the fitted stacker JSON here")
    args = parser.parse_args()
    collect(args) if args.command == "collect" else fit(args)


if __name__ == "__main__":
    main()
