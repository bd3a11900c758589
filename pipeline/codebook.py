"""The codebook: a pydantic-validated YAML file of codes (themes) with their coding material.

The minimal form a user writes by hand::

    codes:
      - id: benefit
        label: Benefits
        definition: ...
      - id: benefit.sharing_practice
        label: Sharing good practice
        parent: benefit
        definition: one or two sentences
        include: [criteria]
        exclude: [criteria]
        examples: [short example quotes]
        keywords: [indicative words or phrases]

Optional: ``patterns`` (spaCy ``Matcher`` token patterns), ``memo``, ``colour``, and at the top
level ``name`` and ``version``. Errors name the file, the code's position and id, and the fix,
e.g. ``codebook.yaml: codes[3] (benefit.x).parent: unknown parent 'benfit'; ...``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import QualevalError
from pipeline.io import read_yaml

_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class Code(BaseModel):
    """One code (a theme, or a parent grouping themes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    label: str
    definition: str
    parent: str | None = None
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    patterns: list[list[dict[str, Any]]] = Field(default_factory=list)
    memo: str | None = None
    colour: str | None = None

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(
                f"{v!r} is not a valid id; use lower-case letters, digits and '_', with '.' "
                "between levels (e.g. benefit.sharing_practice)"
            )
        return v

    @field_validator("label", "definition")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty; write one or two sentences")
        return v.strip()

    @field_validator("include", "exclude", "examples", "keywords")
    @classmethod
    def _no_blank_items(cls, v: list[str]) -> list[str]:
        if any(not str(x).strip() for x in v):
            raise ValueError("contains an empty entry; remove it")
        return [str(x).strip() for x in v]

    @field_validator("colour")
    @classmethod
    def _colour(cls, v: str | None) -> str | None:
        if v is not None and not _COLOUR.match(v):
            raise ValueError(f"{v!r} is not a colour; use #RRGGBB")
        return v

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, v: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
        for i, pat in enumerate(v):
            if not pat or any(not tok for tok in pat):
                raise ValueError(f"pattern {i} is empty; give a list of token attribute maps")
        return v


class Codebook(BaseModel):
    """A whole codebook file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    version: str | None = None
    codes: list[Code] = Field(min_length=1)

    def by_id(self) -> dict[str, Code]:
        """Codes keyed by id."""
        return {c.id: c for c in self.codes}

    def leaves(self) -> list[Code]:
        """Codes with no children: the ones segments are coded with (parents roll them up)."""
        parents = {c.parent for c in self.codes if c.parent}
        return [c for c in self.codes if c.id not in parents]


def _where(source: str, i: int, code_id: str | None) -> str:
    return f"{source}: codes[{i}]" + (f" ({code_id})" if code_id else "")


def _structure_problems(book: Codebook, source: str) -> list[str]:
    problems = []
    first: dict[str, int] = {}
    for i, c in enumerate(book.codes):
        if c.id in first:
            problems.append(
                f"{_where(source, i, c.id)}.id: duplicate id, also codes[{first[c.id]}]; "
                "give each code its own id"
            )
        else:
            first[c.id] = i
    ids = set(first)
    parent_of = {c.id: c.parent for c in book.codes}
    for i, c in enumerate(book.codes):
        if c.parent is not None and c.parent not in ids:
            problems.append(
                f"{_where(source, i, c.id)}.parent: unknown parent {c.parent!r}; use the id of "
                "a code defined in this file, or remove the parent key"
            )
    reported: set[str] = set()
    for i, c in enumerate(book.codes):
        seen = [c.id]
        cur = parent_of.get(c.id)
        while cur is not None and cur in parent_of:
            if cur in seen:
                cycle = [*seen[seen.index(cur) :], cur]
                if not reported & set(cycle):
                    problems.append(
                        f"{_where(source, i, c.id)}.parent: cycle {' -> '.join(cycle)}; "
                        "a code cannot be its own ancestor"
                    )
                    reported.update(cycle)
                break
            seen.append(cur)
            cur = parent_of.get(cur)
    has_children = {c.parent for c in book.codes if c.parent}
    for i, c in enumerate(book.codes):
        if c.id in has_children or c.parent is None:
            continue
        if not (c.include or c.examples or c.keywords or c.patterns):
            problems.append(
                f"{_where(source, i, c.id)}: not enough material to code from; add keywords, "
                "examples or include criteria"
            )
    return problems


def parse_codebook(raw: object, source: str) -> Codebook:
    """Validate an already-loaded YAML document.

    Raises:
        QualevalError: listing every problem as ``file: codes[i] (id).field: message``.
    """
    if not isinstance(raw, dict):
        raise QualevalError(f"{source}: expected a mapping with a 'codes' list at the top level")
    try:
        book = Codebook.model_validate(raw)
    except ValidationError as exc:
        codes = raw.get("codes") if isinstance(raw.get("codes"), list) else []
        lines = []
        for err in exc.errors():
            loc = list(err["loc"])
            if len(loc) >= 2 and loc[0] == "codes" and isinstance(loc[1], int):
                entry = codes[loc[1]] if loc[1] < len(codes) else None
                cid = entry.get("id") if isinstance(entry, dict) else None
                head = _where(source, loc[1], cid if isinstance(cid, str) else None)
                rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[2:])
            else:
                head = f"{source}: " + ".".join(str(p) for p in loc)
                rest = ""
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown key; remove it or check its spelling"
            elif err["type"] == "missing":
                msg = "required; add it"
            lines.append(f"{head}{rest}: {msg}")
        raise QualevalError("\n".join(lines)) from None
    problems = _structure_problems(book, source)
    if problems:
        raise QualevalError("\n".join(problems))
    return book


def load_codebook(path: Path) -> Codebook:
    """Read and validate a codebook YAML file.

    Raises:
        QualevalError: when the file is missing, not YAML, or invalid.
    """
    path = Path(path)
    raw = read_yaml(path, "codebook", "pass --codebook or set codebook.path")
    return parse_codebook(raw, path.name)
