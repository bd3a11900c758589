"""Anonymise stage: turns -> consistent pseudonyms, a private key, a review file and metrics.

Layers (ADR 0006): recognisers (:mod:`pipeline.recognisers.registry`) find candidate
identifiers; the allow-list and review decisions filter them; overlaps are resolved by
trust tier, then length, then the order in ``anonymise.recognisers``; mentions are linked
into entities (same span, same name, register/speaker/council keys, first names and
surnames to the one full name they belong to); every occurrence of a detected name is then
replaced (propagation); entities get pseudonyms numbered by first appearance.

:func:`anonymise` is pure (DataFrames in, DataFrames out); :func:`main` does the file I/O.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from tqdm import tqdm

from pipeline.errors import QualevalError
from pipeline.io import atomic_outputs, optional_path, write_json
from pipeline.params import AnonymiseParams, load_params
from pipeline.recognisers.base import (
    DATE,
    ENTITY_TYPES,
    NAMED_TYPES,
    PERSON,
    Detection,
    PhraseEntry,
    PhraseIndex,
    Recogniser,
    RecogniserContext,
    normalise_phrase,
)
from pipeline.recognisers.register import RegisterEntity, load_register, strip_title

log = logging.getLogger(__name__)

# Trust tiers for overlap resolution: lower wins; within a tier the longer span wins.
_TIERS = {
    "register": 0,
    "review": 0,
    "speakers": 0,
    "email": 0,
    "url": 0,
    "phone": 0,
    "spoken_phone": 0,
    "postcode": 0,
    "nino": 0,
    "ner": 2,
    "propagation": 3,
}
_UNTRUSTED = {"ner", "propagation"}
DECISIONS = ("accept", "reject", "add", "link")
DECISION_COLUMNS = ("text", "entity_type", "decision", "link_to", "pseudonym", "note")
REVIEW_COLUMNS = (
    "entity_id",
    "pseudonym",
    "entity_type",
    "text",
    "status",
    "recognisers",
    "max_score",
    "n_mentions",
    "n_interviews",
    "interviews",
    "context",
    "decision",
    "link_to",
    "note",
)
MENTION_COLUMNS = (
    "interview_id",
    "turn_index",
    "start",
    "end",
    "text",
    "entity_type",
    "entity_id",
    "pseudonym",
    "recogniser",
    "score",
)
SAFE_TURN_COLUMNS = (
    "interview_id",
    "turn_index",
    "speaker",
    "speaker_role",
    "text",
    "n_words",
    "n_replacements",
    "start_s",
    "end_s",
)
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


# --- review decisions ------------------------------------------------------------------------


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


# --- detection ---------------------------------------------------------------------------


@dataclass
class Mention:
    """A detection placed in the corpus (which turn) and, later, in an entity."""

    row: int
    det: Detection
    key: str = ""


_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")
_CAPITAL_WORD = re.compile(r"\b[A-Z][\w'’-]*")


def candidate_sentences(
    text: str,
    known: Sequence[Detection] = (),
    allow: set[str] | frozenset[str] = frozenset(),
) -> list[tuple[int, str]]:
    """Sentences that could hold a name nobody has found yet.

    A sentence qualifies when it has a capitalised word that is not a function word, not
    an allow-listed term ("Ofsted") and not inside a detection already made by another
    recogniser ("So we did it. Then I rang Priya." gives only the second sentence, unless
    "Priya" is already known). Names that are function words are vanishingly rare.
    """
    from pipeline.recognisers.gazetteers import STOP_WORDS

    out = []
    for m in _SENTENCE.finditer(text):
        for w in _CAPITAL_WORD.finditer(text, m.start(), m.end()):
            word = w.group()
            if word.lower() in STOP_WORDS or word in ("I'm", "I've", "I'd", "I'll", "OK"):
                continue
            if allow and normalise_phrase(word) in allow:
                continue
            if any(d.start <= w.start() and w.end() <= d.end for d in known):
                continue
            out.append((m.start(), m.group()))
            break
    return out


def detect(
    texts: Sequence[str],
    recognisers: Sequence[Recogniser],
    nlp: Any = None,
    batch_size: int = 64,
    n_process: int = 1,
    progress: bool = True,
    ner_all_sentences: bool = False,
    allow: set[str] | frozenset[str] = frozenset(),
) -> list[list[Detection]]:
    """Run every recogniser over every text.

    Recognisers that need a spaCy ``Doc`` see candidate sentences only (see
    :func:`candidate_sentences`; all sentences with ``ner_all_sentences``), in batches,
    and their offsets are mapped back to the text.
    """
    doc_recs = [r for r in recognisers if r.needs_doc] if nlp is not None else []
    plain = [r for r in recognisers if not r.needs_doc]
    out: list[list[Detection]] = []
    for text in tqdm(texts, desc="recognisers", unit="turn", disable=not progress, mininterval=1):
        found: list[Detection] = []
        for rec in plain:
            found.extend(rec.analyse(text))
        out.append(found)
    if not doc_recs:
        return out
    pieces = []
    for row, text in enumerate(texts):
        if ner_all_sentences:
            pieces.extend((row, m.start(), m.group()) for m in _SENTENCE.finditer(text))
        else:
            cands = candidate_sentences(text, out[row], allow)
            pieces.extend((row, start, sent) for start, sent in cands)
    docs = nlp.pipe((p[2] for p in pieces), batch_size=batch_size, n_process=n_process)
    bar = tqdm(
        zip(pieces, docs),
        total=len(pieces),
        desc="ner",
        unit="sentence",
        disable=not progress,
        mininterval=1.0,
    )
    for (row, offset, sentence), doc in bar:
        for rec in doc_recs:
            for d in rec.analyse(sentence, doc):
                out[row].append(replace(d, start=d.start + offset, end=d.end + offset))
    return out


def _allowed(det: Detection, allow: set[str]) -> bool:
    if not allow:
        return False
    key = normalise_phrase(det.text)
    return key in allow or normalise_phrase(strip_title(det.text)) in allow


def _strip_allowed(text: str, det: Detection, allow_index: PhraseIndex) -> list[Detection]:
    """Cut allow-listed phrases out of an NER span ("London DCS" -> nothing left).

    Only statistical detections are trimmed; a gazetteer or register name that contains an
    allowed word ("London Borough of Newham") is kept whole.
    """
    if det.recogniser not in _UNTRUSTED or det.entity_type not in NAMED_TYPES:
        return [det]
    inside = [(det.start + s, det.start + e) for s, e, _ in allow_index.finditer(det.text)]
    if not inside:
        return [det]
    taken = [replace(det, start=s, end=e, text=text[s:e]) for s, e in inside]
    return [
        replace(det, start=s, end=e, text=text[s:e], canonical=None)
        for s, e in _remnants(text, det.start, det.end, taken)
        if _ROLEISH.fullmatch(text[s:e]) is None
    ]


# leftovers of a trimmed span that are generic words, not names
_ROLEISH = re.compile(
    r"(?:DCSs?|ADs?|CEO|Council|Councils|Government|Office|Group|Team|Board|Region|Regional)",
)


# One-word "names" that statistical NER (or a trimmed span) produces but that identify no one.
_GENERIC_WORDS = frozenset(
    """
    council councils county city borough authority authorities government office team teams
    board group groups service services department region regional national local north
    south east west northern southern eastern western central hello hi hiya thanks yes no
    okay ok right sorry well erm er um mm yeah children child family families education
    social care health director directors chief executive member members manager managers
    school schools trust partnership programme project peer peers review challenge chair
    monday tuesday wednesday thursday friday saturday sunday january february march april
    june july august september october november december christmas easter
    """.split()
)


def _lowercase_words(texts: Sequence[str]) -> set[str]:
    """Every word the corpus also writes in lower case ("broadly", "mark", "uncertain")."""
    words: set[str] = set()
    for text in texts:
        words.update(_LOWER_WORD.findall(text))
    return words


_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z]+(?![\w'’-])")


def _common_word_at_sentence_start(text: str, det: Detection, common: set[str]) -> bool:
    """An untrusted one-word name at a sentence start that the corpus uses as a common word.

    "Broadly positive." is not a person: the speakers say "broadly" elsewhere. Names are
    rarely written in lower case, so this costs almost no recall.
    """
    if det.recogniser not in _UNTRUSTED or " " in det.text.strip():
        return False
    before = text[: det.start].rstrip(" \t\"'“‘(")
    if before and before[-1] not in ".!?\n:…":
        return False
    return det.text.lower() in common


def _plausible(det: Detection) -> bool:
    """Whether a detection can be an identifier at all.

    Named entities need a capital letter or a digit (NER sometimes tags "council"), and a
    one-word name from an untrusted source must not be a generic word ("Council", "West").
    """
    if det.entity_type not in NAMED_TYPES:
        return True
    if not any(ch.isupper() or ch.isdigit() for ch in det.text):
        return False
    words = det.text.split()
    if det.recogniser in _UNTRUSTED and len(words) == 1:
        return normalise_phrase(words[0]) not in _GENERIC_WORDS
    return True


def resolve_overlaps(
    text: str, dets: Sequence[Detection], priority: dict[str, int]
) -> list[Detection]:
    """Choose non-overlapping detections: trust tier, then longer span, then params order.

    A lower-ranked detection that reaches beyond the chosen spans keeps its remainder when
    that remainder still looks like a name (so a long, partly wrong NER span does not make
    a name inside it leak).
    """
    tier = {d: _TIERS.get(d.recogniser, 1) for d in dets}
    # a gazetteer span around a trusted one ("Council of the [Isles of Scilly]") inherits its tier
    for outer in dets:
        if outer.recogniser in _UNTRUSTED or outer.entity_type not in NAMED_TYPES:
            continue
        for inner in dets:
            if _contains(outer, inner) and _group(outer) == _group(inner):
                tier[outer] = min(tier[outer], tier[inner])

    def rank(d: Detection) -> tuple:
        return (
            tier[d],
            -(d.end - d.start),
            priority.get(d.recogniser, 99),
            -d.score,
            d.start,
            d.entity_type,
        )

    chosen: list[Detection] = []
    for d in sorted(set(dets), key=rank):
        overlaps = [c for c in chosen if c.start < d.end and d.start < c.end]
        if not overlaps:
            chosen.append(d)
            continue
        if d.entity_type not in NAMED_TYPES:
            continue
        for s, e in _remnants(text, d.start, d.end, overlaps):
            rest = replace(d, start=s, end=e, text=text[s:e], canonical=None)
            if _plausible(rest) and not any(c.start < e and s < c.end for c in chosen):
                chosen.append(rest)
    return sorted(chosen)


def _group(d: Detection) -> str:
    return (
        "person"
        if d.entity_type == PERSON
        else d.entity_type
        if d.entity_type not in NAMED_TYPES
        else "name"
    )


def _contains(outer: Detection, inner: Detection) -> bool:
    return (
        outer.start <= inner.start
        and inner.end <= outer.end
        and (outer.end - outer.start) > (inner.end - inner.start)
    )


_NAMEISH = re.compile(r"[A-Z][\w'’-]*(?:\s+(?:[A-Z][\w'’-]*|of|and|the|upon|on|le|de)\b)*")


def _remnants(text: str, start: int, end: int, taken: list[Detection]) -> list[tuple[int, int]]:
    free = []
    pos = start
    for c in sorted(taken):
        if c.start > pos:
            free.append((pos, min(c.start, end)))
        pos = max(pos, c.end)
    if pos < end:
        free.append((pos, end))
    out = []
    for s, e in free:
        for m in _NAMEISH.finditer(text, s, e):
            ms, me = m.span()
            # strip trailing connector words ("Janet Holroyd from" never matched; "X and" may)
            while True:
                trimmed = re.sub(r"\s+(?:of|and|the|upon|on|le|de)$", "", text[ms:me])
                if len(trimmed) == me - ms:
                    break
                me = ms + len(trimmed)
            if me - ms >= 2:
                out.append((ms, me))
    return out


# --- linking -----------------------------------------------------------------------------


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # deterministic: the smaller key becomes the root
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo


_NAMESPACED = {"register", "speakers", "review", "councils"}


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
    if det.recogniser in _NAMESPACED:
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


def link_mentions(
    mentions: list[Mention],
    all_dets: list[list[Detection]],
    interview_of: Sequence[str],
    link_names: bool,
    extra_links: Iterable[tuple[str, str]] = (),
) -> _UnionFind:
    """Group mentions into entities (union-find over mention keys)."""
    uf = _UnionFind()
    for m in mentions:
        interview = interview_of[m.row]
        m.key = _surface_key(m.det, interview)
        uf.find(m.key)
        canon = _canonical_key(m.det)
        if canon:
            uf.union(m.key, canon)
    # identical spans found by several recognisers are one entity (named types only)
    for row, dets in enumerate(all_dets):
        by_span: dict[tuple[int, int], list[Detection]] = defaultdict(list)
        for d in dets:
            if d.entity_type in NAMED_TYPES:
                by_span[(d.start, d.end)].append(d)
        named = [d for d in dets if d.entity_type in NAMED_TYPES and _canonical_key(d)]
        for outer in named:
            for inner in named:
                if (
                    _contains(outer, inner)
                    and _group(outer) == _group(inner)
                    and outer.recogniser not in _UNTRUSTED
                    # a lone first name inside a full name is linked by _link_person_parts
                    and not (inner.entity_type == PERSON and " " not in inner.text.strip())
                ):
                    uf.union(_canonical_key(outer), _canonical_key(inner))
        for group in by_span.values():
            keys = {_surface_key(d, interview_of[row]) for d in group}
            keys |= {k for k in (_canonical_key(d) for d in group) if k}
            # person and non-person readings of one span stay apart
            persons = {k for k in keys if k.startswith(("first:", "speakers:"))}
            if persons and len(persons) != len(keys):
                keys = persons
            ordered = sorted(keys)
            for k in ordered[1:]:
                uf.union(ordered[0], k)
    for text, target in extra_links:
        a, b = normalise_phrase(strip_title(text)), normalise_phrase(strip_title(target))
        keys_a = [k for k in uf.parent if k == f"name:{a}" or k.endswith(f":{a}")]
        keys_b = [k for k in uf.parent if k == f"name:{b}" or k.endswith(f":{b}")]
        for ka in keys_a:
            for kb in keys_b:
                uf.union(ka, kb)
    if link_names:
        _link_person_parts(mentions, interview_of, uf)
    return uf


def _link_person_parts(
    mentions: list[Mention], interview_of: Sequence[str], uf: _UnionFind
) -> None:
    """Link a lone first name or surname to the one full name it belongs to.

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
        for candidates in (
            full_by_part_iv.get((iv, part)),
            full_by_part.get(part),
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
    uf: _UnionFind,
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
        rank = (_TIERS.get(m.det.recogniser, 1), priority.get(m.det.recogniser, 99))
        if root not in best or rank < best[root]:
            best[root] = rank
            ent.entity_type = m.det.entity_type
    return entities


def assign_pseudonyms(
    entities: dict[str, Entity],
    params: AnonymiseParams,
    chosen: dict[str, str],
) -> None:
    """Give every entity its pseudonym, numbered per type in order of first appearance.

    ``chosen`` maps an entity key to a pseudonym fixed by the register or the review.
    """
    taken = set(chosen.values())
    counters: Counter = Counter()
    ordered = sorted(entities.values(), key=lambda e: (e.first, e.key))
    for i, ent in enumerate(ordered, start=1):
        ent.entity_id = f"E{i:05d}"
        if ent.key in chosen:
            ent.pseudonym = chosen[ent.key]
            continue
        template = params.pseudonyms[ent.entity_type]
        if ent.entity_type == DATE and params.dates == "coarsen" and ent.canonical:
            ent.pseudonym = ent.canonical
            continue
        if ent.entity_type not in NAMED_TYPES:
            ent.pseudonym = template
            continue
        while True:
            counters[ent.entity_type] += 1
            n = counters[ent.entity_type]
            candidate = template.format(n=n, letter=_letter(n))
            if candidate not in taken:
                break
        taken.add(candidate)
        ent.pseudonym = candidate


def _letter(n: int) -> str:
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = _LETTERS[r] + s
    return s


# --- the stage ---------------------------------------------------------------------------


@dataclass
class AnonymiseResult:
    """Everything the stage produces (safe tables first, then private ones)."""

    turns: pd.DataFrame
    interviews: pd.DataFrame
    mentions: pd.DataFrame
    review: pd.DataFrame
    key: dict[str, Any]
    stats: dict[str, Any]


def people_from(
    turns: pd.DataFrame, interviews: pd.DataFrame, name_columns: list[str]
) -> list[str]:
    """Names of people known from speaker labels that are names, and metadata name columns."""
    people = set()
    named = turns[turns["role_rule"].isin(["metadata", "heuristic"])]
    for label in named["speaker_label"].dropna().unique():
        if normalise_phrase(label):
            people.add(str(label).strip())
    for col in name_columns:
        if col in interviews.columns:
            for value in interviews[col].dropna().astype(str):
                if value.strip():
                    people.add(value.strip())
    return sorted(people)


def speaker_pseudonyms(turns: pd.DataFrame) -> pd.Series:
    """Role pseudonyms for speakers: "Interviewer", "Respondent", or "Respondent 2" when shared."""
    out = pd.Series(index=turns.index, dtype=object)
    for _, group in turns.groupby("interview_id", sort=False):
        order: dict[str, list[str]] = defaultdict(list)
        for label, role in zip(group["speaker_label"], group["speaker_role"]):
            if label not in order[role]:
                order[role].append(label)
        for idx, label, role in zip(group.index, group["speaker_label"], group["speaker_role"]):
            title = str(role).capitalize()
            labels = order[role]
            out[idx] = title if len(labels) == 1 else f"{title} {labels.index(label) + 1}"
    return out


def anonymise(
    turns: pd.DataFrame,
    interviews: pd.DataFrame,
    params: AnonymiseParams,
    *,
    register: list[RegisterEntity] | None = None,
    decisions: Decisions | None = None,
    allow: Iterable[str] = (),
    name_columns: list[str] | None = None,
    nlp: Any = None,
    progress: bool = True,
) -> AnonymiseResult:
    """Anonymise the turns table (pure: no file I/O).

    Args:
        turns: the ingest stage's turns table.
        interviews: the ingest stage's interviews table (metadata columns included).
        params: the ``anonymise`` block of params.
        register: the evaluator's register entries.
        decisions: reviewed decisions from an earlier run.
        allow: terms never to replace.
        name_columns: metadata columns holding people's names.
        nlp: a loaded spaCy pipeline for the ``ner`` recogniser (None: no NER).
        progress: show a progress bar.
    """
    from pipeline.recognisers import registry

    started = time.perf_counter()
    register = register or []
    decisions = decisions or Decisions()
    turns = turns.reset_index(drop=True)
    texts = turns["text"].fillna("").astype(str).tolist()
    interview_of = turns["interview_id"].astype(str).tolist()
    turn_of = turns["turn_index"].astype(int).tolist()

    names = [n for n in params.recognisers if n != "ner" or nlp is not None]
    if "ner" in params.recognisers and nlp is None:
        log.warning("no NER model given: the 'ner' recogniser is skipped")
    options = {k: dict(v) for k, v in params.options.items()}
    options.setdefault("review", {})["add"] = list(decisions.add)
    options.setdefault("ner", {}).setdefault("labels", dict(params.ner_labels))
    context = RecogniserContext(
        register=register,
        people=people_from(turns, interviews, name_columns or []),
        options=options,
        nlp=nlp,
    )
    if decisions.add and "review" not in names:
        names = ["review", *names]
    recognisers = registry.build(names, context)
    priority = {name: i for i, name in enumerate(names)}
    allow_keys = {normalise_phrase(a) for a in [*allow, *params.allow]} | set(decisions.reject)
    allow_keys.discard("")

    raw = detect(
        texts,
        recognisers,
        nlp,
        params.batch_size,
        params.n_process,
        progress,
        params.ner_all_sentences,
        allow_keys,
    )
    allow_index = PhraseIndex()
    for phrase in sorted(allow_keys):
        allow_index.add(phrase, PhraseEntry("", None, 1.0))
    # allow-listed phrases in each text ("East Midlands"): nothing strictly inside them is an
    # identifier ("Midlands"), and propagation does not reach into them
    protected = [
        [Detection(s, e, "", "allow", 1.0, text[s:e]) for s, e, _ in allow_index.finditer(text)]
        for text in texts
    ]
    raw = [
        [
            part
            for d in dets
            for part in _strip_allowed(texts[row], d, allow_index)
            if not any(_contains(p, part) for p in protected[row])
        ]
        for row, dets in enumerate(raw)
    ]
    common = _lowercase_words(texts)
    kept_by_row: list[list[Detection]] = []
    dropped: Counter = Counter()
    dropped_examples: dict[tuple[str, str], tuple[Detection, int]] = {}
    for row, dets in enumerate(raw):
        keep = []
        for d in dets:
            reason = None
            if _allowed(d, allow_keys):
                reason = "allowed"
            elif d.score < params.min_score:
                reason = "below_min_score"
            elif not _plausible(d) or _common_word_at_sentence_start(texts[row], d, common):
                reason = "implausible"
            if reason:
                dropped[reason] += 1
                dropped_examples.setdefault((normalise_phrase(d.text), reason), (d, row))
            else:
                keep.append(d)
        kept_by_row.append(keep)

    chosen_by_row = [
        resolve_overlaps(texts[row], dets, priority) for row, dets in enumerate(kept_by_row)
    ]
    mentions = [Mention(row, d) for row, dets in enumerate(chosen_by_row) for d in dets]
    if params.propagate:
        # lone first names everywhere, each occurrence its interview's own (linked below)
        mentions += _propagate_lone_names(
            texts,
            interview_of,
            chosen_by_row,
            mentions,
            allow_keys,
            protected,
            params.propagate_min_score,
        )
    uf = link_mentions(mentions, kept_by_row, interview_of, params.link_names, decisions.link)

    if params.propagate:
        added = _propagate(
            texts,
            interview_of,
            chosen_by_row,
            mentions,
            uf,
            allow_keys,
            protected,
            params.propagate_min_score,
        )
        mentions.extend(added)  # their keys are entity roots already

    entities = build_entities(mentions, uf, interview_of, turn_of, priority)
    chosen = _chosen_pseudonyms(register, decisions, uf, entities)
    assign_pseudonyms(entities, params, chosen)

    # replace, right to left, per turn
    per_row: dict[int, list[Mention]] = defaultdict(list)
    for m in mentions:
        per_row[m.row].append(m)
    new_texts = list(texts)
    n_repl = [0] * len(texts)
    mention_rows = []
    for row, ms in per_row.items():
        text = texts[row]
        for m in sorted(ms, key=lambda m: m.det.start, reverse=True):
            ent = entities[uf.find(m.key)]
            text = text[: m.det.start] + ent.pseudonym + text[m.det.end :]
            mention_rows.append(
                {
                    "interview_id": interview_of[row],
                    "turn_index": turn_of[row],
                    "start": m.det.start,
                    "end": m.det.end,
                    "text": m.det.text,
                    "entity_type": ent.entity_type,
                    "entity_id": ent.entity_id,
                    "pseudonym": ent.pseudonym,
                    "recogniser": m.det.recogniser,
                    "score": round(m.det.score, 4),
                }
            )
        new_texts[row] = text
        n_repl[row] = len(ms)

    safe = pd.DataFrame(
        {
            "interview_id": turns["interview_id"].astype(str),
            "turn_index": turns["turn_index"].astype("int32"),
            "speaker": speaker_pseudonyms(turns).astype(str),
            "speaker_role": turns["speaker_role"].astype(str),
            "text": new_texts,
            "n_words": [len(t.split()) for t in new_texts],
            "n_replacements": pd.Series(n_repl, dtype="int32"),
            "start_s": turns.get("start_s", pd.Series([None] * len(turns))).astype("float64"),
            "end_s": turns.get("end_s", pd.Series([None] * len(turns))).astype("float64"),
        }
    )
    safe["n_words"] = safe["n_words"].astype("int32")
    mentions_df = pd.DataFrame(mention_rows, columns=list(MENTION_COLUMNS))
    mentions_df = mentions_df.sort_values(["interview_id", "turn_index", "start"]).reset_index(
        drop=True
    )
    review = _review_table(entities, mentions, uf, texts, interview_of, params, dropped_examples)
    key = _key_payload(entities)
    named = turns["role_rule"].isin(["metadata", "heuristic"]) if "role_rule" in turns else None
    speakers = set()
    if named is not None:
        for iv, label, pseudo in zip(
            turns.loc[named, "interview_id"],
            turns.loc[named, "speaker_label"],
            safe.loc[named, "speaker"],
        ):
            speakers.add((str(iv), str(label), str(pseudo)))
    key["speakers"] = [
        {"interview_id": iv, "label": label, "pseudonym": pseudo}
        for iv, label, pseudo in sorted(speakers)
    ]
    interviews_safe = safe_interviews(interviews, params.metadata_columns)
    n_words = int(sum(len(t.split()) for t in texts))
    elapsed = time.perf_counter() - started
    stats = {
        "turns": len(texts),
        "words": n_words,
        "entities": len(entities),
        "replacements": len(mentions),
        "entities_by_type": dict(sorted(Counter(e.entity_type for e in entities.values()).items())),
        "replacements_by_type": dict(sorted(mentions_df["entity_type"].value_counts().items())),
        "replacements_by_recogniser": dict(
            sorted(mentions_df["recogniser"].value_counts().items())
        ),
        "dropped_detections": dict(sorted(dropped.items())),
        "recognisers": names,
        "seconds": round(elapsed, 3),
    }
    return AnonymiseResult(safe, interviews_safe, mentions_df, review, key, stats)


def _is_lone_name(m: Mention, interview: str) -> bool:
    return m.det.recogniser != "titled_names" and _surface_key(m.det, interview).startswith(
        "first:"
    )


def _propagate_lone_names(
    texts: Sequence[str],
    interview_of: Sequence[str],
    chosen_by_row: list[list[Detection]],
    mentions: list[Mention],
    allow_keys: set[str],
    protected: list[list[Detection]],
    min_score: float = 0.0,
) -> list[Mention]:
    """Every occurrence of a lone detected first name or surname, in every interview.

    Keys are left to :func:`link_mentions`, which scopes a lone name to its interview and
    links it to that interview's full name when there is one, so two people called "Jo" in
    two interviews keep two pseudonyms, yet no "Jo" is left anywhere.
    """
    index = PhraseIndex()
    for m in sorted(mentions, key=lambda m: (m.det.text, m.det.start)):
        if _is_lone_name(m, interview_of[m.row]) and m.det.score >= min_score:
            if normalise_phrase(m.det.text) not in allow_keys:
                index.add(m.det.text, PhraseEntry(PERSON, None, m.det.score))
    added = []
    for row, text in enumerate(texts):
        taken = chosen_by_row[row]
        for s, e, entry in index.finditer(text):
            if any(c.start < e and s < c.end for c in taken):
                continue
            if any(p.start <= s and e <= p.end for p in protected[row]):
                continue
            det = Detection(s, e, PERSON, "propagation", entry.score * 0.9, text[s:e])
            taken = [*taken, det]
            added.append(Mention(row, det))
        chosen_by_row[row] = sorted(taken)
    return added


def _propagate(
    texts: Sequence[str],
    interview_of: Sequence[str],
    chosen_by_row: list[list[Detection]],
    mentions: list[Mention],
    uf: _UnionFind,
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
        # "Councillor Stobbart" also protects "Stobbart" (a title makes it a surname)
        if d.recogniser == "titled_names" and d.canonical:
            bare = strip_title(d.canonical)
            if normalise_phrase(bare) not in allow_keys:
                corpus.add(bare, entry)
    added = []
    for row, text in enumerate(texts):
        taken = chosen_by_row[row]
        for s, e, entry in corpus.finditer(text):
            if any(c.start < e and s < c.end for c in taken):
                continue
            if any(p.start <= s and e <= p.end for p in protected[row]):
                continue
            det = Detection(s, e, entry.entity_type, "propagation", entry.score * 0.9, text[s:e])
            taken = [*taken, det]
            added.append(Mention(row, det, key=entry.canonical or ""))
        chosen_by_row[row] = sorted(taken)
    return added


def _chosen_pseudonyms(
    register: list[RegisterEntity],
    decisions: Decisions,
    uf: _UnionFind,
    entities: dict[str, Entity],
) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for ent in register:
        if ent.pseudonym and ent.key in uf.parent:
            chosen[uf.find(ent.key)] = ent.pseudonym
    for text, pseudonym in decisions.pseudonym:
        norm = normalise_phrase(strip_title(text))
        for key in list(uf.parent):
            if key == f"name:{norm}" or key.endswith(f":{norm}"):
                chosen[uf.find(key)] = pseudonym
    return {k: v for k, v in chosen.items() if k in entities}


def _context(text: str, start: int, end: int, width: int) -> str:
    left = text[max(0, start - width) : start]
    right = text[end : end + width]
    return re.sub(r"\s+", " ", f"…{left}«{text[start:end]}»{right}…")


def _review_table(
    entities: dict[str, Entity],
    mentions: list[Mention],
    uf: _UnionFind,
    texts: Sequence[str],
    interview_of: Sequence[str],
    params: AnonymiseParams,
    dropped: dict[tuple[str, str], tuple[Detection, int]],
) -> pd.DataFrame:
    """One row per distinct (entity, surface text), plus detections that were not replaced."""
    groups: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    for m in mentions:
        groups[(uf.find(m.key), m.det.text)].append(m)
    rows = []
    for (root, surface), ms in groups.items():
        ent = entities[root]
        first = min(ms, key=lambda m: (interview_of[m.row], m.row, m.det.start))
        ivs = sorted({interview_of[m.row] for m in ms})
        rows.append(
            {
                "entity_id": ent.entity_id,
                "pseudonym": ent.pseudonym,
                "entity_type": ent.entity_type,
                "text": surface,
                "status": "replaced",
                "recognisers": "|".join(sorted({m.det.recogniser for m in ms})),
                "max_score": round(max(m.det.score for m in ms), 4),
                "n_mentions": len(ms),
                "n_interviews": len(ivs),
                "interviews": " ".join(ivs[:10]),
                "context": _context(
                    texts[first.row], first.det.start, first.det.end, params.context_chars
                ),
                "decision": "",
                "link_to": "",
                "note": "",
            }
        )
    for (_, reason), (d, row) in dropped.items():
        rows.append(
            {
                "entity_id": "",
                "pseudonym": "",
                "entity_type": d.entity_type,
                "text": d.text,
                "status": reason,
                "recognisers": d.recogniser,
                "max_score": round(d.score, 4),
                "n_mentions": 0,
                "n_interviews": 0,
                "interviews": interview_of[row],
                "context": _context(texts[row], d.start, d.end, params.context_chars),
                "decision": "",
                "link_to": "",
                "note": "",
            }
        )
    df = pd.DataFrame(rows, columns=list(REVIEW_COLUMNS))
    status_order = {"replaced": 0}
    df["_s"] = df["status"].map(lambda s: status_order.get(s, 1))
    df = df.sort_values(["_s", "entity_type", "entity_id", "text", "status", "recognisers"])
    return df.drop(columns="_s").reset_index(drop=True)


def _key_payload(entities: dict[str, Entity]) -> dict[str, Any]:
    items = []
    for ent in sorted(entities.values(), key=lambda e: e.entity_id):
        items.append(
            {
                "entity_id": ent.entity_id,
                "entity_type": ent.entity_type,
                "pseudonym": ent.pseudonym,
                "variants": sorted(ent.surfaces),
                "canonical": ent.canonical,
                "recognisers": sorted(ent.recognisers),
                "n_mentions": int(sum(ent.surfaces.values())),
                "interviews": sorted(ent.interviews),
            }
        )
    return {"format": "qualeval-key-v1", "entities": items}


def safe_interviews(interviews: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The interviews table with only shareable columns (dates coarsened to month)."""
    out = pd.DataFrame({"interview_id": interviews["interview_id"].astype(str)})
    for col in columns:
        if col in interviews.columns:
            out[col] = interviews[col].astype("string")
    if "interview_date" in interviews.columns:
        dates = pd.to_datetime(interviews["interview_date"], errors="coerce")
        out["interview_month"] = dates.dt.strftime("%Y-%m").astype("string")
    for col in ("format", "n_turns", "n_respondent_turns", "n_words", "n_speakers"):
        if col in interviews.columns:
            out[col] = interviews[col]
    return out.reset_index(drop=True)


# --- gold metrics --------------------------------------------------------------------------


def _count(term: str, text: str) -> int:
    return len(re.findall(r"(?<!\w)" + re.escape(term) + r"(?!\w)", text))


def score_against_gold(
    original: pd.DataFrame, anonymised: pd.DataFrame, gold: list[dict[str, Any]]
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Leak rate and over-redaction against gold ``must_remove`` / ``must_keep`` strings.

    Leak rate: share of ``must_remove`` occurrences (case-sensitive, whole words) in the
    original text that survive in the anonymised text and speaker columns. Over-redaction:
    share of ``must_keep`` occurrences (outside any ``must_remove`` one) that are gone.

    Returns:
        The metrics, and the private table of surviving identifiers (one row per string).
    """
    orig = original.groupby("interview_id")["text"].apply(lambda s: "\n".join(s.astype(str)))
    anon = anonymised.groupby("interview_id").apply(
        lambda g: "\n".join(g["text"].astype(str)) + "\n" + "\n".join(g["speaker"].astype(str)),
        include_groups=False,
    )
    remove_total = remove_left = keep_total = keep_lost = 0
    leaks = []
    for rec in gold:
        iv = rec["interview_id"]
        if iv not in orig.index:
            continue
        o, a = orig[iv], anon.get(iv, "")
        masked = o
        for term in sorted(set(rec.get("must_remove", [])), key=len, reverse=True):
            n_o = _count(term, o)
            n_a = min(_count(term, a), n_o) if n_o else 0
            remove_total += n_o
            remove_left += n_a
            if n_a:
                leaks.append({"interview_id": iv, "text": term, "surviving": n_a, "original": n_o})
            masked = re.sub(r"(?<!\w)" + re.escape(term) + r"(?!\w)", " ", masked)
        for term in sorted(set(rec.get("must_keep", []))):
            n_o = _count(term, masked)
            n_a = _count(term, a)
            keep_total += n_o
            keep_lost += max(0, n_o - n_a)
    metrics = {
        "must_remove_occurrences": remove_total,
        "must_remove_surviving": remove_left,
        "leak_rate": round(remove_left / remove_total, 4) if remove_total else 0.0,
        "must_keep_occurrences": keep_total,
        "must_keep_removed": keep_lost,
        "over_redaction": round(keep_lost / keep_total, 4) if keep_total else 0.0,
    }
    return metrics, pd.DataFrame(leaks, columns=["interview_id", "text", "surviving", "original"])


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


# --- file I/O ----------------------------------------------------------------------------


def _csv_text(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    df.to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    return buf.getvalue()


def run_stage(
    params_path: Path | None,
    turns_path: Path,
    interviews_path: Path,
    *,
    register_path: Path | None,
    decisions_path: Path | None,
    allow_path: Path | None,
    gold_path: Path | None,
    out_turns: Path,
    out_interviews: Path,
    key_path: Path,
    review_path: Path,
    mentions_path: Path,
    metrics_path: Path,
    gold_report: Path | None = None,
    progress: bool = True,
) -> AnonymiseResult:
    """Read inputs, anonymise, and write every output (all or nothing)."""
    from pipeline.keyfile import SECRET_ENV, dumps_key

    params = load_params(params_path)
    p = params.anonymise
    from pipeline.recognisers import registry

    registry.check_names(p.recognisers)
    register = load_register(register_path)
    decisions = read_decisions(decisions_path)
    allow = read_allow_list(allow_path)
    gold = read_gold(gold_path) if gold_path else None
    for path in (turns_path, interviews_path):
        if not Path(path).is_file():
            raise QualevalError(f"{path}: not found; run the ingest stage first")
    turns = pd.read_parquet(turns_path)
    interviews = pd.read_parquet(interviews_path)
    nlp = None
    if "ner" in p.recognisers:
        from pipeline.recognisers.ner import load_pipeline

        nlp = load_pipeline(p.ner_model)
    started = time.perf_counter()
    result = anonymise(
        turns,
        interviews,
        p,
        register=register,
        decisions=decisions,
        allow=allow,
        name_columns=params.ingest.name_columns,
        nlp=nlp,
        progress=progress,
    )
    metrics: dict[str, Any] = dict(result.stats)
    metrics["words_per_second"] = round(result.stats["words"] / max(result.stats["seconds"], 1e-9))
    leaks = None
    if gold is not None:
        gold_metrics, leaks = score_against_gold(turns, result.turns, gold)
        metrics["gold"] = gold_metrics
    import os

    secret = os.environ.get(SECRET_ENV) or None
    metrics["key_encrypted"] = bool(secret)
    targets = [out_turns, out_interviews, key_path, review_path, mentions_path, metrics_path]
    if leaks is not None and gold_report is not None:
        targets.append(gold_report)
    with atomic_outputs(*targets) as tmp:
        result.turns.to_parquet(tmp[0], index=False)
        result.interviews.to_parquet(tmp[1], index=False)
        tmp[2].write_text(dumps_key(result.key, secret), encoding="utf-8")
        tmp[3].write_text(_csv_text(result.review), encoding="utf-8")
        result.mentions.to_parquet(tmp[4], index=False)
        write_json(tmp[5], metrics)
        if len(tmp) > 6:
            tmp[6].write_text(_csv_text(leaks), encoding="utf-8")
    log.info(
        "anonymised %d turns (%d words): %d entities, %d replacements in %.1f s (%d words/s)",
        metrics["turns"],
        metrics["words"],
        metrics["entities"],
        metrics["replacements"],
        time.perf_counter() - started,
        metrics["words_per_second"],
    )
    if gold is not None:
        log.info(
            "sample gold: leak rate %.4f, over-redaction %.4f",
            metrics["gold"]["leak_rate"],
            metrics["gold"]["over_redaction"],
        )
    return result


def main(
    turns: Path = typer.Option(..., help="private turns table from ingest"),
    interviews: Path = typer.Option(..., help="private interviews table from ingest"),
    register: Path = typer.Option(None, help="anonymisation register (YAML)"),
    decisions: Path = typer.Option(None, help="review decisions (CSV)"),
    allow_list: Path = typer.Option(None, help="terms never to replace (text, one per line)"),
    gold: Path = typer.Option(None, help="gold PII (JSONL) for leak metrics"),
    out_turns: Path = typer.Option(..., help="safe anonymised turns (parquet)"),
    out_interviews: Path = typer.Option(..., help="safe interviews table (parquet)"),
    key: Path = typer.Option(..., help="private pseudonym key (JSON)"),
    review: Path = typer.Option(..., help="private review file (CSV)"),
    mentions: Path = typer.Option(..., help="private mentions table (parquet)"),
    metrics: Path = typer.Option(..., help="metrics JSON"),
    gold_report: Path = typer.Option(None, help="private list of gold identifiers that survived"),
    params: Path = typer.Option(None, help="params.yaml"),
) -> None:
    """Anonymise the turns: pseudonyms, private key, review file, metrics."""
    run_stage(
        params,
        turns,
        interviews,
        register_path=optional_path(register),
        decisions_path=optional_path(decisions),
        allow_path=optional_path(allow_list),
        gold_path=optional_path(gold),
        out_turns=out_turns,
        out_interviews=out_interviews,
        key_path=key,
        review_path=review,
        mentions_path=mentions,
        metrics_path=metrics,
        gold_report=gold_report,
    )


if __name__ == "__main__":
    from pipeline.entry import run_typer

    run_typer(main)
