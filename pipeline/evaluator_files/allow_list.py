"""The allow-list: terms the anonymise stage never replaces and the leak gate never counts.

Three sources, combined by :func:`allow_terms` for both stages so they agree: the built-in
default list shipped with the package (``data/default_allow_list.txt``: national bodies and
programmes, regions and nations, generic roles, software; it always applies), the
evaluator's own file (``data.allow_list``) and ``anonymise.allow``, and the review decisions
(``reject`` adds a term; ``add`` takes a term out again, so a review can override the
defaults).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from pipeline.errors import QualevalError
from pipeline.evaluator_files.decisions import Decisions
from pipeline.recognisers.base import normalise_phrase

DEFAULT_ALLOW_LIST = Path(__file__).resolve().parent / "data" / "default_allow_list.txt"


def _terms(text: str) -> list[str]:
    terms = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            terms.append(line)
    return terms


def read_allow_list(path: Path | None) -> list[str]:
    """Terms never to replace: one per line, ``#`` comments and blank lines ignored."""
    if path is None:
        return []
    path = Path(path)
    if not path.is_file():
        raise QualevalError(f"{path}: allow-list not found; create it or set data.allow_list: null")
    return _terms(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def default_allow_list() -> tuple[str, ...]:
    """The built-in allow-list shipped with the package (see its header for what it covers)."""
    return tuple(_terms(DEFAULT_ALLOW_LIST.read_text(encoding="utf-8")))


def allow_terms(
    path: Path | None,
    extra: Iterable[str] = (),
    decisions: Decisions | None = None,
    defaults: bool = True,
) -> list[str]:
    """Every term never to replace, as both the anonymise stage and the leak gate use it.

    Args:
        path: the evaluator's allow-list file (``data.allow_list``), or None.
        extra: more terms (``anonymise.allow``).
        decisions: review decisions: ``reject`` adds its texts, ``add`` removes its texts
            (a reviewer's "this is an identifier here" wins over every list).
        defaults: include the built-in list (``anonymise.default_allow_list``).

    Returns:
        The built-in defaults, then the file's terms, the extra terms and the rejections,
        each once (first spelling kept), without the added identifiers.
    """
    decisions = decisions or Decisions()
    added = {normalise_phrase(text) for text, _ in decisions.add}
    out: list[str] = []
    seen: set[str] = set()
    builtin = default_allow_list() if defaults else ()
    for term in [*builtin, *read_allow_list(path), *extra, *decisions.reject]:
        key = normalise_phrase(term)
        if key and key not in seen and key not in added:
            seen.add(key)
            out.append(term)
    return out
