"""Read one planned source into a stream of ``Conversation`` and ``Rejection`` records.

Every item the file holds comes out as exactly one of the two (a record that yields several
conversations, e.g. HH-RLHF with ``hh_rlhf_side="both"``, counts once per conversation), so the caller
can account for everything it read. Nothing here raises on bad data.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from wildvalues.ingest import streams
from wildvalues.ingest.config import IngestConfig
from wildvalues.ingest.formats import JSON_FAMILIES, arena, csv_mapped, shape_of, xstest
from wildvalues.ingest.normalize import RecordContext, RecordError, excerpt
from wildvalues.ingest.streams import Problem
from wildvalues.records import Conversation, Rejection

Item = Conversation | Rejection


@dataclass
class Source:
    """A file and how to read it (decided by ``detect.plan``)."""

    path: Path
    container: str  # "jsonl" | "json-array" | "json-document" | "parquet" | "csv"
    family: str | None  # a format name, or None: recognise each JSON record by its shape
    label: str  # the format name the summary counts it under
    questions: Path | None = None  # arena: the question file joined to this answer file
    csv_map: dict[str, str] = field(default_factory=dict)
    delimiter: str = ","


@dataclass
class FileStats:
    """Live state of the file being read: the raw handle (progress) and whether it was cut off."""

    raw: BinaryIO | None = None
    truncated: bool = False


def read_source(source: Source, cfg: IngestConfig, stats: FileStats) -> Iterator[Item]:
    try:
        if source.container == "parquet":
            items: Iterator[tuple[str, Any]] = _parquet_records(source, cfg)
        elif source.container == "csv":
            yield from _read_csv(source, cfg, stats)
            return
        else:
            items = json_records(source, cfg, stats)
        yield from _convert_records(items, source, cfg, stats)
    except OSError as exc:
        yield Rejection(source_file=str(source.path), location="file", reason=f"cannot read file: {exc}")


# -- JSON records (JSONL, JSON arrays, JSON documents, Parquet rows) ---------------------------------------
def json_records(source: Source, cfg: IngestConfig, stats: FileStats) -> Iterator[tuple[str, Any]]:
    stream, stats.raw = streams.open_binary(source.path)
    seen = False
    with stream:
        if source.container == "json-array":
            for index, value in streams.iter_json_array(stream, cfg.max_record_bytes):
                seen = True
                yield f"index {index}", value
        elif source.container == "json-document":
            seen = True
            yield "document", streams.read_document(stream, cfg.max_record_bytes)
        else:
            for lineno, line in streams.iter_lines(stream, cfg.max_record_bytes):
                if isinstance(line, Problem):
                    seen = True
                    yield f"line {lineno}", line
                elif line.strip():
                    seen = True
                    yield f"line {lineno}", _parse_line(line)
    if not seen:
        yield "file", Problem("file holds no records (empty)")


def _parse_line(line: bytes) -> Any:
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Problem(f"not valid UTF-8 (byte 0x{line[exc.start]:02x} at offset {exc.start})", excerpt(line))
    try:
        return streams.loads(text)
    except RecursionError:
        return Problem("JSON nested too deeply", excerpt(text))
    except json.JSONDecodeError as exc:
        cut = isinstance(line, streams.Unterminated) and (
            exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"))
        hint = " (the file ends inside this record: truncated)" if cut else ""
        return Problem(f"invalid JSON: {exc.msg} at column {exc.colno}{hint}", excerpt(text),
                       truncated=bool(hint))


def _parquet_records(source: Source, cfg: IngestConfig) -> Iterator[tuple[str, Any]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(source.path)
        row = 0
        for batch in parquet.iter_batches(batch_size=1000):
            for record in batch.to_pylist():
                row += 1
                yield f"row {row}", record
    except (OSError, ValueError) as exc:  # pyarrow.ArrowInvalid is a ValueError
        yield "file", Problem(f"unreadable Parquet: {exc}", fatal=True)


def _convert_records(items: Iterator[tuple[str, Any]], source: Source, cfg: IngestConfig,
                     stats: FileStats) -> Iterator[Item]:
    file = str(source.path)
    questions = _load_questions(source.questions, cfg) if source.questions else None
    if isinstance(questions, Rejection):
        yield questions
        return
    default_model = source.path.name.split(".")[0] if source.family == arena.NAME else None
    subset = source.path.parent.name if source.label == "hh-rlhf" else None
    for ref, record in items:
        if isinstance(record, Problem):
            stats.truncated = stats.truncated or record.truncated
            yield Rejection(source_file=file, location=ref, reason=record.reason,
                            excerpt=record.excerpt[:200])
            continue
        if not isinstance(record, dict):
            yield Rejection(source_file=file, location=ref, excerpt=excerpt(record),
                            reason=f"record is a JSON {type(record).__name__}, not an object")
            continue
        try:
            family = shape_of(record)
        except ValueError as exc:
            yield Rejection(source_file=file, location=ref, reason=str(exc), excerpt=excerpt(record))
            continue
        if source.family is not None and family != source.family:
            yield Rejection(source_file=file, location=ref, excerpt=excerpt(record),
                            reason=f"record does not look like {source.family} (keys {sorted(record)[:10]})")
            continue
        if family is None:
            yield Rejection(source_file=file, location=ref, excerpt=excerpt(record),
                            reason=f"not a chat record of a known format (keys {sorted(record)[:10]})")
            continue
        meta = {"hh_rlhf_subset": subset} if family == "hh-rlhf" and subset else {}
        ctx = RecordContext(family, file, ref, cfg, meta=meta, default_model=default_model)
        try:
            if family == arena.NAME:
                yield from arena.convert(record, ctx, questions)
            else:
                yield from JSON_FAMILIES[family].convert(record, ctx)
        except RecordError as exc:
            yield ctx.reject(str(exc), record)


def _load_questions(path: Path, cfg: IngestConfig) -> dict[str, dict[str, Any]] | Rejection:
    """The arena question file as {question id: record} (small; held in memory)."""
    questions: dict[str, dict[str, Any]] = {}
    stream, _raw = streams.open_binary(path)
    with stream:
        for lineno, line in streams.iter_lines(stream, cfg.max_record_bytes):
            record = line if isinstance(line, Problem) else (_parse_line(line) if line.strip() else None)
            if isinstance(record, dict) and arena.question_id(record):
                questions[str(arena.question_id(record))] = record
            elif record is not None:
                reason = record.reason if isinstance(record, Problem) else "not a question record"
                return Rejection(source_file=str(path), location=f"line {lineno}",
                                 reason=f"question file unreadable: {reason}")
    return questions


# -- CSV (xstest completions, mapped CSV) --------------------------------------------------------------------
def _read_csv(source: Source, cfg: IngestConfig, stats: FileStats) -> Iterator[Item]:
    file = str(source.path)
    csv.field_size_limit(cfg.max_record_bytes)
    stream, stats.raw = streams.open_binary(source.path)
    labels = xstest.prompt_labels(source.path) if source.family == xstest.NAME else {}
    model = xstest.model_from_path(source.path) if source.family == xstest.NAME else None
    with streams.text_stream(stream) as text:
        reader = csv.reader(text, delimiter=source.delimiter, strict=True)
        header: list[str] | None = None
        row_no, line_before = 0, 0
        while True:
            line_before = reader.line_num
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                row_no += 1
                where = f"row {row_no} (lines {line_before + 1}-{reader.line_num})"
                reason = f"CSV error: {exc}"
                if "unexpected end of data" in str(exc):
                    reason += f" (a quote opened on line {line_before + 1} is never closed)"
                yield Rejection(source_file=file, location=where, reason=reason)
                continue
            except streams.STREAM_ERRORS as exc:
                stats.truncated = stats.truncated or isinstance(exc, EOFError)
                yield Rejection(source_file=file, location=f"row {row_no + 1}",
                                reason=f"corrupt or truncated stream: {type(exc).__name__}: {exc}")
                return
            if header is None:
                header = row
                continue
            if not row:
                continue
            row_no += 1
            where = f"row {row_no}" + (f" (line {reader.line_num})" if reader.line_num != row_no + 1 else "")
            if len(row) != len(header):
                yield Rejection(source_file=file, location=where, excerpt=excerpt(",".join(row)),
                                reason=f"row has {len(row)} fields, the header has {len(header)}")
                continue
            record = dict(zip(header, row, strict=True))
            ctx = RecordContext(source.label, file, where, cfg, default_model=model)
            try:
                if source.family == xstest.NAME:
                    yield from xstest.convert(record, ctx, labels)
                else:
                    yield from csv_mapped.convert(record, ctx, source.csv_map)
            except RecordError as exc:
                yield ctx.reject(str(exc), record)
        if header is None:
            yield Rejection(source_file=file, location="file", reason="file holds no records (empty)")
