"""Exports in the released dataset's schema, Parquet of every result table, and the run manifest.

``values_frequencies.csv`` and ``values_tree.csv`` have exactly the columns (and column order) of the
Anthropic/values-in-the-wild release, with percentages rounded to 3 decimals as there. Only rows that
passed the privacy thresholds are written (they come from ``ReportData``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from wildvalues import __version__
from wildvalues.report.data import ReportData
from wildvalues.workspace import package_versions

FREQUENCY_COLUMNS = ["value", "pct_convos"]
TREE_COLUMNS = ["cluster_id", "description", "name", "level", "parent_cluster_id", "pct_total_occurrences"]
# side of an_value_frequencies -> file name (the released file is the AI side)
FREQUENCY_FILES = {
    "ai": "values_frequencies.csv",
    "human": "human_values_frequencies.csv",
    "stated": "stated_values_frequencies.csv",
}
TREE_FILES = {
    "ai_values": "values_tree.csv",
    "human_values": "human_values_tree.csv",
    "tasks": "tasks_tree.csv",
}
_TREE_SIDE = {"ai_values": "ai", "human_values": "human"}


def frequencies_frame(data: ReportData, side: str) -> pd.DataFrame:
    """``value, pct_convos`` (percent of conversations, 3 dp), most frequent first."""
    freqs = data.table("an_value_frequencies")
    if freqs.empty:
        return pd.DataFrame(columns=FREQUENCY_COLUMNS)
    part = freqs[freqs["side"] == side]
    out = pd.DataFrame(
        {"value": part["value"].astype(str), "pct_convos": part["pct_convos"].astype(float).round(3)}
    )
    return out.sort_values(["pct_convos", "value"], ascending=[False, True], kind="mergesort").reset_index(
        drop=True
    )


def tree_frame(data: ReportData, tree: str) -> pd.DataFrame:
    """One tree in the released ``values_tree.csv`` layout (leaves first, then each level up)."""
    gated = data.trees.get(tree)
    if gated is None or gated.frame.empty:
        return pd.DataFrame(columns=TREE_COLUMNS)
    nodes = gated.frame.copy()
    pct = nodes["pct_total_occurrences"].astype(float)
    shares = data.table("an_category_shares")
    side = _TREE_SIDE.get(tree)
    if pct.isna().any() and side and not shares.empty:  # fill from the analysis' expression shares
        lookup = shares[shares["side"] == side].set_index(["level", "cluster_id"])["pct_expressions"]
        lookup = lookup[~lookup.index.duplicated()]
        keys = pd.MultiIndex.from_arrays([nodes["level"].astype(int), nodes["cluster_id"]])
        pct = pct.fillna(pd.Series(lookup.reindex(keys).to_numpy(), index=nodes.index))
    out = pd.DataFrame(
        {
            "cluster_id": nodes["cluster_id"].astype(str),
            "description": nodes["description"].fillna("").astype(str),
            "name": nodes["name"].astype(str),
            "level": nodes["level"].astype(int),
            "parent_cluster_id": nodes["parent_cluster_id"].fillna("").astype(str),
            "pct_total_occurrences": pct.round(3),
        }
    )
    return out.sort_values(["level", "parent_cluster_id", "name"], kind="mergesort").reset_index(drop=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n")


def write_exports(data: ReportData, out_dir: Path) -> list[Path]:
    """CSV files in the released schema plus ``parquet/<table>.parquet`` of every shown result table."""
    written: list[Path] = []
    for side, name in FREQUENCY_FILES.items():
        frame = frequencies_frame(data, side)
        if side == "ai" or len(frame):
            _write_csv(frame, out_dir / name)
            written.append(out_dir / name)
    for tree, name in TREE_FILES.items():
        frame = tree_frame(data, tree)
        if tree == "ai_values" or len(frame):
            _write_csv(frame, out_dir / name)
            written.append(out_dir / name)
    parquet_dir = out_dir / "parquet"
    parquet_dir.mkdir(parents=True, exist_ok=True)
    for stale in parquet_dir.glob("*.parquet"):
        stale.unlink()
    for name, gated in sorted(data.tables.items()):
        if gated.withheld_reason:
            continue
        path = parquet_dir / f"{name}.parquet"
        gated.frame.to_parquet(path, index=False)
        written.append(path)
    for tree, gated in sorted(data.trees.items()):
        path = parquet_dir / f"tree_nodes_{tree}.parquet"
        gated.frame.to_parquet(path, index=False)
        written.append(path)
    return written


def overview_counts(data: ReportData) -> dict[str, Any]:
    """Headline numbers from ``an_overview`` (already thresholded) keyed ``metric[:side]``."""
    overview = data.table("an_overview")
    counts: dict[str, Any] = {}
    for row in overview.itertuples(index=False):
        key = row.metric if pd.isna(row.side) or not row.side else f"{row.metric}:{row.side}"
        counts[key] = row.label if isinstance(row.label, str) and pd.isna(row.value) else row.value
    return counts


def build_manifest(
    data: ReportData,
    files: list[Path],
    out_dir: Path,
    *,
    include_examples: bool,
    min_audit_rating: int,
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A machine-readable account of what the report was built from and what it withheld."""
    summary = data.summary
    return {
        "tool": "wildvalues",
        "wildvalues_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": package_versions(),
        "assistant_models": summary.models,
        "sources": summary.sources,
        "extractor_models": summary.extractor_models,
        "prompt_versions": summary.prompt_versions,
        "thresholds": {
            "min_conversations": data.k,
            "min_users": data.u,
            "min_audit_rating": min_audit_rating,
        },
        "counts": {
            "conversations_ingested": summary.n_conversations,
            "conversations_with_features": summary.n_features,
            "subjective": summary.n_subjective,
            "users_known": summary.n_users_known,
            "extraction_failures": summary.extraction_failures,
            **overview_counts(data),
        },
        "suppression": data.suppression(),
        "include_examples": include_examples,
        "caveats": summary.caveats,
        "runs": summary.runs,
        "report_config": config or {},
        "files": [
            {"path": str(p.relative_to(out_dir)), "bytes": p.stat().st_size, "sha256": _sha256(p)}
            for p in files
        ],
    }


def write_manifest(manifest: dict[str, Any], out_dir: Path) -> Path:
    path = out_dir / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    return path
