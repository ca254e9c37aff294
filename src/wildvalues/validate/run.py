"""The validate commands over a workspace: each records a run (``ws.run``) and returns its summary."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from wildvalues.validate.annotations import (
    load_annotations,
    load_sample,
    read_annotation_files,
    store_annotations,
)
from wildvalues.validate.sample import (
    draw_sample,
    pack_items,
    sample_conversations,
    store_sample,
    vocabulary,
    write_pack,
)
from wildvalues.workspace import Workspace

VALIDATION_TABLE = "an_validation"
JUDGE_BATCH = 10


class ValidationError(ValueError):
    pass


def sample_workspace(
    ws: Workspace,
    *,
    n: int,
    seed: int = 0,
    annotators: int = 2,
    stratify: str | None = None,
    show_extractor: bool = False,
    out_dir: Path | None = None,
    replace: bool = False,
) -> dict[str, Any]:
    """Draw (or redraw) the sample, store it, write the annotation pack."""
    if annotators < 1:
        raise ValidationError("--annotators must be at least 1")
    args = {
        "n": n,
        "seed": seed,
        "annotators": annotators,
        "stratify": stratify,
        "show_extractor": show_extractor,
        "replace": replace,
    }
    with ws.run("validate sample", args) as run:
        sample_id, draw = draw_sample(ws, n, seed, stratify, replace)
        store_sample(ws, sample_id, draw, seed, run.run_id)
        out = Path(out_dir) if out_dir else ws.root / "validation" / "pack"
        items = pack_items(ws, draw.conversation_ids, show_extractor)
        files = write_pack(out, sample_id, items, vocabulary(ws), annotators)
        summary = {
            "sample_id": sample_id,
            "design": draw.design,
            "drawn": len(draw.conversation_ids),
            "requested": n,
            "annotators": annotators,
            "extractor_labels_shown": show_extractor,
            "pack": str(out),
            "files": [f.name for f in files],
            "run_id": run.run_id,
        }
        run.counts.update({"drawn": len(draw.conversation_ids), "files": len(files)})
    return summary


def import_workspace(ws: Workspace, files: list[Path], annotator: str | None = None) -> dict[str, Any]:
    sample = load_sample(ws)
    if sample.empty:
        raise ValidationError(f"{ws.root}: no validation sample (run `wildvalues validate sample` first)")
    with ws.run("validate import", {"files": [str(f) for f in files], "annotator": annotator}) as run:
        records = read_annotation_files(files, set(sample["conversation_id"]), annotator)
        written = store_annotations(ws, records, run.run_id)
        by_annotator: dict[str, int] = {}
        for a, _ in records:
            by_annotator[a.annotator] = by_annotator.get(a.annotator, 0) + 1
        summary = {
            "files": len(files),
            "annotations": written,
            "by_annotator": by_annotator,
            "sample_size": len(sample),
            "run_id": run.run_id,
        }
        run.counts.update({"read": written, "stored": written, "annotators": len(by_annotator)})
    return summary


def judge_workspace(
    ws: Workspace,
    cfg: Any,
    *,
    dry_run: bool = False,
    limit: int | None = None,
    client: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Label the sample with ``cfg.llm`` (paper prompts); ``dry_run`` returns the cost estimate only."""
    from wildvalues.extract.prompts import load_prompts
    from wildvalues.llm import client_for
    from wildvalues.llm.estimate import estimate_requests, workspace_cache
    from wildvalues.llm.models import served_model_name
    from wildvalues.validate.judge import annotator_id, judge_conversations, judge_requests

    sample = load_sample(ws)
    if sample.empty:
        raise ValidationError(f"{ws.root}: no validation sample (run `wildvalues validate sample` first)")
    ids = sample["conversation_id"].tolist()[:limit]
    conversations = sample_conversations(ws, ids)
    prompts = load_prompts("paper", cfg.extract.prompts_dir)
    llm = cfg.llm
    model = (
        str(client.model) if client is not None else served_model_name(llm.backend, llm.model, llm.model_path)
    )
    backend = client.backend.name if client is not None else llm.backend
    cache = workspace_cache(ws, llm)
    estimate = estimate_requests(
        judge_requests(conversations, prompts, cfg.extract),
        llm,
        model,
        backend=client.backend if client is not None else None,
        cache=cache,
    )
    estimate["note"] = "first attempts only: an unparseable answer costs one more call with a reminder"
    if cache is not None:
        cache.close()
    summary: dict[str, Any] = {
        "annotator": annotator_id(backend, model),
        "conversations": len(conversations),
        "estimate": estimate,
    }
    if dry_run:
        return summary | {"dry_run": True}
    with ws.run(
        "validate judge", {"limit": limit, "backend": backend, "model": model}, cfg.model_dump()
    ) as run, client_for(llm, ws, run.run_id, given=client) as judge:
        labels, written = [], 0
        try:  # stored every JUDGE_BATCH conversations: a budget stop or a crash keeps what was labelled
            for start in range(0, len(conversations), JUDGE_BATCH):
                batch = judge_conversations(
                    conversations[start : start + JUDGE_BATCH], judge, cfg.extract, prompts
                )
                written += store_annotations(ws, [(a, f"judge run {run.run_id}") for a in batch], run.run_id)
                labels += batch
                if progress:
                    progress(len(labels), len(conversations))
        finally:
            accounting = judge.accounting()
        failed = sum(1 for a in labels if a.response_type is None or a.subjectivity_level is None)
        summary |= {
            "labelled": written,
            "incomplete": failed,
            "run_id": run.run_id,
            "llm": {
                k: accounting.get(k)
                for k in ("calls", "cached", "new", "failed", "prompt_tokens", "completion_tokens", "dollars")
            },
        }
        run.counts.update({"labelled": written, "incomplete": failed, "llm": summary["llm"]})
    return summary


def score_workspace(ws: Workspace) -> dict[str, Any]:
    """Agreement figures; also written to ``an_validation`` for the report."""
    from wildvalues.validate.score import score, score_rows

    sample, annotations = load_sample(ws), load_annotations(ws)
    if sample.empty or annotations.empty:
        raise ValidationError(
            f"{ws.root}: no annotations to score (run `wildvalues validate import` or `validate judge` first)"
        )
    ids = list(sample["conversation_id"])
    con = ws.con.cursor()
    feats = con.execute(
        "SELECT conversation_id, response_type, subjectivity_level, ai_values, human_values FROM features "
        "WHERE list_contains(?, conversation_id)",
        [ids],
    ).df()
    con.close()
    extractor = {r["conversation_id"]: r for r in feats.to_dict("records")}
    raters: dict[str, dict[str, dict]] = {}
    for r in annotations.to_dict("records"):
        raters.setdefault(r["annotator"], {})[r["conversation_id"]] = r
    humans = sorted(set(annotations.loc[annotations["kind"] == "human", "annotator"]))
    with ws.run("validate score", {}) as run:
        result = score(extractor, raters, humans)
        frame = score_rows(result).assign(run_id=run.run_id)
        con = ws.con.cursor()
        con.execute(f"DROP TABLE IF EXISTS {VALIDATION_TABLE}")
        con.register("va_rows", frame)
        con.execute(f"CREATE TABLE {VALIDATION_TABLE} AS SELECT * FROM va_rows")
        con.unregister("va_rows")
        con.close()
        result["sample_size"] = len(sample)
        result["design"] = str(sample["design"].iloc[0])
        result["run_id"] = run.run_id
        run.counts.update({"items": result["items"], "annotators": len(raters), "rows": len(frame)})
    return result
