"""The fine-tuned student (extract/student.py) against the linear heads, by cross-validation on the 1,285.

    .venv/bin/python bench/students.py cv  [--folds 3] [--epochs 3] [--max-len 128] [--cache DIR] [--reuse]
    .venv/bin/python bench/students.py gates --cache DIR
    .venv/bin/python bench/students.py fit [--epochs 3] [--max-len 128] [--write] [--stack W_RT W_SUBJ]

``cv``: the student is fine-tuned end to end on each training fold (MiniLM-L6, multi-task: response type,
subjective, human values present, stated AI values present) and scored on the held-out fold; the linear
heads are refitted on the same folds with the shipped settings; stacks (the mean of the two probability
vectors, and a weight chosen on the other folds' out-of-fold rows) are scored too, with the shipped decision
rules. One table, per feature; then the weights chosen on every out-of-fold row, for ``fit --stack``.
``gates``: after ``cv``, human / stated AI values with the linear, the student's and a perfect presence
gate (is deciding *whether* there is an explicit value the lever, or choosing the label?).
``fit``: train on all conversations and write the weights into the model cache
(``$WILDVALUES_CACHE/student``, out of git), checking their sha256 against the committed card;
``--write`` pins new weights instead (rewrites the card's sha256 and stack weights).
Wall time is printed; the 2 cores may be shared. dev.jsonl is never read.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import cohen_kappa_score
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))

from extract_cv import ALL, load_training  # noqa: E402
from wildvalues.extract.config import ExtractConfig  # noqa: E402
from wildvalues.extract.fitting import CHOSEN, oof_proba  # noqa: E402
from wildvalues.extract.student import (  # noqa: E402
    STUDENT_DIR,
    StudentCard,
    StudentSettings,
    load_card,
    predict_student,
    save_student,
    save_weights,
    student_pair,
    tokenize,
    train_student,
)
from wildvalues.extract.transcript import truncated_turns  # noqa: E402

TASKS = {
    "response_type": lambda c: c.labels.response_type,
    "subjective": lambda c: str(bool(c.labels.subjective)),
    "human_values_present": lambda c: str(bool(c.labels.human_values)),
    "stated_ai_values_present": lambda c: str(bool(c.labels.stated_ai_values)),
}


def targets_for(gold) -> tuple[dict[str, list[str]], dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(classes per task, class-index targets, string labels)."""
    labels = {t: np.array([f(c) for c in gold]) for t, f in TASKS.items()}
    classes = {t: sorted(set(v)) for t, v in labels.items()}
    index = {t: np.array([classes[t].index(v) for v in labels[t]]) for t in TASKS}
    return classes, index, labels


def decide(task: str, classes: list[str], proba: np.ndarray, prior: np.ndarray | None) -> np.ndarray:
    """The shipped decision rules: response type = argmax p / prior^alpha (CHOSEN), subjective = P >= t."""
    if task == "response_type" and prior is not None:
        proba = proba / prior ** CHOSEN["rt_alpha"]
    if task == "subjective":
        return np.where(proba[:, classes.index("True")] >= CHOSEN["sj_t"], "True", "False")
    return np.asarray(classes)[np.argmax(proba, 1)]


def scored(y: np.ndarray, pred: np.ndarray) -> str:
    return f"{np.mean(pred == y):.3f} (kappa {cohen_kappa_score(y, pred):.2f})"


def best_weight(task, classes, y, student, linear, rows, prior) -> float:
    """The stack weight on the student (0, 0.1, ..., 1) most accurate on ``rows`` (ties: nearest 0.5)."""
    def acc(w: float) -> float:
        mix = w * student[rows] + (1 - w) * linear[rows]
        return float(np.mean(decide(task, classes, mix, prior) == y[rows]))

    return round(float(max(np.linspace(0, 1, 11), key=lambda w: (acc(w), -abs(w - 0.5)))), 1)


def nested_stack(task, classes, y, student, linear, folds, prior) -> tuple[float, list[float]]:
    """Accuracy of the stack when its weight is chosen on the other folds' out-of-fold rows only."""
    correct, chosen = 0, []
    for train_idx, held in folds:
        w = best_weight(task, classes, y, student, linear, train_idx, prior)
        chosen.append(w)
        mix = w * student[held] + (1 - w) * linear[held]
        correct += int(np.sum(decide(task, classes, mix, prior) == y[held]))
    return correct / len(y), chosen


def run_cv(args) -> None:
    gold, x = load_training(args.train, args.cache)
    if args.limit:
        gold, x = gold[: args.limit], x[: args.limit]
    settings = StudentSettings(max_len=args.max_len, epochs=args.epochs, seed=0)
    cfg = ExtractConfig()
    encoded = tokenize([student_pair(truncated_turns(c, cfg), settings) for c in gold], settings)
    classes, index, labels = targets_for(gold)
    folds = list(StratifiedKFold(args.folds, shuffle=True, random_state=0).split(x, labels["response_type"]))
    student = {t: np.zeros((len(gold), len(c))) for t, c in classes.items()}
    started = time.perf_counter()
    saved = args.cache / "student_oof.npz" if args.cache else None
    if args.reuse and saved is not None and saved.exists():  # re-tabulate without training again
        student, folds_to_train = dict(np.load(saved)), []
    else:
        folds_to_train = folds
    for k, (tr, held) in enumerate(folds_to_train):
        model = train_student(
            [encoded[i] for i in tr],
            {t: v[tr] for t, v in index.items()},
            classes,
            settings,
            log=lambda m, k=k: print(f"fold {k + 1}: {m}", flush=True),
        )
        for t, p in predict_student(model, [encoded[i] for i in held]).items():
            student[t][held] = p
    wall = time.perf_counter() - started
    if saved is not None and folds_to_train:
        np.savez(saved, **student)
    standardise = {"response_type": CHOSEN["rt_standardise"], "subjective": CHOSEN["sj_standardise"]}
    cs = {
        "response_type": CHOSEN["rt_c"],
        "subjective": CHOSEN["sj_c"],
        "human_values_present": CHOSEN["human_values"]["c"],
        "stated_ai_values_present": CHOSEN["stated_ai_values"]["c"],
    }
    print(f"\n{args.folds}-fold CV on n={len(gold)}; student {settings}; {wall / 60:.1f} min for all folds")
    print("decision rules as shipped (response type: argmax p / prior^0.5; subjective: P >= 0.5)\n")
    print("| feature | linear heads v3 | student | stack, mean (w = 0.5) | stack, w chosen on other folds |")
    print("|---|---|---|---|---|")
    chosen = {}
    for t in TASKS:
        y = labels[t]
        lin_classes, linear = oof_proba(x, y, ALL, cs[t], folds, None, standardise.get(t, True))
        assert list(lin_classes) == classes[t]
        prior = np.array([np.mean(y == k) for k in classes[t]]) if t == "response_type" else None
        mean_mix = 0.5 * student[t] + 0.5 * linear
        nested, weights = nested_stack(t, classes[t], y, student[t], linear, folds, prior)
        chosen[t] = best_weight(t, classes[t], y, student[t], linear, np.arange(len(y)), prior)
        print(
            f"| {t} | {scored(y, decide(t, classes[t], linear, prior))} "
            f"| {scored(y, decide(t, classes[t], student[t], prior))} "
            f"| {scored(y, decide(t, classes[t], mean_mix, prior))} "
            f"| {nested:.3f} (w per fold {weights}) |"
        )
    print(f"\nweights chosen on every out-of-fold row, for `fit --stack`: "
          f"{chosen['response_type']} {chosen['subjective']}")


def run_fit(args) -> None:
    gold, _ = load_training(args.train, args.cache)
    settings = StudentSettings(max_len=args.max_len, epochs=args.epochs, seed=0)
    cfg = ExtractConfig()
    encoded = tokenize([student_pair(truncated_turns(c, cfg), settings) for c in gold], settings)
    classes, index, labels = targets_for(gold)
    started = time.perf_counter()
    model = train_student(encoded, index, classes, settings, log=print)
    wall = time.perf_counter() - started
    print(f"trained on {len(gold)} conversations in {wall / 60:.1f} min")
    if args.write:  # a new pin: weights into the model cache, their sha256 into the committed card
        card = StudentCard(
            classes,
            settings,
            info={"n_train": len(gold), "train_files": args.train, "train_minutes": round(wall / 60, 1),
                  "stack": stack_card(args.stack, classes, labels)},
        )
        print("wrote", save_student(model, card), "and pinned its sha256 in", STUDENT_DIR / "student_v1.json")
        return
    pinned = load_card().info.get("weights_sha256")  # a rebuild: the weights must be the pinned ones
    weights, sha = save_weights(model)
    if sha != pinned:
        sys.exit(f"{weights}: sha256 {sha[:12]}... differs from the pinned {str(pinned)[:12]}... (float "
                 "arithmetic differs on this machine or torch build); extraction will refuse these weights")
    print(f"wrote {weights}: sha256 matches the pinned card ({sha[:12]}...); "
          "enable it with [extract] student = true")


def stack_card(weights: list[float] | None, classes, labels) -> dict:
    """What extract/student_blend.py needs: the CV-chosen weights (0 = the student is not used)."""
    rt = labels["response_type"]
    return {
        "weights": {"response_type": weights[0], "subjective": weights[1]} if weights else {},
        "rt_prior_alpha": CHOSEN["rt_alpha"],
        "priors": {"response_type": {k: float(np.mean(rt == k)) for k in classes["response_type"]}},
    }


def run_gates(args) -> None:
    """Explicit values under the linear, the student's and a perfect (gold) presence gate; same labels."""
    from extract_cv import (
        ASSISTANT,
        MATCH_THRESHOLD,
        USER,
        explicit_parts,
        folds_for,
        fuse_explicit,
        label_vectors,
        released_values,
    )
    from wildvalues.extract.fitting import set_match_counts

    gold, x = load_training(args.train, args.cache)
    student = np.load(args.cache / "student_oof.npz")  # from `cv` on the same files
    folds = folds_for(np.array([c.labels.response_type for c in gold]))
    turns = [truncated_turns(c, ExtractConfig()) for c in gold]
    print("| feature | gate | P threshold | recall | precision | labels / conversation |")
    print("|---|---|---|---|---|---|")
    for feature, query in (("human_values", USER), ("stated_ai_values", ASSISTANT)):
        ch, sets = CHOSEN[feature], [getattr(c.labels, feature) for c in gold]
        vectors = label_vectors([*sets, released_values()])
        linear, knn, span = explicit_parts(
            gold, x, folds, feature, query, ch["c"], ch["neighbours"], ch["vocab"], turns, vectors
        )
        gates = {
            "linear (shipped)": linear,
            "student": student[f"{feature}_present"][:, 1],
            "gold (a perfect gate)": np.array([float(bool(v)) for v in sets]),
        }
        for name, gate in gates.items():
            for t in (0.4, 0.6) if "gold" not in name else (0.5,):
                weights = ch["span_weight"], ch["knn_weight"], ch["max_labels"]
                pred = fuse_explicit(gate, knn, span, *weights, t)
                r, pr, _, n = set_match_counts(sets, pred, vectors, MATCH_THRESHOLD)
                print(f"| {feature} | {name} | {t} | {r:.3f} | {pr:.3f} | {n / len(sets):.2f} |", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("cv", "fit", "gates"))
    ap.add_argument("--train", nargs="+", default=["train.jsonl", "train2.jsonl"])
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--max-len", type=int, default=128)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--reuse", action="store_true", help="cv: re-tabulate the saved out-of-fold predictions")
    ap.add_argument("--stack", nargs=2, type=float, metavar=("W_RT", "W_SUBJ"), default=None,
                    help="fit: the stack weights on the student chosen by cv, recorded in the card")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(2)
    {"cv": run_cv, "fit": run_fit, "gates": run_gates}[args.what](args)


if __name__ == "__main__":
    main()
