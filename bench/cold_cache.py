"""An empty embedding cache beside the real model cache, for benches that time embedding work cold."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def cold_embedding_cache(scratch: Path, name: str) -> Path:
    """Point ``WILDVALUES_CACHE`` at ``scratch/cache-<name>``: every entry of the real cache symlinked (the
    pinned models, the student's weights) except an empty ``embeddings``, so the next run embeds its texts
    itself instead of reading an earlier run's vectors; the in-process cache handles are dropped too.
    Call it again to start cold again. Ray's workers inherit the variable from the driver."""
    real = Path(os.environ.get("WILDVALUES_REAL_CACHE") or os.environ.get("WILDVALUES_CACHE")
                or Path.home() / ".cache" / "wildvalues")
    os.environ["WILDVALUES_REAL_CACHE"] = str(real)
    root = scratch / f"cache-{name}"
    shutil.rmtree(root, ignore_errors=True)
    (root / "embeddings").mkdir(parents=True)
    for entry in real.iterdir() if real.exists() else ():
        if entry.name != "embeddings":
            (root / entry.name).symlink_to(entry)
    os.environ["WILDVALUES_CACHE"] = str(root)
    from wildvalues.embed import embedding_cache

    embedding_cache.cache_clear()
    return root
