"""Code stage building blocks: keyword (lemma) matching, semantic scores, decisions, roll-up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import code as C
from pipeline.codebook import parse_codebook
from pipeline.params import CodeParams

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


def fake_encode(texts):
    """Deterministic 'embeddings': bag of two concepts (sharing, trust) plus noise axis."""
    out = []
    for t in texts:
        t = t.lower()
        v = np.array(
            [
                sum(w in t for w in ("share", "sharing", "borrow", "tool", "practice")),
                sum(w in t for w in ("honest", "trust", "open")),
                0.1,
            ],
            dtype=np.float32,
        )
        out.append(v / np.linalg.norm(v))
    return np.array(out)


def test_when_segment_near_code_material_then_semantic_score_highest_for_it():
    coder = C.SemanticCoder(BOOK, fake_encode)
    scores, evidence = coder.score(fake_encode(["we borrow a tool", "an honest talk"]))
    assert scores[0].argmax() == coder.codes.index("benefit.sharing")
    assert scores[1].argmax() == coder.codes.index("benefit.trust")
    assert evidence[(0, 0)].startswith("nearest ")


def test_when_segment_closer_to_exclusion_then_score_lowered():
    coder = C.SemanticCoder(BOOK, fake_encode)
    trust = coder.codes.index("benefit.trust")
    raw = fake_encode(["sharing tools"]) @ coder.proto.vectors.T
    scores, _ = coder.score(fake_encode(["sharing tools"]))
    best_trust = raw[0, coder.proto.owner == trust].max()
    assert scores[0, trust] < best_trust


@pytest.mark.parametrize(
    ("semantic", "keyword", "expected"),
    [
        (0.50, 0, True),  # above threshold
        (0.40, 1, True),  # keyword lowers the bar by the margin
        (0.40, 0, False),
        (0.30, 1, False),  # keyword alone is not enough
    ],
)
def test_when_scores_combined_then_rule_applies(semantic, keyword, expected):
    dec = C.decide(np.array([[semantic]]), np.array([[keyword]]), np.array([0.45]), 0.1)
    assert bool(dec[0, 0]) is expected


def test_when_thresholds_fitted_then_they_separate_positive_turns():
    semantic = np.array([[0.8], [0.7], [0.3], [0.2]], dtype=np.float32)
    keyword = np.zeros_like(semantic)
    gold = np.array([[True], [True], [False], [False]])
    params = CodeParams(min_positives=1)
    thr = C.fit_thresholds(semantic, keyword, np.arange(4), gold, params)
    assert 0.3 < thr[0] <= 0.7


def test_when_segment_codes_rolled_up_then_one_row_per_turn_and_code():
    seg = pd.DataFrame(
        [
            ("A", 1, "A-0001-00", 0, 5, "x", 0.5, "semantic", "nearest definition"),
            ("A", 1, "A-0001-01", 6, 9, "x", 0.7, "keyword", "keyword: share"),
            ("A", 2, "A-0002-00", 0, 5, "y", 0.6, "semantic", ""),
        ],
        columns=list(C.SEGMENT_CODE_COLUMNS),
    )
    out = C.rollup(seg)
    assert out.to_dict("records") == [
        {
            "interview_id": "A",
            "turn_index": 1,
            "code_id": "x",
            "score": 0.7,
            "n_segments": 2,
            "methods": "keyword|semantic",
            "evidence": "keyword: share",
        },
        {
            "interview_id": "A",
            "turn_index": 2,
            "code_id": "y",
            "score": 0.6,
            "n_segments": 1,
            "methods": "semantic",
            "evidence": "",
        },
    ]


def test_when_segments_and_embeddings_disagree_then_clear_error():
    from pipeline.errors import QualevalError

    seg = pd.DataFrame({"text": ["a", "b"], "interview_id": ["A", "A"], "turn_index": [0, 1]})
    with pytest.raises(QualevalError, match="2 segments but 1 embeddings"):
        C.code_segments(seg, np.zeros((1, 3)), BOOK, CodeParams(), fake_encode)
