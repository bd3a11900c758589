"""Quotes that stand alone: context for a leading connective or pronoun, never non-analytic."""

from __future__ import annotations

import pytest

from pipeline.report.prose import standalone_quote

LONG = "The challenge team showed us how other councils track children missing education."


@pytest.mark.parametrize(
    ("text", "before", "expected"),
    [
        (LONG, "", LONG),
        (  # a leading connective takes the previous sentence
            "And it changed how we run the front door for every family we see.",
            "We visited the host council in the spring. We saw their triage model work.",
            "We saw their triage model work. And it changed how we run the front door for "
            "every family we see.",
        ),
        (  # ... and without one there is no quote
            "And it changed how we run the front door for every family we see.",
            "",
            None,
        ),
        (  # a previous sentence that dangles too gives no quote
            "It changed how we run the front door for every family we see now.",
            "But that was later.",
            None,
        ),
        (  # "On the other hand" leans on what came before, like "But"
            "On the other hand, I do think it's become part of how we work now.",
            "",
            None,
        ),
        (  # a self-introduction is never a quote
            "[Person 84], I'm assistant director for children and families at [Council C].",
            "",
            None,
        ),
        (  # nor logistics
            "Sorry, can you hear me now, the line keeps dropping out on my side of things?",
            "",
            None,
        ),
    ],
)
def test_when_quote_chosen_then_it_stands_alone(text, before, expected):
    assert standalone_quote(text, before, 8, 60) == expected


def test_when_expansion_exceeds_max_words_then_no_quote():
    before = "We had " + "many " * 40 + "visits."
    assert standalone_quote("But it worked for us in the end, really well.", before, 5, 30) is None
