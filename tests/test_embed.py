"""Embed stage: sentence segments with exact offsets, dropped turns, embeddings."""

from __future__ import annotations

import pandas as pd

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
