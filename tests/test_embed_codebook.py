"""Embed-codebook stage: the codebook's material as vectors, and their use by the code stage."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipeline import coding as C
from pipeline import embed_codebook as EC
from pipeline.codebook import parse_codebook
from pipeline.nonanalytic import GENERIC_UNCODED

BOOK = parse_codebook(
    {
        "uncoded": ["Yes, I can hear you.", "I have been in post three years."],
        "codes": [
            {"id": "b", "label": "Benefits", "definition": "Good things."},
            {
                "id": "b.share",
                "label": "Sharing",
                "parent": "b",
                "definition": "Councils share practice with each other.",
                "include": ["borrowing a tool"],
                "examples": ["We took their triage model.", "Shared text."],
                "exclude": ["personal learning (b.learn)"],
            },
            {
                "id": "b.learn",
                "label": "Learning",
                "parent": "b",
                "definition": "Reviewers learn from doing reviews.",
                "examples": ["I learned a lot as a reviewer.", "Shared text."],
            },
        ],
    },
    "test.yaml",
)


def counting_encoder():
    calls: list[list[str]] = []

    def encode(texts):
        texts = list(texts)
        calls.append(texts)
        rng = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=4) for t in texts]
        out = np.array(rng, dtype=np.float32).reshape(len(texts), 4)
        return out / np.linalg.norm(out, axis=1, keepdims=True) if len(texts) else out

    return encode, calls


def test_when_material_listed_then_every_kind_in_stable_order():
    items = BOOK.material_items()
    assert items[0] == (
        "b.share",
        "definition",
        "Sharing: Councils share practice with each other.",
    )
    kinds = [k for _, k, _ in items]
    assert kinds == [
        "definition",
        "include",
        "example",
        "example",
        "exclude",
        "definition",
        "example",
        "example",
        "uncoded",
        "uncoded",
    ]
    assert items[-1] == (None, "uncoded", "I have been in post three years.")


def test_when_material_embedded_then_one_row_per_distinct_text():
    encode, calls = counting_encoder()
    table = EC.embed_material(BOOK, encode)
    assert list(table.columns) == list(EC.VECTOR_COLUMNS)
    assert table["text"].is_unique and (table["text"] == "Shared text.").sum() == 1
    book_rows = table[table.kind != "generic_uncoded"]
    assert len(calls) == 1 and len(book_rows) == 9
    assert table.loc[table.kind == "uncoded", "code_id"].isna().all()
    # qualeval's generic uncoded set comes last, so coding never loads the model for it
    generic = table[table.kind == "generic_uncoded"]
    assert list(generic["text"]) == [t for t in GENERIC_UNCODED if t not in set(book_rows.text)]
    assert generic.index.min() > book_rows.index.max()


@pytest.mark.parametrize(
    ("cached", "expected_fallback_texts"),
    [
        ("all", []),  # every text cached: the model is never called
        ("none", ["a", "b"]),  # nothing cached: everything encoded, once each
        ("some", ["b"]),  # only the missing text is encoded
    ],
)
def test_when_cached_encoder_used_then_only_missing_texts_encoded(cached, expected_fallback_texts):
    encode, calls = counting_encoder()
    vectors = encode(["a", "b"])
    calls.clear()
    rows = {"all": ["a", "b"], "none": [], "some": ["a"]}[cached]
    table = pd.DataFrame({"text": rows, "vector": [vectors[["a", "b"].index(t)] for t in rows]})
    cached_encode = C.cached_encoder(table, encode)
    out = cached_encode(["a", "b", "a"])
    np.testing.assert_allclose(out, vectors[[0, 1, 0]], rtol=1e-6)
    assert (calls[0] if calls else []) == expected_fallback_texts


def test_when_codebook_has_uncoded_then_coder_builds_its_centroid():
    encode, _ = counting_encoder()
    coder = C.SemanticCoder(BOOK, encode)
    assert coder.uncoded is not None and coder.uncoded.shape == (1, 4)
    assert coder.score_uncoded(encode(["x"])).shape == (1,)
    assert coder.excl is not None and coder.excl[1].tolist() == [0]


def test_when_stage_run_then_parquet_round_trips_and_metrics_count_kinds(tmp_path, monkeypatch):
    import pipeline.encoder as E

    encode, _ = counting_encoder()
    monkeypatch.setattr(E, "encode", lambda texts, model=None, batch_size=64, **_: encode(texts))
    book = tmp_path / "codebook.yaml"
    import yaml

    book.write_text(yaml.safe_dump(BOOK.model_dump(exclude_none=True)), encoding="utf-8")
    out, metrics = tmp_path / "v.parquet", tmp_path / "m.json"
    EC.run_stage(None, book, vectors_path=out, metrics_path=metrics)
    table = pd.read_parquet(out)
    assert len(table) == 9 + len(GENERIC_UNCODED) and len(table["vector"].iloc[0]) == 4
    m = json.loads(metrics.read_text())
    assert m["by_kind"] == {
        "definition": 2,
        "example": 3,
        "exclude": 1,
        "generic_uncoded": len(GENERIC_UNCODED),
        "include": 1,
        "uncoded": 2,
    }


def test_when_dvc_repro_then_code_stage_reads_cached_codebook_vectors(repro):
    work, _ = repro
    table = pd.read_parquet(work / "outputs" / "coding" / "codebook_vectors.parquet")
    assert {"definition", "example", "uncoded"} <= set(table["kind"])
    metrics = json.loads((work / "outputs" / "metrics" / "coding.json").read_text())
    assert metrics["segments"] > 1000 and metrics["calibration"].startswith("cross-fitted")
