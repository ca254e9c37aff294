"""Sentence embeddings for value labels and task descriptions (paper Appendix A.6: all-mpnet-base-v2).

``encode(texts)`` returns L2-normalised float32 vectors, one row per text, in input order. Vectors are
cached on disk per model (keyed by the text's sha256), so a rerun embeds nothing. sentence-transformers
and torch are imported only when something has to be embedded; torch runs on at most
``WILDVALUES_TORCH_THREADS`` (default 2, 1 when the load average already fills the cores) threads
because the CPU is usually shared.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from wildvalues.embed.cache import EmbeddingCache, text_key
from wildvalues.embed.models import DEFAULT_MODEL, get_model, pull
from wildvalues.pypi_assets import cache_dir

__all__ = ["DEFAULT_MODEL", "encode", "load_model", "embedding_cache", "EncodeStats", "last_stats"]


class EncodeStats(dict):
    """Counts of the last :func:`encode` call: texts, distinct, cached, embedded, seconds."""


_LAST = EncodeStats()


def last_stats() -> EncodeStats:
    return EncodeStats(_LAST)


def _torch_threads() -> int:
    """``$WILDVALUES_TORCH_THREADS``, else 2 -- or 1 when the CPU is already busy: with the cores
    oversubscribed, torch's worker threads spin-wait and 2 threads ran ~8x slower than 1 (measured)."""
    if "WILDVALUES_TORCH_THREADS" in os.environ:
        return max(1, int(os.environ["WILDVALUES_TORCH_THREADS"]))
    busy = hasattr(os, "getloadavg") and os.getloadavg()[0] >= (os.cpu_count() or 1)
    return 1 if busy else 2


@lru_cache(maxsize=4)
def load_model(name: str = DEFAULT_MODEL) -> Any:
    """The SentenceTransformer for ``name``, loaded by path (pulled and verified first if needed)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    folder = pull(name)
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(min(os.cpu_count() or 1, _torch_threads()))
    try:  # transformers draws a "Loading weights" bar regardless of the environment variables
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:
        pass
    return SentenceTransformer(str(folder), device="cpu", local_files_only=True)


@lru_cache(maxsize=8)
def embedding_cache(name: str) -> EmbeddingCache:
    spec = get_model(name)
    return EmbeddingCache(cache_dir() / "embeddings" / f"{name}-{spec.weights_sha256[:12]}")


def encode(texts: list[str], model: str = DEFAULT_MODEL, *, batch_size: int = 64,
           progress: Callable[[int], None] | None = None, use_cache: bool = True) -> np.ndarray:
    """Embed ``texts`` with ``model``: an ``(len(texts), dim)`` float32 array of unit-length rows.

    Duplicate texts are embedded once; cached ones not at all. ``progress`` is called with the number
    of texts just embedded (for a progress bar).
    """
    import time

    started = time.perf_counter()
    spec = get_model(model)
    texts = list(texts)
    keys = [text_key(t) for t in texts]
    distinct: dict[str, str] = dict(zip(keys, texts, strict=True))
    cache = embedding_cache(model)
    found = cache.get_many(list(distinct)) if use_cache else {}
    missing = [k for k in distinct if k not in found]
    if missing:
        encoder = load_model(model)
        import torch

        torch.set_num_threads(min(os.cpu_count() or 1, _torch_threads()))
        flush_every = max(batch_size, 1024)  # an interrupted run keeps what it embedded
        for start in range(0, len(missing), flush_every):
            chunk = missing[start:start + flush_every]
            with torch.inference_mode():
                rows = encoder.encode([distinct[k] for k in chunk], batch_size=batch_size,
                                      convert_to_numpy=True, normalize_embeddings=True,
                                      show_progress_bar=False)
            vectors = np.asarray(rows, dtype=np.float32)
            if use_cache:
                cache.put(chunk, vectors)
            found.update(zip(chunk, vectors, strict=True))
            if progress:
                progress(len(chunk))
    out = np.zeros((len(texts), spec.dim), dtype=np.float32)
    for row, key in enumerate(keys):
        out[row] = found[key]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    out /= np.where(norms == 0, 1.0, norms)
    _LAST.clear()
    _LAST.update(texts=len(texts), distinct=len(distinct), cached=len(distinct) - len(missing),
                 embedded=len(missing), seconds=round(time.perf_counter() - started, 3))
    return out
