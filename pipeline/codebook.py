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
        exclude: [criteria, which may name another code (benefit.reciprocal_learning)]
        examples: [short example quotes]
        keywords: [indicative words or phrases]

Optional: ``patterns`` (spaCy ``Matcher`` token patterns), ``memo``, ``colour``, and at the top
level ``name`` and ``version``. Errors name the file, the code's position and id, and the fix,
e.g. ``codebook.yaml: codes[3] (benefit.x).parent: unknown parent 'benfit'; ...``.

Checked, all problems reported together (one line each): unknown keys, id shape, empty labels
and definitions, empty list entries, duplicate ids, unknown parents, parent cycles, a child
code (one with a parent and no children of its own) without enough material to code from,
invalid token patterns, and exclusions naming a code id that does not exist. Keywords repeated
within a code are dropped silently; the same keyword in two codes is allowed.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from pipeline.errors import QualevalError
from pipeline.io import read_yaml

_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")

#: Fewest words in a child code's definition for coders to have something to go on.
MIN_DEFINITION_WORDS = 5

# --- spaCy Matcher token patterns, checked without importing spaCy (mirrors spacy.schemas) ---
_STRING_ATTRS = frozenset(
    "ORTH TEXT LOWER LEMMA POS TAG MORPH DEP SHAPE ENT_TYPE ENT_ID ENT_KB_ID NORM".split()
)
_BOOL_ATTRS = frozenset(
    (
        "IS_ALPHA IS_ASCII IS_DIGIT IS_LOWER IS_UPPER IS_TITLE IS_PUNCT IS_SPACE IS_BRACKET "
        "IS_QUOTE IS_LEFT_PUNCT IS_RIGHT_PUNCT IS_CURRENCY IS_STOP IS_SENT_START SENT_START "
        "LIKE_NUM LIKE_URL LIKE_EMAIL SPACY"
    ).split()
)
_TOKEN_ATTRS = _STRING_ATTRS | _BOOL_ATTRS | {"LENGTH", "ENT_IOB", "OP", "_"}
_SET_PREDICATES = frozenset("IN NOT_IN IS_SUBSET IS_SUPERSET INTERSECTS".split())
_STRING_PREDICATES = _SET_PREDICATES | {"REGEX", "FUZZY"} | {f"FUZZY{n}" for n in range(1, 10)}
_NUMBER_PREDICATES = _SET_PREDICATES | {"REGEX", "==", "!=", ">=", "<=", ">", "<"}
_OP = re.compile(r"^([!?+*]|\{\d+\}|\{\d+,\d*\}|\{\d*,\d+\})$")
_IOB = ("", "I", "O", "B", 0, 1, 2, 3)
_PATTERN_FIX = "write each pattern as a list of token maps, e.g. [{LOWER: peer}, {LOWER: review}]"

# --- code ids named inside exclusion criteria ---
_PAREN = re.compile(r"\(([^()]*)\)")
_DOTTED = re.compile(r"(?<![\w.])([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)(?![\w]|\.\w)")


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
    # a recommendation's audience (stakeholder groups it is addressed to), for the report
    audience: list[str] = Field(default_factory=list)

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
    def _not_blank(cls, v: str, info: ValidationInfo) -> str:
        if not v.strip():
            fix = (
                "give the code a short name"
                if info.field_name == "label"
                else "write one or two sentences saying what the code covers"
            )
            raise ValueError(f"must not be empty; {fix}")
        return v.strip()

    @field_validator("include", "exclude", "examples", "keywords", "audience", mode="before")
    @classmethod
    def _yaml_scalars(cls, v: Any) -> Any:
        # YAML reads unquoted yes/no/on/off as booleans and 2020 as a number.
        if not isinstance(v, list):
            return v
        out = []
        for i, x in enumerate(v):
            if isinstance(x, bool):
                raise ValueError(
                    f"entry {i} was read by YAML as {str(x).lower()} (an unquoted yes/no/on/off);"
                    " put it in quotes"
                )
            out.append(str(x) if isinstance(x, (int, float)) else x)
        return out

    @field_validator("include", "exclude", "examples", "keywords", "audience")
    @classmethod
    def _no_blank_items(cls, v: list[str], info: ValidationInfo) -> list[str]:
        for i, x in enumerate(v):
            if not x.strip():
                raise ValueError(f"entry {i} is empty; remove it")
        v = [" ".join(x.split()) for x in v]
        if info.field_name == "keywords":  # a keyword repeated within a code: keep the first
            seen: set[str] = set()
            v = [k for k in v if not (k.casefold() in seen or seen.add(k.casefold()))]
        return v

    @field_validator("colour")
    @classmethod
    def _colour(cls, v: str | None) -> str | None:
        if v is not None and not _COLOUR.match(v):
            raise ValueError(f"{v!r} is not a colour; use #RRGGBB")
        return v


class Codebook(BaseModel):
    """A whole codebook file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    version: str | None = None
    codes: list[Code] = Field(min_length=1)
    uncoded: list[str] = Field(
        default_factory=list,
        description="example answers that carry no code (introductions, role descriptions, "
        "logistics): the semantic coder leaves a turn uncoded when it is closer to these",
    )

    @field_validator("uncoded")
    @classmethod
    def _uncoded_items(cls, v: list[str]) -> list[str]:
        for i, x in enumerate(v):
            if not x.strip():
                raise ValueError(f"entry {i} is empty; remove it")
        return [" ".join(x.split()) for x in v]

    @field_validator("name", "version", mode="before")
    @classmethod
    def _number_as_text(cls, v: Any) -> Any:
        # ``version: 1.1`` unquoted is a float in YAML; accept it as the text the user wrote.
        return str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v

    def by_id(self) -> dict[str, Code]:
        """Codes keyed by id."""
        return {c.id: c for c in self.codes}

    def leaves(self) -> list[Code]:
        """Codes with no children: the ones segments are coded with (parents roll them up)."""
        parents = {c.parent for c in self.codes if c.parent}
        return [c for c in self.codes if c.id not in parents]

    def _get(self, code_id: str) -> Code:
        try:
            return self.by_id()[code_id]
        except KeyError:
            raise KeyError(f"no code {code_id!r} in this codebook") from None

    def children(self, parent_id: str) -> list[Code]:
        """The codes whose parent is ``parent_id``, in file order (empty for a leaf).

        Raises:
            KeyError: when no code has the id ``parent_id``.
        """
        self._get(parent_id)
        return [c for c in self.codes if c.parent == parent_id]

    def material_items(self) -> list[tuple[str | None, str, str]]:
        """Every text the semantic coder embeds, as ``(code_id, kind, text)`` in stable order.

        Per leaf code: ``"label: definition"`` (kind ``definition``), each ``include``
        criterion, each ``example`` and each ``exclude`` criterion; then the codebook's
        ``uncoded`` examples (``code_id`` None). The ``embed_codebook`` stage caches their
        vectors; :class:`pipeline.coding.SemanticCoder` reads them.
        """
        out: list[tuple[str | None, str, str]] = []
        for code in self.leaves():
            out.append((code.id, "definition", f"{code.label}: {code.definition}"))
            out += [(code.id, "include", t) for t in code.include]
            out += [(code.id, "example", t) for t in code.examples]
            out += [(code.id, "exclude", t) for t in code.exclude]
        out += [(None, "uncoded", t) for t in self.uncoded]
        return out

    def vocabulary(self) -> frozenset[str]:
        """Every word of the codebook's text in lower case: the evaluator's analytic vocabulary.

        Labels, definitions, include/exclude criteria, examples, keywords and uncoded
        examples all count.
        """
        texts = [self.name or "", *(t for _, _, t in self.material_items())]
        for code in self.codes:
            texts += [code.label, *getattr(code, "keywords", [])]
        return frozenset(w.lower() for t in texts for w in re.findall(r"[A-Za-z]+", str(t)))

    def own_texts(self) -> list[str]:
        """The evaluator's own wording: name, labels, definitions, include/exclude, keywords.

        Examples and uncoded examples are left out: they may quote transcripts (candidate
        codes built from quotes), so a name in them is still an identifier.
        """
        texts = [self.name or ""]
        for code in self.codes:
            texts += [code.label, getattr(code, "definition", "") or ""]
            texts += [*getattr(code, "include", []), *getattr(code, "exclude", [])]
            texts += list(getattr(code, "keywords", []))
        return [str(t) for t in texts if t]

    def material(self, code_id: str) -> str:
        """A code's material as one readable text (for people: notebooks, review).

        ``"label: definition"``, then a line of include criteria and a line of examples where
        the code has them. Exclusions are left out: they describe what the code is not. The
        semantic coder embeds the same pieces one by one (:meth:`material_items`).

        Raises:
            KeyError: when no code has the id ``code_id``.
        """
        c = self._get(code_id)
        lines = [f"{c.label}: {c.definition}"]
        if c.include:
            lines.append("Includes: " + "; ".join(c.include))
        if c.examples:
            lines.append("Examples: " + " | ".join(c.examples))
        return "\n".join(lines)

    def excluded_codes(self, code_id: str) -> list[str]:
        """Ids of the other codes named in a code's ``exclude`` criteria, in order, unique.

        Raises:
            KeyError: when no code has the id ``code_id``.
        """
        known = set(self.by_id())
        out: list[str] = []
        for text in self._get(code_id).exclude:
            out += [r for r in _named_ids(text, known) if r in known and r not in out]
        return out


def _where(source: str, i: int, code_id: str | None) -> str:
    return f"{source}: codes[{i}]" + (f" ({code_id})" if code_id else "")


def _did_you_mean(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _named_ids(text: str, known: set[str]) -> list[str]:
    """Code ids an exclusion criterion names.

    A dotted id (``benefit.sharing_practice``) anywhere in parentheses counts, and so does a
    bare dotted id whose first part is a code of this file (so ``e.g.`` or ``report.pdf`` do
    not); an undotted word in parentheses counts only when it is a known id.
    """
    heads = {k.split(".")[0] for k in known}
    found: list[str] = []
    for m in _PAREN.finditer(text):
        for part in re.split(r"\s*(?:[,;/]|\bor\b|\band\b)\s*", m.group(1).strip()):
            if _ID.match(part) and ("." in part or part in known):
                found.append(part)
    for m in _DOTTED.finditer(text):
        if m.group(1).split(".")[0] in heads:
            found.append(m.group(1))
    return list(dict.fromkeys(found))


def _token_problems(tok: dict[str, Any]) -> list[tuple[str, str]]:
    """(sub-location, message) for one token map of a Matcher pattern."""
    out: list[tuple[str, str]] = []
    if not tok:
        return [("", "empty token map; give at least one attribute, e.g. {LOWER: peer}")]
    for key, value in tok.items():
        attr = key.upper() if isinstance(key, str) and key != "_" else key
        if attr not in _TOKEN_ATTRS:
            out.append(
                (
                    f".{key}",
                    f"unknown token attribute {key!r}{_did_you_mean(str(attr), _TOKEN_ATTRS)}; "
                    "use a spaCy Matcher attribute such as LOWER, LEMMA, ORTH, POS, "
                    "IS_PUNCT or OP",
                )
            )
            continue
        if value is None:
            out.append((f".{key}", "is empty (null); give a value or remove the attribute"))
        elif attr == "OP":
            if not (isinstance(value, str) and _OP.match(value)):
                out.append(
                    (
                        f".{key}",
                        f"invalid operator {value!r}; use one of !, ?, +, * or a count "
                        "{n}, {n,m}, {n,} or {,m} (quote it in YAML: OP: '?')",
                    )
                )
        elif attr in _BOOL_ATTRS:
            if not isinstance(value, bool):
                out.append((f".{key}", f"{key} takes true or false, not {value!r}"))
        elif attr == "ENT_IOB":
            if isinstance(value, bool) or value not in _IOB:
                out.append((f".{key}", f"ENT_IOB takes one of I, O, B or '', not {value!r}"))
        elif attr == "_":
            if not isinstance(value, dict):
                out.append((f".{key}", "custom attributes go in a map, e.g. _: {is_person: true}"))
        else:
            numeric = attr == "LENGTH"
            if isinstance(value, dict):
                allowed = _NUMBER_PREDICATES if numeric else _STRING_PREDICATES
                for pred, arg in value.items():
                    p = pred.upper() if isinstance(pred, str) else pred
                    if p not in allowed:
                        out.append(
                            (
                                f".{key}.{pred}",
                                f"unknown predicate {pred!r}{_did_you_mean(str(p), allowed)}; "
                                f"use one of {', '.join(sorted(allowed))}",
                            )
                        )
                    elif p in _SET_PREDICATES and not isinstance(arg, list):
                        out.append((f".{key}.{pred}", f"{pred} takes a list, e.g. [a, b]"))
            elif numeric and (isinstance(value, bool) or not isinstance(value, (int, float))):
                out.append((f".{key}", f"LENGTH takes a number or a predicate, not {value!r}"))
            elif not numeric and not isinstance(value, str):
                hint = " (for several values use {IN: [a, b]})" if isinstance(value, list) else ""
                out.append((f".{key}", f"{key} takes text or a predicate map{hint}"))
    return out


def _pattern_problems(code: Code) -> list[tuple[str, str]]:
    """(location under the code, message) for every invalid token pattern of ``code``."""
    out: list[tuple[str, str]] = []
    for p, pat in enumerate(code.patterns):
        if not pat:
            out.append((f".patterns[{p}]", f"empty pattern; {_PATTERN_FIX}"))
            continue
        for t, tok in enumerate(pat):
            out += [
                (f".patterns[{p}][{t}]{sub}", f"invalid pattern: {msg}")
                for sub, msg in _token_problems(tok)
            ]
    return out


def _structure_problems(
    entries: list[tuple[int, Code]], raw_codes: list[Any], source: str
) -> list[tuple[int, str]]:
    """Problems across codes, as (position, line).

    Ids, parents and duplicates are read from every entry of the file, valid or not, so that one
    bad code neither cascades (its children do not get "unknown parent") nor hides a duplicate.

    Args:
        entries: the codes that validated on their own, with their positions in the file.
        raw_codes: the file's ``codes`` list as loaded from YAML.
        source: the file name for messages.
    """
    raw = [e if isinstance(e, dict) else {} for e in raw_codes]
    ids = {e["id"] for e in raw if isinstance(e.get("id"), str)}
    parents = {e["parent"] for e in raw if isinstance(e.get("parent"), str)}
    problems = _duplicate_ids(raw, source)
    problems += _unknown_parents(entries, ids, source)
    problems += _parent_cycles(entries, source)
    for i, c in entries:
        where = _where(source, i, c.id)
        if c.parent is not None and c.id not in parents:  # a child code that segments get
            problems += [(i, line) for line in _material_problems(c, where)]
        problems += [(i, f"{where}{loc}: {msg}") for loc, msg in _pattern_problems(c)]
        problems += [(i, line) for line in _exclude_problems(c, ids, where)]
    return problems


def _duplicate_ids(raw: list[dict], source: str) -> list[tuple[int, str]]:
    """An id used by more than one entry (each repeat names the first)."""
    problems: list[tuple[int, str]] = []
    first: dict[str, int] = {}
    for i, e in enumerate(raw):
        cid = e.get("id")
        if not isinstance(cid, str):
            continue
        if cid in first:
            problems.append(
                (
                    i,
                    f"{_where(source, i, cid)}.id: duplicate id, also codes[{first[cid]}]; "
                    "give each code its own id",
                )
            )
        else:
            first[cid] = i
    return problems


def _unknown_parents(
    entries: list[tuple[int, Code]], ids: set[str], source: str
) -> list[tuple[int, str]]:
    """A parent that is not the id of any entry of the file."""
    problems: list[tuple[int, str]] = []
    for i, c in entries:
        if c.parent is not None and c.parent not in ids:
            problems.append(
                (
                    i,
                    f"{_where(source, i, c.id)}.parent: unknown parent {c.parent!r}; use the id "
                    "of a code defined in this file, or remove the parent key"
                    + _did_you_mean(c.parent, ids),
                )
            )
    return problems


def _parent_cycles(entries: list[tuple[int, Code]], source: str) -> list[tuple[int, str]]:
    """A code that is its own ancestor (each cycle reported once)."""
    parent_of = {c.id: c.parent for _, c in entries}
    problems: list[tuple[int, str]] = []
    reported: set[str] = set()
    for i, c in entries:
        seen = [c.id]
        cur = parent_of.get(c.id)
        while cur is not None and cur in parent_of:
            if cur in seen:
                cycle = [*seen[seen.index(cur) :], cur]
                if not reported & set(cycle):
                    problems.append(
                        (
                            i,
                            f"{_where(source, i, c.id)}.parent: cycle {' -> '.join(cycle)}; a code "
                            "cannot be its own ancestor; change or remove one of these parents",
                        )
                    )
                    reported.update(cycle)
                break
            seen.append(cur)
            cur = parent_of.get(cur)
    return problems


def _material_problems(c: Code, where: str) -> list[str]:
    """A leaf code too thin to code from: a short definition, nothing to match."""
    problems: list[str] = []
    n = len(_WORD.findall(c.definition))
    if n < MIN_DEFINITION_WORDS:
        problems.append(
            f"{where}.definition: not enough material to code from: the definition "
            f"has {n} word{'s' if n != 1 else ''}; write at least "
            f"{MIN_DEFINITION_WORDS} words saying what the code covers"
        )
    if not (c.include or c.examples or c.keywords or c.patterns):
        problems.append(
            f"{where}: not enough material to code from: it has no keywords, "
            "examples, include criteria or patterns; add at least one so the coders "
            "have something to match"
        )
    return problems


def _exclude_problems(c: Code, ids: set[str], where: str) -> list[str]:
    """An exclude criterion that names a code id not defined in the file."""
    problems: list[str] = []
    for k, text in enumerate(c.exclude):
        for ref in _named_ids(text, ids):
            if ref not in ids:
                problems.append(
                    f"{where}.exclude[{k}]: names unknown code {ref!r}; use the id of a "
                    "code defined in this file, or reword the criterion" + _did_you_mean(ref, ids)
                )
    return problems


def _pydantic_lines(exc: ValidationError, codes: list[Any], source: str) -> list[tuple[int, str]]:
    lines: list[tuple[int, str]] = []
    for err in exc.errors():
        loc = list(err["loc"])
        pos = -1
        if len(loc) >= 2 and loc[0] == "codes" and isinstance(loc[1], int):
            pos = loc[1]
            entry = codes[pos] if pos < len(codes) else None
            cid = entry.get("id") if isinstance(entry, dict) else None
            head = _where(source, pos, cid if isinstance(cid, str) else None)
            rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[2:])
        else:
            head = f"{source}: " + ".".join(str(p) for p in loc)
            rest = ""
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key; remove it or check its spelling"
        elif err["type"] == "missing":
            msg = "required; add it"
        elif err["type"] == "too_short" and loc == ["codes"]:
            msg = "no codes; add at least one code under 'codes:'"
        elif err["type"] == "value_error":
            msg = str(err.get("ctx", {}).get("error", msg))
        elif "patterns" in loc[2:3]:
            msg = f"{msg}; {_PATTERN_FIX}"
        lines.append((pos, f"{head}{rest}: {msg}"))
    return lines


def parse_codebook(raw: object, source: str) -> Codebook:
    """Validate an already-loaded YAML document.

    Every problem in the file is reported at once, in file order.

    Raises:
        QualevalError: listing every problem, one line each, as
            ``file: codes[i] (id).field: message; fix``.
    """
    if not isinstance(raw, dict):
        raise QualevalError(f"{source}: expected a mapping with a 'codes' list at the top level")
    codes = raw.get("codes") if isinstance(raw.get("codes"), list) else []
    problems: list[tuple[int, str]] = []
    book: Codebook | None = None
    try:
        book = Codebook.model_validate(raw)
        entries = list(enumerate(book.codes))
    except ValidationError as exc:
        problems += _pydantic_lines(exc, codes, source)
        entries = []
        for i, entry in enumerate(codes):
            try:
                entries.append((i, Code.model_validate(entry)))
            except ValidationError:
                pass
    problems += _structure_problems(entries, codes, source)
    if problems or book is None:  # a pydantic failure always leaves a problem
        problems.sort(key=lambda p: p[0])  # stable: file order, pydantic's first within a code
        raise QualevalError("\n".join(line for _, line in problems))
    return book


def load_codebook(path: Path) -> Codebook:
    """Read and validate a codebook YAML file.

    Raises:
        QualevalError: when the file is missing, not YAML, or invalid.
    """
    path = Path(path)
    raw = read_yaml(path, "codebook", "pass --codebook or set codebook.path")
    return parse_codebook(raw, path.name)
