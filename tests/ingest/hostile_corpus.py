"""A corpus of hostile inputs for the ingest stage, generated at test time (nothing big is committed).

Each :class:`Case` is one file plus the exact account ingesting it must give: how many items were read,
ingested, duplicated and rejected, and for every rejection its location and (a fragment of) its reason.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Case:
    name: str
    filename: str
    data: bytes | Callable[[], bytes]
    read: int
    ingested: int
    rejected: int
    duplicates: int = 0
    # (location, reason fragment) per rejected item; None = check `reason_pattern` for every row instead
    reasons: list[tuple[str, str]] | None = field(default_factory=list)
    reason_pattern: str = ""
    fmt: str = "auto"
    cfg: dict[str, Any] = field(default_factory=dict)
    truncated: bool = False
    roles: dict[str, int] | None = None

    def content(self) -> bytes:
        return self.data() if callable(self.data) else self.data


def chat(
    question: str = "Is honesty always right?",
    answer: str = "Mostly, but kindness matters too.",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}],
        **extra,
    }


def jl(*records: Any) -> bytes:
    """JSONL bytes: dicts/lists are dumped, bytes and str are written as they are."""
    lines = []
    for record in records:
        if isinstance(record, bytes):
            lines.append(record)
        elif isinstance(record, str):
            lines.append(record.encode())
        else:
            lines.append(json.dumps(record).encode())
    return b"\n".join(lines) + b"\n"


def _good(n: int, tag: str = "") -> list[dict[str, Any]]:
    return [chat(f"question {tag}{i}", f"answer {tag}{i}") for i in range(n)]


def _garbage() -> bytes:
    return random.Random(7).randbytes(8192)


def _garbage_lines() -> int:
    return sum(1 for line in _garbage().split(b"\n") if line.strip())


def _gzip_truncated() -> bytes:
    payload = jl(*[chat(f"q{i} " + "x" * random.Random(i).randint(50, 500), f"a{i}") for i in range(400)])
    packed = gzip.compress(payload, mtime=0)
    return packed[: len(packed) // 2]


def gzip_truncated_complete_lines() -> int:
    """Complete lines that can be decompressed from the cut gzip (what the reader must recover)."""
    text = zlib.decompressobj(wbits=31).decompress(_gzip_truncated())
    return text.count(b"\n")


def _corrupt_gzip() -> bytes:
    packed = gzip.compress(jl(*_good(50)), mtime=0)
    return packed[:20] + bytes(b ^ 0x5A for b in packed[20:200]) + packed[200:]


def _big_message() -> bytes:
    return jl(chat("short", "ok"), chat("x" * 10_000_000, "fine"), chat("after", "ok"))


def _long_line_no_newline() -> bytes:
    return jl(chat("before", "ok")) + b'{"messages": [{"role": "user", "content": "' + b"y" * 20_000_000


def _parquet(records: list[dict[str, Any]]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(records), buf)
    return buf.getvalue()


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


WILDCHAT = {
    "conversation_hash": "abc",
    "model": "gpt-4-0314",
    "timestamp": "2023-05-12T14:57:39Z",
    "language": "English",
    "hashed_ip": "u1",
    "turn": 1,
    "conversation": [{"role": "user", "content": "hola"}, {"role": "assistant", "content": "hi!"}],
}
SHAREGPT = {"id": "s1", "conversations": [{"from": "human", "value": "hey"}, {"from": "gpt", "value": "yo"}]}
HH = {"chosen": "\n\nHuman: why?\n\nAssistant: because.", "rejected": "\n\nHuman: why?\n\nAssistant: no."}
ALPACA = {"instruction": "Name a fruit.", "output": "Apple.", "generator": "m1", "dataset": "d"}


def cases() -> list[Case]:
    good3 = _good(3)
    return [
        Case(
            "bad_json_lines",
            "bad.jsonl",
            jl(good3[0], "{not json", good3[1], "[1, 2", good3[2]),
            read=5,
            ingested=3,
            rejected=2,
            reasons=[("line 2", "invalid JSON"), ("line 4", "invalid JSON")],
        ),
        Case(
            "missing_role",
            "norole.jsonl",
            jl({"messages": [{"content": "hi"}, {"role": "assistant", "content": "yo"}]}),
            read=1,
            ingested=0,
            rejected=1,
            reasons=[("line 1", "message 1: missing role")],
        ),
        Case(
            "unknown_role",
            "role.jsonl",
            jl(good3[0], {"messages": [{"role": "narrator", "content": "x"}]}),
            read=2,
            ingested=1,
            rejected=1,
            reasons=[("line 2", "unknown role 'narrator'")],
        ),
        Case(
            "role_not_string",
            "role2.jsonl",
            jl({"messages": [{"role": 5, "content": "x"}]}),
            read=1,
            ingested=0,
            rejected=1,
            reasons=[("line 1", "role is int")],
        ),
        Case(
            "empty_conversation",
            "empty_conv.jsonl",
            jl({"messages": []}, good3[0]),
            read=2,
            ingested=1,
            rejected=1,
            reasons=[("line 1", "empty conversation")],
        ),
        Case(
            "one_sided_user",
            "oneside.jsonl",
            jl({"messages": [{"role": "user", "content": "anyone?"}]}),
            read=1,
            ingested=0,
            rejected=1,
            reasons=[("line 1", "one-sided: no assistant message")],
        ),
        Case(
            "one_sided_assistant",
            "oneside2.jsonl",
            jl({"messages": [{"role": "assistant", "content": "hi"}]}),
            read=1,
            ingested=0,
            rejected=1,
            reasons=[("line 1", "one-sided: no user message")],
        ),
        Case(
            "blank_texts",
            "blank.jsonl",
            jl(chat("   ", "\n\t")),
            read=1,
            ingested=0,
            rejected=1,
            reasons=[("line 1", "no user or assistant message with text")],
        ),
        Case(
            "ten_mb_message",
            "big.jsonl",
            _big_message,
            read=3,
            ingested=2,
            rejected=1,
            reasons=[("line 2", "10,000,000 characters, over max_message_chars")],
        ),
        Case(
            "twenty_mb_line_without_newline",
            "long.jsonl",
            _long_line_no_newline,
            read=2,
            ingested=1,
            rejected=1,
            truncated=True,
            reasons=[("line 2", "the file ends inside this record: truncated")],
        ),
        Case(
            "line_over_record_limit",
            "long2.jsonl",
            _long_line_no_newline,
            read=2,
            ingested=1,
            rejected=1,
            cfg={"max_record_bytes": 1_000_000},
            reasons=[("line 2", "over max_record_bytes=1,000,000")],
        ),
        Case(
            "binary_garbage",
            "garbage.jsonl",
            _garbage,
            read=_garbage_lines(),
            ingested=0,
            rejected=_garbage_lines(),
            reasons=None,
            reason_pattern=r"not valid UTF-8|invalid JSON",
        ),
        Case(
            "non_utf8_line",
            "latin1.jsonl",
            jl(good3[0], b'{"messages": [{"role": "user", "content": "caf\xe9"}]}'),
            read=2,
            ingested=1,
            rejected=1,
            reasons=[("line 2", "not valid UTF-8 (byte 0xe9")],
        ),
        Case("bom_jsonl", "bom.jsonl", b"\xef\xbb\xbf" + jl(*good3), read=3, ingested=3, rejected=0),
        Case(
            "bom_json_array",
            "bom.json",
            b"\xef\xbb\xbf" + json.dumps(good3).encode(),
            read=3,
            ingested=3,
            rejected=0,
        ),
        Case(
            "truncated_jsonl",
            "cut.jsonl",
            jl(*good3)[:-25],
            read=3,
            ingested=2,
            rejected=1,
            truncated=True,
            reasons=[("line 3", "truncated")],
        ),
        Case(
            "truncated_json_array",
            "cut.json",
            json.dumps(_good(4)).encode()[:-30],
            read=4,
            ingested=3,
            rejected=1,
            truncated=True,
            reasons=[("index 3", "file ends inside element 3 (truncated)")],
        ),
        Case(
            "malformed_array_element",
            "badarr.json",
            b"["
            + json.dumps(good3[0]).encode()
            + b', {"messages": [}, '
            + json.dumps(good3[1]).encode()
            + b"]",
            read=2,
            ingested=1,
            rejected=1,
            reasons=[("index 1", "invalid JSON in element 1")],
        ),
        Case(
            "array_element_over_limit",
            "bigarr.json",
            lambda: json.dumps([_good(1)[0], chat("z" * 3_000_000, "a")]).encode(),
            read=2,
            ingested=1,
            rejected=1,
            cfg={"max_record_bytes": 1_000_000},
            reasons=[("index 1", "larger than max_record_bytes")],
        ),
        Case(
            "corrupt_gzip",
            "corrupt.jsonl.gz",
            _corrupt_gzip,
            read=1,
            ingested=0,
            rejected=1,
            reasons=[("line 1", "corrupt compressed data")],
        ),
        Case(
            "truncated_gzip",
            "cut.jsonl.gz",
            _gzip_truncated,
            read=gzip_truncated_complete_lines() + 1,
            ingested=gzip_truncated_complete_lines(),
            rejected=1,
            truncated=True,
            reasons=[(f"line {gzip_truncated_complete_lines() + 1}", "ends inside the compressed stream")],
        ),
        Case(
            "deeply_nested",
            "deep.jsonl",
            jl(good3[0], "[" * 200_000 + "]" * 200_000),
            read=2,
            ingested=1,
            rejected=1,
            reasons=[("line 2", "nested too deeply")],
        ),
        Case(
            "nan_content",
            "nan.jsonl",
            jl(
                '{"messages": [{"role": "user", "content": NaN}, {"role": "assistant", "content": "x"}]}',
                '{"messages": [{"role": "user", "content": "q"}, {"role": '
                '"assistant", "content": "a"}], "language": NaN, "model": Infinity}',
            ),
            read=2,
            ingested=1,
            rejected=1,
            reasons=[("line 1", "content is NaN")],
        ),
        Case(
            "control_characters",
            "ctrl.jsonl",
            jl(chat("he\x00llo\x07 there", "fi\x1bne\tthanks")),
            read=1,
            ingested=1,
            rejected=0,
        ),
        Case(
            "lone_surrogate",
            "surrogate.jsonl",
            jl(
                '{"messages": [{"role": "user", "content": "bad \\ud800"},'
                ' {"role": "assistant", "content": "x"}]}'
            ),
            read=1,
            ingested=0,
            rejected=1,
            reasons=[("line 1", "lone surrogate")],
        ),
        Case(
            "system_and_tool_messages",
            "tools.jsonl",
            jl(
                {
                    "messages": [
                        {"role": "system", "content": "Be brief."},
                        {"role": "user", "content": "weather?"},
                        {
                            "role": "assistant",
                            "content": None,
                            "tool_calls": [
                                {"function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}
                            ],
                        },
                        {"role": "tool", "content": "12C"},
                        {"role": "assistant", "content": "12C in Oslo."},
                    ]
                }
            ),
            read=1,
            ingested=1,
            rejected=0,
            roles={"system": 1, "user": 1, "assistant": 2, "tool": 1},
        ),
        Case(
            "content_parts",
            "parts.jsonl",
            jl(
                {
                    "messages": [
                        {
                            "role": "user",
                            "content": [
                                {"type": "text", "text": "what is this?"},
                                {"type": "image_url", "image_url": {"url": "x"}},
                            ],
                        },
                        {"role": "assistant", "content": [{"type": "text", "text": "a cat"}]},
                    ]
                }
            ),
            read=1,
            ingested=1,
            rejected=0,
        ),
        Case(
            "content_wrong_type",
            "ctype.jsonl",
            jl(
                {"messages": [{"role": "user", "content": {"x": 1}}, {"role": "assistant", "content": "y"}]},
                {"messages": ["hi", "there"]},
            ),
            read=2,
            ingested=0,
            rejected=2,
            reasons=[
                ("line 1", "content object without text"),
                ("line 2", "message 1 is str, not an object"),
            ],
        ),
        Case(
            "not_objects",
            "scalars.jsonl",
            jl('"just a string"', "42", good3[0]),
            read=3,
            ingested=1,
            rejected=2,
            reasons=[("line 1", "record is a JSON str"), ("line 2", "record is a JSON int")],
        ),
        Case(
            "mixed_formats_auto",
            "mixed.jsonl",
            jl(good3[0], SHAREGPT, HH, ALPACA, WILDCHAT),
            read=5,
            ingested=5,
            rejected=0,
        ),
        Case(
            "mixed_formats_forced",
            "mixed2.jsonl",
            jl(good3[0], SHAREGPT, HH, ALPACA, WILDCHAT),
            fmt="openai",
            read=5,
            ingested=1,
            rejected=4,
            reasons=[(f"line {n}", "does not look like openai") for n in (2, 3, 4, 5)],
        ),
        Case(
            "ambiguous_record",
            "ambig.jsonl",
            jl({**good3[0], "conversations": SHAREGPT["conversations"]}),
            fmt="openai",
            read=1,
            ingested=0,
            rejected=1,
            reasons=[("line 1", "ambiguous record")],
        ),
        Case(
            "exact_duplicates",
            "dups.jsonl",
            jl(good3[0], good3[0], chat("question 0\r\n", "  answer 0 "), good3[1]),
            read=4,
            ingested=2,
            duplicates=2,
            rejected=0,
        ),
        Case(
            "empty_file",
            "empty.jsonl",
            b"",
            read=1,
            ingested=0,
            rejected=1,
            reasons=[("file", "file holds no records (empty)")],
        ),
        Case(
            "empty_json_file",
            "empty.json",
            b"  \n",
            read=1,
            ingested=0,
            rejected=1,
            reasons=[("document", "file holds no records (empty)")],
        ),
        Case(
            "hh_text_before_markers",
            "hh.jsonl",
            jl(HH, {"chosen": "Preamble Human: hi\n\nAssistant: yo", "rejected": "x"}),
            fmt="hh-rlhf",
            read=2,
            ingested=1,
            rejected=1,
            reasons=[("line 2", "chosen: text before the first turn marker")],
        ),
        Case(
            "csv_unbalanced_quotes",
            "quotes.csv",
            _csv('prompt,response\n"hi","hello"\n"ok","fine"\n"broken,never closed\nlast,row\n'),
            cfg={"csv_map": {"user": "prompt", "assistant": "response"}},
            read=3,
            ingested=2,
            rejected=1,
            reasons=[("row 3 (lines 4-5)", "a quote opened on line 4 is never closed")],
        ),
        Case(
            "csv_wrong_field_count",
            "fields.csv",
            _csv("prompt,response\nhi,hello,extra\nok,fine\n"),
            cfg={"csv_map": {"user": "prompt", "assistant": "response"}},
            read=2,
            ingested=1,
            rejected=1,
            reasons=[("row 1", "row has 3 fields, the header has 2")],
        ),
        Case(
            "parquet_bad_row",
            "chats.parquet",
            lambda: _parquet([WILDCHAT, {**WILDCHAT, "conversation": []}]),
            read=2,
            ingested=1,
            rejected=1,
            reasons=[("row 2", "empty conversation")],
        ),
        Case(
            "xz_and_bad_line",
            "chats.jsonl.xz",
            lambda: lzma.compress(jl(good3[0], "{oops")),
            read=2,
            ingested=1,
            rejected=1,
            reasons=[("line 2", "invalid JSON")],
        ),
        Case("bz2_ok", "chats.jsonl.bz2", lambda: bz2.compress(jl(*good3)), read=3, ingested=3, rejected=0),
    ]
