"""The built-in generic uncoded set (pipeline.nonanalytic)."""

from __future__ import annotations

import pytest

from pipeline.nonanalytic import GENERIC_UNCODED, uncoded_examples


@pytest.mark.parametrize(
    ("codebook_uncoded", "extra"),
    [
        ([], []),
        (["We met on a Monday."], ["We met on a Monday."]),
        ([GENERIC_UNCODED[0], "Bye!"], ["Bye!"]),  # a repeat is kept once, in the generic place
    ],
)
def test_when_codebook_has_uncoded_examples_then_they_join_the_generic_set(codebook_uncoded, extra):
    assert uncoded_examples(codebook_uncoded) == [*GENERIC_UNCODED, *extra]


def test_when_generic_set_read_then_it_covers_each_kind_of_non_analytic_talk():
    text = " ".join(GENERIC_UNCODED).lower()
    for cue in ("hear", "consent", "record", "my job", "email", "question", "thank"):
        assert cue in text
    assert len(set(GENERIC_UNCODED)) == len(GENERIC_UNCODED)
