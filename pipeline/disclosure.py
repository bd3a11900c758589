"""Disclosure control: small cells suppressed so that no margin reveals them, and the audit.

Shared by the report (which protects its tables) and the verify stage (which audits the
commissioner pack as published). A *cell* counts interviews in a group defined by attributes
(role x region, code x role group). The rule (ADR 0023): every published count is 0 or at
least ``k``; a suppressed count cannot be recovered from the totals and margins published
beside it. Counts from 1 to ``k - 1`` print as ``<k`` (primary suppression); a cell
suppressed only to protect another prints as ``<k`` when it is 0 (``<k`` means 0 to
``k - 1``) and as ``[c]``, known to be at least ``k``, otherwise (complementary
suppression). When no pattern of suppression protects a table whose margins
are published elsewhere (a group's size is in the headers of every by-group table), its
inner cells are withheld (``[x]``, any value) and only the margins print.

The audit is interval propagation over the table's sums: every line (row or column) that has
a published total is an equation, each suppressed cell an unknown with the bounds its label
gives; the bounds are tightened until nothing changes. A suppressed cell whose bounds meet is
disclosed.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import pandas as pd

COMPLEMENTARY = "[c]"
WITHHELD = "[x]"
_GROUP_SIZE = re.compile(r"\(n=(\d+)\)\s*$")
_LEADING_INT = re.compile(r"^\s*(\d+)\b")
_MAX_ROUNDS = 200
# tie-break orders for the complementary search over (cells left exposed, count not zero,
# -count, count): fewest exposed, zeros first, largest; zeros first, then fewest exposed,
# largest; fewest exposed, zeros first, smallest
STRATEGIES = ((0, 1, 2), (1, 0, 2), (0, 1, 3))


@dataclass(frozen=True)
class Violation:
    """One published cell that breaks the rule."""

    table: str
    row: str
    column: str
    problem: str

    def __str__(self) -> str:
        """``table: row 'r', column 'c': problem``."""
        return f"{self.table}: row '{self.row}', column '{self.column}': {self.problem}"


def small(k: int) -> str:
    """The label of a primary-suppressed count (``<3``)."""
    return f"<{k}"


def whole_sample(header: Any) -> bool:
    """``All (n=N)``: the whole sample, not a group of attributes (its size is published)."""
    return str(header).startswith("All (n=")


def group_size(header: Any) -> int | None:
    """``12`` for a column header ``"Lead member (n=12)"``; ``None`` for any other."""
    m = _GROUP_SIZE.search(str(header))
    return int(m.group(1)) if m else None


def cell_value(value: Any, k: int) -> int | str | None:
    """A published cell read back: an int, ``"<k"``/``"[c]"`` for suppressed, else ``None``.

    ``"7 (most)"`` reads as 7 (the count before a quantifier); empty and other text as None.
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    text = str(value).strip()
    if text in (small(k), COMPLEMENTARY, WITHHELD):
        return text
    m = _LEADING_INT.match(text)
    return int(m.group(1)) if m else None


def _lines(
    index: list[Any], columns: list[Any], total_row: Any, total_col: Any
) -> list[tuple[list[tuple[Any, Any]], tuple[Any, Any]]]:
    """Each (inner cells, margin cell) of a row or column with a published total."""
    inner_r = [r for r in index if r != total_row]
    inner_c = [c for c in columns if c != total_col]
    lines = []
    if total_col is not None and total_col in columns:
        lines += [([(r, c) for c in inner_c], (r, total_col)) for r in index]
    if total_row is not None and total_row in index:
        lines += [([(r, c) for r in inner_r], (total_row, c)) for c in columns]
    return lines


def _bounds(values: pd.DataFrame, k: int) -> dict[tuple[Any, Any], list[float]]:
    """Each cell's [low, high]: exact for a published count, from its label if suppressed.

    A column headed ``"... (n=N)"`` caps its hidden cells at N.
    """
    out = {}
    for r in values.index:
        for c in values.columns:
            v = cell_value(values.at[r, c], k)
            cap = group_size(c)  # a cell of a group of N counts at most N of its people
            cap = float("inf") if cap is None else float(cap)
            if isinstance(v, int):
                out[(r, c)] = [float(v), float(v)]
            elif v == small(k):  # "fewer than k": 0 included (a zero may be hidden too)
                out[(r, c)] = [0.0, min(float(k - 1), cap)]
            elif v == COMPLEMENTARY:
                out[(r, c)] = [float(k), cap]
            elif v == WITHHELD:
                out[(r, c)] = [0.0, cap]
    return out


def _tighten(lines: list, bounds: dict[tuple[Any, Any], list[float]]) -> bool:
    """One pass of propagation over every line; True when a bound moved."""
    moved = False
    for inner, margin in lines:
        cells = [x for x in inner if x in bounds]
        if margin not in bounds:
            continue
        # sum(inner) - margin = 0, each variable bounded
        for x in [*cells, margin]:
            others = [y for y in cells if y != x]
            lo_sum = sum(bounds[y][0] for y in others)
            hi_sum = sum(bounds[y][1] for y in others)
            lo_m, hi_m = bounds[margin]
            if x == margin:
                lo, hi = lo_sum, hi_sum
            else:
                lo, hi = lo_m - hi_sum, hi_m - lo_sum
            b = bounds[x]
            if lo > b[0]:
                b[0], moved = lo, True
            if hi < b[1]:
                b[1], moved = hi, True
    return moved


def disclosed(
    values: pd.DataFrame, k: int, total_row: Any = None, total_col: Any = None
) -> dict[tuple[Any, Any], float]:
    """Suppressed cells whose value the published totals pin down: ``(row, col) -> value``."""
    bounds = _bounds(values, k)
    lines = _lines(list(values.index), list(values.columns), total_row, total_col)
    for _ in range(_MAX_ROUNDS):
        if not _tighten(lines, bounds):
            break
    out = {}
    for (r, c), (lo, hi) in bounds.items():
        label = cell_value(values.at[r, c], k)
        if isinstance(label, str) and lo >= hi:
            out[(r, c)] = lo
    return out


def _candidates(
    counts: pd.DataFrame,
    mask: pd.DataFrame,
    cell: tuple[Any, Any],
    grand: tuple[Any, Any],
    free: tuple[Any, ...],
) -> list[tuple[Any, Any]]:
    """The open cells in ``cell``'s row and column (never the grand total)."""
    r0, c0 = cell
    line_cells = [(r0, c) for c in counts.columns] + [(r, c0) for r in counts.index]
    return [
        (r, c)
        for r, c in dict.fromkeys(line_cells)
        if not mask.at[r, c] and (r, c) != grand and c not in free
    ]


def protect(
    counts: pd.DataFrame,
    k: int,
    total_row: Any = None,
    total_col: Any = None,
    free: tuple[Any, ...] = (),
    known_margins: bool | Collection[Any] = False,
) -> pd.DataFrame:
    """``counts`` with small cells suppressed and enough others that no total reveals them.

    Primary: every count from 1 to ``k - 1`` prints as ``<k``. Complementary: while the
    audit (:func:`disclosed`) can recover a suppressed cell, one more open count in that
    cell's row or column is hidden: the one that leaves fewest cells exposed, a zero (shown
    as ``<k``, which means 0 to ``k - 1``) before a count (shown as ``[c]``), the largest
    count first (never the grand total). Should no cell be left to suppress, the inner
    cells are withheld (``[x]``).

    Columns in ``free`` count interviews not split by any attribute (a code's interviews in
    all): they are never suppressed, but their totals count in the audit. With
    ``known_margins`` the margins of at least ``k`` are published elsewhere (group sizes), so
    they are never suppressed either; when the inner cells cannot then be protected, they are
    all withheld (``[x]``). Given as the row and column labels whose sizes are published, only
    those margins (and the grand total) are fixed: a group merged elsewhere ("Lead DCS and
    other") can hide its margin to protect a small group's.

    Returns:
        An object DataFrame: ints, ``"<k"`` and ``"[c]"``.
    """
    counts = counts.astype("int64")
    if total_row is None and len(counts) > 1:  # rows are independent: protect each alone
        parts = [
            protect(counts.loc[[r]], k, None, total_col, free, known_margins) for r in counts.index
        ]
        return pd.concat(parts)
    primary = (counts > 0) & (counts < k)
    for c in free:
        primary[c] = False
    mask = primary.copy()
    fixed = {
        (r, c)
        for r in counts.index
        for c in counts.columns
        if _known_margin(known_margins, r, c, total_row, total_col) and counts.at[r, c] >= k
    }

    if not disclosed(_labelled(counts, mask, primary, k), k, total_row, total_col):
        return _labelled(counts, mask, primary, k)  # nothing to protect beyond the primaries
    best = None
    for order in STRATEGIES:  # greedy search, three tie-breaks; the fewest cells hidden wins
        trial = mask.copy()
        _complement(counts, trial, primary, fixed, k, (total_row, total_col), free, order)
        shown = _labelled(counts, trial, primary, k)
        if not disclosed(shown, k, total_row, total_col):
            hidden = int(trial.to_numpy().sum())
            if best is None or hidden < best[0]:
                best = (hidden, shown)
    if best is not None:
        return best[1]
    shown = _labelled(counts, mask, primary, k)
    return _withheld(shown, disclosed(shown, k, total_row, total_col), total_row, total_col, free)


def _known_margin(
    known: bool | Collection[Any], r: Any, c: Any, total_row: Any, total_col: Any
) -> bool:
    """Whether margin cell ``(r, c)`` is published elsewhere (see :func:`protect`)."""
    if r != total_row and c != total_col:
        return False
    if isinstance(known, bool):
        return known
    return (r == total_row and c == total_col) or (r if c == total_col else c) in known


def _labelled(counts: pd.DataFrame, mask: pd.DataFrame, primary: pd.DataFrame, k: int):
    """``counts`` as printed: ``<k`` for primary cells, ``[c]`` for complementary ones."""
    vals, hidden, first = counts.to_numpy(), mask.to_numpy(), primary.to_numpy()
    out = vals.astype(object)
    out[hidden & ~first] = COMPLEMENTARY
    out[first | (hidden & (vals == 0))] = small(k)  # a hidden zero is "fewer than k" too
    return pd.DataFrame(out, index=counts.index, columns=counts.columns)


def _score(
    counts: pd.DataFrame,
    mask: pd.DataFrame,
    primary: pd.DataFrame,
    k: int,
    margins: tuple[Any, Any],
    cells: tuple[tuple[Any, Any], ...],
    order: tuple[int, ...],
) -> tuple:
    """How good hiding ``cells`` is (smaller is better): see :func:`_complement`."""
    for x in cells:
        mask.at[x] = True
    left = disclosed(_labelled(counts, mask, primary, k), k, *margins)
    for x in cells:
        mask.at[x] = False
    v = sum(int(counts.at[x]) for x in cells)
    crit = (len(left), v > 0, -v, v)
    # a cell the totals pin down the moment it is hidden protects nothing: last
    pinned = any(x in left for x in cells)
    return (pinned, *(crit[i] for i in order), *(str(p) for x in cells for p in x))


def _complement(
    counts: pd.DataFrame,
    mask: pd.DataFrame,
    primary: pd.DataFrame,
    fixed: set,
    k: int,
    margins: tuple[Any, Any],
    free: tuple[Any, ...],
    order: tuple[int, ...] = STRATEGIES[0],
) -> None:
    """Add complementary cells to ``mask`` (in place) until the audit finds nothing.

    Each step hides one open cell in the lines of the first exposed cell: one not pinned
    down itself once hidden, then ranked by ``order`` over (cells left exposed, not a zero,
    the count negated, the count). When every single cell would be pinned down, a pair (one
    from the cell's row, one from its column) is hidden instead, if one is not.
    """
    for _ in range(counts.size + 1):
        exposed = disclosed(_labelled(counts, mask, primary, k), k, *margins)
        if not exposed:
            return
        cands: list[tuple[Any, Any]] = []
        for cell in sorted(exposed, key=lambda rc: (str(rc[0]), str(rc[1]))):
            cands = [x for x in _candidates(counts, mask, cell, margins, free) if x not in fixed]
            if cands:  # the first exposed cell with an open cell in its lines
                break
        if not cands:
            return
        options = [((x,), _score(counts, mask, primary, k, margins, (x,), order)) for x in cands]
        if all(score[0] for _, score in options):
            pairs = [
                (a, b)
                for a in cands
                for b in cands
                if a[0] == cell[0] and b[1] == cell[1] and a != b
            ]
            options += [(pr, _score(counts, mask, primary, k, margins, pr, order)) for pr in pairs]
        best = min(options, key=lambda o: o[1])[0]
        for x in best:
            mask.at[x] = True


def _withheld(
    shown: pd.DataFrame, exposed: dict, total_row: Any, total_col: Any, free: tuple
) -> pd.DataFrame:
    """Inner cells withheld (``[x]``); the margins and ``free`` columns still print.

    A table with row totals only loses its exposed rows; one with both margins, every cell.
    """
    rows = {r for r, _ in exposed} if total_row is None else set(shown.index)
    out = shown.copy()
    for r in rows:
        for c in shown.columns:
            if r != total_row and c != total_col and c not in free:
                out.at[r, c] = WITHHELD
    return out


def audit_table(
    name: str,
    values: pd.DataFrame,
    k: int,
    *,
    total_row: Any = None,
    total_col: Any = None,
    free: tuple[Any, ...] = (),
) -> list[Violation]:
    """Every breach of the rule in one published table (cells as printed).

    A count from 1 to ``k - 1`` printed as a number; a column whose header gives a group of
    fewer than ``k`` (``"(n=2)"``); a suppressed cell the totals pin down. Columns in
    ``free`` are not split by an attribute (see :func:`protect`).
    """
    out = []
    for c in values.columns:
        n = group_size(c)
        if n is not None and 0 < n < k and not whole_sample(c):
            out.append(Violation(name, "(header)", str(c), f"a group of {n}, under {k}"))
    for r in values.index:
        for c in values.columns:
            v = cell_value(values.at[r, c], k)
            if isinstance(v, int) and 0 < v < k and c not in free:
                out.append(Violation(name, str(r), str(c), f"a count of {v}, under {k}"))
    for (r, c), v in sorted(disclosed(values, k, total_row, total_col).items(), key=str):
        out.append(
            Violation(name, str(r), str(c), f"suppressed, but the totals give it as {int(v)}")
        )
    return out
