"""Review decisions: the researcher's edited copy of the anonymise stage's review file.

Each row keeps, rejects, adds or links an identifier, or fixes its pseudonym (see
:func:`parse_decisions`); ``data.review_decisions`` points at the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.errors import QualevalError
from pipeline.recognisers.base import ENTITY_TYPES, normalise_phrase

DECISIONS = ("accept", "reject", "add", "link")
DECISION_COLUMNS = ("text", "entity_type", "decision", "link_to", "pseudonym", "note")


@dataclass(frozen=True)
class Decisions:
    """A researcher's review decisions (see :func:`read_decisions`)."""

    reject: frozenset[str] = frozenset()
    add: tuple[tuple[str, str], ...] = ()
    link: tuple[tuple[str, str], ...] = ()
    pseudonym: tuple[tuple[str, str], ...] = ()


def parse_decisions(df: pd.DataFrame, source: str) -> Decisions:
    """Validate a decisions table (the review file, edited) and collect its decisions.

    Rows whose ``decision`` is blank or ``accept`` change nothing (unless they set a
    ``pseudonym``); ``reject`` never replaces that text again; ``add`` replaces every
    occurrence of ``text`` as ``entity_type``; ``link`` makes ``text`` the same entity as
    ``link_to``.

    Raises:
        QualevalError: naming the file, line and column of the first bad row.
    """
    missing = [c for c in ("text", "entity_type", "decision") if c not in df.columns]
    if missing:
        raise QualevalError(
            f"{source}: missing column(s) {', '.join(missing)}; start from "
            "private/anonymisation_review.csv and keep its header"
        )
    df = df.fillna("").astype(str)
    reject, add, link, pseudo = set(), [], [], []
    for i, row in enumerate(df.to_dict("records")):
        line = i + 2
        text = row["text"].strip()
        decision = row["decision"].strip().lower()
        if not text:
            if decision:
                raise QualevalError(f"{source}: line {line}: text: empty; write the identifier")
            continue
        if decision and decision not in DECISIONS:
            raise QualevalError(
                f"{source}: line {line}: decision: {row['decision']!r} is not one of "
                f"{', '.join(DECISIONS)} (or blank)"
            )
        etype = row["entity_type"].strip().lower()
        if decision == "reject":
            reject.add(normalise_phrase(text) or text)
        elif decision == "add":
            if etype not in ENTITY_TYPES:
                raise QualevalError(
                    f"{source}: line {line}: entity_type: {row['entity_type']!r}; an added "
                    f"identifier needs one of {', '.join(ENTITY_TYPES)}"
                )
            add.append((text, etype))
        elif decision == "link":
            target = str(row.get("link_to", "")).strip()
            if not target:
                raise QualevalError(
                    f"{source}: line {line}: link_to: empty; write the text of the entity "
                    f"that {text!r} is the same as"
                )
            link.append((text, target))
        chosen = str(row.get("pseudonym", "")).strip()
        if chosen and decision != "reject":
            pseudo.append((text, chosen))
    return Decisions(frozenset(reject), tuple(add), tuple(link), tuple(pseudo))


def read_decisions(path: Path | None) -> Decisions:
    """Read the decisions CSV (``None``: no decisions).

    Raises:
        QualevalError: when the file is missing, empty or malformed.
    """
    if path is None:
        return Decisions()
    path = Path(path)
    if not path.is_file():
        raise QualevalError(
            f"{path}: review decisions file not found; create it (copy the header of "
            "private/anonymisation_review.csv) or set data.review_decisions: null"
        )
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise QualevalError(
            f"{path}: empty file; keep at least the header line ({','.join(DECISION_COLUMNS)})"
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise QualevalError(
            f"{path}: not a readable UTF-8 CSV ({exc}); re-save it as CSV"
        ) from None
    return parse_decisions(df, path.name)
