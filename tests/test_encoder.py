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
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(a, b)
    assert a[0] @ a[1] > a[0] @ a[2]
