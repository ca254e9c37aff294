"""Where the paper's released tree comes from: a configured file, the shared folder, or the Hub once.

The paper's AI-values tree (``values_tree.csv``) and frequencies (``values_frequencies.csv``) are the
Hugging Face dataset ``Anthropic/values-in-the-wild`` (CC BY 4.0, Huang, Durmus et al. 2025). In order:

1. a configured path (``taxonomy.reference_tree`` or ``$WILDVALUES_REFERENCE_TREE``): used as given
   (it may be the user's own tree in the released schema); a configured path that does not exist is an
   error, not a silent fallback;
2. ``<project root>/../shared/data/values-in-the-wild/`` (or ``../shared/...`` from the working folder);
3. the cache ``<wildvalues cache>/reference/`` (filled by step 4);
4. one download with ``huggingface_hub.hf_hub_download`` at a pinned revision, where a network allows.

Released files from steps 2-4 must match the sha256 recorded below (measured on the shared copy, which
PROVENANCE.md traces to the dataset's revision ``ab3f8507``). When none is found the caller builds its
own tree, without inventing names (``taxonomy/grounding.py``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

HF_DATASET = "Anthropic/values-in-the-wild"
HF_REVISION = "ab3f8507ad9513889edfbc5a9ec56b0072ae632c"
RELEASED_SHA256 = {
    "values_tree.csv": "614df191874375562c872cb15b4881040911e71028bda72254e882adfb768366",
    "values_frequencies.csv": "9cb874631323a6124414963f46b5673526f3a77a6f62d1ca95d1ffaf508073ac",
}
SHARED_FOLDER = Path("..") / "shared" / "data" / "values-in-the-wild"
_PROJECT_ROOT = Path(__file__).resolve().parents[3]


class ReferenceFileError(ValueError):
    """A configured reference file is missing, or a released file does not match its sha256."""


@dataclass
class ReferenceLookup:
    path: Path | None  # None: no released file available here
    source: str  # configured | shared | cache | download | none
    notes: list[str] = field(default_factory=list)  # why earlier places were passed over


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _matches(path: Path, filename: str) -> str:
    """'' when ``path`` holds the released bytes of ``filename``, else why not."""
    actual = sha256_of(path)
    expected = RELEASED_SHA256[filename]
    return "" if actual == expected else f"{path}: sha256 {actual[:12]}… is not the released {expected[:12]}…"


def reference_cache_dir() -> Path:
    from wildvalues.pypi_assets import cache_dir

    return cache_dir() / "reference"


def _download(filename: str, target: Path) -> Path:
    """Fetch ``filename`` from the Hub at the pinned revision, check it, and keep it at ``target``."""
    from huggingface_hub import hf_hub_download

    fetched = Path(hf_hub_download(repo_id=HF_DATASET, filename=filename, repo_type="dataset",
                                   revision=HF_REVISION, cache_dir=str(target.parent / "hub")))
    problem = _matches(fetched, filename)
    if problem:
        raise ReferenceFileError(f"downloaded {problem}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    shutil.copyfile(fetched, partial)
    os.replace(partial, target)
    return target


def find_released_file(filename: str = "values_tree.csv", configured: str | None = None, *,
                       download: bool = True, cache: Path | None = None) -> ReferenceLookup:
    """Find ``filename`` of the released dataset (see the module docstring for the order)."""
    if filename not in RELEASED_SHA256:
        raise ValueError(f"unknown released file {filename!r}; expected one of {sorted(RELEASED_SHA256)}")
    given = configured or (os.environ.get("WILDVALUES_REFERENCE_TREE") if filename == "values_tree.csv"
                           else None)
    if given:
        path = Path(given).expanduser()
        if not path.is_file():
            raise ReferenceFileError(f"{path}: the configured reference tree does not exist")
        return ReferenceLookup(path, "configured")
    notes: list[str] = []
    for folder in (_PROJECT_ROOT / SHARED_FOLDER, SHARED_FOLDER):
        path = folder / filename
        if path.is_file():
            problem = _matches(path, filename)
            if not problem:
                return ReferenceLookup(path, "shared", notes)
            notes.append(problem)
    cached = (cache or reference_cache_dir()) / filename
    if cached.is_file():
        problem = _matches(cached, filename)
        if not problem:
            return ReferenceLookup(cached, "cache", notes)
        notes.append(problem)
        cached.unlink()
    if not download:
        return ReferenceLookup(None, "none", [*notes, "download switched off"])
    try:
        return ReferenceLookup(_download(filename, cached), "download", notes)
    except ImportError:
        notes.append("huggingface_hub is not installed (pip install huggingface_hub)")
    except Exception as exc:  # no network, offline mode, hub errors: build our own tree instead
        notes.append(f"download from {HF_DATASET} failed: {type(exc).__name__}: {str(exc)[:200]}")
    return ReferenceLookup(None, "none", notes)
