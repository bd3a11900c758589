"""Sub-theme paragraphs: prevalence, optional estimate and stance, the group-difference rule."""

from __future__ import annotations

import re

import pytest

from pipeline.params import ReportParams
from pipeline.report.paragraphs import SubTheme, small, stated_difference, subtheme_paragraph

SCALE = ReportParams().quantifiers


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        ({"Lead members": (8, 10), "DCSs": (2, 10)}, ("Lead members", "DCSs")),
        ({"Lead members": (6, 10), "DCSs": (4, 10)}, None),  # 0.2 < 0.3: too small
        ({"Lead members": (2, 2), "DCSs": (0, 10)}, None),  # group of 2 < 3
        ({"A": (3, 3), "B": (3, 3), "C": (0, 3)}, ("A", "C")),  # ties broken by name
        ({"A": (3, 3)}, None),
        ({"A": (3, 3), "Other": (0, 5)}, None),  # a merged remainder is never compared
        ({"A": (3, 3), "B and other": (0, 5)}, None),
    ],
)
def test_when_groups_compared_then_only_documented_differences_stated(groups, expected):
    got = stated_difference(groups)
    assert (got[:2] if got else None) == expected


def test_when_estimate_stance_and_groups_given_then_every_number_is_in_the_paragraph():
    sub = SubTheme(
        "sharing good practice",
        "the programme spreads effective practice",
        29,
        43,
        groups={"lead members": (12, 14), "DCSs": (6, 15)},
        estimate=(0.62, 0.51, 0.73),
        stance={"positive": 20, "negative": 3, "mixed": 1},
        validated=True,
    )
    text = subtheme_paragraph(sub, SCALE)
    # the quantifier follows the adjusted estimate (27 of 43); the coded count is beside it
    assert text.startswith(
        "Most interviewees (an estimated 27 of 43; 29 coded) described sharing good practice"
    )
    assert "estimated share is 62% (95% interval 51% to 73%)" in text
    assert "The interval spans “many” to “most”: the quantifier is uncertain." in text
    assert (
        "more often in the lead members group (12 of 14) than in the DCSs group (6 of 15)" in text
    )
    assert (
        "Of those who raised it, 20 spoke of it positively, 3 negatively and 1 with mixed" in text
    )
    assert "unvalidated" not in text
    numbers = {int(n) for n in re.findall(r"\d+", text)}
    assert numbers == {27, 29, 43, 62, 95, 51, 73, 12, 14, 6, 15, 20, 3, 1}


@pytest.mark.parametrize(
    ("coded", "estimate", "subject", "flagged"),
    [
        (17, (0.58, 0.55, 0.59), "Many interviewees (an estimated 25 of 43; 17 coded)", False),
        (26, (0.58, 0.3, 0.7), "Many interviewees (an estimated 25 of 43; 26 coded)", True),
        (40, (1.0, 1.0, 1.0), "Every interviewee (an estimated 43 of 43; 40 coded)", False),
        (0, (0.0, 0.0, 0.0), "No interviewee (an estimated 0 of 43; 0 coded)", False),
        (20, None, "Many interviewees (20 of 43)", False),
    ],
)
def test_when_estimate_given_then_quantifier_follows_it_and_a_two_band_interval_is_flagged(
    coded, estimate, subject, flagged
):
    sub = SubTheme("funding", "", coded, 43, estimate=estimate, validated=True)
    text = subtheme_paragraph(sub, SCALE)
    assert text.startswith(f"{subject} described funding.")
    assert ("the quantifier is uncertain" in text) is flagged


def test_when_no_human_codes_then_paragraph_says_review_turns():
    sub = SubTheme("funding", "shortage of money", 1, 43, review_turns=1)
    text = subtheme_paragraph(sub, SCALE)
    assert text == (
        "One interviewee (1 of 43) described funding (shortage of money). "
        "No one has checked this machine count yet: 1 answer was coded with it."
    )


@pytest.mark.parametrize(
    ("agreement", "expected"),
    [
        ({"human_codes": True, "micro_f1": 0.7}, None),
        ({"human_codes": False, "proposed_turns": 50}, "review the 50 answers the review sheet"),
        ({"human_codes": False, "proposed_turns": 1}, "review the 1 answer the review sheet"),
        ({"human_codes": False, "proposed_turns": 0}, "unvalidated machine count."),
        ({}, "unvalidated machine count."),
    ],
)
def test_when_no_human_check_then_report_says_counts_are_unvalidated(agreement, expected):
    from pipeline.report.summary import _validation_caveat

    lines = _validation_caveat(agreement)
    if expected is None:
        assert lines == []
    else:
        assert len(lines) == 1 and expected in lines[0]
        assert lines[0].startswith("No human coder has checked these codes")


@pytest.mark.parametrize(
    ("k", "min_cell", "text"), [(2, 3, "fewer than 3"), (0, 3, "0"), (3, 3, "3")]
)
def test_when_group_count_small_then_written_as_fewer_than(k, min_cell, text):
    assert small(k, min_cell) == text


@pytest.mark.parametrize(
    ("coded", "estimate", "expected"),
    [
        (24, None, (24, "24 of 43")),
        (24, (33 / 43, 28 / 43, 37 / 43), (33, "an estimated 33 of 43; 24 coded")),
        (28, (30 / 43, 26 / 43, 34 / 43), (30, "an estimated 30 of 43; 28 coded")),
    ],
)
def test_when_conclusions_quote_a_count_then_the_findings_own_number(coded, estimate, expected):
    from pipeline.report.paragraphs import stated_count

    sub = SubTheme("x", "", coded, 43, estimate=estimate, validated=True)
    assert stated_count(sub) == expected
