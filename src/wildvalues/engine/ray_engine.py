"""The Ray engine: scrubbed conversations out as Parquet shards, ``ray.data.read_parquet`` ->
``map_batches`` over an actor pool (:class:`~wildvalues.engine.worker.ExtractActor`, each building its
extractor once) -> ``write_parquet``, then the output shards merged into the workspace keyed by
conversation id (see :mod:`wildvalues.engine.merge`). Only the driver touches the workspace.

The call cache across machines: each actor answers from (1) its own in-memory cache and (2) a read-only
seed, the workspace's ``llm_cache.sqlite`` as of job start, shipped through the object store when it is at
most ``engine.ship_cache_max_mb`` (else opened in place: on one machine or a shared path); every new answer
rides back in the output row of the batch that asked it and is merged into the workspace cache with
INSERT OR IGNORE after the job. So a rerun finds every answer of the finished job, wherever it ran.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wildvalues.engine import EngineResult, add_counts
from wildvalues.engine.merge import merge_outputs, output_files
from wildvalues.engine.shards import export_shards


class RayUnavailable(RuntimeError):
    pass


def job_root(ws: Any, engine_cfg: Any) -> Path:
    """Where this workspace's jobs keep their shards; absolute, since tasks run in other directories."""
    if engine_cfg.shard_dir and "://" in engine_cfg.shard_dir:
        raise ValueError(f"engine.shard_dir {engine_cfg.shard_dir!r}: only a shared folder path is "
                         "supported so far (mount the bucket, e.g. with s3fs/gcsfuse, and give its path)")
    return (Path(engine_cfg.shard_dir) if engine_cfg.shard_dir else ws.root / "engine").resolve()


def recover_leftovers(ws: Any, root: Path, *, version: str, run_id: str, cache_path: Path) -> EngineResult:
    """Merge output shards that an interrupted earlier job left behind (its driver died after workers
    wrote them), then delete that job's folder. Returns what was recovered (``details['ids']``)."""
    total = EngineResult(details={"ids": set(), "jobs": 0})
    ray_dir = root / "ray"
    for job_dir in sorted(ray_dir.iterdir()) if ray_dir.is_dir() else []:
        if job_dir.name == run_id:
            continue
        if output_files(job_dir / "out"):
            part = merge_outputs(ws, job_dir / "out", version=version, run_id=run_id, cache_path=cache_path)
            total.extracted += part.extracted
            total.failed += part.failed
            total.llm = add_counts(total.llm, part.llm)
            total.details["ids"] |= part.details.get("ids", set())
            total.details["jobs"] += 1
        shutil.rmtree(job_dir, ignore_errors=True)
    return total


def connect(engine_cfg: Any, workers_cpus: float) -> bool:
    """Join the cluster at ``engine.ray_address`` or start a private local instance (127.0.0.1, no
    dashboard, a small object store). Returns True when this call connected (the caller disconnects)."""
    if engine_cfg.ray_address is None:
        # a private instance keeps 127.0.0.1 as its node address and binds every server to it (Ray reads
        # this at import; without it Ray swaps in the machine's outward address and listens on all)
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailable("--engine ray needs Ray Data: pip install 'wildvalues[ray]'") from exc
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    common: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": True}
    if engine_cfg.ray_address is None:
        # address="local": never silently join some other cluster found on this machine
        ray.init(address="local", num_cpus=math.ceil(workers_cpus) + 1, include_dashboard=False,
                 object_store_memory=engine_cfg.object_store_mb * 1024 * 1024,
                 _node_ip_address="127.0.0.1", **common)
    else:
        ray.init(address=engine_cfg.ray_address, **common)
    return True


def cache_seed(cache_path: Path, max_mb: int, shipped_dir: Path) -> dict[str, Any] | None:
    """How actors read the workspace cache: shipped bytes (a consistent snapshot) or its path."""
    import ray

    if not cache_path.is_file():
        return None
    if cache_path.stat().st_size > max_mb * 1024 * 1024:
        return {"path": str(cache_path)}
    shipped_dir.mkdir(parents=True, exist_ok=True)
    snapshot = shipped_dir / "cache-seed.sqlite"
    source, target = sqlite3.connect(str(cache_path)), sqlite3.connect(str(snapshot))
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, readable read-only
    finally:
        source.close()
        target.close()
    blob = snapshot.read_bytes()
    snapshot.unlink()
    return {"ref": ray.put(blob)}


def extract_ray(ws: Any, todo: Sequence[Any], cfg: Any, *, run_id: str, version: str, use_llm: bool = True,
                ) -> EngineResult:
    """Extract ``todo`` on Ray and merge the rows into ``ws``; ``cfg`` is the whole Config."""
    from wildvalues.llm.callcache import CACHE_FILENAME

    ecfg = cfg.engine
    root = job_root(ws, ecfg)
    cache_path = ws.root / CACHE_FILENAME
    recovered = recover_leftovers(ws, root, version=version, run_id=run_id, cache_path=cache_path)
    todo = [c for c in todo if c.conversation_id not in recovered.details["ids"]]
    job_dir = root / "ray" / run_id
    in_dir, out_dir = job_dir / "in", job_dir / "out"
    started = time.perf_counter()
    if todo:
        export_shards(todo, in_dir, batch_size=ecfg.batch_size, workers=ecfg.workers,
                      max_rows=ecfg.max_shard_rows)
        connected = connect(ecfg, ecfg.workers * ecfg.cpus_per_worker)
        try:
            _run_job(cfg, in_dir, out_dir, job_dir / "actors", run_id=run_id, version=version,
                     use_llm=use_llm, seed=cache_seed(cache_path, ecfg.ship_cache_max_mb, job_dir / "seed"))
        finally:
            if connected:
                import ray

                ray.shutdown()
            shutil.rmtree(in_dir, ignore_errors=True)  # scrubbed text does not stay in shard form
    job_seconds = time.perf_counter() - started
    result = merge_outputs(ws, out_dir, version=version, run_id=run_id, cache_path=cache_path)
    shutil.rmtree(job_dir, ignore_errors=True)
    result.details.pop("ids", None)
    result.details |= {"engine": "ray", "workers": ecfg.workers, "job_seconds": round(job_seconds, 2),
                       "recovered_rows": recovered.extracted + recovered.failed,
                       "recovered_jobs": recovered.details["jobs"]}
    return result


def _run_job(cfg: Any, in_dir: Path, out_dir: Path, actors_dir: Path, *, run_id: str, version: str,
             use_llm: bool, seed: dict[str, Any] | None) -> None:
    import pyarrow.parquet as pq
    import ray.data

    from wildvalues.engine.shards import batches_per_shard
    from wildvalues.engine.worker import ExtractActor

    ecfg = cfg.engine
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    n_batches = sum(pq.read_metadata(f).num_rows for f in in_dir.glob("*.parquet"))
    # the reader packs small files into one block, and a pool gets work one block at a time: cut the
    # stream into blocks of a few batches (a streaming repartition) so every actor has work.
    # One folder, not a list of files: Ray resolves a list in parallel threads, which race on importing
    # fsspec's optional HTTP filesystem when aiohttp is absent (ImportError instead of "not there").
    per_block = batches_per_shard(n_batches, ecfg.workers, ecfg.max_shard_rows, ecfg.batch_size)
    ds = ray.data.read_parquet(str(in_dir), file_extensions=["parquet"])
    ds = ds.repartition(target_num_rows_per_block=per_block)
    extra = {"num_gpus": ecfg.gpus_per_worker} if ecfg.gpus_per_worker else {}
    ds = ds.map_batches(
        ExtractActor,
        batch_size=1,  # one input row = one batch of engine.batch_size conversations
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=ecfg.workers),
        num_cpus=ecfg.cpus_per_worker,
        scheduling_strategy="SPREAD",  # actors over as many nodes as have room
        # python-mode dump: the API key stays a SecretStr (a JSON dump would mask it)
        fn_constructor_kwargs={"cfg_dict": cfg.model_dump(), "use_llm": use_llm,
                               "run_id": run_id, "version": version, "cache_seed": seed,
                               "actors_dir": str(actors_dir)},
        **extra,
    )
    ds.write_parquet(str(out_dir))
