"""Project knowledge: the evaluator's register, the people who spoke, and reviewed additions.

The register (``anonymisation/register.yaml`` by default, pointed at by ``data.register_file``) is
written by the evaluator and lists people, councils, organisations and places known to the
evaluation, with aliases and optionally a chosen pseudonym::

    entities:
      - type: person
        name: Marcus Adeyemi
        aliases: [Marcus, Mr Adeyemi]
      - type: council
        name: North East Lincolnshire Council
        aliases: [North East Lincolnshire, NELC]
        pseudonym: "[Council N]"

It names real people, so in a real project keep it in the private area.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import QualevalError
from pipeline.io import read_yaml
from pipeline.params import format_validation_error
from pipeline.recognisers.base import (
    COUNCIL,
    ORGANISATION,
    PERSON,
    PLACE,
    Detection,
    PhraseEntry,
    PhraseIndex,
    Recogniser,
    RecogniserContext,
    normalise_phrase,
)

TITLES = (
    "Mr",
    "Mrs",
    "Ms",
    "Miss",
    "Mx",
    "Dr",
    "Prof",
    "Professor",
    "Cllr",
    "Councillor",
    "Sir",
    "Dame",
    "Lord",
    "Lady",
    "Baroness",
)
_TITLE_RE = re.compile(r"^(?:(?:%s)\.?\s+)+" % "|".join(TITLES), re.I)


def strip_title(name: str) -> str:
    """``"Councillor Ann Tregenza"`` -> ``"Ann Tregenza"`` (a name that is only a title is kept)."""
    stripped = _TITLE_RE.sub("", name.strip())
    return stripped or name.strip()


class RegisterEntity(BaseModel):
    """One known entity of the register."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["person", "council", "organisation", "place"]
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    pseudonym: str | None = None

    @field_validator("name", "aliases", mode="after")
    @classmethod
    def _not_blank(cls, value: str | list[str]) -> str | list[str]:
        values = [value] if isinstance(value, str) else value
        for v in values:
            if not normalise_phrase(v):
                raise ValueError("blank name; write the name or remove the entry")
        return value

    @property
    def key(self) -> str:
        """The canonical key the stage links this entity's mentions by."""
        return f"register:{normalise_phrase(self.name)}"


class Register(BaseModel):
    """The whole register file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entities: list[RegisterEntity] = Field(default_factory=list)


def load_register(path: Path | None) -> list[RegisterEntity]:
    """Read and validate a register file; ``None`` means no register.

    Raises:
        QualevalError: naming the file and the entry when it is malformed.
    """
    if path is None:
        return []
    path = Path(path)
    raw = read_yaml(path, "anonymisation register", "create it or set data.register_file: null")
    if raw is None:
        raise QualevalError(
            f"{path}: empty register; list entities under 'entities:' "
            "or set data.register_file: null"
        )
    if not isinstance(raw, dict):
        raise QualevalError(f"{path}: expected a mapping with an 'entities' list")
    try:
        register = Register.model_validate(raw)
    except ValidationError as exc:
        raise QualevalError(format_validation_error(path.name, exc)) from None
    seen: dict[str, int] = {}
    for i, ent in enumerate(register.entities):
        for phrase in [ent.name, *ent.aliases]:
            key = normalise_phrase(phrase)
            if key in seen and seen[key] != i:
                raise QualevalError(
                    f"{path.name}: entities[{i}] ({ent.name}): {phrase!r} is already listed "
                    f"by entities[{seen[key]}]; keep it in one entry"
                )
            seen[key] = i
    return list(register.entities)


class RegisterRecogniser(Recogniser):
    """Every name and alias in the project register (highest confidence)."""

    name: ClassVar[str] = "register"
    entity_types: ClassVar[tuple[str, ...]] = (PERSON, COUNCIL, ORGANISATION, PLACE)
    score: ClassVar[float] = 1.0

    def __init__(self, entities: list[RegisterEntity]) -> None:
        """Index names and aliases, then people's first names and surnames that are unique."""
        self.index = PhraseIndex()
        parts: dict[str, set[str]] = {}
        for ent in entities:
            for phrase in [ent.name, *ent.aliases]:
                self.index.add(phrase, PhraseEntry(ent.type, ent.key, self.score))
                if ent.type != PERSON:
                    continue
                bare = strip_title(phrase)
                if bare != phrase:
                    self.index.add(bare, PhraseEntry(ent.type, ent.key, self.score))
                tokens = bare.split()
                if len(tokens) > 1:
                    for part in (tokens[0], tokens[-1]):
                        parts.setdefault(normalise_phrase(part), set()).add(ent.key)
        for part, owners in sorted(parts.items()):
            if len(owners) == 1 and len(part) > 1:
                self.index.add(part.title(), PhraseEntry(PERSON, next(iter(owners)), 0.9))

    @classmethod
    def from_context(cls, context: RecogniserContext) -> RegisterRecogniser:
        """Build from the register in the context."""
        return cls(context.register)

    def analyse(self, text: str, doc: object = None) -> list[Detection]:
        """Find register names and aliases."""
        return [
            self.detection(text, s, e, ent.entity_type, ent.score, ent.canonical)
            for s, e, ent in self.index.finditer(text)
        ]


class KnownPeopleRecogniser(Recogniser):
    """People known from speaker labels, VTT voice tags and metadata name columns.

    A full name is found whole, and its first name and surname alone are found too (linked
    to the full name through ``canonical``): the people in the room are the most likely to
    be named in it.
    """

    name: ClassVar[str] = "speakers"
    entity_types: ClassVar[tuple[str, ...]] = (PERSON,)
    score: ClassVar[float] = 0.95

    def __init__(self, people: list[str]) -> None:
        """Index full names, then first names and surnames that belong to one person only."""
        self.index = PhraseIndex()
        parts: dict[str, set[str]] = {}
        for person in people:
            full = strip_title(person)
            key = normalise_phrase(full)
            if not key:
                continue
            self.index.add(full, PhraseEntry(PERSON, f"person:{key}", self.score))
            tokens = full.split()
            if len(tokens) > 1:
                for part in (tokens[0], tokens[-1]):
                    parts.setdefault(normalise_phrase(part), set()).add(key)
        for part, owners in sorted(parts.items()):
            if len(owners) == 1 and len(part) > 1:
                (owner,) = owners
                self.index.add(part.title(), PhraseEntry(PERSON, f"person:{owner}", 0.9))

    @classmethod
    def from_context(cls, context: RecogniserContext) -> KnownPeopleRecogniser:
        """Build from the known people in the context."""
        return cls(context.people)

    def analyse(self, text: str, doc: object = None) -> list[Detection]:
        """Find known people's names."""
        return [
            self.detection(text, s, e, PERSON, ent.score, ent.canonical)
            for s, e, ent in self.index.finditer(text)
        ]


class ReviewRecogniser(Recogniser):
    """Identifiers a researcher added in the review decisions file (decision ``add``)."""

    name: ClassVar[str] = "review"
    entity_types: ClassVar[tuple[str, ...]] = (PERSON, COUNCIL, ORGANISATION, PLACE)
    score: ClassVar[float] = 1.0

    def __init__(self, additions: list[tuple[str, str]]) -> None:
        """Index ``(text, entity_type)`` pairs."""
        self.index = PhraseIndex()
        self._literal: list[tuple[str, str]] = []
        for text, etype in additions:
            if normalise_phrase(text) and re.fullmatch(r"[\w' ’.&-]+", text):
                key = f"review:{normalise_phrase(text)}"
                self.index.add(text, PhraseEntry(etype, key, self.score))
            else:  # emails, numbers...: exact substring
                self._literal.append((text, etype))

    @classmethod
    def from_context(cls, context: RecogniserContext) -> ReviewRecogniser:
        """Build from ``context.options['review']['add']`` (set by the stage)."""
        return cls(list(context.options.get(cls.name, {}).get("add", [])))

    def analyse(self, text: str, doc: object = None) -> list[Detection]:
        """Find every added identifier."""
        found = [
            self.detection(text, s, e, ent.entity_type, ent.score, ent.canonical)
            for s, e, ent in self.index.finditer(text)
        ]
        for literal, etype in self._literal:
            start = text.find(literal)
            while start >= 0:
                found.append(self.detection(text, start, start + len(literal), etype))
                start = text.find(literal, start + len(literal))
        return found
