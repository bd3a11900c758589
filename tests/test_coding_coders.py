"""Code stage coders: keyword (lemma) matching and semantic scores."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.codebook import parse_codebook
from pipeline.coding import coders as C

BOOK = parse_codebook(
    {
        "codes": [
            {"id": "benefit", "label": "Benefits", "definition": "Good things from the work."},
            {
                "id": "benefit.sharing",
                "label": "Sharing practice",
                "parent": "benefit",
                "definition": "Councils learn practice from each other and borrow ideas.",
                "keywords": ["share practice", "borrow idea"],
                "include": ["taking a tool from another council"],
            },
            {
                "id": "benefit.trust",
                "label": "Trust",
                "parent": "benefit",
                "definition": "Openness and honest self-assessment between councils.",
                "keywords": ["honest"],
                "exclude": ["sharing tools (benefit.sharing)"],
            },
        ]
    },
    "test.yaml",
)


@pytest.fixture(scope="module")
def keyword_coder():
    return C.KeywordCoder(BOOK)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We shared practices with Leeds.", {"benefit.sharing"}),  # lemmas: share practice
        ("They borrowed ideas and were honest.", {"benefit.sharing", "benefit.trust"}),
        ("HONEST feedback", {"benefit.trust"}),
        ("Nothing to report.", set()),
    ],
)
def test_when_keyword_inflected_then_matched_on_lemma(keyword_coder, text, expected):
    scores, evidence = keyword_coder.score([text])
    found = {keyword_coder.codes[j] for j in np.flatnonzero(scores[0])}
    assert found == expected
    for j in np.flatnonzero(scores[0]):
        assert evidence[(0, int(j))].startswith("keyword: ")


def fake_encode(texts, small_talk=0.0):
    """Deterministic 'embeddings': two concepts (sharing, trust) and a noise axis.

    With ``small_talk``, words of small talk (weather, day, hear) also weigh on the third axis.
    """
    out = []
    for t in texts:
        t = t.lower()
        v = np.array(
            [
                sum(w in t for w in ("share", "sharing", "borrow", "tool", "practice")),
                sum(w in t for w in ("honest", "trust", "open")),
                0.1 + small_talk * sum(w in t for w in ("weather", "day", "hear")),
            ],
            dtype=np.float32,
        )
        out.append(v / np.linalg.norm(v))
    return np.array(out)


def test_when_segment_near_code_material_then_semantic_score_highest_for_it():
    coder = C.SemanticCoder(BOOK, fake_encode)
    vectors = fake_encode(["we borrow a tool", "an honest talk"])
    scores = coder.score(vectors)
    assert scores[0].argmax() == coder.codes.index("benefit.sharing")
    assert scores[1].argmax() == coder.codes.index("benefit.trust")
    assert coder.nearest(vectors[0], 0).startswith("nearest ")


def test_when_code_has_several_pieces_then_centroid_is_their_normalised_mean():
    coder = C.SemanticCoder(BOOK, fake_encode)
    j = coder.codes.index("benefit.sharing")
    mean = coder.proto.vectors[coder.proto.owner == j].mean(axis=0)
    np.testing.assert_allclose(coder.centroids[j], mean / np.linalg.norm(mean), rtol=1e-5)


def test_when_segment_closer_to_exclusion_then_score_lowered():
    coder = C.SemanticCoder(BOOK, fake_encode)
    trust = coder.codes.index("benefit.trust")
    vec = fake_encode(["sharing tools"])
    plain = float(vec[0] @ coder.centroids[trust])
    assert coder.score(vec)[0, trust] < plain
