"""Project knowledge: the evaluator's register, the people who spoke, and reviewed additions.

The register file itself is read by :mod:`pipeline.evaluator_files.register`; these
recognisers find its names (and known speakers' names, and reviewed additions) in the text.
"""

from __future__ import annotations

import re
from typing import ClassVar

from pipeline.evaluator_files.register import RegisterEntity, strip_title
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
from pipeline.recognisers.gazetteers import STOP_WORDS
from pipeline.recognisers.names import common_word_names


def any_case_ok(phrase: str) -> bool:
    """Whether a person's name may be matched in lower case too ("sarah", "gareth lewis").

    Not when any word of it is a common word ("will", "hope", "mark") or a function word,
    or is shorter than three letters: those are matched only as written (capitalised).
    """
    words = normalise_phrase(phrase).split()
    common = common_word_names()
    return bool(words) and all(
        len(w) > 2 and w not in common and w not in STOP_WORDS for w in words
    )


def person_entry(phrase: str, canonical: str | None, score: float) -> PhraseEntry:
    """A phrase-index entry for a person's name (any case when :func:`any_case_ok`)."""
    return PhraseEntry(PERSON, canonical, score, any_case=any_case_ok(phrase))


class RegisterRecogniser(Recogniser):
    """Every name and alias in the project register (highest confidence)."""

    name: ClassVar[str] = "register"
    entity_types: ClassVar[tuple[str, ...]] = (PERSON, COUNCIL, ORGANISATION, PLACE)
    score: ClassVar[float] = 1.0
    tier: ClassVar[int] = 0
    namespaced: ClassVar[bool] = True

    def __init__(self, entities: list[RegisterEntity]) -> None:
        """Index names and aliases, then people's first names and surnames that are unique."""
        self.index = PhraseIndex()
        parts: dict[str, set[str]] = {}
        for ent in entities:
            for phrase in [ent.name, *ent.aliases]:
                if ent.type != PERSON:
                    self.index.add(phrase, PhraseEntry(ent.type, ent.key, self.score))
                    continue
                self.index.add(phrase, person_entry(phrase, ent.key, self.score))
                bare = strip_title(phrase)
                if bare != phrase:
                    self.index.add(bare, person_entry(bare, ent.key, self.score))
                tokens = bare.split()
                if len(tokens) > 1:
                    for part in (tokens[0], tokens[-1]):
                        parts.setdefault(normalise_phrase(part), set()).add(ent.key)
        for part, owners in sorted(parts.items()):
            if len(owners) == 1 and len(part) > 1:
                self.index.add(part.title(), person_entry(part, next(iter(owners)), 0.9))

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
    tier: ClassVar[int] = 0
    namespaced: ClassVar[bool] = True

    def __init__(self, people: list[str]) -> None:
        """Index full names, then first names and surnames that belong to one person only."""
        self.index = PhraseIndex()
        parts: dict[str, set[str]] = {}
        for person in people:
            full = strip_title(person)
            key = normalise_phrase(full)
            if not key:
                continue
            self.index.add(full, person_entry(full, f"person:{key}", self.score))
            tokens = full.split()
            if len(tokens) > 1:
                for part in (tokens[0], tokens[-1]):
                    parts.setdefault(normalise_phrase(part), set()).add(key)
        for part, owners in sorted(parts.items()):
            if len(owners) == 1 and len(part) > 1:
                (owner,) = owners
                self.index.add(part.title(), person_entry(part, f"person:{owner}", 0.9))

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
    tier: ClassVar[int] = 0
    namespaced: ClassVar[bool] = True

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
