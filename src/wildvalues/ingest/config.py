"""Settings of the ingest stage: limits that keep memory flat and how some formats are read."""

from typing import Literal

from pydantic import BaseModel, Field


class IngestConfig(BaseModel):
    # What the stage reads from `wildvalues run` or the Python API (the `ingest` command takes PATHs).
    paths: list[str] = Field(default_factory=list, description="files or folders of chat logs")
    format: str = Field(default="auto", description="input format (auto = detect per file)")
    sample: int | None = Field(default=None, ge=1, description="keep a uniform random sample of N")
    seed: int = Field(default=0, description="sampling seed")
    # A message longer than this is rejected (the whole conversation goes to quarantine with the reason).
    max_message_chars: int = 200_000
    # A single JSONL line / JSON array element / CSV field larger than this is rejected without being held
    # in memory; it is also the bound on how far the JSON-array reader looks ahead for one element.
    max_record_bytes: int = 64 * 1024 * 1024
    # Conversations need a user turn and an assistant turn with text: the paper reads the AI's replies.
    require_assistant: bool = True
    # HH-RLHF lines hold two transcripts; which to ingest ("both" yields two conversations per line).
    hh_rlhf_side: Literal["chosen", "rejected", "both"] = "chosen"
    # Conversations per DuckDB write (one pyarrow table per batch).
    batch_size: int = Field(default=1000, ge=1)
    # DuckDB memory cap while ingesting (MB; restored afterwards). Keeps peak memory flat on big files.
    duckdb_memory_limit_mb: int | None = 256
    # Checkpoint the raw store after about this many MB of message text (bounds DuckDB's memory).
    checkpoint_every_mb: int = Field(default=64, ge=1)
    # Records sniffed per file by --format auto.
    sniff_records: int = Field(default=20, ge=1)
    # Column mapping for --format csv, e.g. {"user": "prompt", "assistant": "response", "model": "gen"}.
    csv_map: dict[str, str] = Field(default_factory=dict)
