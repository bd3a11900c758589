"""Evidence rules that widen or add detections from what is already known.

See ``docs/adr/0013-ambiguity-and-evidence-rules.md``.

They run on the chosen (non-overlapping) detections of each turn, before linking, and on
the final mentions, before replacement:

- a surname written after a detected lone first name joins it ("[Adaeze] Okafor-Lindqvist");
- a short local name written next to a detected place, sharing its first letters, is that
  place's nickname ("Skem, Skelmersdale");
- the short forms of a known person's first name ("Gaz" for Gareth) are found too;
- a house number before a detected street is part of the address ("14 Acacia Road").

Every rule is general: none names a place or a person; each needs evidence in the same
text (adjacency) or a person already known to the run.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from pipeline.anonymise.link import Mention, UnionFind
from pipeline.evaluator_files.register import RegisterEntity, strip_title
from pipeline.recognisers.base import (
    COUNCIL,
    NAMED_TYPES,
    PERSON,
    PLACE,
    Detection,
    normalise_phrase,
)
from pipeline.recognisers.gazetteers import STOP_WORDS
from pipeline.recognisers.names import FirstNameRecogniser, nicknames
from pipeline.recognisers.registry import trust

# what a surname looks like: "Okafor-Lindqvist", "McDonald", "O'Neill", "Wiśniewski"
_SURNAME = re.compile(
    r"[ \t]+((?:Mc|Mac|O['’]|D['’]|Fitz)?[A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿā-ž]+"
    r"(?:[-'’][A-ZÀ-ÖØ-ÞĀ-Ž][a-zß-öø-ÿā-ž]+)*)(?![\w'’-])"
)
_NICK_BEFORE = re.compile(r"(?<![\w'’-])([A-Z][a-z]{2,})(?:,[ \t]*|[ \t]+\()$")
_NICK_AFTER = re.compile(r"(?:,[ \t]*|[ \t]*\()([A-Z][a-z]{2,})(?![\w'’-])")
_STREET_HEADS = frozenset(
    """
    road street lane avenue close way drive crescent grove terrace gardens place square court
    mews walk row hill rise view parade
    """.split()
)
_HOUSE_NUMBER = re.compile(
    r"(?<![\w£$€.,/-])(?:(?:[Nn]umber|[Nn]o\.?|[Ff]lat|[Uu]nit|[Aa]partment)[ \t]+)?"
    r"\d{1,4}[A-Za-z]?,?[ \t]+$"
)
# days, months and festivals: never a place ("in Leigh and Thursdays", "Wigan or March")
_CALENDAR = frozenset(
    """
    monday tuesday wednesday thursday friday saturday sunday weekend january february march
    april may june july august september october november december christmas easter
    """.split()
)
# the source name of detections these rules add (trust: see registry.OTHER_SOURCES)
SOURCE = "evidence"


def extend_surnames(
    texts: Sequence[str], chosen_by_row: list[list[Detection]], allow_keys: set[str]
) -> None:
    """Widen each lone first name over the surname written right after it (in place).

    A person detected by one word ("Adaeze", from the speakers, or a register first name)
    followed by a capitalised surname-shaped word that no other detection covers, that is
    not a function word, a place or organisation head, or an allowed term, is the same
    person's full name: the surname must not survive on its own.
    """
    not_surnames = FirstNameRecogniser.NOT_SURNAMES
    for row, dets in enumerate(chosen_by_row):
        text = texts[row]
        out = []
        for i, d in enumerate(dets):
            m = _SURNAME.match(text, d.end) if d.entity_type == PERSON else None
            nxt = dets[i + 1] if i + 1 < len(dets) else None
            if m is None or " " in d.text.strip() or (nxt and nxt.start < m.end(1)):
                out.append(d)
                continue
            word = m.group(1)
            key = normalise_phrase(word)
            if key in not_surnames or key in allow_keys or key in FirstNameRecogniser.HEADS:
                out.append(d)
                continue
            out.append(replace(d, end=m.end(1), text=text[d.start : m.end(1)]))
        chosen_by_row[row] = out


def place_nicknames(
    texts: Sequence[str],
    chosen_by_row: list[list[Detection]],
    allow_keys: set[str],
    common: set[str],
) -> None:
    """Add a place's local nickname written next to it ("out towards Skem, Skelmersdale").

    The nickname is a capitalised word right before or after the place, separated by a comma
    or in brackets, that starts with the same three letters and is shorter; it is not a
    function word, a word the corpus writes in lower case, or an allowed term. It is linked
    to the place (``canonical``), so every further "Skem" becomes the same pseudonym.
    """
    for row, dets in enumerate(chosen_by_row):
        text = texts[row]
        added = []
        for d in dets:
            if d.entity_type not in (PLACE, COUNCIL):
                continue
            before = _NICK_BEFORE.search(text, max(0, d.start - 30), d.start)
            after = _NICK_AFTER.match(text, d.end)
            for m in (before, after):
                if m is None or not _is_nickname_of(m.group(1), d.text, allow_keys, common):
                    continue
                s, e = m.span(1)
                if any(o.start < e and s < o.end for o in [*dets, *added]):
                    continue
                canonical = d.canonical or f"name:{normalise_phrase(strip_title(d.text))}"
                if ":" not in canonical:
                    canonical = f"name:{normalise_phrase(d.text)}"
                added.append(Detection(s, e, d.entity_type, SOURCE, 0.8, text[s:e], canonical))
        if added:
            chosen_by_row[row] = sorted([*dets, *added])


_COORD_AFTER = re.compile(r"[ \t]+(?:and|or|&)[ \t]+([A-Z][a-z]{2,})(?![\w'’-])(?![ \t]+[A-Z])")
_COORD_BEFORE = re.compile(r"(?<![\w'’-])([A-Z][a-z]{2,})[ \t]+(?:and|or|&)[ \t]+$")


def coordinated_places(
    texts: Sequence[str],
    chosen_by_row: list[list[Detection]],
    allow_keys: set[str],
    common: set[str],
) -> None:
    """Add an unknown capitalised word coordinated with a detected place ("Edgeley or Reddish").

    "X and Y" / "X or Y", X a detected place: Y is a place too when it is one capitalised
    word that no detection covers, not a function word, not a word the corpus writes in
    lower case, not an allowed term and not a listed given name (a person, then). It is its
    own place (no link to X).
    """
    given = FirstNameRecogniser()
    for row, dets in enumerate(chosen_by_row):
        text = texts[row]
        added = []
        for d in dets:
            if d.entity_type not in (PLACE, COUNCIL):
                continue
            hits = (
                _COORD_AFTER.match(text, d.end),
                _COORD_BEFORE.search(text, max(0, d.start - 30), d.start),
            )
            for m in hits:
                if m is None:
                    continue
                word, (s, e) = m.group(1), m.span(1)
                key = word.casefold()
                if key in STOP_WORDS or key in common or key in allow_keys or given.is_name(word):
                    continue
                if key in _CALENDAR or key.removesuffix("s") in _CALENDAR:
                    continue  # "in Leigh and Thursdays"
                if any(o.start < e and s < o.end for o in [*dets, *added]):
                    continue
                added.append(Detection(s, e, PLACE, SOURCE, 0.75, word))
        if added:
            chosen_by_row[row] = sorted([*dets, *added])


def _is_nickname_of(word: str, place: str, allow_keys: set[str], common: set[str]) -> bool:
    key, head = word.casefold(), place.split()[0].casefold()
    if key in STOP_WORDS or key in common or key in allow_keys:
        return False
    return len(key) < len(head) and key[:3] == head[:3]


def known_first_names(
    register: Iterable[RegisterEntity], people: Iterable[str], mentions: Iterable[Mention]
) -> set[str]:
    """Lower-case first names of the people known to the run (register, speakers, full names)."""
    names = set()
    for ent in register:
        if ent.type == PERSON:
            names.update(_first(p) for p in [ent.name, *ent.aliases])
    names.update(_first(p) for p in people)
    names.update(
        _first(m.det.text)
        for m in mentions
        if m.det.entity_type == PERSON and len(m.det.text.split()) > 1
    )
    names.discard("")
    return names


def _first(name: str) -> str:
    words = normalise_phrase(strip_title(name)).split()
    return words[0] if words else ""


def nickname_forms(first_names: set[str]) -> dict[str, set[str]]:
    """Short forms of the known first names ("gaz" -> {"gareth"}), from the shipped table."""
    out: dict[str, set[str]] = {}
    for formal, forms in nicknames().items():
        if formal in first_names:
            for form in forms:
                out.setdefault(form, set()).add(formal)
    return out


def extend_house_numbers(texts: Sequence[str], mentions: list[Mention]) -> None:
    """Widen each street mention over the house number written before it ("14 Acacia Road")."""
    starts: dict[int, set[int]] = {}
    for m in mentions:
        starts.setdefault(m.row, set()).add(m.det.start)
    for m in mentions:
        d = m.det
        words = d.text.split()
        if d.entity_type != PLACE or len(words) < 2 or words[-1].casefold() not in _STREET_HEADS:
            continue
        text = texts[m.row]
        hit = _HOUSE_NUMBER.search(text, max(0, d.start - 24), d.start)
        if hit is None:
            continue
        m.det = replace(d, start=hit.start(), text=text[hit.start() : d.end])


def one_type_per_surface(
    mentions: list[Mention], uf: UnionFind, interview_of: Sequence[str]
) -> None:
    """Give each named surface form one entity per interview, chosen by evidence (in place).

    "Grace" must not be [Person 2] in one sentence and [Place 2] in the next: where the
    mentions of one surface form in one interview belong to entities of different types, the
    type with the best evidence wins (the most trusted source, then the most mentions, then
    the type's name) and every mention of that surface there joins its entity.
    """
    groups: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    for m in mentions:
        if m.det.entity_type in NAMED_TYPES:
            groups[(interview_of[m.row], normalise_phrase(m.det.text))].append(m)
    for group in groups.values():
        if len({m.det.entity_type for m in group}) < 2:
            continue
        by_type: dict[str, list[Mention]] = defaultdict(list)
        for m in group:
            by_type[m.det.entity_type].append(m)
        best = min(
            by_type,
            key=lambda t: (
                min(trust(m.det.recogniser).tier for m in by_type[t]),
                -len(by_type[t]),
                t,
            ),
        )
        winner = min(by_type[best], key=lambda m: (m.row, m.det.start))
        for m in group:
            if m.det.entity_type != best:
                m.det = replace(m.det, entity_type=best)
                m.key = uf.find(winner.key)
