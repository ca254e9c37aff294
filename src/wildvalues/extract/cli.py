"""`wildvalues extract` (features for a workspace) and `wildvalues eval` (agreement with labelled data)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from wildvalues.cli_common import (
    DEFAULT_WS,
    ConfigOpt,
    JsonOpt,
    WorkspaceOpt,
    console,
    emit_summary,
    fail,
    open_workspace,
    progress_for,
)
from wildvalues.engine.options import EngineOpt, RayAddressOpt, WorkersOpt, engine_overrides
from wildvalues.stage import MissingInput

ModeOpt = Annotated[
    str | None, typer.Option("--mode", help="paper = the paper profile (kept for older scripts)")
]
ProfileOpt = Annotated[str | None, typer.Option(
    "--profile", help="fast (heads, no LLM; default), thorough (heads + judge) or paper (one prompt each)")]
AllOpt = Annotated[bool | None, typer.Option(
    "--all/--screen", help="every feature for every conversation (default: only subjective ones)")]
PromptsOpt = Annotated[
    Path | None, typer.Option("--prompts", help="folder of .txt templates overriding built-ins")
]
LimitOpt = Annotated[int | None, typer.Option("--limit", help="at most N conversations")]


def _config(config: Path | None, mode: str | None, prompts: Path | None, extra: dict | None = None):
    from wildvalues.cli_common import load_cli_config

    overrides = {"extract.mode": mode, "extract.prompts_dir": str(prompts) if prompts else None} | (
        extra or {}
    )
    return load_cli_config(config, overrides)


def register(app: typer.Typer) -> None:
    @app.command("extract")
    def extract_command(
        workspace: WorkspaceOpt = DEFAULT_WS,
        limit: LimitOpt = None,
        profile: ProfileOpt = None,
        extract_all: AllOpt = None,
        mode: ModeOpt = None,
        prompts: PromptsOpt = None,
        config: ConfigOpt = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="print calls, tokens, dollars and time; send nothing")
        ] = False,
        allow_unscrubbed: Annotated[
            bool, typer.Option("--allow-unscrubbed", help="read raw text when no scrubbed table")
        ] = False,
        engine: EngineOpt = None,
        ray_address: RayAddressOpt = None,
        workers: WorkersOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Extract subjectivity, values, response type and task for each scrubbed conversation."""
        from wildvalues.extract import stage as extract_stage
        from wildvalues.extract.prompts import PromptError

        cfg = _config(config, mode, prompts, {"extract.limit": limit, "extract.profile": profile,
                                              "extract.extract_all": extract_all,
                                              "extract.allow_unscrubbed": allow_unscrubbed or None}
                      | engine_overrides(engine, ray_address, workers))
        with open_workspace(workspace) as ws:
            try:
                if dry_run:
                    summary = extract_stage.estimate(ws, cfg)
                else:
                    with progress_for("extract", as_json) as progress:
                        summary = extract_stage.run(ws, cfg, progress=progress).summary
            except (MissingInput, PromptError) as exc:
                raise fail(str(exc)) from exc
        emit_summary("wildvalues extract" + (" --dry-run" if dry_run else ""), summary, as_json)

    @app.command("eval")
    def eval_command(
        gold_file: Annotated[
            Path,
            typer.Argument(
                help="labelled JSONL (shared/eval/README.md schema), or the xstest folder (refusal labels)"
            ),
        ],
        limit: LimitOpt = None,
        mode: ModeOpt = None,
        prompts: PromptsOpt = None,
        config: ConfigOpt = None,
        workspace: Annotated[
            Path | None,
            typer.Option("--workspace", "-w", help="keep the LLM call cache here (reruns are free)"),
        ] = None,
        no_llm: Annotated[
            bool, typer.Option("--no-llm", help="heads only, whatever the profile")
        ] = False,
        profile: ProfileOpt = None,
        save: Annotated[
            Path | None, typer.Option("--save", help="write the predicted features as JSONL")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Run extraction on labelled conversations and report agreement per feature (95% CIs)."""
        from wildvalues.extract.core import extract_batch
        from wildvalues.extract.evaluate import headline, score
        from wildvalues.extract.extractor import build_extractor
        from wildvalues.extract.gold import GoldFileError, load_gold

        xstest = gold_file.is_dir()
        try:
            if xstest:
                from wildvalues.extract.xstest import load_xstest

                here = Path(gold_file).resolve().parents[1] / "eval"
                gold, excluded = load_xstest(gold_file, [here / "train.jsonl", here / "dev.jsonl"], limit)
            else:
                gold = load_gold(gold_file, limit)
        except (OSError, ValueError, GoldFileError) as exc:
            raise fail(str(exc)) from exc
        # every feature is scored on every labelled conversation (no subjectivity screen)
        cfg = _config(config, mode, prompts, {"extract.profile": profile, "extract.extract_all": True})
        ws = client = None
        if not no_llm and cfg.extract.uses_llm:
            from wildvalues.llm import get_client
            from wildvalues.workspace import Workspace

            ws = Workspace(workspace) if workspace else None
            client = get_client(cfg.llm, workspace=ws)
        features, started = [], time.perf_counter()
        try:
            extractor = build_extractor(cfg.extract, client)
            with progress_for("eval", as_json) as progress:
                progress.start(f"extracting ({cfg.extract.profile})", total=len(gold))
                step = 1 if client is not None else 64  # heads alone run fastest in large batches
                for start in range(0, len(gold), step):
                    features += extract_batch(gold[start : start + step], extractor)
                    progress.advance(len(gold[start : start + step]))
        finally:
            accounting = client.accounting() if client is not None else {}
            if client is not None:
                client.close()
            if ws is not None:
                ws.close()
        elapsed = time.perf_counter() - started
        if save:
            save.write_text("".join(f.model_dump_json() + "\n" for f in features), encoding="utf-8")
        if xstest:
            from wildvalues.extract.xstest import score_refusals

            result = score_refusals(gold, features) | {"excluded_seen_prompts": excluded}
            result["seconds"] = round(time.perf_counter() - started, 1)
            emit_summary("wildvalues eval (xstest refusals -> strong_resistance)", result, as_json)
            return
        result = score(gold, features)
        result["seconds"] = round(elapsed, 1)
        result["s_per_conversation"] = round(elapsed / max(len(gold), 1), 2)
        result["llm"] = {
            k: accounting.get(k) for k in ("calls", "cached", "new", "failed") if k in accounting
        }
        result["profile"], result["gold_file"] = cfg.extract.profile, str(gold_file)
        if as_json:
            emit_summary(
                "wildvalues eval",
                headline(result) | {"s/conversation": result["s_per_conversation"], "llm": result["llm"]},
                False,
            )
            print(json.dumps(result, default=str))
        else:
            emit_summary(
                "wildvalues eval",
                headline(result) | {"s/conversation": result["s_per_conversation"], "llm": result["llm"]},
                False,
            )
            _print_confusion(result)


def _print_confusion(result: dict) -> None:
    from rich.table import Table

    matrix = result.get("response_type", {}).get("confusion_gold_by_pred")
    if not matrix:
        return
    labels = list(matrix)
    table = Table(title="response type: gold (rows) x predicted (columns)", title_justify="left")
    table.add_column("gold")
    short = {label: "".join(w[0] for w in label.split("_")).upper() for label in labels}
    for label in labels:
        table.add_column(short[label], justify="right")
    table.add_column("recall", justify="right")
    recall = result["response_type"]["recall_per_class"]
    for label in labels:
        r = recall.get(label)
        table.add_row(
            label, *[str(matrix[label][p]) for p in labels], f"{r['value']:.2f} (n={r['n']})" if r else "-"
        )
    console.print(table)
    console.print("columns: " + ", ".join(f"{s} = {label}" for label, s in short.items()))
