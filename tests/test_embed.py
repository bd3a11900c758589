"""Embed stage: sentence segments with exact offsets, dropped turns, embeddings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import embed as E
from pipeline.params import EmbedParams


def turns(rows):
    return pd.DataFrame(
        [
            {"interview_id": iv, "turn_index": i, "speaker_role": role, "text": text}
            for i, (iv, role, text) in enumerate(rows)
        ]
    )


def test_when_short_sentences_then_merged_until_min_words():
    t = turns([("A", "respondent", "Yes. Quite. The networks helped us a great deal this year.")])
    seg, _ = E.segment_turns(t, EmbedParams(min_words=4))
    assert seg["text"].tolist() == ["Yes. Quite. The networks helped us a great deal this year."]


def test_when_last_sentence_short_then_joined_to_previous():
    text = "The networks helped us a great deal this year. Really."
    seg, _ = E.segment_turns(turns([("A", "respondent", text)]), EmbedParams(min_words=4))
    assert seg["text"].tolist() == [text]


def test_when_segmented_then_offsets_point_into_turn_and_ids_are_stable():
    text = "The peers were honest with us. That helped a lot, frankly, more than I expected."
    seg, _ = E.segment_turns(turns([("INT07", "respondent", text)]), EmbedParams(min_words=3))
    assert seg["segment_id"].tolist() == ["INT07-0000-00", "INT07-0000-01"]
    for row in seg.itertuples():
        assert text[row.start : row.end] == row.text
    assert list(seg.columns) == list(E.SEGMENT_COLUMNS)


def test_when_turn_is_not_respondent_or_empty_then_dropped_with_reason():
    t = turns(
        [
            ("A", "interviewer", "What worked?"),
            ("A", "respondent", "  "),
            ("A", "respondent", "Networks did."),
        ]
    )
    seg, dropped = E.segment_turns(t, EmbedParams())
    assert seg["turn_index"].tolist() == [2]
    assert dropped["reason"].tolist() == [
        "speaker role 'interviewer' is not segmented",
        "empty text",
    ]


def _turns(rows):
    return pd.DataFrame(rows, columns=["interview_id", "turn_index", "speaker_role", "text"])


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # each answer gets the interviewer turn just before it
        (
            [("A", 0, "interviewer", "Q1?"), ("A", 1, "respondent", "a1"),
             ("A", 2, "interviewer", "Q2?"), ("A", 3, "respondent", "a2")],
            ["Q1?", "Q2?"],
        ),
        # no question before the first answer; a question holds over several answers
        (
            [("A", 0, "respondent", "a0"), ("A", 1, "interviewer", "Q?"),
             ("A", 2, "respondent", "a1"), ("A", 3, "respondent", "a2")],
            ["", "Q?", "Q?"],
        ),
        # interviews never share a question
        (
            [("A", 0, "interviewer", "QA?"), ("B", 0, "respondent", "b0")],
            [""],
        ),
    ],
)  # fmt: skip
def test_when_turns_have_questions_then_each_segment_gets_the_one_before_its_turn(rows, expected):
    from pipeline.embed import questions_of_segments

    turns = _turns(rows)
    answers = turns[turns.speaker_role == "respondent"]
    segments = answers[["interview_id", "turn_index"]].reset_index(drop=True)
    assert questions_of_segments(turns, segments) == expected


def test_when_a_segment_has_no_question_then_its_question_row_is_zero():
    from pipeline.embed import embed_questions

    calls = []

    def fake(texts):
        calls.append(list(texts))
        return np.ones((len(texts), 3), dtype=np.float32)

    out = embed_questions(["Q?", "", "Q?"], fake, 3)
    assert calls == [["Q?"]]  # each distinct question embedded once
    assert out.shape == (3, 3) and not out[1].any() and out[0].all()
