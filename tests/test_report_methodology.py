"""pipeline.report.methodology: the methods section states withdrawals and the residual scan."""

from __future__ import annotations

import pytest

from pipeline.report.methodology import _residual, _withdrawals


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({}, ""),  # no ingest metrics: nothing said
        (
            {"withdrawn_interviews": 0, "withdrawal_passages_struck": 0},
            "No withdrawals or requests to strike a passage were recorded. ",
        ),
        (
            {"withdrawn_interviews": 1, "withdrawal_passages_struck": 3},
            "At participants' request, 1 interview was withdrawn and 3 passages were struck "
            "before analysis. ",
        ),
        (
            {"withdrawn_interviews": 2, "withdrawal_passages_struck": 0},
            "At participants' request, 2 interviews were withdrawn before analysis. ",
        ),
    ],
)
def test_when_withdrawals_counted_then_the_methods_say_so(counts, expected):
    assert _withdrawals(counts) == expected


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (None, ""),  # an older anonymise metrics file: nothing said
        (
            {"identifiers_by_kind": {}, "unknown_names": 0, "interviews_with_findings": 0},
            "it found no email address, phone number, postcode, NI or NHS number or social "
            "media handle, and no capitalised name left unaccounted for.",
        ),
        (
            {
                "identifiers_by_kind": {"email": 2},
                "unknown_names": 1,
                "interviews_with_findings": 1,
            },
            "it found 2 email addresses, and 1 capitalised name in 1 interview that no list "
            "accounts for, which was listed for the evaluation team to check.",
        ),
    ],
)
def test_when_residual_scan_counted_then_the_methods_state_the_counts(counts, expected):
    sentence = _residual(counts)
    assert sentence.endswith(expected)
    if counts:
        assert sentence.startswith(" A second, pattern-based check of the anonymised transcripts")
