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


@pytest.mark.parametrize(
    ("phrase", "key"),
    [
        ("Stoke-on-Trent", "stoke-on-trent"),  # plain ASCII: the lower case, not tokenised
        ("St John's Wood", "st john's wood"),
        ("St. Albans", "st albans"),  # a full stop ends a token: tokenised
        ("  New   York ", "new york"),  # extra spaces: tokenised
        ("AT&T", "at&t"),
        ("snake_case name", "snake_case name"),
        ("O’Neill", "o'neill"),  # curly apostrophe: straightened
        ("\uff22\uff41\uff52\uff4e\uff45\uff54", "barnet"),  # full-width letters: NFKC
        ("STRASSE Straße", "strasse strasse"),  # case-folded, not lowered
        ("Jones's", "jones's"),
        ("-Barnet-", "barnet"),
        ("", ""),
    ],
)
def test_when_phrase_normalised_then_key_is_the_tokenised_case_folded_form(phrase, key):
    from pipeline.recognisers.base import _TOKEN, _norm_token, normalise_phrase

    assert normalise_phrase(phrase) == key
    # the ASCII fast path gives what tokenising would
    assert normalise_phrase(phrase) == " ".join(_norm_token(t) for t in _TOKEN.findall(phrase))
