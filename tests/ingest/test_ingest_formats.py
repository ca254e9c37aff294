"""Every format family on small files written here, format detection and its messages, ids, sampling."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wildvalues.ingest import IngestError, ingest
from wildvalues.ingest.config import IngestConfig
from wildvalues.workspace import Workspace

from .hostile_corpus import ALPACA, HH, SHAREGPT, WILDCHAT, chat, jl

LMSYS = {
    "conversation_id": "c9",
    "model": "vicuna-13b",
    "turn": 1,
    "language": "German",
    "redacted": False,
    "conversation": [{"role": "user", "content": "Hallo"}, {"role": "assistant", "content": "Hallo!"}],
}


def _rows(ws: Workspace, sql: str) -> list[tuple]:
    return ws.con.execute(sql).fetchall()


def test_openai_json_array_document_and_gzip_jsonl(tmp_path: Path, workspace: Workspace) -> None:
    (tmp_path / "array.json").write_text(json.dumps([chat("a1", "b1", model="gpt-4o", user="u7")]))
    (tmp_path / "doc.json").write_text(json.dumps(chat("a2", "b2"), indent=2))
    (tmp_path / "lines.jsonl.gz").write_bytes(gzip.compress(jl(chat("a3", "b3", created=1700000000))))
    summary = ingest([tmp_path], workspace)
    assert (summary.files, summary.read, summary.ingested, summary.rejected) == (3, 3, 3, 0)
    assert summary.by_source == {
        "openai": {"read": 3, "ingested": 3, "duplicates": 0, "rejected": 0, "sampled_out": 0}
    }
    rows = _rows(
        workspace,
        'SELECT source_ref, model, user_id, CAST("timestamp" AS VARCHAR) FROM '
        "raw.conversations ORDER BY source_file",
    )
    assert rows == [
        ("index 0", "gpt-4o", "u7", None),
        ("document", None, None, None),
        ("line 1", None, None, "2023-11-14 22:13:20"),
    ]


def test_sharegpt_wildchat_lmsys_hh_alpaca_records(tmp_path: Path, workspace: Workspace) -> None:
    (tmp_path / "sg.jsonl").write_bytes(jl(SHAREGPT))
    (tmp_path / "wc.jsonl").write_bytes(jl(WILDCHAT, LMSYS))
    (tmp_path / "hh.jsonl").write_bytes(jl(HH))
    (tmp_path / "model_outputs.json").write_text(json.dumps([ALPACA]))
    summary = ingest([tmp_path], workspace)
    assert summary.ingested == 5 and summary.rejected == 0
    rows = {
        r[0]: r[1:]
        for r in _rows(
            workspace,
            "SELECT source, model, user_id, language, "
            'CAST("timestamp" AS VARCHAR), meta FROM raw.conversations',
        )
    }
    assert rows["sharegpt"][4] == '{"sharegpt_id": "s1"}'
    assert rows["hh-rlhf"][4] == json.dumps({"hh_rlhf_subset": tmp_path.name, "hh_rlhf_side": "chosen"})
    assert rows["alpaca-eval"][:1] == ("m1",) and json.loads(rows["alpaca-eval"][4]) == {"dataset": "d"}
    wildchat = _rows(
        workspace,
        'SELECT model, user_id, language, CAST("timestamp" AS VARCHAR), '
        "meta->>'native_id' FROM raw.conversations WHERE source = 'wildchat' ORDER BY model",
    )
    assert wildchat == [
        ("gpt-4-0314", "u1", "English", "2023-05-12 14:57:39", "abc"),
        ("vicuna-13b", None, "German", None, "c9"),
    ]
    texts = [
        r[0]
        for r in _rows(
            workspace,
            "SELECT content FROM raw.messages m JOIN raw.conversations c "
            "USING (conversation_id) WHERE source = 'hh-rlhf' ORDER BY idx",
        )
    ]
    assert texts == ["why?", "because."]


def test_hh_rlhf_sides(tmp_path: Path, workspace: Workspace) -> None:
    (tmp_path / "hh.jsonl.gz").write_bytes(gzip.compress(jl(HH, HH)))
    both = ingest(
        [tmp_path / "hh.jsonl.gz"], workspace, cfg=IngestConfig(hh_rlhf_side="both")
    )
    assert (both.read, both.ingested, both.duplicates) == (4, 2, 2)
    sides = _rows(
        workspace, "SELECT meta->>'hh_rlhf_side', count(*) FROM raw.conversations GROUP BY 1 ORDER BY 1"
    )
    assert sides == [("chosen", 1), ("rejected", 1)]


def test_wildchat_parquet(tmp_path: Path, workspace: Workspace) -> None:
    pq.write_table(
        pa.Table.from_pylist(
            [
                WILDCHAT,
                {
                    **WILDCHAT,
                    "hashed_ip": "u2",
                    "conversation": [
                        {"role": "user", "content": "other"},
                        {"role": "assistant", "content": "reply"},
                    ],
                },
            ]
        ),
        tmp_path / "wc.parquet",
        row_group_size=1,
    )
    summary = ingest([tmp_path / "wc.parquet"], workspace)
    assert (summary.read, summary.ingested) == (2, 2)
    assert _rows(workspace, "SELECT source_ref, user_id FROM raw.conversations ORDER BY 1") == [
        ("row 1", "u1"),
        ("row 2", "u2"),
    ]


def test_mapped_csv(tmp_path: Path, workspace: Workspace) -> None:
    (tmp_path / "log.csv").write_text(
        "q,a,who,uid,when\nhi,hello,m9,u1,2024-01-02 03:04:05\nbye,ciao,m9,u2,\n"
    )
    cfg = IngestConfig(
        csv_map={"user": "q", "assistant": "a", "model": "who", "user_id": "uid", "timestamp": "when"}
    )
    summary = ingest([tmp_path / "log.csv"], workspace, cfg=cfg)
    assert (summary.read, summary.ingested) == (2, 2)
    assert _rows(
        workspace,
        'SELECT source_ref, model, user_id, CAST("timestamp" AS VARCHAR) FROM raw.conversations ORDER BY 1',
    ) == [("row 1", "m9", "u1", "2024-01-02 03:04:05"), ("row 2", "m9", "u2", None)]


def test_zstd_when_available(tmp_path: Path, workspace: Workspace) -> None:
    zstandard = pytest.importorskip("zstandard")
    (tmp_path / "c.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(jl(chat())))
    assert ingest([tmp_path / "c.jsonl.zst"], workspace).ingested == 1


@pytest.mark.parametrize(
    ("name", "content", "fmt", "message"),
    [
        (
            "odd.jsonl",
            jl({"foo": 1, "bar": 2}),
            "auto",
            "cannot tell the format: the first records have keys ['bar', 'foo']",
        ),
        ("table.csv", b"x,y\n1,2\n", "auto", "a CSV with columns ['x', 'y'] is not a layout I recognise"),
        ("blob.bin", b"\x00\x01\x02garbage", "auto", "cannot tell the format"),
        ("amb.jsonl", jl({"messages": [], "conversations": []}), "auto", "ambiguous format"),
        ("t.csv", b"x,y\n1,2\n", "csv", "--format csv needs a column mapping"),
        ("c.jsonl", jl(chat()), "xstest", "not an XSTest completions file"),
        ("c.jsonl", jl(chat()), "nonsense", "unknown --format 'nonsense'"),
    ],
)
def test_detection_errors_name_the_file_and_what_was_seen(
    tmp_path: Path, workspace: Workspace, name: str, content: bytes, fmt: str, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(IngestError) as info:
        ingest([path], workspace, fmt=fmt)
    assert message in str(info.value)
    if fmt != "nonsense":
        assert str(path) in str(info.value)


def test_missing_path_and_bad_mapping(tmp_path: Path, workspace: Workspace) -> None:
    with pytest.raises(IngestError, match="no such file"):
        ingest([tmp_path / "nope.jsonl"], workspace)
    (tmp_path / "t.csv").write_text("x,y\n1,2\n")
    with pytest.raises(IngestError, match=r"mapped column\(s\) \['prompt'\] not in the CSV header"):
        ingest([tmp_path / "t.csv"], workspace, cfg=IngestConfig(csv_map={"user": "prompt"}))


def test_folders_skip_unrecognised_files_with_a_note(tmp_path: Path, workspace: Workspace) -> None:
    (tmp_path / "good.jsonl").write_bytes(jl(chat()))
    (tmp_path / "other.csv").write_text("x,y\n1,2\n")
    summary = ingest([tmp_path], workspace)
    assert (
        summary.ingested == 1 and len(summary.skipped_files) == 1 and "other.csv" in summary.skipped_files[0]
    )


def test_same_conversation_in_two_formats_has_one_id(tmp_path: Path, workspace: Workspace) -> None:
    (tmp_path / "a.jsonl").write_bytes(jl(chat("hey", "yo")))
    (tmp_path / "b.json").write_text(json.dumps([SHAREGPT]))
    summary = ingest([tmp_path], workspace)
    assert (summary.ingested, summary.duplicates) == (1, 1)


def test_reingesting_is_idempotent(tmp_path: Path, workspace: Workspace) -> None:
    path = tmp_path / "c.jsonl"
    path.write_bytes(jl(*[chat(f"q{i}", f"a{i}") for i in range(10)]))
    first = ingest([path], workspace)
    second = ingest([path], workspace)
    assert (first.ingested, second.ingested, second.duplicates) == (10, 0, 10)
    assert _rows(workspace, "SELECT count(*) FROM raw.conversations") == [(10,)]
    runs = _rows(
        workspace, "SELECT status, counts->>'ingested' FROM runs WHERE command = 'ingest' ORDER BY started_at"
    )
    assert runs == [("ok", "10"), ("ok", "0")]


def _sample_ids(tmp_path: Path, sample: int, seed: int) -> tuple[list[str], object]:
    with Workspace(tmp_path / f"ws-{sample}-{seed}-{len(list(tmp_path.iterdir()))}") as ws:
        summary = ingest([tmp_path / "many.jsonl"], ws, sample=sample, seed=seed)
        ids = [r[0] for r in ws.con.execute("SELECT source_ref FROM raw.conversations ORDER BY 1").fetchall()]
    return ids, summary


def test_sampling_is_uniform_deterministic_and_accounted(tmp_path: Path) -> None:
    (tmp_path / "many.jsonl").write_bytes(jl(*[chat(f"q{i}", f"a{i}") for i in range(500)], chat("q0", "a0")))
    first, summary = _sample_ids(tmp_path, 50, 1)
    again, _ = _sample_ids(tmp_path, 50, 1)
    other, _ = _sample_ids(tmp_path, 50, 2)
    assert len(first) == 50 and first == again and first != other
    assert (summary.read, summary.ingested, summary.duplicates, summary.sampled_out) == (501, 50, 1, 450)
    everything, whole = _sample_ids(tmp_path, 1000, 0)
    assert (len(everything), whole.sampled_out) == (500, 0)


def test_resampling_the_same_workspace_adds_nothing(tmp_path: Path, workspace: Workspace) -> None:
    path = tmp_path / "many.jsonl"
    path.write_bytes(jl(*[chat(f"q{i}", f"a{i}") for i in range(100)]))
    first = ingest([path], workspace, sample=10, seed=3)
    second = ingest([path], workspace, sample=10, seed=3)
    assert (first.ingested, second.ingested, second.duplicates, second.sampled_out) == (10, 0, 10, 90)


def test_progress_reports_every_byte_read(tmp_path: Path, workspace: Workspace) -> None:
    from wildvalues.progress import SilentProgress

    (tmp_path / "c.jsonl").write_bytes(jl(*[chat(f"q{i}", f"a{i}") for i in range(1200)]))
    (tmp_path / "d.parquet").write_bytes(b"")  # not Parquet at all: refused while planning
    with pytest.raises(IngestError, match="not a readable Parquet file"):
        ingest([tmp_path / "d.parquet"], workspace, progress=SilentProgress())
    progress = SilentProgress()
    summary = ingest([tmp_path / "c.jsonl"], workspace, progress=progress)
    assert summary.ingested == 1200
    size = (tmp_path / "c.jsonl").stat().st_size
    assert (progress.total, progress.completed) == (size, size)
