"""One JSON object per line: the reader every evaluator JSONL file shares.

Blank lines are skipped; a line that is not JSON is an error naming the file, the line and
the column, with the evaluator's own example of a good line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.errors import QualevalError


def jsonl_lines(path: Path, example: str = "") -> Iterator[tuple[int, str, Any]]:
    """``(line number, "file: line n", parsed value)`` for every non-blank line of ``path``.

    Raises:
        QualevalError: the file is not UTF-8, or a line is not valid JSON.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise QualevalError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    hint = f"; write one object per line, e.g. {example}" if example else ""
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}: line {n}"
        try:
            yield n, where, json.loads(line)
        except json.JSONDecodeError as exc:
            raise QualevalError(
                f"{where}: not valid JSON ({exc.msg} at column {exc.colno}){hint}"
            ) from None
