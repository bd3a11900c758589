"""Encoder: the sentence-transformer loaded offline by path, unit vectors, determinism."""

from __future__ import annotations

import json

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


@pytest.mark.parametrize(
    ("lengths", "batch_size", "expected"),
    [
        ([3, 5, 3, 3, 5], 2, [[0, 2], [3], [1, 4]]),  # one length per batch, shortest first
        ([4, 4, 4], 8, [[0, 1, 2]]),
        ([7], 1, [[0]]),
        ([], 4, []),
    ],
)
def test_when_batched_then_each_batch_holds_one_length(lengths, batch_size, expected):
    ids = [[1] * n for n in lengths]
    assert list(E.length_batches(ids, batch_size)) == expected


def _fake_hidden(ids: np.ndarray) -> np.ndarray:
    """A deterministic 'transformer': each token's state depends on its id and position."""
    pos = np.arange(ids.shape[1], dtype=np.float32)[None, :, None]
    return np.sin(ids[:, :, None].astype(np.float32) * 0.37 + pos * 0.11 + np.arange(6) * 0.5)


def test_when_pooled_then_a_row_does_not_depend_on_its_batch():
    ids = [[101, 7, 8, 102], [101, 9, 102], [101, 7, 9, 102], [101, 5, 102]]
    together = E.pool(_fake_hidden, ids, batch_size=64)
    alone = np.stack([E.pool(_fake_hidden, [row], batch_size=64)[0] for row in ids])
    assert together.tobytes() == alone.tobytes()
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-3)
    assert np.array_equal(together, np.round(together, E.EMBEDDING_DECIMALS))


def _model(tmp_path, modules, pooling, tokenizer=True):
    (tmp_path / "modules.json").write_text(json.dumps([{"type": t} for t in modules]))
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    if tokenizer:
        (tmp_path / "tokenizer.json").write_text("{}")
    return tmp_path


ST = "sentence_transformers.models."


@pytest.mark.parametrize(
    ("modules", "pooling", "tokenizer", "expected"),
    [
        ([ST + "Transformer", ST + "Pooling", ST + "Normalize"],
         {"pooling_mode_mean_tokens": True}, True, True),
        ([ST + "Transformer", ST + "Pooling"], {"pooling_mode_mean_tokens": True}, True, True),
        ([ST + "Transformer", ST + "Pooling"], {"pooling_mode_cls_token": True}, True, False),
        ([ST + "Transformer", ST + "Pooling", ST + "Dense"],
         {"pooling_mode_mean_tokens": True}, True, False),
        ([ST + "Transformer", ST + "Pooling"], {"pooling_mode_mean_tokens": True}, False, False),
    ],
)  # fmt: skip
def test_when_model_inspected_then_only_mean_pooled_transformers_run_our_path(
    tmp_path, modules, pooling, tokenizer, expected
):
    assert E.mean_pooled(_model(tmp_path, modules, pooling, tokenizer)) is expected


def test_when_identity_computed_then_backend_and_model_bytes_change_it(tmp_path):
    folder = _model(tmp_path, [ST + "Transformer", ST + "Pooling"], {})
    (folder / "config.json").write_text('{"hidden_size": 8}')
    onnx = E.encoder_identity(str(folder), "onnx")
    assert onnx == E.encoder_identity(str(folder), "onnx")
    assert onnx != E.encoder_identity(str(folder), "torch")
    E.model_digest.cache_clear()
    (folder / "config.json").write_text('{"hidden_size": 9}')
    assert onnx != E.encoder_identity(str(folder), "onnx")


@pytest.mark.parametrize(
    ("backend", "ok"), [("onnx", True), ("onnx-int8", True), ("torch", True), ("tf", False)]
)
def test_when_backend_given_then_params_accept_only_the_known_ones(backend, ok):
    from pydantic import ValidationError

    from pipeline.params import EmbedParams

    if ok:
        assert EmbedParams(backend=backend).backend == backend
    else:
        with pytest.raises(ValidationError):
            EmbedParams(backend=backend)


@pytest.fixture(scope="session")
def both_backends():
    """Sample-like texts embedded by onnx and by torch (the real model, once per session)."""
    pytest.importorskip("onnxruntime")
    texts = [
        "The peer review team was very supportive.",
        "The reviewers helped us a lot, and the follow-up visit was useful.",
        "Funding for the programme ends next year.",
        "Honestly I don't know.",
        "We changed how the front door triages referrals after the review, " * 8,
    ]
    return texts, E.encode(texts, backend="onnx"), E.encode(texts, backend="torch")


@pytest.mark.slow
def test_when_onnx_and_torch_embed_the_same_texts_then_they_agree(both_backends):
    _, onnx, torch = both_backends
    assert onnx.shape == torch.shape == (5, 384)
    assert float((onnx * torch).sum(axis=1).min()) >= 0.999


@pytest.mark.slow
def test_when_onnx_embeds_texts_alone_or_together_then_the_same_bytes(both_backends):
    texts, onnx, _ = both_backends
    alone = np.stack([E.encode([t], backend="onnx")[0] for t in texts])
    assert alone.tobytes() == onnx.tobytes()


@pytest.mark.slow
def test_when_cached_run_repeated_then_bytes_equal_a_fresh_run(both_backends, tmp_path):
    texts, onnx, _ = both_backends
    first = E.encode(texts[:2], backend="onnx", cache_dir=tmp_path)
    cached, hits = E.encode_counted(texts, backend="onnx", cache_dir=tmp_path)
    assert hits == 2
    assert first.tobytes() == onnx[:2].tobytes() and cached.tobytes() == onnx.tobytes()


@pytest.mark.parametrize(
    ("backend", "constant", "changes"),
    [
        ("onnx-int8", "QUANTISE_VERSION", True),
        ("onnx-int8", "EXPORT_VERSION", True),
        ("onnx", "EXPORT_VERSION", True),
        ("onnx", "QUANTISE_VERSION", False),
        ("torch", "EXPORT_VERSION", False),
    ],
)
def test_when_export_or_quantisation_changes_then_only_its_backends_vectors_are_new(
    tmp_path, monkeypatch, backend, constant, changes
):
    from pipeline import onnx_export

    folder = _model(tmp_path, [ST + "Transformer", ST + "Pooling"], {})
    (folder / "config.json").write_text('{"hidden_size": 8}')
    before = E.encoder_identity(str(folder), backend)
    monkeypatch.setattr(onnx_export, constant, getattr(onnx_export, constant) + 1)
    assert (E.encoder_identity(str(folder), backend) != before) is changes
