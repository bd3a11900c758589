"""Report chapters: the conclusions never break a tie at the cut by codebook order alone."""

from __future__ import annotations

import pytest

from pipeline.report.chapters import most_raised


def _stated(counts: list[int]) -> tuple[list[str], dict[str, tuple[int, str]]]:
    ids = [f"c{i}" for i in range(len(counts))]
    return ids, {c: (k, f"{k} of 12") for c, k in zip(ids, counts)}


@pytest.mark.parametrize(
    ("counts", "named", "more"),
    [
        ([9, 8, 7, 6], 3, ""),
        ([9, 8, 7, 7], 4, ""),  # the tie at third place is named whole
        ([8, 8, 8, 8, 8], 5, ""),
        ([2, 1], 2, ""),
        ([8] * 7, 3, ", and 4 more sub-themes as widely"),
        ([9, 7, 7, 7, 7, 7, 7], 1, ", then 6 sub-themes tied at 7 of 12"),
    ],
)
def test_when_sub_themes_tie_at_the_cut_then_all_are_named_or_counted(counts, named, more):
    ranked, stated = _stated(counts)
    top, extra = most_raised(ranked, stated)
    assert top == ranked[:named] and extra == more
