"""The paper's released tree: found beside the project, in the cache, or downloaded once (never the network
here: ``hf_hub_download`` is replaced by a function serving local files)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wildvalues.taxonomy import reference
from wildvalues.taxonomy.reference import RELEASED_SHA256, ReferenceFileError, find_released_file, sha256_of

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "values-in-the-wild"
needs_shared = pytest.mark.skipif(not (SHARED / "values_tree.csv").is_file(),
                                  reason="the paper's files are not beside the project")


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """No configured path, no shared folder (project root and working folder moved to an empty place)."""
    monkeypatch.delenv("WILDVALUES_REFERENCE_TREE", raising=False)
    monkeypatch.setattr(reference, "_PROJECT_ROOT", tmp_path / "project")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _fake_hub(monkeypatch, serve, calls: list):
    """Replace huggingface_hub.hf_hub_download by one that copies ``serve(filename)`` into its cache_dir."""
    huggingface_hub = pytest.importorskip("huggingface_hub")

    def download(repo_id, filename, repo_type=None, revision=None, cache_dir=None, **_):
        calls.append((repo_id, filename, repo_type, revision))
        source = serve(filename)
        if source is None:
            raise OSError("no network")
        target = Path(cache_dir) / "snap" / filename
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return str(target)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", download)


@needs_shared
def test_the_shared_copy_is_the_released_one() -> None:
    for name, expected in RELEASED_SHA256.items():
        assert sha256_of(SHARED / name) == expected
    lookup = find_released_file("values_tree.csv", download=False)
    assert lookup.source == "shared" and lookup.path.name == "values_tree.csv"


@needs_shared
def test_downloaded_once_then_cached(nowhere, monkeypatch) -> None:
    calls: list = []
    _fake_hub(monkeypatch, lambda name: SHARED / name, calls)
    cache = nowhere / "cache"
    first = find_released_file("values_tree.csv", cache=cache)
    assert first.source == "download" and first.path == cache / "values_tree.csv"
    assert sha256_of(first.path) == RELEASED_SHA256["values_tree.csv"]
    assert calls == [("Anthropic/values-in-the-wild", "values_tree.csv", "dataset", reference.HF_REVISION)]
    second = find_released_file("values_tree.csv", cache=cache)
    assert second.source == "cache" and len(calls) == 1  # no second download
    freqs = find_released_file("values_frequencies.csv", cache=cache)
    assert freqs.source == "download" and sha256_of(freqs.path) == RELEASED_SHA256["values_frequencies.csv"]


def test_a_download_with_other_bytes_is_refused(nowhere, monkeypatch) -> None:
    tampered = nowhere / "tampered.csv"
    tampered.write_text("cluster_id,description,name,level,parent_cluster_id\nx,,x,0,\n")
    _fake_hub(monkeypatch, lambda name: tampered, [])
    lookup = find_released_file("values_tree.csv", cache=nowhere / "cache")
    assert lookup.path is None and lookup.source == "none"
    assert any("sha256" in note for note in lookup.notes)
    assert not (nowhere / "cache" / "values_tree.csv").exists()


def test_a_corrupt_cache_is_dropped_and_no_network_is_said(nowhere, monkeypatch) -> None:
    cache = nowhere / "cache"
    cache.mkdir()
    (cache / "values_tree.csv").write_text("not the tree")
    _fake_hub(monkeypatch, lambda name: None, [])
    lookup = find_released_file("values_tree.csv", cache=cache)
    assert lookup.path is None and not (cache / "values_tree.csv").exists()
    assert any("sha256" in n for n in lookup.notes) and any("no network" in n for n in lookup.notes)


def test_download_can_be_switched_off(nowhere) -> None:
    lookup = find_released_file("values_tree.csv", download=False, cache=nowhere / "cache")
    assert lookup.path is None and "download switched off" in lookup.notes


def test_a_configured_path_is_used_as_given_or_refused(nowhere, monkeypatch) -> None:
    own = nowhere / "own_tree.csv"
    own.write_text("cluster_id,description,name,level,parent_cluster_id\n")
    assert find_released_file("values_tree.csv", str(own)).source == "configured"
    monkeypatch.setenv("WILDVALUES_REFERENCE_TREE", str(own))
    assert find_released_file("values_tree.csv").path == own
    with pytest.raises(ReferenceFileError, match="does not exist"):
        find_released_file("values_tree.csv", str(nowhere / "missing.csv"))
    with pytest.raises(ValueError, match="unknown released file"):
        find_released_file("other.csv")


@needs_shared
def test_run_maps_value_trees_onto_the_papers_tree_by_default(workspace, monkeypatch, bow) -> None:
    """The default taxonomy (``wildvalues run``) uses the paper's tree where its files are found."""
    from wildvalues.config import load_config
    from wildvalues.taxonomy import stage

    monkeypatch.delenv("WILDVALUES_REFERENCE_TREE", raising=False)
    monkeypatch.setattr(stage, "_embed_fn", lambda model, batch_size=64: bow)
    workspace.con.execute("CREATE TABLE features (conversation_id VARCHAR, ai_values VARCHAR[], "
                          "human_values VARCHAR[], task VARCHAR)")
    for i in range(12):
        workspace.con.execute("INSERT INTO features VALUES (?, ['helpfulness', 'clarity'], ['curiosity'], "
                              "NULL)", [f"c{i}"])
    cfg = load_config(overrides={"taxonomy.trees": ["ai_values", "human_values"],
                                 "extract.profile": "thorough"})
    summary = stage.build_taxonomy(workspace, cfg)  # a judge is configured, but nothing may need it
    assert summary["trees"]["ai_values"]["mode"] == "frozen"
    assert summary["trees"]["ai_values"]["reference_source"] == "shared"
    assert summary["llm"]["built"] is False and summary["llm"]["new"] == 0  # the model was never loaded
    tops = {r[0] for r in workspace.con.execute(
        "SELECT name FROM tree_nodes WHERE tree = 'ai_values' AND level = 3").fetchall()}
    paper_tops = {"Epistemic values", "Social values", "Practical values", "Protective values",
                  "Personal values"}
    assert tops and tops <= paper_tops  # only the categories its labels reached (none left empty)
    empty = workspace.con.execute("SELECT count(*) FROM tree_nodes WHERE tree = 'ai_values' AND level > 0 "
                                  "AND pct_total_occurrences = 0").fetchone()[0]
    assert empty == 0
    sources = {r[0] for r in workspace.con.execute(
        "SELECT DISTINCT name_source FROM tree_nodes WHERE tree = 'ai_values' AND level > 0").fetchall()}
    assert sources == {"reference"}


def test_without_the_paper_files_value_trees_are_built(workspace, monkeypatch, bow, nowhere) -> None:
    from wildvalues.config import load_config
    from wildvalues.taxonomy import stage

    monkeypatch.setattr(stage, "_embed_fn", lambda model, batch_size=64: bow)
    workspace.con.execute("CREATE TABLE features (conversation_id VARCHAR, ai_values VARCHAR[], "
                          "human_values VARCHAR[], task VARCHAR)")
    pairs = [["honesty", "clarity"], ["code quality", "efficiency"], ["empathy", "care"]] * 4
    for i, pair in enumerate(pairs):
        workspace.con.execute("INSERT INTO features VALUES (?, ?, [], NULL)", [f"c{i}", pair])
    cfg = load_config(overrides={"taxonomy.trees": ["ai_values"], "taxonomy.reference_download": False,
                                 "taxonomy.naming": "extractive", "taxonomy.levels": 2,
                                 "taxonomy.top_clusters": 2})
    summary = stage.build_taxonomy(workspace, cfg)
    assert "mode" not in summary["trees"]["ai_values"] and summary["trees"]["ai_values"]["sizes"][-1] == 2
    assert "download switched off" in summary["reference_notes"]
    with pytest.raises(ValueError, match="no reference tree was found"):
        stage.build_taxonomy(workspace, load_config(overrides={
            "taxonomy.value_trees": "frozen", "taxonomy.reference_download": False}))
