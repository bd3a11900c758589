"""Report prose helpers: a code's label as the object of a sentence."""

from __future__ import annotations

import pytest

from pipeline.report.prose import noun_phrase


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Digital offer", "the digital offer"),
        ("Opportunity cost of senior time", "the opportunity cost of senior time"),
        ("Sharing good practice", "sharing good practice"),
        ("Time and capacity", "time and capacity"),
        ("Barriers to access", "barriers to access"),
        ("Perinatal mental health", "perinatal mental health"),
        ("Workforce capacity", "workforce capacity"),
        ("Improved practice", "improved practice"),
        ("Governance, leadership and commissioning", "governance, leadership and commissioning"),
        ("Start for Life services", "Start for Life services"),
        ("NHS link worker", "NHS link worker"),
        ("Share learning nationally", "share learning nationally"),
        ("The hub", "the hub"),  # a label with its own determiner
        ("Our offer to families", "our offer to families"),
    ],
)
def test_when_label_is_a_sentence_object_then_article_only_before_count_nouns(label, expected):
    assert noun_phrase(label) == expected
