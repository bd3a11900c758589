"""Report package: table numbers come from one list, and the package imports no other stage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.report import tables as T

PACKAGE = Path(__file__).resolve().parents[1] / "pipeline" / "report"


def test_when_numbering_tables_then_the_step_order_gives_the_number():
    keys = [key for key, _ in T.TABLE_STEPS]
    assert keys == [
        "sample_profile",
        "theme_prevalence",
        "crosstabs",
        "cooccurrence",
        "emergent_topics",
        "methods",
        "framework_matrix",  # the last three: the evaluation team's, not printed
        "quotes_bank",
        "evidence",
    ]
    assert [T.table_number(k) for k in keys] == [str(i) for i in range(1, 10)]
    assert T.table_number("crosstabs", 1, 2) == "3b"
    assert T.table_number("sample_profile", 0, 3) == "1a"


def test_when_reading_the_package_then_no_table_number_is_spelled_out():
    for path in PACKAGE.glob("*.py"):
        assert not re.search(r"Table \d", path.read_text(encoding="utf-8")), path.name


@pytest.mark.parametrize(
    ("basis", "coded_share", "expected"),
    [
        ("finer theme", 0.38, "a narrower theme within the material the codebook covers"),
        ("coverage", 0.25, "only 25% of its segments"),
        ("coverage", 0.0, "none of its segments was coded"),
    ],
)
def test_when_emergent_reason_published_then_no_code_ids_or_cosines(basis, coded_share, expected):
    text = T.plain_reason(basis, coded_share)
    assert text.startswith(expected)
    assert "cosine" not in text and "." not in text and "<" not in text


def test_when_topics_basis_named_then_report_words_it():
    """The report's wording follows the topics stage's own name for a carved theme."""
    from pipeline.topics.tables import FINER_THEME

    assert T.FINER_THEME_BASIS == FINER_THEME
