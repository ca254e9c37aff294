"""Turn the paths a user gave into planned :class:`Source` s: which container, which format.

``--format auto`` decides by extension, layout (arena folders) and by sniffing the first records. When it
cannot decide it raises :class:`IngestError` naming the file and what it saw; that is a usage problem
(pass ``--format``), unlike bad records, which are quarantined while reading.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from itertools import islice
from pathlib import Path

from wildvalues.ingest import streams
from wildvalues.ingest.config import IngestConfig
from wildvalues.ingest.formats import FORMATS, JSON_FAMILIES, arena, csv_mapped, shape_of, xstest
from wildvalues.ingest.readers import FileStats, Source, json_records

_COMPRESSED = (".gz", ".bz2", ".xz", ".zst")
_DATA_SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv", ".tsv", ".parquet")
_ALIASES = {"lmsys": "wildchat", "alpaca_eval": "alpaca-eval", "hh_rlhf": "hh-rlhf", "jsonl": "auto"}
_RECORD_KEYS = ("messages", "conversations", "conversation", "chosen", "instruction")


class IngestError(ValueError):
    """The input cannot be planned (missing path, unknown or ambiguous format, bad mapping)."""


def base_suffix(path: Path) -> str:
    """Extension without a compression suffix: ``a.jsonl.gz`` -> ``.jsonl``."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def plan(paths: list[Path], fmt: str = "auto", cfg: IngestConfig | None = None
         ) -> tuple[list[Source], list[str]]:
    """(sources to read, notes on files skipped while walking folders)."""
    cfg = cfg or IngestConfig()
    fmt = _ALIASES.get(fmt, fmt)
    if fmt not in FORMATS:
        raise IngestError(f"unknown --format {fmt!r}; choose one of {', '.join(FORMATS)}")
    sources: list[Source] = []
    skipped: list[str] = []
    for path in paths:
        if not path.exists():
            raise IngestError(f"{path}: no such file or directory")
        if path.is_dir():
            _walk(path, fmt, cfg, sources, skipped)
        else:
            sources.extend(_plan_readable(path, fmt, cfg))
    unique: dict[Path, Source] = {}
    for source in sources:
        unique.setdefault(source.path.resolve(), source)
    return list(unique.values()), skipped


def _walk(folder: Path, fmt: str, cfg: IngestConfig, sources: list[Source], skipped: list[str]) -> None:
    if fmt in ("auto", "arena") and _is_arena_dir(folder):
        sources.extend(_arena_sources(folder / "question.jsonl"))
        return
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            _walk(child, fmt, cfg, sources, skipped)
        elif base_suffix(child) in _DATA_SUFFIXES:
            try:
                sources.extend(_plan_readable(child, fmt, cfg))
            except IngestError as exc:
                skipped.append(str(exc))


def _plan_readable(path: Path, fmt: str, cfg: IngestConfig) -> list[Source]:
    try:
        return plan_file(path, fmt, cfg)
    except OSError as exc:
        raise IngestError(f"{path}: cannot read: {exc}") from None


def _is_arena_dir(folder: Path) -> bool:
    return (folder / "question.jsonl").is_file() and (folder / "model_answer").is_dir()


def _arena_sources(question_file: Path) -> list[Source]:
    answers = sorted(p for p in (question_file.parent / "model_answer").iterdir()
                     if base_suffix(p) == ".jsonl")
    if not answers:
        raise IngestError(f"{question_file}: arena question file, but model_answer/ holds no .jsonl answers")
    return [Source(answer, "jsonl", arena.NAME, arena.NAME, questions=question_file) for answer in answers]


def plan_file(path: Path, fmt: str, cfg: IngestConfig) -> list[Source]:
    suffix = base_suffix(path)
    if fmt in ("auto", "arena"):
        if path.name == "question.jsonl" and (path.parent / "model_answer").is_dir():
            return _arena_sources(path)
        questions = arena.answer_file_for(path)
        if questions is not None:
            return [Source(path, "jsonl", arena.NAME, arena.NAME, questions=questions)]
    if suffix == ".parquet":
        return [_plan_parquet(path, fmt)]
    if suffix in (".csv", ".tsv"):
        return [_plan_csv(path, fmt, cfg, "\t" if suffix == ".tsv" else ",")]
    if fmt in ("xstest", "csv"):
        return [_plan_csv(path, fmt, cfg, ",")]
    return [_plan_json(path, fmt, cfg, suffix)]


def _plan_json(path: Path, fmt: str, cfg: IngestConfig, suffix: str) -> Source:
    first = streams.first_char(path)
    if suffix in (".jsonl", ".ndjson"):
        container = "jsonl"
    elif first == "[":
        container = "json-array"
    elif first == "{":
        line = streams.first_line(path, cfg.max_record_bytes)
        try:
            container = "jsonl" if isinstance(streams.loads(line or b""), dict) else "json-document"
        except (ValueError, RecursionError):
            container = "json-document"
    elif suffix == ".json" or (first is None and streams.compression_of(path)):
        container = "json-document" if suffix == ".json" else "jsonl"
    else:
        head = _head(path)
        raise IngestError(f"{path}: cannot tell the format (not JSON, JSONL, CSV or Parquet by name or "
                          f"content; it starts with {head!r}); pass --format")
    if fmt not in ("auto", *JSON_FAMILIES):
        raise IngestError(f"{path}: --format {fmt} reads CSV files, but this is JSON ({container})")
    if fmt != "auto":
        return Source(path, container, fmt, fmt)
    return Source(path, container, None, _sniff_json(path, container, cfg))


def _sniff_json(path: Path, container: str, cfg: IngestConfig) -> str:
    """The most common record shape among the first records; 'auto' if none could be parsed."""
    probe = Source(path, container, None, "auto")
    shapes: Counter[str] = Counter()
    keys: list[list[str]] = []
    parsed = 0
    for _ref, record in islice(json_records(probe, cfg, FileStats()), cfg.sniff_records):
        if not isinstance(record, dict):
            continue
        parsed += 1
        try:
            shape = shape_of(record)
        except ValueError as exc:
            raise IngestError(f"{path}: ambiguous format: the first records look like several layouts "
                              f"({exc}); pass --format") from None
        if shape is None:
            keys.append(sorted(record)[:8])
        else:
            shapes[shape] += 1
    if not shapes:
        if parsed == 0:
            return "auto"  # nothing parseable up front: read anyway, every record is accounted for
        raise IngestError(f"{path}: cannot tell the format: the first records have keys {keys[0]} and none "
                          f"of the known layouts ({', '.join(_RECORD_KEYS)}); pass --format, or convert it")
    if shapes.get(arena.NAME):
        raise IngestError(f"{path}: arena answers need their question file: put them in model_answer/ "
                          "next to question.jsonl and pass that folder")
    return shapes.most_common(1)[0][0]


def _plan_parquet(path: Path, fmt: str) -> Source:
    if fmt not in ("auto", *JSON_FAMILIES):
        raise IngestError(f"{path}: --format {fmt} does not read Parquet")
    if fmt != "auto":
        return Source(path, "parquet", fmt, fmt)
    import pyarrow.parquet as pq

    try:
        columns = pq.ParquetFile(path).schema_arrow.names
    except (OSError, ValueError) as exc:
        raise IngestError(f"{path}: not a readable Parquet file: {exc}") from None
    for key, family in (("conversation", "wildchat"), ("messages", "openai"), ("conversations", "sharegpt"),
                        ("chosen", "hh-rlhf"), ("instruction", "alpaca-eval")):
        if key in columns:
            return Source(path, "parquet", None, family)
    raise IngestError(f"{path}: cannot tell the format of this Parquet file: columns {columns[:12]}; "
                      f"expected one of {', '.join(_RECORD_KEYS)}")


def _plan_csv(path: Path, fmt: str, cfg: IngestConfig, delimiter: str) -> Source:
    header = _csv_header(path, delimiter)
    if fmt in ("auto", "xstest") and xstest.looks_like(header, path):
        return Source(path, "csv", xstest.NAME, xstest.NAME, delimiter=delimiter)
    if fmt == "xstest":
        raise IngestError(f"{path}: not an XSTest completions file: columns {header[:12]} lack "
                          "prompt/completion")
    if fmt in ("auto", "csv") and cfg.csv_map:
        problem = csv_mapped.check_columns(cfg.csv_map, header)
        if problem:
            raise IngestError(f"{path}: {problem}")
        return Source(path, "csv", csv_mapped.NAME, csv_mapped.NAME, csv_map=dict(cfg.csv_map),
                      delimiter=delimiter)
    if fmt == "csv":
        raise IngestError(f"{path}: --format csv needs a column mapping, e.g. --map "
                          f"user=prompt,assistant=response (columns: {header[:12]})")
    if fmt != "auto":
        raise IngestError(f"{path}: --format {fmt} does not read CSV files")
    raise IngestError(f"{path}: a CSV with columns {header[:12]} is not a layout I recognise; pass "
                      "--format csv --map user=COLUMN,assistant=COLUMN")


def _csv_header(path: Path, delimiter: str) -> list[str]:
    line = streams.first_line(path)
    if line is None:
        return []
    text = line.decode("utf-8", "replace")
    try:
        return next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    except csv.Error:
        return []


def _head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(24)
