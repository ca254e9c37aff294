"""Settings of the execution engine (section ``[engine]`` of the config, env ``WILDVALUES_ENGINE__KEY``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class EngineConfig(BaseModel):
    name: Literal["local", "ray"] = Field(
        default="local", description="local (one process) | ray (Ray Data actor pool)"
    )
    ray_address: str | None = Field(
        default=None,
        description="None: start a private local Ray instance; 'auto', 'HOST:PORT' or 'ray://HOST:PORT': "
        "join that cluster",
    )
    workers: int = Field(default=2, ge=1, description="actors in the pool (each builds its own extractor)")
    cpus_per_worker: float = Field(default=1.0, gt=0, description="CPUs Ray reserves for each actor")
    gpus_per_worker: float = Field(default=0.0, ge=0, description="GPUs per actor (a local model on GPU)")
    batch_size: int = Field(default=8, ge=1, description="conversations per extract_batch call")
    max_shard_rows: int = Field(default=2048, ge=1, description="at most this many conversations per shard")
    shard_dir: str | None = Field(
        default=None,
        description="where input/output Parquet shards go (default <workspace>/engine); on a multi-node "
        "cluster a folder every node sees at the same path (NFS, a mounted bucket)",
    )
    object_store_mb: int = Field(default=200, ge=75, description="object store of a local Ray instance")
    ship_cache_max_mb: int = Field(
        default=256, ge=0,
        description="ship the workspace's LLM call cache to the workers (read-only) when at most this big; "
        "bigger caches are opened in place (needs a shared path) or, if unreachable, not consulted",
    )
