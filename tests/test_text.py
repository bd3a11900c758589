"""Text utilities: one sentence splitter (offsets), one placeholder pattern from templates."""

from __future__ import annotations

import pytest

from pipeline import text as T


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two three.", ["One.", "Two three."]),
        ("I asked Mr. Smith. He agreed!", ["I asked Mr. Smith.", "He agreed!"]),
        ("We met [Person 1]. [Person 1] said yes.", ["We met [Person 1].", "[Person 1] said yes."]),
        ("It was 2014. 2015 was better.", ["It was 2014.", "2015 was better."]),
        ("  leading and trailing space.  ", ["leading and trailing space."]),
        ("no full stop at all", ["no full stop at all"]),
        ("Honestly, erm... it worked.", ["Honestly, erm... it worked."]),
    ],
)
def test_when_text_split_then_sentences_and_offsets_match(text, expected):
    spans = T.sentence_spans(text)
    assert [text[s:e] for s, e in spans] == expected


@pytest.mark.parametrize(
    ("templates", "text", "expected"),
    [
        (None, "We met [Person 12] at [Council AB].", ["[Person 12]", "[Council AB]"]),
        (None, "Call [phone] or write to [email].", ["[phone]", "[email]"]),
        (None, "She said [laughs] and [Person] left.", []),
        ({"person": "<<P{n}>>"}, "We met <<P3>> and [Person 3].", ["<<P3>>"]),
        ({"council": "[Council {letter}]"}, "[Council b] and [Council C]", ["[Council C]"]),
    ],
)
def test_when_placeholders_searched_then_only_template_shapes_match(templates, text, expected):
    assert T.placeholder_pattern(templates).findall(text) == expected


def test_when_text_has_a_placeholder_then_has_placeholder_is_true():
    assert T.has_placeholder("Thanks to [Place 4] team")
    assert not T.has_placeholder("Thanks to the team [inaudible]")


def test_when_sentences_split_then_strings_match_the_spans():
    text = "I asked Mr. Smith. He agreed! [Person 2] did too."
    assert T.split_sentences(text) == ["I asked Mr. Smith.", "He agreed!", "[Person 2] did too."]


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([(0, 3)], "   defgh"),
        ([(4, 6), (0, 2)], "  cd  gh"),  # any order
        ([(1, 4), (2, 6)], "a     gh"),  # overlapping: their union
        ([(3, 3)], "abcdefgh"),  # empty
        ([(6, 2)], "abcdefgh"),  # reversed: nothing, as a slice gives
        ([(6, 10)], "abcdef    "),  # past the end: the text grows, as a slice gives
    ],
)
def test_when_spans_blanked_then_each_is_spaces_and_the_rest_is_kept(spans, expected):
    from pipeline.text import blank_spans

    assert blank_spans("abcdefgh", spans) == expected
