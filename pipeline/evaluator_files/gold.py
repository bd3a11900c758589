"""Gold PII: per interview, the strings that must be removed and those that must be kept.

One JSON object per line, e.g.
``{"interview_id": "INT01", "must_remove": ["Marcus"], "must_keep": ["Ofsted"]}``
(``data.gold_pii``); the anonymise stage scores its leak rate against it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.errors import QualevalError


def read_gold(path: Path) -> list[dict[str, Any]]:
    """Read a gold PII JSONL file (one interview per line).

    Raises:
        QualevalError: naming the line that is not valid JSON.
    """
    path = Path(path)
    if not path.is_file():
        raise QualevalError(f"{path}: gold PII file not found; set data.gold_pii: null")
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            raise QualevalError(f"{path}: line {i}: not valid JSON") from None
    return out
