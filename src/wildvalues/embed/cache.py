"""On-disk embedding cache: one folder per model, vectors keyed by the sha256 of the text.

Each :meth:`EmbeddingCache.put` writes one new ``.npz`` chunk (keys + float32 vectors) atomically
(temp file + rename), so several processes may share the cache without locks; a reader loads every
chunk once and then only chunks it has not seen. Chunks can be merged with :meth:`compact`.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

import numpy as np


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class EmbeddingCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self._vectors: dict[str, np.ndarray] = {}
        self._loaded: set[str] = set()

    def _refresh(self) -> None:
        for chunk in sorted(self.folder.glob("*.npz")):
            if chunk.name in self._loaded:
                continue
            try:
                with np.load(chunk) as data:
                    keys, vectors = data["keys"], data["vectors"]
            except (OSError, ValueError, KeyError):
                continue  # a chunk being written by another process, or damaged: recomputed if needed
            for key, vector in zip(keys.tolist(), vectors, strict=True):
                self._vectors[key] = vector
            self._loaded.add(chunk.name)

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        if any(key not in self._vectors for key in keys):
            self._refresh()
        return {key: self._vectors[key] for key in keys if key in self._vectors}

    def put(self, keys: list[str], vectors: np.ndarray) -> None:
        if not keys:
            return
        name = f"{uuid.uuid4().hex}.npz"
        tmp = self.folder / f".{name}.tmp"
        with open(tmp, "wb") as fh:
            np.savez(fh, keys=np.array(keys), vectors=vectors.astype(np.float32))
        os.replace(tmp, self.folder / name)
        self._loaded.add(name)
        for key, vector in zip(keys, vectors, strict=True):
            self._vectors[key] = vector

    def __len__(self) -> int:
        self._refresh()
        return len(self._vectors)

    def compact(self) -> None:
        """Merge all chunks into one (safe to run while others only read)."""
        self._refresh()
        old = [p for p in self.folder.glob("*.npz")]
        if len(old) <= 1:
            return
        keys = sorted(self._vectors)
        self.put(keys, np.stack([self._vectors[k] for k in keys]))
        for path in old:
            path.unlink(missing_ok=True)
            self._loaded.discard(path.name)
