"""Detection: run the recognisers, filter what they find, and resolve overlapping spans.

Recognisers (:mod:`pipeline.recognisers.registry`) find candidate identifiers; the
allow-list and review decisions filter them; overlaps are resolved by trust tier (the
recognisers' ``tier`` and ``trusted`` class attributes), then length, then the order in
``anonymise.recognisers``.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
from tqdm import tqdm

from pipeline.evaluator_files.decisions import Decisions
from pipeline.evaluator_files.register import RegisterEntity, strip_title
from pipeline.heap import paused_gc
from pipeline.params import AnonymiseParams
from pipeline.recognisers import registry
from pipeline.recognisers.base import (
    NAMED_TYPES,
    PERSON,
    Detection,
    PhraseEntry,
    PhraseIndex,
    Recogniser,
    RecogniserContext,
    normalise_phrase,
)
from pipeline.recognisers.gazetteers import GENERIC_WORDS, LOWER_CASE_HEADS
from pipeline.recognisers.names import FirstNameRecogniser, common_word_person_ok
from pipeline.recognisers.registry import trust
from pipeline.text import sentence_spans

log = logging.getLogger(__name__)

_LINE = re.compile(r"[^\n]+")
_CAPITAL_WORD = re.compile(r"\b[A-Z][\w'’-]*")


# --- the recognisers of a run ------------------------------------------------------------


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


def build_recognisers(
    params: AnonymiseParams,
    decisions: Decisions,
    register: list[RegisterEntity],
    people: list[str],
    nlp: Any,
) -> tuple[list[str], list[Recogniser]]:
    """The names of the recognisers this run uses (priority order) and the recognisers.

    ``ner`` is skipped without a model; ``review`` is put first when decisions add
    identifiers.
    """
    names = recogniser_names(params, decisions, nlp is not None)
    if "ner" in params.recognisers and nlp is None:
        log.warning("no NER model given: the 'ner' recogniser is skipped")
    options = {k: dict(v) for k, v in params.options.items()}
    options.setdefault("review", {})["add"] = list(decisions.add)
    options.setdefault("ner", {}).setdefault("labels", dict(params.ner_labels))
    context = RecogniserContext(register=register, people=people, options=options, nlp=nlp)
    with paused_gc():  # the gazetteer indexes: ~100,000 long-lived objects on a first build
        return names, registry.build(names, context)


def recogniser_names(params: AnonymiseParams, decisions: Decisions, with_ner: bool) -> list[str]:
    """The recognisers a run uses, in priority order (``review`` first when decisions add)."""
    names = [n for n in params.recognisers if n != "ner" or with_ner]
    if decisions.add and "review" not in names:
        names = ["review", *names]
    return names


def allow_keys_of(allow: Iterable[str], params: AnonymiseParams, decisions: Decisions) -> set[str]:
    """Normalised phrases never to replace: the allow-list, ``anonymise.allow``, rejections.

    A review decision ``add`` wins: an added identifier is never allowed, even when a list
    (the built-in defaults included) names it.
    """
    allow_keys = {normalise_phrase(a) for a in [*allow, *params.allow]} | set(decisions.reject)
    allow_keys -= {normalise_phrase(text) for text, _ in decisions.add}
    allow_keys.discard("")
    return allow_keys


# --- running the recognisers ---------------------------------------------------------------


def candidate_sentences(
    text: str,
    known: Sequence[Detection] = (),
    allow: set[str] | frozenset[str] = frozenset(),
    words: CorpusWords | None = None,
) -> list[tuple[int, str]]:
    """Sentences that could hold a name nobody has found yet.

    A sentence qualifies when it has a capitalised word that is not a function word, not
    an allow-listed term ("Ofsted") and not inside a detection already made by another
    recogniser ("So we did it. Then I rang Priya." gives only the second sentence, unless
    "Priya" is already known). Names that are function words are vanishingly rare. With
    the corpus's ``words``, a sentence-initial word the filter would never keep as a one-word
    NER name ("Subsequently, ...": :func:`no_name_at`) is no reason either.
    Sentences are those of :func:`pipeline.text.sentence_spans` (the segments' sentences),
    within each line: a line break in a transcript always ends a sentence.
    """
    return [
        (start, text[start:end])
        for start, end in _line_sentences(text)
        if next(_unexplained_capitals(text, start, end, known, allow, words), None)
    ]


def candidate_windows(
    text: str,
    known: Sequence[Detection] = (),
    allow: set[str] | frozenset[str] = frozenset(),
    words: CorpusWords | None = None,
    margin: int = 8,
) -> list[tuple[int, str]]:
    """The parts of candidate sentences NER needs to read: ``margin`` words around each reason.

    Each unexplained capitalised word (as :func:`candidate_sentences` reads them) brings the
    ``margin`` whitespace-separated words either side of it, within its sentence; windows
    that touch are merged. The model's features reach four tokens either way (a depth-4,
    window-1 encoder), so it tags the words near a reason as it would in the whole sentence,
    and the model's labels (people, organisations, places) are capitalised names.
    """
    out = []
    for start, end in _line_sentences(text):
        reasons = [w.start() for w in _unexplained_capitals(text, start, end, known, allow, words)]
        if not reasons:
            continue
        tokens = [m.span() for m in _NON_SPACE.finditer(text, start, end)]
        at = [i for i, (s, e) in enumerate(tokens) for r in reasons if s <= r < e]
        for first, last in _merged_windows(at, margin, len(tokens)):
            out.append((tokens[first][0], text[tokens[first][0] : tokens[last][1]]))
    return out


_NON_SPACE = re.compile(r"\S+")


def _merged_windows(at: Sequence[int], margin: int, n: int) -> list[tuple[int, int]]:
    """Token ranges ``[first, last]`` of ``margin`` tokens around each index, merged."""
    windows: list[tuple[int, int]] = []
    for i in sorted(set(at)):
        first, last = max(0, i - margin), min(n - 1, i + margin)
        if windows and first <= windows[-1][1] + 1:
            windows[-1] = (windows[-1][0], max(windows[-1][1], last))
        else:
            windows.append((first, last))
    return windows


def _unexplained_capitals(
    text: str,
    start: int,
    end: int,
    known: Sequence[Detection],
    allow: set[str] | frozenset[str],
    words: CorpusWords | None,
) -> Iterator[re.Match[str]]:
    """The capitalised words of ``text[start:end]`` that could be a name nobody found."""
    from pipeline.recognisers.gazetteers import STOP_WORDS

    for w in _CAPITAL_WORD.finditer(text, start, end):
        word = w.group()
        if word.lower() in STOP_WORDS or word in ("I'm", "I've", "I'd", "I'll", "OK"):
            continue
        if allow and normalise_phrase(word) in allow:
            continue
        if any(d.start <= w.start() and w.end() <= d.end for d in known):
            continue
        if words is not None and no_name_at(text, w.start(), w.end(), words):
            continue
        yield w


def _line_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` (offsets), never crossing a line break."""
    return [
        (line.start() + s, line.start() + e)
        for line in _LINE.finditer(text)
        for s, e in sentence_spans(line.group())
    ]


def detect(
    texts: Sequence[str],
    recognisers: Sequence[Recogniser],
    nlp: Any = None,
    batch_size: int = 64,
    n_process: int = 1,
    progress: bool = True,
    ner_all_sentences: bool = False,
    allow: set[str] | frozenset[str] = frozenset(),
    words: CorpusWords | None = None,
    protected: list[list[Detection]] | None = None,
    ner_window: int = 0,
) -> list[list[Detection]]:
    """Run every recogniser over every text.

    Recognisers that need a spaCy ``Doc`` see candidate sentences only (see
    :func:`candidate_sentences`; all sentences with ``ner_all_sentences``; with
    ``ner_window``, only that many words around each reason to read them,
    :func:`candidate_windows`), in batches, and their offsets are mapped back to the text.
    ``protected`` (the allowed phrases of each text, :func:`protected_spans`) is found here
    when not given.
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
    if ner_all_sentences:
        pieces = [(row, s, t[s:e]) for row, t in enumerate(texts) for s, e in _line_sentences(t)]
    else:
        pieces = _ner_pieces(texts, out, allow, words, protected, ner_window)
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


def _ner_pieces(
    texts: Sequence[str],
    found: list[list[Detection]],
    allow: set[str] | frozenset[str],
    words: CorpusWords | None,
    protected: list[list[Detection]] | None,
    ner_window: int,
) -> list[tuple[int, int, str]]:
    """``(row, offset, text)`` of each piece NER reads: candidate sentences or windows."""
    # words inside an allow-listed phrase ("European Court of Human Rights") are no reason
    # to look for names
    if protected is None and allow:
        protected = protected_spans(texts, allow_index_of(set(allow)))
    pieces = []
    for row, text in enumerate(texts):
        known = found[row] + protected[row] if protected else found[row]
        if ner_window:
            cands = candidate_windows(text, known, allow, words, ner_window)
        else:
            cands = candidate_sentences(text, known, allow, words)
        pieces.extend((row, start, piece) for start, piece in cands)
    return pieces


# --- the allow-list ------------------------------------------------------------------------


def allow_index_of(allow_keys: set[str]) -> PhraseIndex:
    """A phrase index of the allowed phrases (to find them in the text)."""
    allow_index = PhraseIndex()
    for phrase in sorted(allow_keys):
        allow_index.add(phrase, PhraseEntry("", None, 1.0))
    return allow_index


def protected_spans(texts: Sequence[str], allow_index: PhraseIndex) -> list[list[Detection]]:
    """The allow-listed phrases in each text ("East Midlands").

    Nothing strictly inside them is an identifier ("Midlands"), and propagation does not
    reach into them.
    """
    return [
        [Detection(s, e, "", "allow", 1.0, text[s:e]) for s, e, _ in allow_index.finditer(text)]
        for text in texts
    ]


def trim_allowed(
    texts: Sequence[str],
    raw: list[list[Detection]],
    allow_index: PhraseIndex,
    protected: list[list[Detection]],
) -> list[list[Detection]]:
    """Cut allowed phrases out of untrusted spans and drop detections inside allowed phrases."""
    return [
        [
            part
            for d in dets
            for part in _strip_allowed(texts[row], d, allow_index)
            if not any(contains(p, part) for p in protected[row])
        ]
        for row, dets in enumerate(raw)
    ]


def _allowed(det: Detection, allow: set[str]) -> bool:
    if not allow:
        return False
    key = normalise_phrase(det.text)
    if key.endswith("'s") and key[:-2] in allow:  # "the District Court's" of "District Court"
        return True
    return key in allow or normalise_phrase(strip_title(det.text)) in allow


def _strip_allowed(text: str, det: Detection, allow_index: PhraseIndex) -> list[Detection]:
    """Cut allow-listed phrases out of an NER span ("London DCS" -> nothing left).

    Only statistical detections are trimmed; a gazetteer or register name that contains an
    allowed word ("London Borough of Newham") is kept whole.
    """
    if trust(det.recogniser).trusted or det.entity_type not in NAMED_TYPES:
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


# --- filtering -------------------------------------------------------------------------------

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


def lowercase_words(texts: Sequence[str]) -> set[str]:
    """Every word the corpus also writes in lower case ("broadly", "mark", "uncertain")."""
    words: set[str] = set()
    for text in texts:
        words.update(_LOWER_WORD.findall(text))
    return words


_GIVEN = FirstNameRecogniser()
_LOWER_WORD = re.compile(r"(?<![\w'’-])[a-z]+(?![\w'’-])")


def capitalised_inside(texts: Sequence[str]) -> set[str]:
    """Every capitalised word the corpus writes inside a sentence (not first), lower case."""
    out: set[str] = set()
    for text in texts:
        for m in _INSIDE_CAPITAL.finditer(text):
            out.add(m.group(1).lower())
    return out


_INSIDE_CAPITAL = re.compile(r"[a-z,;][ \t]+([A-Z][a-z]+)")


@dataclass(frozen=True)
class CorpusWords:
    """What the whole corpus says about its words, read once a run.

    ``common``: words it writes in lower case, with the codebook's vocabulary;
    ``inside``: capitalised words it writes inside a sentence (lower case);
    ``lower``: the words it writes in lower case (the corpus's own evidence only).
    """

    common: frozenset[str]
    inside: frozenset[str]
    lower: frozenset[str] = frozenset()

    @classmethod
    def of(cls, texts: Sequence[str], vocabulary: Iterable[str] = ()) -> CorpusWords:
        """The corpus words of ``texts`` (``vocabulary`` counts as common)."""
        lower = frozenset(lowercase_words(texts))
        return cls(lower | set(vocabulary), frozenset(capitalised_inside(texts)), lower)


def _at_sentence_start(text: str, start: int) -> bool:
    """Whether ``start`` begins a sentence (after quotes and brackets)."""
    before = text[:start].rstrip(" \t\"'“‘(")
    return not before or before[-1] in ".!?\n:…"


def _initial_only(text: str, start: int, end: int, inside: frozenset[str] | set[str]) -> bool:
    """A sentence-initial title-case word followed by lower case, never capitalised inside."""
    word = text[start:end]
    if not word.istitle() or not _at_sentence_start(text, start):
        return False
    if not text[end : end + 2].lstrip()[:1].islower():
        return False
    return word.lower() not in inside and not _GIVEN.is_name(word)


def no_name_at(text: str, start: int, end: int, words: CorpusWords) -> bool:
    """Whether the filter would drop an untrusted one-word name at ``text[start:end]``.

    The same tests as :func:`filter_detections` applies (a common word at a sentence start,
    a word only ever capitalised at one): NER need not read a sentence for such a word.
    """
    if _at_sentence_start(text, start) and text[start:end].lower() in words.common:
        return True
    return _initial_only(text, start, end, words.inside)


def _only_ever_sentence_initial(text: str, det: Detection, inside: frozenset[str]) -> bool:
    """An NER one-word name that the corpus only ever capitalises at a sentence start.

    "Demand rose sharply": a word written with a capital only where every word is, never
    mid-sentence anywhere in the corpus, is no evidence of a name; given names from the
    list and gazetteer names (other recognisers) are not affected.
    """
    if trust(det.recogniser).trusted or " " in det.text.strip():
        return False
    return _initial_only(text, det.start, det.end, inside)


def _common_word_at_sentence_start(text: str, det: Detection, common: frozenset[str]) -> bool:
    """An untrusted one-word name at a sentence start that the corpus uses as a common word.

    "Broadly positive." is not a person: the speakers say "broadly" elsewhere. Names are
    rarely written in lower case, so this costs almost no recall.
    """
    if trust(det.recogniser).trusted or " " in det.text.strip():
        return False
    return _at_sentence_start(text, det.start) and det.text.lower() in common


def _plausible(det: Detection) -> bool:
    """Whether a detection can be an identifier at all.

    Named entities need a capital letter or a digit (NER sometimes tags "council"), and a
    one-word name from an untrusted source must not be a generic word ("Council", "West").
    """
    if det.entity_type not in NAMED_TYPES:
        return True
    lower_ok = trust(det.recogniser).tier == 0 or det.recogniser in _LOWER_CASE_SOURCES
    if not lower_ok and not any(ch.isupper() or ch.isdigit() for ch in det.text):
        return False
    words = det.text.split()
    if not trust(det.recogniser).trusted and len(words) == 1:
        if _ACRONYM.fullmatch(words[0]):
            return False  # "MASH", "ICO", "DBS": statistical NER's organisations
        return normalise_phrase(words[0]) not in _GENERIC_WORDS
    return True


# sources whose named detections may be written in lower case: the evaluator's own lists
# (tier 0) and the given-name list in a strong person context ("spoke to priyanka")
_LOWER_CASE_SOURCES = frozenset({"first_names"})
# a short all-capitals word: an acronym as often as a name; only evidence (register, review,
# a gazetteer) makes it an identifier, never statistical NER alone
_ACRONYM = re.compile(r"[A-Z][A-Za-z]?[A-Z]{1,3}s?")


def _generic_facility(det: Detection, allow: set[str]) -> bool:
    """A facility name whose specific words are all allowed terms ("GP surgery", "NHS Trust")."""
    if det.recogniser != "facilities" or not allow:
        return False
    words = normalise_phrase(det.text).split()
    specific = [w for w in words if w not in GENERIC_WORDS and w not in LOWER_CASE_HEADS]
    specific = [w for w in specific if w not in _FACILITY_HEAD_WORDS]
    return bool(specific) and all(w in allow for w in specific)


_FACILITY_HEAD_WORDS = frozenset(
    "surgery practice clinic centre center hub road street lane avenue close way drive".split()
)


def phrase_ngrams(texts: Iterable[str], max_words: int = 6) -> frozenset[str]:
    """The proper-noun phrases of ``texts`` (the codebook's own terms), normalised.

    Runs of capitalised words ("Children's Improvement Adviser", "DfE") and every shorter
    run inside them; a lone capitalised word that starts a sentence does not count, nor do
    lower-case words ("grant funding" does not make the person "Grant" a term).
    """
    out: set[str] = set()
    for text in texts:
        for run, initial in _capital_runs(text):
            if len(run) == 1 and initial:
                continue
            words = normalise_phrase(" ".join(run)).split()
            for i in range(len(words)):
                for n in range(1, min(max_words, len(words) - i) + 1):
                    out.add(" ".join(words[i : i + n]))
    return frozenset(out)


_RUN_TOKEN = re.compile(r"[\w'’&-]+|[.!?:;]")


def _capital_runs(text: str) -> list[tuple[list[str], bool]]:
    """Maximal runs of capitalised (or digit) words, and whether each starts a sentence."""
    runs: list[tuple[list[str], bool]] = []
    run: list[str] = []
    initial = at_start = True
    for tok in _RUN_TOKEN.findall(text):
        if tok[:1].isupper() or (tok[:1].isdigit() and run):
            if not run:
                initial = at_start
            run.append(tok)
        else:
            if run:
                runs.append((run, initial))
            run = []
        at_start = tok in ".!?:;"
    if run:
        runs.append((run, initial))
    return runs


def _in_codebook(det: Detection, phrases: frozenset[str]) -> bool:
    """Whether an untrusted or gazetteer detection is one of the codebook's own terms."""
    if not phrases or det.entity_type not in NAMED_TYPES or trust(det.recogniser).tier == 0:
        return False
    return normalise_phrase(det.text) in phrases


def _person_context_ok(text: str, det: Detection) -> bool:
    """A one-word person name that is also a common word needs a person context."""
    if det.entity_type != PERSON or det.recogniser == "review" or " " in det.text.strip():
        return True
    return common_word_person_ok(text, det.start, det.end)


@dataclass
class Filtered:
    """The detections kept per turn, and what was dropped (counts, one example per text).

    Attributes:
        kept_by_row: per turn, the detections that passed every filter.
        dropped: how many detections each reason dropped.
        dropped_examples: per (normalised text, reason), the first dropped detection and
            its turn (for the review table).
    """

    kept_by_row: list[list[Detection]] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)
    dropped_examples: dict[tuple[str, str], tuple[Detection, int]] = field(default_factory=dict)


def filter_detections(
    texts: Sequence[str],
    raw: list[list[Detection]],
    allow_keys: set[str],
    min_score: float,
    vocabulary: frozenset[str] = frozenset(),
    codebook_phrases: frozenset[str] = frozenset(),
    words: CorpusWords | None = None,
) -> Filtered:
    """Drop allowed, low-scoring and implausible detections, recording why.

    ``vocabulary`` (the codebook's words, lower case) counts as common words too: a word the
    evaluator uses to describe the analysis ("Childcare was the biggest barrier") is not a
    name at the start of a sentence. ``codebook_phrases`` (normalised word n-grams of the
    codebook's labels, definitions and criteria, not its examples) are the evaluator's own
    terms: a detection that is one of them is not a transcript identifier, unless the
    evaluator's register or review named it. One-word names that are common words need a
    person context (:func:`pipeline.recognisers.names.common_word_person_ok`). ``words``
    (the corpus words of ``texts`` and ``vocabulary``) is read from them when not given.
    """
    words = words or CorpusWords.of(texts, vocabulary)
    common, inside = words.common, words.inside
    out = Filtered()
    for row, dets in enumerate(raw):
        keep = []
        for d in dets:
            reason = None
            if _allowed(d, allow_keys) or _generic_facility(d, allow_keys):
                reason = "allowed"
            elif _in_codebook(d, codebook_phrases):
                reason = "codebook_term"
            elif d.score < min_score:
                reason = "below_min_score"
            elif not _plausible(d) or _common_word_at_sentence_start(texts[row], d, common):
                reason = "implausible"
            elif _only_ever_sentence_initial(texts[row], d, inside):
                reason = "implausible"
            elif not _person_context_ok(texts[row], d):
                reason = "common_word"
            if reason:
                out.dropped[reason] += 1
                out.dropped_examples.setdefault((normalise_phrase(d.text), reason), (d, row))
            else:
                keep.append(d)
        out.kept_by_row.append(keep)
    return out


# --- overlaps --------------------------------------------------------------------------------


def resolve_overlaps(
    text: str, dets: Sequence[Detection], priority: dict[str, int]
) -> list[Detection]:
    """Choose non-overlapping detections: trust tier, then longer span, then params order.

    A lower-ranked detection that reaches beyond the chosen spans keeps its remainder when
    that remainder still looks like a name (so a long, partly wrong NER span does not make
    a name inside it leak).
    """
    tier = _tiers(dets)

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


def _tiers(dets: Sequence[Detection]) -> dict[Detection, int]:
    """Each detection's trust tier for overlap resolution."""
    tier = {d: trust(d.recogniser).tier for d in dets}
    # a gazetteer span around a trusted one ("Council of the [Isles of Scilly]") inherits its tier
    for outer in dets:
        if not trust(outer.recogniser).trusted or outer.entity_type not in NAMED_TYPES:
            continue
        for inner in dets:
            if contains(outer, inner) and name_group(outer) == name_group(inner):
                tier[outer] = min(tier[outer], tier[inner])
    return tier


def name_group(d: Detection) -> str:
    """The group a detection links within: "person", "name" (other named types) or its type."""
    return (
        "person"
        if d.entity_type == PERSON
        else d.entity_type
        if d.entity_type not in NAMED_TYPES
        else "name"
    )


def contains(outer: Detection, inner: Detection) -> bool:
    """Whether ``inner`` lies inside ``outer`` and is shorter."""
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
