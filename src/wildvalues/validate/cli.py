"""`wildvalues validate sample|judge|import|score`: a labelled random sample and how far to trust a study."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from wildvalues.cli_common import (
    DEFAULT_WS,
    ConfigOpt,
    JsonOpt,
    WorkspaceOpt,
    console,
    emit_summary,
    fail,
    fail_listing,
    load_cli_config,
    open_workspace,
)

BACKENDS = ("anthropic", "openai", "local")


def _print_score(result: dict[str, Any]) -> None:
    from rich.table import Table

    def fmt(x: Any, digits: int = 3) -> str:
        return "—" if x is None else f"{x:.{digits}f}"

    table = Table(
        title=f"Agreement on {result['items']} sampled conversations ({result.get('design', '')})",
        title_justify="left",
    )
    for col in ("feature", "comparison", "n", "accuracy [95% CI]", "Cohen's κ"):
        table.add_column(col)
    for feature, entry in result["features"].items():
        for who, block in [
            *(("extractor vs " + k, v) for k, v in entry["extractor_vs"].items()),
            *entry["human_pairs"].items(),
        ]:
            if "accuracy" in block:
                ci = block["ci95"] or [None, None]
                table.add_row(
                    feature,
                    who,
                    str(block["n"]),
                    f"{fmt(block['accuracy'])} [{fmt(ci[0], 2)}, {fmt(ci[1], 2)}]",
                    fmt(block.get("kappa")),
                )
            else:
                rec, prec = block["recall"], block["precision"]
                table.add_row(
                    feature,
                    who,
                    str(block["labels_right"]),
                    f"label recall {fmt(rec['value'])}, precision {fmt(prec['value'])}",
                    "",
                )
        if "krippendorff_alpha_humans" in entry:
            ceiling = entry.get("human_ceiling")
            table.add_row(
                feature,
                "humans: Krippendorff α / ceiling",
                "",
                f"α {fmt(entry['krippendorff_alpha_humans'])}; human-human accuracy "
                f"{fmt(ceiling['accuracy']) if ceiling else '—'}",
                "",
            )
    console.print(table)


def register(app: typer.Typer) -> None:
    validate_app = typer.Typer(
        help="Validation kit: sample, annotate, judge, score; corrected estimates.", no_args_is_help=True
    )
    app.add_typer(validate_app, name="validate")

    @validate_app.command("sample")
    def sample_command(
        workspace: WorkspaceOpt = DEFAULT_WS,
        n: Annotated[int, typer.Option("--n", help="conversations to draw")] = 200,
        seed: Annotated[int, typer.Option(help="random seed (the draw is reproducible)")] = 0,
        annotators: Annotated[int, typer.Option(help="annotation pages to write (one per person)")] = 2,
        stratify: Annotated[
            str | None,
            typer.Option(
                help="'response_type': equal draws per extractor response type, weights kept "
                "(default: uniform)"
            ),
        ] = None,
        show_extractor: Annotated[
            bool,
            typer.Option(
                "--show-extractor", help="include the extractor's labels in the pack (hidden behind a key)"
            ),
        ] = False,
        out: Annotated[Path | None, typer.Option(help="pack folder (default STUDY/validation/pack)")] = None,
        replace: Annotated[
            bool, typer.Option("--replace", help="draw anew even if annotations exist")
        ] = False,
        as_json: JsonOpt = False,
    ) -> None:
        """Draw a uniform random sample of extracted conversations and write the annotation pack."""
        from wildvalues.validate.run import ValidationError, sample_workspace
        from wildvalues.validate.sample import SampleError

        ws = open_workspace(workspace)
        try:
            summary = sample_workspace(
                ws,
                n=n,
                seed=seed,
                annotators=annotators,
                stratify=stratify,
                show_extractor=show_extractor,
                out_dir=out,
                replace=replace,
            )
        except (SampleError, ValidationError) as exc:
            raise fail(str(exc)) from exc
        finally:
            ws.close()
        emit_summary("wildvalues validate sample", summary, as_json)

    @validate_app.command("import")
    def import_command(
        files: Annotated[list[Path], typer.Argument(help="exported JSONL files or filled items.csv")],
        workspace: WorkspaceOpt = DEFAULT_WS,
        annotator: Annotated[
            str | None, typer.Option(help="annotator id for every row (overrides the file)")
        ] = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Store annotations (annotator id + labels per sampled conversation); bad rows are all listed."""
        from wildvalues.validate.annotations import AnnotationFileError
        from wildvalues.validate.run import ValidationError, import_workspace

        ws = open_workspace(workspace)
        try:
            summary = import_workspace(ws, files, annotator)
        except AnnotationFileError as exc:
            raise fail_listing(exc.problems, f"{len(exc.problems)} problem(s) in the annotation files; "
                                             "nothing was stored") from exc
        except ValidationError as exc:
            raise fail(str(exc)) from exc
        finally:
            ws.close()
        emit_summary("wildvalues validate import", summary, as_json)

    @validate_app.command("judge")
    def judge_command(
        workspace: WorkspaceOpt = DEFAULT_WS,
        backend: Annotated[str | None, typer.Option(help="anthropic | openai | local")] = None,
        model: Annotated[
            str | None, typer.Option(help="the judge model (e.g. claude-3-5-sonnet-20241022)")
        ] = None,
        base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint")] = None,
        budget_dollars: Annotated[float | None, typer.Option(help="stop before spending more")] = None,
        limit: Annotated[int | None, typer.Option(help="judge only the first N sampled items")] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="print calls, tokens, dollars; send nothing")
        ] = False,
        config: ConfigOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """A second, stronger judge labels the sample with the paper's prompts (cached, budgeted)."""
        from wildvalues.llm.base import BudgetExceeded
        from wildvalues.validate.run import ValidationError, judge_workspace

        if backend is not None and backend not in BACKENDS:
            raise fail(f"--backend must be one of {', '.join(BACKENDS)}")
        if backend in ("anthropic", "openai") and model is None:
            raise fail(f"--backend {backend} needs --model (the judge's model id)")
        cfg = load_cli_config(
            config,
            {
                "llm.backend": backend,
                "llm.model": model,
                "llm.base_url": base_url,
                "llm.budget_dollars": budget_dollars,
                "extract.mode": "paper",
            },
        )
        ws = open_workspace(workspace)
        try:
            summary = judge_workspace(ws, cfg, dry_run=True, limit=limit)
            if not dry_run:
                emit_summary("validate judge: estimate before anything is sent", summary["estimate"], False)
                summary = judge_workspace(ws, cfg, limit=limit)
        except (ValidationError, BudgetExceeded) as exc:
            raise fail(str(exc)) from exc
        finally:
            ws.close()
        emit_summary("wildvalues validate judge", summary, as_json)

    @validate_app.command("score")
    def score_command(workspace: WorkspaceOpt = DEFAULT_WS, as_json: JsonOpt = False) -> None:
        """Accuracy (Wilson CIs), confusion, Cohen's κ per annotator, Krippendorff's α, human ceiling."""
        from wildvalues.validate.run import ValidationError, score_workspace

        ws = open_workspace(workspace)
        try:
            result = score_workspace(ws)
        except (ValidationError, ImportError) as exc:
            raise fail(str(exc)) from exc
        finally:
            ws.close()
        _print_score(result)
        if as_json:
            import json
            import sys

            sys.stdout.write(json.dumps(result, default=str) + "\n")
