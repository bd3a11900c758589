"""Stance gold: the stance a person judged each coded turn to take towards its code.

One JSON object per line (``data.human_stance``), e.g.
``{"interview_id": "INT01", "turn_index": 5, "code_id": "benefit.sharing_practice",
"stance": "positive"}``; other fields (``written_before_method``, a note) are ignored. The
stance stage measures its accuracy against it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.errors import QualevalError
from pipeline.evaluator_files.jsonl import jsonl_lines

STANCE_VALUES = ("positive", "negative", "mixed", "neutral")
GOLD_COLUMNS = ("interview_id", "turn_index", "code_id", "stance")


def _row(obj: object, where: str, codes: set[str] | None) -> tuple[str, int, str, str]:
    if not isinstance(obj, dict):
        raise QualevalError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    for field in GOLD_COLUMNS:
        if obj.get(field) in (None, ""):
            raise QualevalError(
                f"{where}: {field}: missing; every line needs {', '.join(GOLD_COLUMNS)}"
            )
    turn = obj["turn_index"]
    if isinstance(turn, bool) or not isinstance(turn, int):
        raise QualevalError(
            f"{where}: turn_index: {turn!r} is not an integer; write the turn's number"
        )
    stance = str(obj["stance"]).strip().lower()
    if stance not in STANCE_VALUES:
        raise QualevalError(
            f"{where}: stance: {obj['stance']!r} is not one of {', '.join(STANCE_VALUES)}"
        )
    code = str(obj["code_id"]).strip()
    if codes is not None and code not in codes:
        raise QualevalError(f"{where}: code_id: {code!r} is not a code of the codebook")
    return str(obj["interview_id"]).strip(), turn, code, stance


def read_stance_gold(path: Path, codes: set[str] | None = None) -> pd.DataFrame:
    """Read a stance gold JSONL file: columns ``interview_id, turn_index, code_id, stance``.

    Args:
        path: the file.
        codes: the codebook's leaf codes; a line naming another is an error (None: no check).

    Raises:
        QualevalError: naming the file, line and field of the first problem (not found, not
            JSON, a field missing or invalid, the same turn and code twice).
    """
    path = Path(path)
    if not path.is_file():
        raise QualevalError(
            f"{path}: stance gold not found; fix data.human_stance or set it to null"
        )
    rows, seen = [], {}
    for n, where, obj in jsonl_lines(path):
        row = _row(obj, where, codes)
        if row[:3] in seen:
            raise QualevalError(
                f"{where}: {row[0]} turn {row[1]} {row[2]} is already on line {seen[row[:3]]}; "
                "give each turn and code one stance"
            )
        seen[row[:3]] = n
        rows.append(row)
    df = pd.DataFrame(rows, columns=list(GOLD_COLUMNS))
    return df.astype({"interview_id": str, "turn_index": "int64", "code_id": str, "stance": str})
