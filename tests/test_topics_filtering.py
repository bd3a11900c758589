"""Topics: non-analytic segments are left out of topic modelling, each with its reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.params import TopicsParams
from pipeline.topics import filtering as F

SEGMENTS = pd.DataFrame(
    {
        "segment_id": ["A-0001-00", "A-0002-00", "A-0003-00", "A-0004-00", "A-0005-00"],
        "interview_id": ["A"] * 5,
        "turn_index": np.arange(1, 6, dtype="int32"),
        "text": [
            "I'm assistant director for children at [Council C].",
            "Thanks, bye.",
            "Drop me a line on [email] if you need the minutes.",
            "The funding ran out before the second cohort of reviewers could be trained.",
            "Yeah, definitely.",
        ],
    }
)


def _vectors(rows):
    return pd.DataFrame(
        {"kind": [k for k, _ in rows], "vector": [np.asarray(v, np.float32) for _, v in rows]}
    )


@pytest.mark.parametrize(
    ("emb", "expected"),
    [
        # near an uncoded example, far from the code: small talk
        ([[1.0, 0.0]], [True]),
        # nearer the code than the uncoded example: kept
        ([[0.0, 1.0]], [False]),
        # closer to the uncoded example, but by less than the margin: kept
        ([[0.72, 0.69]], [False]),
        # closer to the uncoded example, but not close enough: kept
        ([[0.5, -0.866]], [False]),
    ],
)
def test_when_segment_near_uncoded_examples_then_small_talk(emb, expected):
    vectors = _vectors([("generic_uncoded", [1.0, 0.0]), ("example", [0.0, 1.0])])
    params = TopicsParams(small_talk_similarity=0.6, small_talk_margin=0.05)
    mask = F.small_talk_mask(np.asarray(emb, np.float32), vectors, params)
    assert mask.tolist() == expected


def test_when_no_codebook_vectors_then_no_segment_is_small_talk_by_meaning():
    assert not F.small_talk_mask(np.ones((3, 2), np.float32), None, TopicsParams()).any()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            TopicsParams(min_content_words=2),
            ["self-introduction", "greeting", "contact-detail", None, "too short"],
        ),
        (TopicsParams(drop_nonanalytic=False), [None] * 5),
    ],
)
def test_when_reasons_given_then_pattern_rules_and_short_segments_are_named(params, expected):
    words = [5, 1, 5, 9, 1]
    reasons = F.drop_reasons(SEGMENTS, np.zeros((5, 2), np.float32), None, params, words)
    assert reasons == expected
    assert {r for r in reasons if r} <= set(F.DROP_REASONS)


def test_when_dropped_table_built_then_one_row_per_left_out_segment():
    reasons = ["greeting", None, None, "too short", None]
    out = F.dropped_table(SEGMENTS, reasons)
    assert out.segment_id.tolist() == ["A-0001-00", "A-0004-00"]
    assert out.reason.tolist() == ["greeting", "too short"]
    assert [str(t) for t in out.dtypes] == ["string", "string", "int32", "string"]
    assert len(F.dropped_table(SEGMENTS.iloc[:0], [])) == 0


@pytest.mark.parametrize(
    ("lead", "expected"),
    [
        # topic 0 is on average nearly as close to the uncoded examples as to codes
        ([0.1, -0.02, -0.3, -0.4, 0.5], {0}),
        # no topic comes within the margin; the outliers (-1) never count
        ([-0.2, -0.3, -0.3, -0.4, 0.5], set()),
    ],
)
def test_when_topic_is_small_talk_as_a_whole_then_it_is_named(lead, expected):
    topics = np.array([0, 0, 1, 1, -1])
    params = TopicsParams(small_talk_topic_margin=0.05)
    assert F.small_talk_topics(topics, np.array(lead), params) == expected
    assert F.small_talk_topics(topics, None, params) == set()


def test_when_segment_carries_a_contact_placeholder_then_contact_detail():
    import re

    seg = SEGMENTS.assign(text=["Ring the office on [phone], they'll find me."] * 5)
    reasons = F.drop_reasons(
        seg, np.zeros((5, 2), np.float32), None, TopicsParams(), [9] * 5, re.compile(r"\[phone\]")
    )
    assert reasons == ["contact-detail"] * 5
    assert (
        F.drop_reasons(seg, np.zeros((5, 2), np.float32), None, TopicsParams(), [9] * 5)
        == [None] * 5
    )
