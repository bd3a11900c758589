"""The allow-list: terms the anonymise stage never replaces (``data.allow_list``)."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import QualevalError


def read_allow_list(path: Path | None) -> list[str]:
    """Terms never to replace: one per line, ``#`` comments and blank lines ignored."""
    if path is None:
        return []
    path = Path(path)
    if not path.is_file():
        raise QualevalError(f"{path}: allow-list not found; create it or set data.allow_list: null")
    terms = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            terms.append(line)
    return terms
