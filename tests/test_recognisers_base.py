"""The phrase index shared by the register, gazetteers and review decisions."""

from __future__ import annotations

import re

import pytest

from pipeline.recognisers import base
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


# --- long texts (the leak gate's whole files): the sparse search gives the same matches --------

SPARSE_CASES = [
    "from New South Wales to New York",
    "New South Africa, New South York",
    "Barnet's roads and St John's Wood and Wales",
    "new york, NEW YORK, New-York, _New York, xNew York, New York_",
    "New\nSouth\tWales; St John’s Wood; 'York' York's York.",
    "Wales" * 3 + " New New New York",
    "New South " + "W" * 170 + " New South Wales",  # a token running past the remembered window
    "New South Wales, New South",  # the text ends inside a phrase
    "",
]


@pytest.mark.parametrize("text", SPARSE_CASES)
@pytest.mark.parametrize("flags", [{}, {"any_case": True}, {"case_sensitive": True}])
def test_when_text_is_long_then_sparse_search_gives_the_full_search_matches(text, flags):
    index = index_of(*PHRASES, **flags)
    assert list(index._finditer_sparse(text)) == list(index.finditer(text))
    long_text = " ".join([text] * 4000)  # past LONG_TEXT: finditer takes the sparse path
    expected = [
        (s + k * (len(text) + 1), e + k * (len(text) + 1), entry)
        for k in range(4000)
        for s, e, entry in index.finditer(text)
    ]
    assert list(index.finditer(long_text)) == expected  # no phrase spans the joins


def test_when_long_text_searched_then_token_cache_keeps_nothing_of_it():
    index = index_of(*PHRASES)
    base.clear_token_cache()
    list(index.finditer("New York " * 5000))
    assert base._tokens.cache_info().currsize == 0


@pytest.mark.parametrize(
    ("text", "size", "expected"),
    [
        ("a b c", 1, {"a", "b", "c"}),
        ("abc def", 2, {"abc", "def"}),  # a cut never falls inside a token
        ("o'neil’s a&e _x_ co-op.", 3, {"o'neil’s", "a&e", "x", "co-op"}),
        ("", 4, set()),
    ],
)
def test_when_text_read_in_chunks_then_distinct_tokens_are_those_of_the_whole(text, size, expected):
    chunks = list(base._chunks(text, size))
    assert "".join(chunks) == text
    whole = base.distinct_tokens(text)
    assert {t for c in chunks for t in base._TOKEN.findall(c)} == expected == whole


@pytest.mark.parametrize(
    ("text", "tokens", "starts"),
    [
        ("York and York", {"York"}, [0, 9]),
        ("xYork _York -York York-x", {"York"}, [7, 13]),  # inside a token: not a start
        ("New York", {"New", "York"}, [0, 4]),
        ("York's", {"York's"}, [0]),
        ("York", set(), []),
    ],
)
def test_when_tokens_given_then_token_starts_gives_where_each_starts_a_token(text, tokens, starts):
    assert list(base.token_starts(text, tokens)) == starts


_CAPITALISED = re.compile(r"(?<![\w'’-])[A-Z](?:[\w'’-]*[^\W_])?")


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("Sarah met Sarah's friend Sarahx and -Sarah x-Sarah _Sarah Sarah-", {"Sarah", "Sarah's"}),
        ("Ann Annabel Ann", {"Ann", "Annabel"}),  # a wanted word inside a longer one
        ("Ann Annabel Ann", {"Annabel"}),
        ("no capitals here", {"Ann"}),
    ],
)
def test_when_long_text_then_words_where_gives_the_wanted_matches_in_order(text, wanted):
    long_text = "\n".join([text] * (base.LONG_TEXT // len(text) + 2))
    expected = [m.span() for m in _CAPITALISED.finditer(long_text) if m.group() in wanted]
    found = [m.span() for m in base.words_where(_CAPITALISED, long_text, wanted.__contains__)]
    assert found == expected
