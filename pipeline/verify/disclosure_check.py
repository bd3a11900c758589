"""The disclosure check: the commissioner pack, as published, against the rule of ADR 0023.

Three checks over ``outputs/report/``, each failing with the file and the cell:

- **joins**: no file names a segment id or an interview id (an id beside a quote joins it to
  the evaluation team's per-interview attributes);
- **cells**: every count of interviews in a group defined by attributes (the sample profile,
  the by-group columns of prevalence and crosstabs, the charts' series) is 0 or at least
  ``k``, every group size in a header at least ``k``, and no suppressed cell can be worked
  out from the totals and margins printed beside it (:mod:`pipeline.disclosure`);
- **attributions**: every quote's attribution is shared by at least ``k_attribution`` people
  in the per-interview attribute table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.disclosure import Violation, audit_table, group_size
from pipeline.verify.readers import Unreadable, extract_texts

TOTAL = "Total"
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-/]*[A-Za-z0-9]|[A-Za-z0-9]")
NOT_RECORDED = "Not recorded"


@dataclass
class DisclosureResult:
    """What the check looked at and what it found."""

    files: int = 0
    tables: int = 0
    cells: int = 0
    attributions: int = 0
    violations: list[Violation] = field(default_factory=list)

    def metrics(self) -> dict[str, int | bool]:
        """The check's part of ``metrics/verify.json``."""
        return {
            "passed": not self.violations,
            "files": self.files,
            "tables": self.tables,
            "cells": self.cells,
            "attributions": self.attributions,
            "violations": len(self.violations),
        }


def _value(v: object) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return NOT_RECORDED
    return str(v).strip() or NOT_RECORDED


def join_ids(segments: pd.DataFrame | None, interviews: pd.DataFrame | None) -> set[str]:
    """Segment and interview ids a commissioner file must never carry (not bare numbers)."""
    ids: set[str] = set()
    for frame, col in (
        (segments, "segment_id"),
        (segments, "interview_id"),
        (interviews, "interview_id"),
    ):
        if frame is not None and col in frame.columns:
            ids |= {str(v) for v in frame[col].dropna().unique()}
    return {i for i in ids if not i.isdigit() and len(i) >= 3}


def check_joins(pack: Path, files: Sequence[Path], ids: set[str]) -> list[Violation]:
    """Every file of the pack that names an id, with the first id found."""
    out = []
    for path in files:
        rel = path.relative_to(pack).as_posix()
        try:
            texts = list(extract_texts(path))
        except Unreadable:
            continue
        found = sorted({t for text in texts for t in _TOKEN.findall(text) if t in ids})
        if found:
            out.append(
                Violation(
                    rel,
                    "(any)",
                    "(any)",
                    f"names {len(found)} segment/interview id(s), e.g. {found[0]}: an id joins a "
                    "quote or count to the per-interview tables of the researcher pack",
                )
            )
    return out


def published_sizes(frames: Iterable[pd.DataFrame]) -> dict[str, int]:
    """Group sizes the pack publishes in headers: ``"Lead DCS (n=12)"`` -> ``{"Lead DCS": 12}``."""
    sizes: dict[str, int] = {}
    for frame in frames:
        for c in frame.columns:
            n = group_size(c)
            label = str(c).rsplit(" (n=", 1)[0]
            if n is not None and label != "All":
                sizes[label] = n
    return sizes


def _with_known_margins(
    values: pd.DataFrame, known: dict[str, int], total_row: str | None, total_col: str | None
) -> pd.DataFrame:
    """A sample table whose suppressed margins another table publishes, filled in from it."""
    out = values.copy()
    for r in out.index:
        if total_col and r in known and not str(out.at[r, total_col]).strip().isdigit():
            out.at[r, total_col] = str(known[r])
    for c in out.columns:
        if total_row and c in known and not str(out.at[total_row, c]).strip().isdigit():
            out.at[total_row, c] = str(known[c])
    return out


def table_violations(
    name: str, frame: pd.DataFrame, k: int, known: dict[str, int] | None = None
) -> tuple[int, list[Violation]]:
    """The cells of one published table audited: (cells checked, violations).

    ``known``: group sizes published elsewhere in the pack (:func:`published_sizes`); a
    sample table's suppressed margin is audited as that number, since a reader has it.
    """
    if frame.empty or len(frame.columns) < 2:
        return 0, []
    if Path(name).name.startswith("sample_"):
        values = frame.set_index(frame.columns[0])
        total_row = TOTAL if TOTAL in values.index else None
        total_col = TOTAL if TOTAL in values.columns else None
        values = _with_known_margins(values, known or {}, total_row, total_col)
        return values.size, audit_table(name, values, k, total_row=total_row, total_col=total_col)
    groups = [c for c in frame.columns if group_size(c) is not None]
    if groups:
        total = next((c for c in groups if str(c).startswith("All (n=")), None)
        if total is None and "n_interviews" in frame.columns:
            total = "n_interviews"
        cols = list(dict.fromkeys([total, *groups] if total else groups))
        values = frame[cols].set_axis(frame[frame.columns[0]].astype(str), axis=0)
        free = (total,) if total else ()
        return values.size, audit_table(name, values, k, total_col=total, free=free)
    if {"interviews", "of", "group"} <= set(frame.columns):  # a chart's series by group
        return _series_violations(name, frame, k)
    return 0, []


def _series_violations(name: str, frame: pd.DataFrame, k: int) -> tuple[int, list[Violation]]:
    out = []
    for rec in frame.to_dict("records"):
        if str(rec["group"]) == "All":  # the whole sample in one group: no attribute
            continue
        row = str(rec.get("label", rec["group"]))
        of = int(float(rec["of"])) if str(rec["of"]).strip() else 0
        if 0 < of < k:
            out.append(Violation(name, row, "of", f"a group of {of}, under {k}"))
        n = str(rec["interviews"]).strip()
        if n and 0 < int(float(n)) < k:
            out.append(Violation(name, row, "interviews", f"a count of {n}, under {k}"))
    return len(frame), out


def people_table(interviews: pd.DataFrame, participants: pd.DataFrame | None) -> pd.DataFrame:
    """One row per person the report counts: focus groups replaced by their participants."""
    people = interviews
    if participants is not None and "case_kind" in interviews.columns and len(participants):
        groups = interviews["case_kind"].astype(str) == "focus_group"
        people = pd.concat([interviews[~groups], participants], ignore_index=True)
    return people


def attribution_sizes(people: pd.DataFrame, columns: Sequence[str]) -> dict[str, int]:
    """``"Lead member, North West" -> 4``: people sharing each attribution (every prefix)."""
    cols = [c for c in columns if c in people.columns]
    sizes: dict[str, int] = {}
    for j in range(1, len(cols) + 1):
        keys = people[cols[:j]].map(_value)
        text = keys.apply(lambda r: ", ".join(v for v in r if v != NOT_RECORDED), axis=1)
        for key, n in text.value_counts().items():
            if key:
                sizes[key] = max(sizes.get(key, 0), int(n))
    return sizes


def check_attributions(
    name: str, frame: pd.DataFrame, sizes: dict[str, int], k: int
) -> tuple[int, list[Violation]]:
    """Attributions shared by fewer than ``k`` people (those not built from metadata pass)."""
    if "attribution" not in frame.columns:
        return 0, []
    out, seen = [], 0
    for i, text in enumerate(frame["attribution"].astype(str)):
        if text in sizes:
            seen += 1
            if sizes[text] < k:
                out.append(
                    Violation(
                        name,
                        str(i + 1),
                        "attribution",
                        f"'{text}' is shared by {sizes[text]}, under {k}",
                    )
                )
    return seen, out


def pack_files(pack: Path) -> list[Path]:
    """Every file of the commissioner pack, sorted."""
    return sorted(p for p in Path(pack).rglob("*") if p.is_file() and p.name != ".gitignore")


def check_pack(
    pack: Path,
    *,
    k: int,
    k_attribution: int,
    attribution: Iterable[str],
    interviews: pd.DataFrame | None,
    segments: pd.DataFrame | None,
    participants: pd.DataFrame | None = None,
) -> DisclosureResult:
    """The three checks over ``pack`` (the commissioner pack as written)."""
    result = DisclosureResult()
    files = pack_files(pack)
    result.files = len(files)
    result.violations += check_joins(pack, files, join_ids(segments, interviews))
    sizes = (
        attribution_sizes(people_table(interviews, participants), list(attribution))
        if interviews is not None
        else {}
    )
    csvs = {
        p.relative_to(pack).as_posix(): pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in files
        if p.suffix == ".csv"
    }
    known = published_sizes(csvs.values())
    for rel, frame in csvs.items():
        cells, found = table_violations(rel, frame, k, known)
        n_attr, bad = check_attributions(rel, frame, sizes, k_attribution)
        result.tables += 1
        result.cells += cells
        result.attributions += n_attr
        result.violations += found + bad
    return result
