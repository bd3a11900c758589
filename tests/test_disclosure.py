"""Disclosure control: protection by construction, and the audit that would catch a breach."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from pipeline.disclosure import (
    COMPLEMENTARY,
    WITHHELD,
    audit_table,
    cell_value,
    disclosed,
    group_size,
    protect,
)

REGIONS = [f"Region {i}" for i in range(9)]


def _with_margins(rows: dict[str, list[int]], columns: list[str]) -> pd.DataFrame:
    table = pd.DataFrame(rows, index=columns).T
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum(axis=0)
    return table


def _programme_managers() -> pd.DataFrame:
    """The issue's sample profile: one regional programme manager in each of nine regions."""
    return _with_margins(
        {
            "Regional programme manager": [1] * 9,
            "Lead DCS": [3, 1, 2, 0, 3, 1, 1, 1, 0],
            "Lead member": [1, 2, 1, 0, 0, 1, 0, 1, 1],
        },
        REGIONS,
    )


def _old_suppression(table: pd.DataFrame, k: int = 3) -> pd.DataFrame:
    """What the report used to print: 1 and 2 as "<3", every total shown."""
    out = table.astype(object)
    out[(table > 0) & (table < k)] = f"<{k}"
    return out


def test_when_totals_attack_on_old_sample_profile_then_each_manager_is_found():
    # Table 1a as it was: "<3" meant 1 or 2 (zeros printed as 0), in all nine regions, and a
    # total of 9: the only solution is 1 in each region
    old = _old_suppression(_programme_managers())
    row = old.loc["Regional programme manager"]
    hidden = [c for c in REGIONS if row[c] == "<3"]
    total = int(row["Total"])
    assert len(hidden) == 9 and total - (len(hidden) - 1) * 1 == 1  # each cell's upper bound
    # the audit reads "<3" as 0 to 2, as the protected tables print it; a table that hides
    # one count beside its total is still caught
    leak = pd.DataFrame({"a": ["<3"], "b": [7], "Total": [9]}, index=["r"], dtype=object)
    assert [str(v) for v in audit_table("t", leak, 3, total_col="Total")] == [
        "t: row 'r', column 'a': suppressed, but the totals give it as 2"
    ]


def test_when_protected_then_totals_attack_fails_and_margins_stay():
    table = _programme_managers()
    shown = protect(table, 3, "Total", "Total", known_margins=True)
    assert audit_table("t", shown, 3, total_row="Total", total_col="Total") == []
    # the group sizes are published elsewhere, so they print as they are
    assert shown.at["Regional programme manager", "Total"] == 9
    assert shown.at["Total", "Total"] == table.at["Total", "Total"]
    for r, c in itertools.product(table.index, table.columns):
        if 0 < table.at[r, c] < 3:
            assert shown.at[r, c] in ("<3", WITHHELD), (r, c)


@pytest.mark.parametrize(
    ("rows", "total"),
    [
        ([[5, 1], [4, 6]], True),
        ([[1, 0, 7], [0, 2, 9], [5, 5, 5]], True),
        ([[2, 2], [2, 2]], True),
        ([[1, 1, 1], [4, 0, 3]], False),
        ([[0, 0, 2], [3, 3, 3]], False),
    ],
)
def test_when_any_table_protected_then_no_cell_can_be_worked_out(rows, total):
    cols = [f"c{j}" for j in range(len(rows[0]))]
    frame = pd.DataFrame(rows, index=[f"r{i}" for i in range(len(rows))], columns=cols)
    frame.insert(0, "All", frame.sum(axis=1))
    if total:
        frame = frame.drop(columns="All")
        frame["Total"] = frame.sum(axis=1)
        frame.loc["Total"] = frame.sum(axis=0)
        shown = protect(frame, 3, "Total", "Total")
        assert audit_table("t", shown, 3, total_row="Total", total_col="Total") == []
    else:  # a crosstab: row totals only, the total column not split by any attribute
        shown = protect(frame, 3, None, "All", free=("All",))
        assert audit_table("t", shown, 3, total_col="All", free=("All",)) == []
        assert shown["All"].tolist() == frame["All"].tolist()
    small = (frame > 0) & (frame < 3)
    for r, c in itertools.product(frame.index, frame.columns):
        if small.at[r, c] and c not in ("All",) and (r, c) != ("Total", "Total"):
            assert isinstance(shown.at[r, c], str), (r, c)


@pytest.mark.parametrize(
    ("cells", "total", "problem"),
    [
        ({"c0": 2, "c1": 4}, 6, "a count of 2, under 3"),  # a small count printed
        ({"c0": "<3", "c1": 4}, 6, "suppressed, but the totals give it as 2"),  # one hidden
        ({"c0": "<3", "c1": "<3"}, 3, ""),  # two hidden: 3 = a + b, a and b in 0..2: safe
    ],
)
def test_when_sample_built_to_break_the_rule_then_audit_names_the_cell(cells, total, problem):
    frame = pd.DataFrame({**cells, "Total": [total]}, index=["r0"], dtype=object)
    found = audit_table("crosstab_role.csv", frame, 3, total_col="Total", free=("Total",))
    if not problem:
        assert found == []
    else:
        assert [v.problem for v in found] == [problem]
        assert str(found[0]) == f"crosstab_role.csv: row 'r0', column 'c0': {problem}"


@pytest.mark.parametrize(
    ("header", "size"), [("Lead DCS (n=12)", 12), ("All (n=43)", 43), ("theme", None)]
)
def test_when_header_read_then_group_size(header, size):
    assert group_size(header) == size


@pytest.mark.parametrize(
    ("value", "expected"),
    [("7 (most)", 7), ("<3", "<3"), (COMPLEMENTARY, COMPLEMENTARY), ("", None), (4, 4)],
)
def test_when_cell_read_back_then_count_or_mark(value, expected):
    assert cell_value(value, 3) == expected


def test_when_group_header_under_k_then_violation():
    frame = pd.DataFrame({"All (n=10)": [5], "Chief executive (n=2)": [0]}, dtype=object)
    found = audit_table("t", frame, 3, total_col="All (n=10)", free=("All (n=10)",))
    assert [v.problem for v in found] == ["a group of 2, under 3"]


def test_when_hidden_cell_has_slack_then_not_disclosed():
    frame = pd.DataFrame({"a": ["<3"], "b": [COMPLEMENTARY], "Total": [7]}, index=["r"])
    assert disclosed(frame, 3, None, "Total") == {}


def test_when_hidden_cell_fills_its_group_then_disclosed():
    # "[c]" means at least 3, and the group has 3 people: it is 3, and the "<3" beside it 2
    frame = pd.DataFrame(
        {"All (n=12)": [5], "Other (n=9)": ["<3"], "parent/carer (n=3)": [COMPLEMENTARY]},
        index=["access.awareness"],
    )
    found = disclosed(frame, 3, None, "All (n=12)")
    assert found == {
        ("access.awareness", "Other (n=9)"): 2.0,
        ("access.awareness", "parent/carer (n=3)"): 3.0,
    }
    counts = pd.DataFrame({"All (n=12)": [5], "Other (n=9)": [2], "parent/carer (n=3)": [3]})
    shown = protect(counts, 3, None, "All (n=12)", free=("All (n=12)",))
    assert audit_table("t", shown, 3, total_col="All (n=12)", free=("All (n=12)",)) == []
