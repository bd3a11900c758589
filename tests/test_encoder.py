"""Encoder: the sentence-transformer loaded offline by path, unit vectors, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline import encoder as E


def test_when_model_folder_missing_then_clear_error(tmp_path):
    from pipeline.errors import QualevalError

    with pytest.raises(QualevalError, match="no sentence-transformers model there"):
        E.load_encoder(str(tmp_path))


@pytest.mark.slow
def test_when_encoded_then_unit_vectors_deterministic_and_semantic():
    texts = [
        "The peer review team was very supportive.",
        "The reviewers helped us a lot.",
        "Funding for the programme ends next year.",
    ]
    a = E.encode(texts)
    b = E.encode(texts)
    assert a.shape == (3, 384) and a.dtype == np.float32
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-3)
    assert np.array_equal(a, b)
    assert np.array_equal(a, np.round(a, E.EMBEDDING_DECIMALS))  # on the 1e-4 grid
    assert a[0] @ a[1] > a[0] @ a[2]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.123456, 0.1235), (-0.00004, 0.0), (0.99996, 1.0), (0.5, 0.5)],
)
def test_when_quantised_then_values_sit_on_the_grid(value, expected):
    out = E.quantise(np.array([[value, 1e-9]], dtype=np.float64))
    assert out.dtype == np.float32 and out.flags["C_CONTIGUOUS"]
    assert out[0, 0] == np.float32(expected) and out[0, 1] == 0.0


def test_when_quantised_twice_then_unchanged():
    rng = np.random.default_rng(0)
    once = E.quantise(rng.normal(size=(5, 7)))
    assert np.array_equal(E.quantise(once), once)
