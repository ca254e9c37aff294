"""A synthetic workspace shaped like the paper's data, with known (planted) structure.

Drawn from the released frequencies (``values_frequencies.csv``: percent of conversations per AI value) and
the released AI-value tree (``values_tree.csv``), with the paper's response mix (§3.4), per-model mixes
(Table 9), values per conversation (§3.1: 4.0 AI values, 1.48 human values, 54.9 % without) and three
planted effects whose truth the tests and the benchmark check:

* a value-task link: ``planted_link = (ai value, task)`` — every conversation of that task has a high chance
  of expressing the value;
* a null: ``planted_null = (ai value, task)`` — a common value that is drawn independently of the task;
* a human→AI link (``planted_human_ai``) and a task where the AI mostly resists (``resistance_task``).

Everything is generated in vectorised numpy and written with Arrow, so 308,210 conversations take seconds.
Used by the benchmark, the tests and the report engineer; never by the real pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from wildvalues.analyze.synthetic_tables import write_synthetic_tables
from wildvalues.paths import shared_dir
from wildvalues.records import RESPONSE_TYPES

RELEASED_DIR = (
    shared_dir()
    / "data"
    / "values-in-the-wild"
)

# Paper §3.4: percent of all conversations per response type (sums to 100).
PAPER_RESPONSE_MIX = {
    "strong_support": 28.2,
    "mild_support": 14.5,
    "neutral_acknowledgment": 9.6,
    "reframing": 6.6,
    "mild_resistance": 2.4,
    "strong_resistance": 3.0,
    "no_values": 35.7,
}
# Table 9 (3 Opus column); the other models use the paper's overall mix.
OPUS_RESPONSE_MIX = {
    "strong_support": 43.8,
    "mild_support": 11.6,
    "neutral_acknowledgment": 8.1,
    "reframing": 5.0,
    "mild_resistance": 2.9,
    "strong_resistance": 9.5,
    "no_values": 19.1,
}
DEFAULT_MODELS = {"claude-3-5-sonnet": 0.91, "claude-3-5-haiku": 0.06, "claude-3-opus": 0.03}
# Table 1, human side (percent of conversations).
TOP_HUMAN_VALUES = {
    "authenticity": 3.8,
    "efficiency": 2.6,
    "clarity": 2.2,
    "professionalism": 1.5,
    "directness": 1.5,
}
# Table 6 mirroring rates, used as the chance of copying one human value to the AI side.
MIRROR_RATE = {
    "strong_support": 0.16,
    "mild_support": 0.16,
    "reframing": 0.12,
    "mild_resistance": 0.07,
    "strong_resistance": 0.005,
    "neutral_acknowledgment": 0.0,
    "no_values": 0.0,
}
# Figure 13b, roughly: share of conversations with >= 1 stated AI value, per response type.
STATED_RATE = {
    "strong_support": 0.36,
    "mild_support": 0.37,
    "neutral_acknowledgment": 0.57,
    "reframing": 0.84,
    "mild_resistance": 0.74,
    "strong_resistance": 0.91,
    "no_values": 0.59,
}
STATED_PRONE = ("intellectual honesty", "harm prevention", "epistemic humility", "honesty", "thoroughness")
TOP_TASKS = (
    "Creative writing and storytelling",
    "Software development and debugging",
    "Academic writing and research",
    "Business strategy and marketing",
    "Relationship and interpersonal advice",
    "Mental health and wellbeing",
    "Education and tutoring",
    "Career development",
    "Data analysis",
    "Health and medical information",
    "Legal questions",
    "Financial planning",
    "Historical analysis",
    "Philosophy and ethics discussions",
    "Technology and AI discussions",
    "Translation and language",
    "Travel planning",
    "Cooking and recipes",
    "Personal productivity",
    "Parenting advice",
    "Fitness and sport",
    "Science explanations",
    "Politics and current events",
    "Gaming and role-play",
    "Religion and spirituality",
    "Home and DIY",
    "Product reviews and shopping",
    "Music and art",
    "Environmental topics",
    "Circumventing safety guardrails",
)


@dataclass
class SyntheticTruth:
    """What was planted, so tests and benchmarks can check that the analysis finds it."""

    n_conversations: int
    planted_link: tuple[str, str]
    planted_null: tuple[str, str]
    planted_human_ai: tuple[str, str]
    resistance_task: str
    models: dict[str, float] = field(default_factory=dict)
    n_ai_values: int = 0
    n_human_values: int = 0
    n_tasks: int = 0


def _released(path: Path | None, name: str) -> Path:
    path = path or RELEASED_DIR / name
    if not path.exists():
        raise FileNotFoundError(f"{path}: released Values-in-the-Wild file not found (pass its path)")
    return path


def _mix(rng: np.random.Generator, n: int, shares: dict[str, float]) -> np.ndarray:
    probs = np.array(list(shares.values()), dtype=float)
    return rng.choice(len(probs), size=n, p=probs / probs.sum())


def _zipf_weights(n: int, rng: np.random.Generator, exponent: float = 1.0) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return rng.permutation(weights) / weights.sum()


def _dedup(conv: np.ndarray, label: np.ndarray, n_labels: int) -> tuple[np.ndarray, np.ndarray]:
    key = np.unique(conv.astype(np.int64) * n_labels + label)
    return key // n_labels, key % n_labels


def _list_array(conv: np.ndarray, label: np.ndarray, names: np.ndarray, n: int) -> pa.ListArray:
    order = np.lexsort((label, conv))
    offsets = np.concatenate([[0], np.cumsum(np.bincount(conv, minlength=n))]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(names[label[order]], type=pa.string()))


def make_workspace(
    ws,
    n_conversations: int,
    seed: int = 0,
    *,
    n_tasks: int = 6745,
    n_human_values: int = 2483,
    n_objective: int = 0,
    models: dict[str, float] | None = None,
    task_boost: float = 0.3,
    frequencies_csv: Path | None = None,
    tree_csv: Path | None = None,
    run_id: str = "synthetic",
) -> SyntheticTruth:
    """Fill (replacing) ``features``, ``raw.conversations``, ``tree_nodes`` and ``label_paths`` of ``ws``.

    ``n_conversations`` subjective conversations are generated, plus ``n_objective`` non-subjective ones
    (features.subjective = FALSE) so that ``--all-conversations`` has something to add.
    """
    rng = np.random.default_rng(seed)
    models = models or DEFAULT_MODELS
    freqs = pd.read_csv(_released(frequencies_csv, "values_frequencies.csv"))
    tree = pd.read_csv(_released(tree_csv, "values_tree.csv"), keep_default_na=False)
    ai_names = freqs["value"].to_numpy(dtype=object)
    n_ai = len(ai_names)
    ai_index = {name: i for i, name in enumerate(ai_names)}
    n = n_conversations + n_objective

    # --- tasks: Zipf-like sizes, three levels (6,745 -> 458 -> 30 in the paper) -------------------------
    n_mid = max(1, round(n_tasks * 458 / 6745))
    n_top = min(len(TOP_TASKS), max(2, round(n_tasks * 30 / 6745)))
    task_weights = np.sort(_zipf_weights(n_tasks, rng, 0.8))[::-1]
    task = rng.choice(n_tasks, size=n, p=task_weights)
    task_mid = np.concatenate([np.arange(min(n_mid, n_tasks)), rng.integers(0, n_mid, n_tasks - n_mid)])
    mid_top = np.concatenate([np.arange(n_top), rng.integers(0, n_top, max(0, n_mid - n_top))])[:n_mid]
    resistance_task = n_tasks - 1
    if n_mid > n_top:  # the resisted task sits under the last top-level task ("Circumventing ... guardrails")
        mid_top[task_mid[resistance_task]] = n_top - 1

    # --- models and response types ----------------------------------------------------------------------
    model_names = np.array(list(models), dtype=object)
    model = _mix(rng, n, models)
    rt_names = np.array(RESPONSE_TYPES, dtype=object)
    response = _mix(rng, n, PAPER_RESPONSE_MIX)
    opus = np.flatnonzero(np.char.find(model_names.astype(str), "opus") >= 0)
    for m in opus:
        rows = np.flatnonzero(model == m)
        response[rows] = _mix(rng, len(rows), OPUS_RESPONSE_MIX)
    resist_rows = np.flatnonzero((task == resistance_task) & (rng.random(n) < 0.6))
    response[resist_rows] = RESPONSE_TYPES.index("strong_resistance")
    no_values = response == RESPONSE_TYPES.index("no_values")

    # --- human values: Table 1 top five, Zipf tail over other value names -------------------------------
    others = np.array([v for v in ai_names if v not in TOP_HUMAN_VALUES], dtype=object)
    tail = rng.choice(others, size=max(0, n_human_values - len(TOP_HUMAN_VALUES)), replace=False)
    human_names = np.concatenate([np.array(list(TOP_HUMAN_VALUES), dtype=object), tail])
    top_share = np.array(list(TOP_HUMAN_VALUES.values())) / 148.0
    tail_w = np.sort(_zipf_weights(len(tail), rng, 0.5))[::-1] * (1 - top_share.sum())
    human_w = np.concatenate([top_share, tail_w])
    human_w /= human_w.sum()
    has_human = np.where(no_values, rng.random(n) < 0.05, rng.random(n) < 0.673)
    k_human = np.where(has_human, 1 + rng.poisson(2.28, n), 0)
    h_conv = np.repeat(np.arange(n), k_human)
    h_label = rng.choice(len(human_names), size=len(h_conv), p=human_w)
    h_conv, h_label = _dedup(h_conv, h_label, len(human_names))

    # --- AI values: released frequencies + task pools + mirroring + planted human->AI link --------------
    ai_w = freqs["pct_convos"].to_numpy(float)
    ai_w = ai_w / ai_w.sum()
    k_ai = np.where(rng.random(n) < 0.014, 0, 1 + rng.poisson(2.9, n))
    a_conv = np.repeat(np.arange(n), k_ai)
    a_label = rng.choice(n_ai, size=len(a_conv), p=ai_w)
    link_value = ai_index.get("historical accuracy", min(200, n_ai - 1))
    null_value = ai_index.get("transparency", 2)
    pool_candidates = np.setdiff1d(np.arange(min(50, n_ai), min(1500, n_ai)), [link_value, null_value])
    pools = rng.choice(pool_candidates, size=(n_tasks, 3))
    pools[0, :] = link_value  # the largest task: the planted link
    boosted = np.flatnonzero((k_ai > 0) & (rng.random(n) < task_boost))
    boosted_label = pools[task[boosted], rng.integers(0, 3, len(boosted))]
    boosted_label[task[boosted] == 0] = np.where(
        rng.random(int((task[boosted] == 0).sum())) < 0.6, link_value, rng.choice(pool_candidates)
    )
    human_to_ai = np.array([ai_index[v] for v in human_names])
    mirror_p = np.array([MIRROR_RATE[r] for r in RESPONSE_TYPES])[response[h_conv]]
    first_h = np.r_[True, h_conv[1:] != h_conv[:-1]]
    mirror = first_h & (rng.random(len(h_conv)) < mirror_p)
    planted_h = human_names[min(40, len(human_names) - 1)]
    planted_ai = ai_index.get("harm prevention", 30)
    linked = (human_names[h_label] == planted_h) & (rng.random(len(h_conv)) < 0.7)
    a_conv = np.concatenate([a_conv, boosted, h_conv[mirror], h_conv[linked]])
    a_label = np.concatenate(
        [a_label, boosted_label, human_to_ai[h_label[mirror]], np.full(int(linked.sum()), planted_ai)]
    )
    a_conv, a_label = _dedup(a_conv, a_label, n_ai)

    # --- stated AI values: a subset of the conversation's AI values, favouring a few -------------------
    stated_p = np.array([STATED_RATE[r] for r in RESPONSE_TYPES])[response]
    keep = rng.random(len(a_conv)) < 0.25
    has_stated = rng.random(n) < stated_p
    prone = np.array([ai_index[v] for v in STATED_PRONE if v in ai_index])
    extra_conv = np.flatnonzero(has_stated & (rng.random(n) < 0.3))
    s_conv = np.concatenate([a_conv[keep & has_stated[a_conv]], extra_conv])
    s_label = np.concatenate([a_label[keep & has_stated[a_conv]], rng.choice(prone, len(extra_conv))])
    s_conv, s_label = _dedup(s_conv, s_label, n_ai)

    # --- assemble ---------------------------------------------------------------------------------------
    ids = np.array([f"syn{seed}-{i:08d}" for i in range(n)], dtype=object)
    base_names = np.array([f"task {t:05d}" for t in range(n_tasks)], dtype=object)
    mid_names = np.array([f"task group {m:04d}" for m in range(n_mid)], dtype=object)
    top_names = np.array(TOP_TASKS[:n_top], dtype=object)
    subjective = np.arange(n) < n_conversations
    n_users = max(1, n // 3)
    users = rng.choice(n_users, size=n, p=np.sort(_zipf_weights(n_users, rng, 0.7))[::-1])
    features = pa.table(
        {
            "conversation_id": pa.array(ids, type=pa.string()),
            "subjectivity_level": pa.array(np.where(subjective, 3, 1).astype(np.int32)),
            "subjective": pa.array(subjective),
            "ai_values": _list_array(a_conv, a_label, ai_names, n),
            "human_values": _list_array(h_conv, h_label, human_names, n),
            "response_type": pa.array(rt_names[response], type=pa.string()),
            "task": pa.array(base_names[task], type=pa.string()),
            "stated_ai_values": _list_array(s_conv, s_label, ai_names, n),
        }
    )
    conversations = pa.table(
        {
            "conversation_id": features["conversation_id"],
            "model": pa.array(model_names[model], type=pa.string()),
            "user_id": pa.array(np.char.add("user-", users.astype(str)), type=pa.string()),
        }
    )
    task_paths = pa.table(
        {
            "label": pa.array(np.tile(ids, 3), type=pa.string()),
            "level": pa.array(np.repeat(np.arange(3, dtype=np.int32), n)),
            "cluster_id": pa.array(
                np.concatenate(
                    [
                        np.char.add("tasks:l0:", task.astype(str)),
                        np.char.add("tasks:l1:", task_mid[task].astype(str)),
                        np.char.add("tasks:l2:", mid_top[task_mid[task]].astype(str)),
                    ]
                )
            ),
            "cluster_name": pa.array(
                np.concatenate(
                    [base_names[task], mid_names[task_mid[task]], top_names[mid_top[task_mid[task]]]]
                ),
                type=pa.string(),
            ),
        }
    )
    task_nodes = pd.DataFrame(
        {
            "cluster_id": [f"tasks:l0:{t}" for t in range(n_tasks)]
            + [f"tasks:l1:{m}" for m in range(n_mid)]
            + [f"tasks:l2:{t}" for t in range(n_top)],
            "name": list(base_names) + list(mid_names) + list(top_names),
            "level": [0] * n_tasks + [1] * n_mid + [2] * n_top,
            "parent_cluster_id": [f"tasks:l1:{m}" for m in task_mid]
            + [f"tasks:l2:{t}" for t in mid_top]
            + [None] * n_top,
        }
    )
    write_synthetic_tables(
        ws,
        features=features,
        conversations=conversations,
        value_tree=tree,
        human_names=list(human_names),
        task_nodes=task_nodes,
        task_paths=task_paths,
        run_id=run_id,
    )
    return SyntheticTruth(
        n_conversations=n_conversations,
        planted_link=(str(ai_names[link_value]), str(base_names[0])),
        planted_null=(str(ai_names[null_value]), str(base_names[0])),
        planted_human_ai=(str(planted_h), str(ai_names[planted_ai])),
        resistance_task=str(base_names[resistance_task]),
        models=dict(models),
        n_ai_values=n_ai,
        n_human_values=len(human_names),
        n_tasks=n_tasks,
    )
