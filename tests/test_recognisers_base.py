"""The phrase index shared by the register, gazetteers and review decisions."""

from __future__ import annotations

import pytest

from pipeline.recognisers.base import PhraseEntry, PhraseIndex

PHRASES = ("New York", "New South Wales", "York", "Barnet", "St John's Wood", "Wales")


def index_of(*phrases: str, **flags: bool) -> PhraseIndex:
    index = PhraseIndex()
    for p in phrases:
        index.add(p, PhraseEntry("place", p, 0.8, **flags))
    return index


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("from New South Wales to New York", ["New South Wales", "New York"]),
        ("New South Africa", []),  # a prefix of a longer phrase is not a match
        ("New South York", ["York"]),
        ("the New York office", ["New York"]),
        ("Barnet's roads", ["Barnet"]),  # the possessive stays outside
        ("St John's Wood and Wales", ["St John's Wood", "Wales"]),
        ("new york", []),  # a capitalised phrase needs a capital
        ("NEW YORK", ["NEW YORK"]),
        ("", []),
    ],
)
def test_when_text_holds_indexed_phrases_then_finditer_gives_the_longest_at_each_place(
    text, expected
):
    found = [text[s:e] for s, e, _ in index_of(*PHRASES).finditer(text)]
    assert found == expected


@pytest.mark.parametrize(
    ("flags", "text", "expected"),
    [
        ({"any_case": True}, "i spoke to sarah", ["sarah"]),
        ({}, "i spoke to sarah", []),
        ({"case_sensitive": True}, "SARAH and Sarah", ["Sarah"]),
    ],
)
def test_when_entry_has_case_flags_then_finditer_honours_them(flags, text, expected):
    index = index_of("Sarah", **flags)
    assert [text[s:e] for s, e, _ in index.finditer(text)] == expected
