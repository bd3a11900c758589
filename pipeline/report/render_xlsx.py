"""The report's tables as one XLSX workbook (one sheet per table), reproducible bytes.

A sheet never overflows Excel's row limit: a table that grows with segments x codes
(:attr:`Table.large`, the evidence) is shown by its summary, and any other table longer than
:data:`MAX_SHEET_ROWS` is cut there; either way cell B1 says so and names the files beside
the workbook that hold every row (``<key>.csv``, and ``<key>.parquet`` for a large table).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.report.model import Table
from pipeline.report.render_common import FIXED_DATE, cell_text, normalise_zip

_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
#: Excel's rows per sheet (1,048,576), less the caption and header rows
MAX_SHEET_ROWS = 1_048_576 - 2


def _sheet_name(key: str, used: set[str]) -> str:
    name = _SHEET_BAD.sub("_", key)[:31]
    base, i = name, 2
    while name in used:
        suffix = f"_{i}"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(name)
    return name


def _xlsx_value(v: Any) -> Any:
    """A cell value openpyxl stores as is: None, text without control characters, a scalar."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, str):
        return _ILLEGAL_XLSX.sub("", v)
    if hasattr(v, "item"):
        return v.item()
    return v


def sheet_rows(t: Table) -> tuple[pd.DataFrame, str]:
    """The rows a sheet holds, and the note that says where the rest are ('' when whole)."""
    frame, where = t.frame, f"{t.key}.csv"
    note = ""
    if t.large:
        frame, where = t.shown, f"{t.key}.parquet and {t.key}.csv"
        note = f"Summary only: every row is in {where} beside this workbook"
    if len(frame) > MAX_SHEET_ROWS:
        note = (
            f"First {MAX_SHEET_ROWS:,} of {len(frame):,} rows (a sheet's limit): every row "
            f"is in {where} beside this workbook"
        )
        frame = frame.head(MAX_SHEET_ROWS)
    return frame, note


def _fill_sheet(ws: Any, t: Table) -> None:
    """Caption in row 1 (a note in B1 when rows are elsewhere), header in row 2, rows below."""
    import openpyxl
    from openpyxl.styles import Alignment, Font

    frame, note = sheet_rows(t)
    ws.append([t.caption, note] if note else [t.caption])
    ws.cell(row=1, column=1).font = Font(bold=True)
    ws.append([str(c) for c in frame.columns])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False):
        ws.append([_xlsx_value(v) for v in row])
    for r in ws.iter_rows(min_row=3):
        for cell in r:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula
                if len(cell.value) > 60:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"
    for j, col in enumerate(frame.columns, start=1):
        width = min(max(len(str(col)), *(len(cell_text(v)) for v in frame[col].head(200)), 8), 70)
        ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width = width + 2


def write_xlsx(tables: Sequence[Table], path: Path) -> None:
    """One sheet per table (its caption in row 1, header in row 2), reproducible bytes."""
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for t in tables:
        _fill_sheet(wb.create_sheet(_sheet_name(t.key, used)), t)
    fixed = dt.datetime(*FIXED_DATE)
    wb.properties.creator = "qualeval"
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.save(path)
    normalise_zip(path)
