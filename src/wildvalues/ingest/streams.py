"""Byte-level reading with flat memory: transparent decompression, bounded lines, streamed JSON arrays.

Nothing here knows about chat formats. Readers get items ``(location, value)`` where ``value`` is the
parsed object or a :class:`Problem` (what went wrong there); corrupt or truncated streams end with a
``Problem`` whose ``fatal`` flag says that the rest of the file could not be read.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import json
import lzma
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

CHUNK = 1 << 20
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"), (b"\x28\xb5\x2f\xfd", "zstd"))
_BOM = b"\xef\xbb\xbf"
# Errors a decompressor raises on a corrupt or cut-off stream.
STREAM_ERRORS: tuple[type[BaseException], ...] = (
    OSError, EOFError, zlib.error, lzma.LZMAError, gzip.BadGzipFile, ValueError,
)


class NonFinite:
    """Stands for a NaN/Infinity literal (not JSON); metadata treats it as missing, text rejects it."""

    def __init__(self, literal: str) -> None:
        self.literal = literal

    def __repr__(self) -> str:
        return self.literal


_DECODER = json.JSONDecoder(strict=False, parse_constant=NonFinite)


def loads(text: str | bytes) -> Any:
    """json.loads that tolerates raw control characters and marks NaN/Infinity instead of making floats."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "surrogateescape")
    return _DECODER.decode(text)


@dataclass
class Problem:
    reason: str
    excerpt: str = ""
    fatal: bool = False  # the rest of the stream is unreadable (corrupt/truncated)
    truncated: bool = False


def excerpt_of(data: bytes | str, limit: int = 200) -> str:
    if isinstance(data, bytes):
        data = data[: limit * 4].decode("utf-8", "backslashreplace")
    return data[:limit]


def compression_of(path: Path) -> str | None:
    with open(path, "rb") as fh:
        head = fh.read(6)
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return None


def open_binary(path: Path) -> tuple[BinaryIO, BinaryIO]:
    """(decompressed stream, raw file). The raw file's ``tell()`` gives progress in on-disk bytes."""
    raw = open(path, "rb")  # noqa: SIM115 - closed by the caller through the returned stream
    kind = compression_of(path)
    if kind is None:
        return raw, raw
    if kind == "gzip":
        return gzip.GzipFile(fileobj=raw), raw
    if kind == "bz2":
        return bz2.BZ2File(raw), raw
    if kind == "xz":
        return lzma.LZMAFile(raw), raw
    try:
        import zstandard
    except ImportError as exc:
        raw.close()
        raise OSError(f"{path} is zstd-compressed; install `zstandard` to read it") from exc
    return zstandard.ZstdDecompressor().stream_reader(raw), raw  # type: ignore[return-value]


class Unterminated(bytes):
    """The last line of a file that does not end with a newline (a cut-off record if it fails to parse)."""


_PENDING_ERROR = "_wildvalues_pending_error"


def _read(stream: BinaryIO, size: int) -> bytes | Problem:
    """Up to ``size`` bytes. Decompressors raise on a cut or corrupt stream; the bytes decoded before the
    fault are returned first (``read1`` steps) and the fault is reported on the next call."""
    pending = getattr(stream, _PENDING_ERROR, None)
    try:
        if pending is not None:
            raise pending
        if not hasattr(stream, "read1"):
            return stream.read(size)
        pieces, got = [], 0
        try:
            while got < size:
                piece = stream.read1(size - got)
                if not piece:
                    break
                pieces.append(piece)
                got += len(piece)
        except STREAM_ERRORS as exc:
            if not pieces:
                raise
            setattr(stream, _PENDING_ERROR, exc)
        return b"".join(pieces)
    except STREAM_ERRORS as exc:
        truncated = isinstance(exc, EOFError)
        what = ("file ends inside the compressed stream (truncated)" if truncated
                else "corrupt compressed data")
        return Problem(f"{what}: {type(exc).__name__}: {exc}", fatal=True, truncated=truncated)


def iter_lines(stream: BinaryIO, max_bytes: int) -> Iterator[tuple[int, bytes | Problem]]:
    """Lines as bytes (without the newline), numbered from 1. Over-long lines are skipped unbuffered."""
    lineno, parts, size, first = 0, [], 0, True
    overflow_head: bytes | None = None
    while True:
        data = _read(stream, CHUNK)
        if isinstance(data, Problem):
            yield lineno + 1, data
            return
        if first:
            data, first = (data[3:] if data.startswith(_BOM) else data), False
        if not data:
            break
        start = 0
        while True:
            newline = data.find(b"\n", start)
            if newline < 0:
                piece = data[start:]
                size += len(piece)
                if overflow_head is None and size > max_bytes:
                    overflow_head = b"".join(parts)[:200]
                    parts = []
                elif overflow_head is None:
                    parts.append(piece)
                break
            piece = data[start:newline]
            size += len(piece)
            lineno += 1
            if overflow_head is None and size <= max_bytes:
                yield lineno, (b"".join(parts) + piece if parts else piece)
            else:
                head = overflow_head if overflow_head is not None else (b"".join(parts) + piece)[:200]
                yield lineno, Problem(f"line is {size:,} bytes, over max_record_bytes={max_bytes:,}",
                                      excerpt_of(head))
            parts, size, overflow_head = [], 0, None
            start = newline + 1
    if size or parts or overflow_head is not None:
        lineno += 1
        if overflow_head is None and size <= max_bytes:
            yield lineno, Unterminated(b"".join(parts))
        else:
            yield lineno, Problem(f"last line is {size:,} bytes, over max_record_bytes={max_bytes:,}",
                                  excerpt_of(overflow_head or b""))


def first_line(path: Path, max_bytes: int = CHUNK) -> bytes | None:
    """The first non-empty line (decompressed, BOM stripped), read with bounded memory; None if unreadable."""
    try:
        stream, _raw = open_binary(path)
    except OSError:
        return None
    with stream:
        for _no, line in iter_lines(stream, max_bytes):
            if isinstance(line, Problem):
                return None
            if line.strip():
                return line
    return None


def first_char(path: Path) -> str | None:
    """First non-whitespace character of the (decompressed) text, or None."""
    try:
        stream, _raw = open_binary(path)
        with stream:
            head = stream.read(4096)
    except (*STREAM_ERRORS, OSError):
        return None
    head = head[3:] if head.startswith(_BOM) else head
    text = head.lstrip()
    return chr(text[0]) if text else None


def iter_json_array(stream: BinaryIO, max_bytes: int) -> Iterator[tuple[int, Any]]:
    """Elements of a top-level JSON array, streamed: ``json.JSONDecoder.raw_decode`` over a sliding buffer.

    A truncated file (ends inside an element) yields a final fatal, truncated Problem after every
    complete element; a malformed element ends the read with a fatal Problem (the rest cannot be resynced).
    """
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    buf, pos, eof, index, started = "", 0, False, 0, False
    want = CHUNK

    def refill(size: int) -> Problem | None:
        nonlocal buf, pos, eof
        data = _read(stream, size)
        if isinstance(data, Problem):
            return data
        if not data:
            eof = True
        text = decoder.decode(data, final=not data)
        buf = buf[pos:] + text if pos else buf + text
        pos = 0
        return None

    while True:
        while pos < len(buf) and buf[pos] in " \t\r\n,\ufeff":
            pos += 1
        if pos >= len(buf):
            if eof:
                break
            problem = refill(CHUNK)
            if problem:
                yield index, problem
                return
            continue
        if not started:
            if buf[pos] != "[":
                yield index, Problem(f"expected a JSON array, found {buf[pos]!r}", buf[pos:pos + 200],
                                     fatal=True)
                return
            started, pos = True, pos + 1
            continue
        if buf[pos] == "]":
            rest = buf[pos + 1:].strip()
            if rest or not eof:
                tail = rest if rest else _peek(stream)
                if tail.strip():
                    yield index, Problem("data after the end of the JSON array", tail[:200], fatal=True)
            return
        try:
            value, end = _DECODER.raw_decode(buf, pos)
        except RecursionError:
            yield index, Problem("JSON nested too deeply", buf[pos:pos + 200], fatal=True)
            return
        except json.JSONDecodeError as exc:
            # An error well before the end of the buffer is real; one at the end may just need more data.
            definite = exc.pos < len(buf) - 16 and not exc.msg.startswith("Unterminated string")
            if not eof and not definite and len(buf) - pos < max_bytes:
                problem = refill(want)
                want = min(want * 2, max_bytes)
                if problem:
                    yield index, problem
                    return
                continue
            if eof and not definite:
                yield index, Problem(f"file ends inside element {index} (truncated): {exc.msg}",
                                     buf[pos:pos + 200], fatal=True, truncated=True)
            elif len(buf) - pos >= max_bytes:
                yield index, Problem(f"element {index} is larger than max_record_bytes={max_bytes:,}",
                                     buf[pos:pos + 200], fatal=True)
            else:
                yield index, Problem(f"invalid JSON in element {index}: {exc.msg}; the rest of the array "
                                     "cannot be read", buf[pos:pos + 200], fatal=True)
            return
        want = CHUNK
        yield index, value
        index += 1
        pos = end
        if pos > CHUNK and not eof:
            buf, pos = buf[pos:], 0


def _peek(stream: BinaryIO) -> str:
    data = _read(stream, 256)
    return "" if isinstance(data, Problem) else data.decode("utf-8", "replace")


def read_document(stream: BinaryIO, max_bytes: int) -> Any:
    """A whole (small) JSON document, bounded by ``max_bytes``; a Problem if it cannot be parsed."""
    data = _read(stream, max_bytes + 1)
    if isinstance(data, Problem):
        return data
    if len(data) > max_bytes:
        return Problem(f"JSON document larger than max_record_bytes={max_bytes:,}", excerpt_of(data),
                       fatal=True)
    data = data[3:] if data.startswith(_BOM) else data
    if not data.strip():
        return Problem("file holds no records (empty)")
    try:
        return loads(data)
    except RecursionError:
        return Problem("JSON nested too deeply", excerpt_of(data), fatal=True)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(data.rstrip()) - 1
        why = "file ends mid-document (truncated)" if truncated else "invalid JSON"
        return Problem(f"{why}: {exc.msg} at line {exc.lineno} column {exc.colno}", excerpt_of(data),
                       fatal=True, truncated=truncated)


def text_stream(stream: BinaryIO) -> io.TextIOWrapper:
    """Text view for CSV: UTF-8, BOM dropped; undecodable bytes kept as surrogates so rows get rejected."""
    return io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
