"""Linking: mentions into entities, and propagation of every detected name.

Mentions are linked into entities (same span, same name, register/speaker/council keys,
first names and surnames to the one full name they belong to); every further occurrence of
a detected name is then found too (propagation), so no "Jo" is left anywhere.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.anonymise.detect import contains, name_group
from pipeline.evaluator_files.register import strip_title
from pipeline.recognisers.base import (
    NAMED_TYPES,
    ORGANISATION,
    PERSON,
    Detection,
    PhraseEntry,
    PhraseIndex,
    normalise_phrase,
)
from pipeline.recognisers.gazetteers import GENERIC_WORDS, ORG_HEADS
from pipeline.recognisers.known import any_case_ok
from pipeline.recognisers.names import FirstNameRecogniser, common_word_person_ok
from pipeline.recognisers.registry import trust

ORG_HEAD_WORDS = frozenset(w for h in ORG_HEADS for w in h.split())


@dataclass
class Mention:
    """A detection placed in the corpus (which turn) and, later, in an entity."""

    row: int
    det: Detection
    key: str = ""


class UnionFind:
    """Disjoint sets of mention keys; the smallest key of a set is its root."""

    def __init__(self) -> None:
        """Start with no keys."""
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        """The root of ``x`` (added as its own set if new)."""
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        """Merge the sets of ``a`` and ``b``."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # deterministic: the smaller key becomes the root
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo


def _surface_key(det: Detection, interview: str) -> str:
    if det.entity_type not in NAMED_TYPES:
        if det.entity_type in ("phone",):
            digits = re.sub(r"\D", "", det.text)
            return f"{det.entity_type}:{digits or normalise_phrase(det.text)}"
        return f"{det.entity_type}:{normalise_phrase(det.text) or det.text.lower()}"
    name = normalise_phrase(strip_title(det.text))
    if det.entity_type == PERSON and " " not in name:
        return f"first:{interview}:{name}"
    return f"name:{name}"


def _canonical_key(det: Detection) -> str | None:
    if not det.canonical or det.entity_type not in NAMED_TYPES:
        return None
    if ":" in det.canonical:  # already namespaced: "register:...", "person:...", "review:..."
        return det.canonical
    if trust(det.recogniser).namespaced:
        return f"{det.recogniser}:{det.canonical}"
    return f"name:{normalise_phrase(strip_title(det.canonical))}"


@dataclass
class Entity:
    """One real-world identifier and everything known about its mentions."""

    key: str
    entity_type: str
    first: tuple[str, int, int]
    surfaces: Counter = field(default_factory=Counter)
    recognisers: set[str] = field(default_factory=set)
    interviews: set[str] = field(default_factory=set)
    max_score: float = 0.0
    canonical: str | None = None
    pseudonym: str = ""
    entity_id: str = ""


# --- linking -----------------------------------------------------------------------------


def link_mentions(
    mentions: list[Mention],
    all_dets: list[list[Detection]],
    interview_of: Sequence[str],
    link_names: bool,
    extra_links: Iterable[tuple[str, str]] = (),
    short_forms: dict[str, set[str]] | None = None,
) -> UnionFind:
    """Group mentions into entities (union-find over mention keys).

    ``short_forms`` maps a nickname to the formal first names it stands for ("gaz" ->
    {"gareth"}): a lone nickname joins the one full name with that first name.
    """
    uf = UnionFind()
    for m in mentions:
        interview = interview_of[m.row]
        m.key = _surface_key(m.det, interview)
        uf.find(m.key)
        canon = _canonical_key(m.det)
        if canon:
            uf.union(m.key, canon)
    for row, dets in enumerate(all_dets):
        _link_nested_names(dets, uf)
        _link_same_spans(dets, interview_of[row], uf)
    _link_reviewed(extra_links, uf)
    if link_names:
        _link_person_parts(mentions, interview_of, uf, short_forms or {})
    return uf


def _link_nested_names(dets: list[Detection], uf: UnionFind) -> None:
    """A trusted name inside a longer trusted name of the same group is the same entity."""
    named = [d for d in dets if d.entity_type in NAMED_TYPES and _canonical_key(d)]
    for outer in named:
        for inner in named:
            if (
                contains(outer, inner)
                and name_group(outer) == name_group(inner)
                and trust(outer.recogniser).trusted
                # a lone first name inside a full name is linked by _link_person_parts
                and not (inner.entity_type == PERSON and " " not in inner.text.strip())
            ):
                uf.union(_canonical_key(outer), _canonical_key(inner))


def _link_same_spans(dets: list[Detection], interview: str, uf: UnionFind) -> None:
    """Identical spans found by several recognisers are one entity (named types only)."""
    by_span: dict[tuple[int, int], list[Detection]] = defaultdict(list)
    for d in dets:
        if d.entity_type in NAMED_TYPES:
            by_span[(d.start, d.end)].append(d)
    for group in by_span.values():
        keys = {_surface_key(d, interview) for d in group}
        keys |= {k for k in (_canonical_key(d) for d in group) if k}
        # person and non-person readings of one span stay apart
        persons = {k for k in keys if k.startswith(("first:", "speakers:"))}
        if persons and len(persons) != len(keys):
            keys = persons
        ordered = sorted(keys)
        for k in ordered[1:]:
            uf.union(ordered[0], k)


def _link_reviewed(extra_links: Iterable[tuple[str, str]], uf: UnionFind) -> None:
    """The review's ``link`` decisions: ``text`` is the same entity as ``link_to``."""
    for text, target in extra_links:
        a, b = normalise_phrase(strip_title(text)), normalise_phrase(strip_title(target))
        keys_a = [k for k in uf.parent if k == f"name:{a}" or k.endswith(f":{a}")]
        keys_b = [k for k in uf.parent if k == f"name:{b}" or k.endswith(f":{b}")]
        for ka in keys_a:
            for kb in keys_b:
                uf.union(ka, kb)


def _link_person_parts(
    mentions: list[Mention],
    interview_of: Sequence[str],
    uf: UnionFind,
    short_forms: dict[str, set[str]],
) -> None:
    """Link a lone first name, nickname or surname to the one full name it belongs to.

    Evidence is looked for in the same interview first, then in the whole corpus; when two
    full names share the part, the lone name stays its own entity (a reviewer can link it).
    """
    full_by_part: dict[str, set[str]] = defaultdict(set)
    full_by_part_iv: dict[tuple[str, str], set[str]] = defaultdict(set)
    for m in mentions:
        if m.det.entity_type != PERSON or not m.key.startswith("name:"):
            continue
        tokens = m.key[5:].split()
        if len(tokens) < 2:
            continue
        root = uf.find(m.key)
        iv = interview_of[m.row]
        for part in {tokens[0], tokens[-1]}:
            full_by_part[part].add(root)
            full_by_part_iv[(iv, part)].add(root)
    nick: dict[str, set[str]] = defaultdict(set)
    for part, roots in full_by_part.items():
        for n in range(3, len(part)):
            nick[part[:n]] |= roots
    for m in mentions:
        if not m.key.startswith("first:"):
            continue
        _, iv, part = m.key.split(":", 2)
        formal = sorted(short_forms.get(part, ()))
        for candidates in (
            full_by_part_iv.get((iv, part)),
            full_by_part.get(part),
            set().union(*(full_by_part_iv.get((iv, f), set()) for f in formal)),
            set().union(*(full_by_part.get(f, set()) for f in formal)),
            nick.get(part),
        ):
            roots = {uf.find(r) for r in candidates or ()}
            if len(roots) == 1:
                uf.union(m.key, roots.pop())
                break
            if len(roots) > 1:
                break


def build_entities(
    mentions: list[Mention],
    uf: UnionFind,
    interview_of: Sequence[str],
    turn_of: Sequence[int],
    priority: dict[str, int],
) -> dict[str, Entity]:
    """One :class:`Entity` per union-find root, its type from its most trusted mention."""
    entities: dict[str, Entity] = {}
    best: dict[str, tuple] = {}
    for m in mentions:
        root = uf.find(m.key)
        pos = (interview_of[m.row], turn_of[m.row], m.det.start)
        ent = entities.get(root)
        if ent is None:
            ent = entities[root] = Entity(key=root, entity_type=m.det.entity_type, first=pos)
        ent.first = min(ent.first, pos)
        ent.surfaces[m.det.text] += 1
        ent.recognisers.add(m.det.recogniser)
        ent.interviews.add(interview_of[m.row])
        ent.max_score = max(ent.max_score, m.det.score)
        if m.det.canonical and ent.canonical is None:
            ent.canonical = m.det.canonical
        rank = (trust(m.det.recogniser).tier, priority.get(m.det.recogniser, 99))
        if root not in best or rank < best[root]:
            best[root] = rank
            ent.entity_type = m.det.entity_type
    return entities


# --- propagation -------------------------------------------------------------------------


def _is_lone_name(m: Mention, interview: str) -> bool:
    return m.det.recogniser != "titled_names" and _surface_key(m.det, interview).startswith(
        "first:"
    )


def propagate_lone_names(
    texts: Sequence[str],
    interview_of: Sequence[str],
    chosen_by_row: list[list[Detection]],
    mentions: list[Mention],
    allow_keys: set[str],
    protected: list[list[Detection]],
    min_score: float = 0.0,
    extra_names: Iterable[str] = (),
) -> list[Mention]:
    """Every occurrence of a lone detected first name or surname, in every interview.

    ``extra_names`` are more lone names to find: parts of full names (:func:`name_parts`) and
    the short forms of known first names ("Gaz").

    Keys are left to :func:`link_mentions`, which scopes a lone name to its interview and
    links it to that interview's full name when there is one, so two people called "Jo" in
    two interviews keep two pseudonyms, yet no "Jo" is left anywhere.
    """
    index = PhraseIndex()
    for m in sorted(mentions, key=lambda m: (m.det.text, m.det.start)):
        if _is_lone_name(m, interview_of[m.row]) and m.det.score >= min_score:
            if normalise_phrase(m.det.text) not in allow_keys:
                index.add(m.det.text, _person_entry(m.det.text, m.det.score))
    for name in sorted(extra_names):
        if normalise_phrase(name) not in allow_keys:
            index.add(name, _person_entry(name, 0.8))
    return _find_further(texts, index, chosen_by_row, protected)


def _person_entry(name: str, score: float) -> PhraseEntry:
    """A lone name to find: in lower case too only when it is a listed given name."""
    listed = all(_GIVEN_NAMES.is_name(w) for w in name.split())
    return PhraseEntry(PERSON, None, score, any_case=listed and any_case_ok(name))


_GIVEN_NAMES = FirstNameRecogniser()


def name_parts(mentions: Iterable[Mention], allow_keys: set[str], min_score: float) -> set[str]:
    """First names and surnames of the full person names found ("Jo" and "Marsh" of "Jo Marsh").

    Each is then found alone too (and linked to its full name where that is unambiguous), so
    "Okafor-Lindqvist is great" does not keep the surname of "Adaeze Okafor-Lindqvist".
    """
    parts = set()
    for m in mentions:
        d = m.det
        if d.entity_type != PERSON or d.score < min_score or d.recogniser == "titled_names":
            continue
        words = strip_title(d.text).split()
        if len(words) < 2:
            continue
        trusted = trust(d.recogniser).trusted
        for w in (words[0], words[-1]):
            key = normalise_phrase(w)
            if len(w) < 2 or not w[:1].isupper() or key in allow_keys or key in GENERIC_WORDS:
                continue
            if trusted or _GIVEN_NAMES.is_name(w):  # NER's spans: only its given names
                parts.add(w.rstrip(".,"))
    return parts


def propagate_names(
    texts: Sequence[str],
    interview_of: Sequence[str],
    chosen_by_row: list[list[Detection]],
    mentions: list[Mention],
    uf: UnionFind,
    allow_keys: set[str],
    protected: list[list[Detection]],
    min_score: float = 0.0,
) -> list[Mention]:
    """Find every further occurrence of each detected name (lone names: done before linking)."""
    corpus = PhraseIndex()
    seen: set[tuple[str, str]] = set()
    for m in sorted(mentions, key=lambda m: (m.key, m.det.text)):
        d = m.det
        if d.entity_type not in NAMED_TYPES or normalise_phrase(d.text) in allow_keys:
            continue
        if d.score < min_score:
            continue
        if (m.key, d.text) in seen:
            continue
        seen.add((m.key, d.text))
        entry = PhraseEntry(d.entity_type, uf.find(m.key), d.score)
        if not (m.key.startswith("first:") and d.recogniser != "titled_names"):
            corpus.add(d.text, entry)
        # "Creekside Family Hub" also protects "Creekside" (its distinctive part)
        part = facility_name_part(d)
        if part and normalise_phrase(part) not in allow_keys:
            corpus.add(part, entry)
        # "Councillor Stobbart" also protects "Stobbart" (a title makes it a surname)
        if d.recogniser == "titled_names" and d.canonical:
            bare = strip_title(d.canonical)
            if normalise_phrase(bare) not in allow_keys:
                corpus.add(bare, entry)
    return _find_further(texts, corpus, chosen_by_row, protected)


def facility_name_part(det: Detection) -> str | None:
    """The distinctive leading words of a named organisation ("Creekside" of "Creekside Hub").

    Only for the facility recogniser's organisations: the capitalised words before the first
    generic or head word, when some are left and they are not a lone short word.
    """
    if det.recogniser != "facilities" or det.entity_type not in (ORGANISATION,):
        return None
    words = det.text.split()
    prefix = []
    for w in words:
        key = w.casefold().replace("’", "'")
        if key in GENERIC_WORDS or key in ORG_HEAD_WORDS or not w[:1].isupper():
            break
        prefix.append(w)
    if not prefix or len(prefix) == len(words) or (len(prefix) == 1 and len(prefix[0]) < 4):
        return None
    return " ".join(prefix)


def _full_name_words(chosen_by_row: list[list[Detection]]) -> set[str]:
    """The lower-case words of the full person names detected anywhere in the run."""
    out: set[str] = set()
    for dets in chosen_by_row:
        for d in dets:
            if d.entity_type == PERSON and " " in d.text.strip():
                out.update(normalise_phrase(d.text).split())
    return out


def _find_further(
    texts: Sequence[str],
    index: PhraseIndex,
    chosen_by_row: list[list[Detection]],
    protected: list[list[Detection]],
) -> list[Mention]:
    """Every occurrence of an indexed name outside chosen and allowed spans.

    Each mention found is keyed by its entry's ``canonical`` (an entity root; none for a
    lone name, which :func:`link_mentions` keys), and ``chosen_by_row`` is updated.
    ``evidence`` (the lower-case words of the full person names the run mentions) lets a
    common-word name start a sentence when someone of that name is known ("Mark came back"
    where any interview names Mark Ibbotson): the leak gate knows the run's names across
    all interviews, so the evidence must too (a turn quoted in another interview, or a
    corpus of many, would otherwise leave "Mark" for the gate to find).
    """
    evidence = _full_name_words(chosen_by_row)
    added = []
    for row, text in enumerate(texts):
        taken = chosen_by_row[row]
        for s, e, entry in index.finditer(text):
            if any(c.start < e and s < c.end for c in taken):
                continue
            if any(p.start <= s and e <= p.end for p in protected[row]):
                continue
            if entry.entity_type == PERSON and not common_word_person_ok(
                text, s, e, known=normalise_phrase(text[s:e]) in evidence
            ):
                continue  # "Hope that helps", "mark the register"
            det = Detection(s, e, entry.entity_type, "propagation", entry.score * 0.9, text[s:e])
            taken = [*taken, det]
            added.append(Mention(row, det, key=entry.canonical or ""))
        chosen_by_row[row] = sorted(taken)
    return added
