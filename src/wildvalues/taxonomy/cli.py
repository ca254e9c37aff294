"""`wildvalues taxonomy [build|frozen|export|import]`: build, map, and hand-edit the value and task trees."""

from __future__ import annotations

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
    fail_listing,
    load_cli_config,
    open_workspace,
    progress_for,
)
from wildvalues.stage import MissingInput

TreesOpt = Annotated[list[str] | None, typer.Option("--tree", "-t", help="ai_values, human_values, tasks "
                                                                         "(repeatable; default: config)")]


def _config(config: Path | None, **overrides):
    return load_cli_config(config, overrides)


def _open_workspace(workspace: Path):
    return open_workspace(workspace, "wildvalues ingest` and `wildvalues extract")


def register(app: typer.Typer) -> None:
    taxonomy = typer.Typer(help="Hierarchical value and task trees (paper Appendix A.6).",
                           no_args_is_help=True)
    app.add_typer(taxonomy, name="taxonomy")

    @taxonomy.command("build")
    def build_command(
        workspace: WorkspaceOpt = DEFAULT_WS,
        trees: TreesOpt = None,
        levels: Annotated[int | None, typer.Option("--levels", help="levels incl. leaves (values)")] = None,
        top: Annotated[int | None, typer.Option("--top", help="desired number of top clusters")] = None,
        embedding_model: Annotated[str | None, typer.Option("--embedding-model")] = None,
        no_llm: Annotated[bool, typer.Option("--no-llm", help="name clusters from their members")] = False,
        seed: Annotated[int | None, typer.Option("--seed")] = None,
        dry_run: Annotated[bool, typer.Option(
            "--dry-run", help="print the LLM calls, tokens, dollars and time at most; send nothing")] = False,
        value_trees: Annotated[str, typer.Option(
            "--value-trees", help="build (the hierarchizer), or auto: map onto the paper's tree where "
                                  "its files are found, as `wildvalues run` does")] = "build",
        config: ConfigOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Build trees from the extracted values and tasks (features) with the LLM hierarchizer."""
        from wildvalues.taxonomy.stage import build_taxonomy, estimate

        cfg = _config(config, **{"taxonomy.levels": levels, "taxonomy.top_clusters": top,
                                 "taxonomy.seed": seed, "embed.model": embedding_model,
                                 "taxonomy.naming": "extractive" if no_llm else None,
                                 "taxonomy.value_trees": value_trees})
        ws = _open_workspace(workspace)
        try:
            if dry_run:
                summary = estimate(ws, cfg, trees=trees)
            else:
                with progress_for("taxonomy", as_json) as progress:
                    summary = build_taxonomy(ws, cfg, trees=trees, progress=progress)
        except (MissingInput, ValueError) as exc:
            raise fail(str(exc)) from None
        finally:
            ws.close()
        emit_summary("wildvalues taxonomy build" + (" --dry-run" if dry_run else ""), summary, as_json)

    @taxonomy.command("frozen")
    def frozen_command(
        workspace: WorkspaceOpt = DEFAULT_WS,
        trees: TreesOpt = None,
        reference: Annotated[str | None, typer.Option("--reference",
                                                      help="tree CSV (released schema)")] = None,
        min_similarity: Annotated[float | None, typer.Option("--min-similarity")] = None,
        embedding_model: Annotated[str | None, typer.Option("--embedding-model")] = None,
        config: ConfigOpt = None,
        as_json: JsonOpt = False,
    ) -> None:
        """Map extracted values onto a fixed tree (default: the paper's released tree)."""
        from wildvalues.taxonomy.frozen import TreeFileError
        from wildvalues.taxonomy.stage import frozen_taxonomy

        cfg = _config(config, **{"taxonomy.frozen_min_similarity": min_similarity,
                                 "embed.model": embedding_model})
        ws = _open_workspace(workspace)
        try:
            with console.status("mapping labels onto the reference tree ..."):
                summary = frozen_taxonomy(ws, cfg, trees=trees, reference=reference)
        except (MissingInput, TreeFileError, ValueError) as exc:
            raise fail(str(exc)) from None
        finally:
            ws.close()
        emit_summary("wildvalues taxonomy frozen", summary, as_json)

    @taxonomy.command("export")
    def export_command(
        file: Annotated[Path, typer.Argument(help="output .csv or .toml")],
        workspace: WorkspaceOpt = DEFAULT_WS,
        tree: Annotated[str, typer.Option("--tree", "-t")] = "ai_values",
        as_json: JsonOpt = False,
    ) -> None:
        """Write a tree as an editable file (id, level, name, description, parent, merge_into)."""
        from wildvalues.taxonomy.edits import write_edit_file
        from wildvalues.taxonomy.workspace_tree import load_workspace_tree

        ws = _open_workspace(workspace)
        try:
            hierarchy = load_workspace_tree(ws, tree)
        except LookupError as exc:
            raise fail(str(exc)) from None
        finally:
            ws.close()
        rows = write_edit_file(hierarchy, file)
        emit_summary("wildvalues taxonomy export", {"tree": tree, "file": str(file), "rows": rows}, as_json)

    @taxonomy.command("import")
    def import_command(
        file: Annotated[Path, typer.Argument(help="an edited export (.csv or .toml)")],
        workspace: WorkspaceOpt = DEFAULT_WS,
        tree: Annotated[str, typer.Option("--tree", "-t")] = "ai_values",
        as_json: JsonOpt = False,
    ) -> None:
        """Apply renames, moves and merges from an edited file (validated; nothing applied on error)."""
        from wildvalues.taxonomy.edits import EditError
        from wildvalues.taxonomy.workspace_tree import import_edits

        if not file.is_file():
            raise fail(f"{file}: no such file")
        ws = _open_workspace(workspace)
        try:
            summary = import_edits(ws, tree, file)
        except EditError as exc:
            raise fail_listing(exc.problems,
                               f"{len(exc.problems)} problem(s) in {file}; nothing was changed") from None
        except LookupError as exc:
            raise fail(str(exc)) from None
        finally:
            ws.close()
        emit_summary("wildvalues taxonomy import", summary, as_json)

    # issue 17: `taxonomy assign` places newly extracted values into the existing tree (no rebuild)
    from wildvalues.compare.cli import register_assign

    register_assign(taxonomy)
