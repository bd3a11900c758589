"""What the human-code readers share: column names and reading one cell or workbook."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import QualevalError

CODING_COLUMNS = ("interview_id", "turn_index", "code_id")
TURN_COLUMNS = ("interview_id", "turn_index")


def as_turn_index(value: Any, where: str) -> int:
    """An integer turn index from a JSON, CSV or spreadsheet value, or a clear error."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*\d+\s*", value):
        return int(value)
    shown = "empty" if value is None or value == "" else f"{value!r} is not an integer"
    raise QualevalError(f"{where}: turn_index: {shown}; write the turn's number (0, 1, 2, ...)")


def as_text(value: Any) -> str:
    """A cell as stripped text: empty for missing, ``3`` for a float ``3.0``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def open_workbook(path: Path) -> Any:
    """An .xlsx workbook opened read-only, or a clear error saying how to save it."""
    import zipfile

    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise QualevalError(
            f"{path}: cannot open the spreadsheet ({type(exc).__name__}); save it as .xlsx "
            "(Excel workbook)"
        ) from None
