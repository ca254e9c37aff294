"""What runs inside each Ray actor: the extractor, built once per actor, and the batch function.

The actor is a plain callable class (Ray Data's ``map_batches`` contract): ``__init__`` builds the
extractor through :func:`build_extractor` (heads, embeddings and its own LLM client), ``__call__`` turns a
pyarrow batch of conversations into a pyarrow batch of output rows. Nothing here touches the workspace:
new call-cache entries and the batch's LLM account travel back inside the output rows.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import socket
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from wildvalues.engine import count_delta
from wildvalues.engine.shards import batch_key, batches_from_table, output_table
from wildvalues.llm.callcache import CallCache, response_from_json


class SeededCache(CallCache):
    """An in-memory call cache that also reads a read-only seed (the workspace's cache as of job start)
    and remembers which entries it added, so they can be shipped back with the batch that made them."""

    def __init__(self, seed_path: Path | None) -> None:
        super().__init__(None)
        self._seed = None
        if seed_path is not None and seed_path.is_file():
            self._seed = sqlite3.connect(f"file:{seed_path}?mode=ro", uri=True, check_same_thread=False)
        self._new_keys: list[str] = []
        self._failures: list[list[Any]] = []

    def get(self, key: str):  # type: ignore[no-untyped-def]
        hit = super().get(key)
        if hit is None and self._seed is not None:
            with self._lock:
                row = self._seed.execute("SELECT response FROM llm_calls WHERE key = ?", (key,)).fetchone()
            hit = response_from_json(row[0]) if row else None
        return hit

    def put(self, key: str, resp: Any, **kwargs: Any) -> bool:
        stored = super().put(key, resp, **kwargs)
        if stored:
            with self._lock:
                self._new_keys.append(key)
        return stored

    def record_failure(self, key: str, error: str, **kwargs: Any) -> None:
        super().record_failure(key, error, **kwargs)
        with self._lock:
            self._failures.append([key, kwargs["backend"], kwargs["model"], kwargs["tag"], kwargs["run_id"],
                                   error[:2000], 0.0])

    def drain(self) -> dict[str, list[list[Any]]]:
        """The entries added since the last drain, as rows of the workspace cache's tables."""
        with self._lock:
            keys, self._new_keys = self._new_keys, []
            failures, self._failures = self._failures, []
            calls = [list(self._con.execute("SELECT * FROM llm_calls WHERE key = ?", (k,)).fetchone())
                     for k in keys]
        return {"calls": calls, "failures": failures}


@dataclass
class ActorExtractor:
    """One actor's :class:`wildvalues.extract.extractor.Extractor`, built once, as a batch function."""

    extractor: Any

    @property
    def client(self) -> Any:
        return self.extractor.client

    def __call__(self, conversations: list[Any]) -> list[Any]:
        from wildvalues.extract.core import extract_batch

        return extract_batch(conversations, self.extractor)


def build_extractor(cfg_dict: dict[str, Any], *, use_llm: bool, run_id: str,
                    seed_path: Path | None) -> ActorExtractor:
    """The one place an actor builds its extractor: prompts, heads (embeddings load on first use) and,
    with ``use_llm``, its own LLM client over a :class:`SeededCache`."""
    from wildvalues.config import Config
    from wildvalues.extract.extractor import build_extractor as build_bundle

    cfg = Config.model_validate(cfg_dict)
    client = None
    if use_llm:
        from wildvalues.llm import get_client

        client = get_client(cfg.llm, workspace=None, run_id=run_id)
        client.cache.close()
        client.cache = SeededCache(seed_path)
    return ActorExtractor(build_bundle(cfg.extract, client))


class ExtractActor:
    """Ray Data actor: ``ds.map_batches(ExtractActor, fn_constructor_kwargs=..., concurrency=N)``."""

    def __init__(self, cfg_dict: dict[str, Any], use_llm: bool, run_id: str, version: str,
                 cache_seed: Any = None, actors_dir: str | None = None) -> None:
        from wildvalues.engine.local import extract_guarded

        self._guard = extract_guarded
        self.run_id, self.version = run_id, version
        seed_path = _seed_file(cache_seed)
        self.extractor = build_extractor(cfg_dict, use_llm=use_llm, run_id=run_id, seed_path=seed_path)
        if actors_dir:  # where operators (and the fault tests) find each actor's process
            Path(actors_dir).mkdir(parents=True, exist_ok=True)
            import ray

            node = ray.get_runtime_context().get_node_id()
            Path(actors_dir, f"{socket.gethostname()}-{os.getpid()}").write_text(f"{os.getpid()} {node}")

    def __call__(self, batch: pa.Table) -> pa.Table:
        """Each input row is one batch of conversations: one guarded ``extract_batch`` call each."""
        return pa.concat_tables([self._one(conversations) for conversations in batches_from_table(batch)])

    def _one(self, conversations: list[Any]) -> pa.Table:
        client = self.extractor.client
        before = client.accounting() if client is not None else {}
        features, failures = self._guard(conversations, self.extractor)
        account = count_delta(client.accounting(), before) if client is not None else {}
        entries = client.cache.drain() if client is not None else {"calls": [], "failures": []}
        for f in features:
            f.run_id = self.run_id
        return output_table(features, failures, batch_key([c.conversation_id for c in conversations]),
                            json.dumps(account), json.dumps(entries))


def _seed_file(cache_seed: Any) -> Path | None:
    """The seed cache as a local file: a path (same machine or shared storage) or shipped bytes."""
    if cache_seed is None:
        return None
    if isinstance(cache_seed, dict) and "path" in cache_seed:
        return Path(cache_seed["path"])
    import ray

    blob = ray.get(cache_seed["ref"])
    handle, name = tempfile.mkstemp(prefix="wildvalues-cache-seed-", suffix=".sqlite")
    with os.fdopen(handle, "wb") as fh:
        fh.write(blob)
    atexit.register(_remove, name)  # the actor's copy goes when its process ends normally
    return Path(name)


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
