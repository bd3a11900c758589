"""The report's grammar: plurals, lists, dates and counted phrases."""

from __future__ import annotations

import pytest

from pipeline.report import grammar as G


@pytest.mark.parametrize(
    ("noun", "count", "expected"),
    [
        ("interview", 1, "interview"),
        ("interview", 0, "interviews"),
        ("interview", 2, "interviews"),
        ("person", 3, "people"),
        ("authority", 2, "authorities"),
        ("day", 2, "days"),
        ("coach", 2, "coaches"),
        ("case", 2, "cases"),
    ],
)
def test_when_noun_counted_then_plural_agrees(noun, count, expected):
    assert G.plural(noun, count) == expected


@pytest.mark.parametrize(
    ("items", "expected"),
    [([], ""), (["A"], "A"), (["A", "B"], "A and B"), (["A", "B", "C"], "A, B and C")],
)
def test_when_items_joined_then_english_list(items, expected):
    assert G.join_list(items) == expected


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("2026-03", "2026-03", "in March 2026"),
        ("2026-03", "2026-05", "between March and May 2026"),
        ("2025-11", "2026-02", "between November 2025 and February 2026"),
        ("spring", "summer", "between spring and summer"),
        ("2026-13", "2026-13", "in 2026-13"),
    ],
)
def test_when_fieldwork_months_given_then_date_range_reads_well(first, last, expected):
    assert G.date_range(first, last) == expected


@pytest.mark.parametrize(
    ("word", "count", "total", "expected"),
    [
        ("all", 43, 43, "Every interviewee (43)"),
        ("all", 2, 2, "Both interviewees (2)"),
        ("all", 1, 1, "The one interviewee (1)"),
        ("most", 29, 43, "Most interviewees (29 of 43)"),
        ("one", 1, 43, "One interviewee (1 of 43)"),
        ("none", 0, 43, "No interviewee (0 of 43)"),
    ],
)
def test_when_count_phrased_then_never_all_n_of_n(word, count, total, expected):
    assert G.counted_phrase(word, count, total, "interviewee") == expected


@pytest.mark.parametrize(
    ("name", "n", "expected"),
    [
        (
            "Peer challenge evaluation codebook",
            43,
            "Peer challenge evaluation: findings from 43 interviews",
        ),
        ("Family hubs", 1, "Family hubs: findings from 1 interview"),
        (
            "Family hubs evaluation: process and outcomes codebook",
            12,
            "Family hubs evaluation: process and outcomes \u2014 findings from 12 interviews",
        ),
        (None, 5, "Findings from 5 interviews"),
    ],
)
def test_when_no_title_given_then_title_from_the_codebook(name, n, expected):
    from pipeline.report.build import default_title

    assert default_title(name, n) == expected
