"""The recogniser interface (after Presidio): small classes that find identifiers in text.

A recogniser reads one text (and, if it asks for one, the spaCy ``Doc`` of that text) and
returns :class:`Detection` objects, each carrying the recogniser's name and a score. The
anonymise stage runs every enabled recogniser, resolves overlaps and links detections to
entities. Recognisers are registered in :mod:`pipeline.recognisers.registry`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # spaCy is imported only where a model is actually loaded
    from spacy.tokens import Doc

# Entity types (the pseudonym families). Keep in sync with AnonymiseParams.pseudonyms.
PERSON = "person"
COUNCIL = "council"
PLACE = "place"
ORGANISATION = "organisation"
EMAIL = "email"
PHONE = "phone"
POSTCODE = "postcode"
NINO = "nino"
URL = "url"
DATE = "date"
REFERENCE = "reference"  # case, application and reference numbers
DEMOGRAPHIC = "demographic"  # nationality, age, occupation (quasi-identifiers)
AMOUNT = "amount"  # sums of money
ENTITY_TYPES: tuple[str, ...] = (
    PERSON,
    COUNCIL,
    PLACE,
    ORGANISATION,
    EMAIL,
    PHONE,
    POSTCODE,
    NINO,
    URL,
    DATE,
    REFERENCE,
    DEMOGRAPHIC,
    AMOUNT,
)
# Types whose pseudonyms are numbered per entity ("[Person 3]"); the others are generic ("[email]").
NAMED_TYPES: tuple[str, ...] = (PERSON, COUNCIL, PLACE, ORGANISATION)


@dataclass(frozen=True, order=True)
class Detection:
    """One identifier found in one text.

    Attributes:
        start: character offset of the first character (into the text analysed).
        end: character offset after the last character.
        entity_type: one of :data:`ENTITY_TYPES`.
        recogniser: the name of the recogniser that found it.
        score: confidence in [0, 1].
        text: the covered text (``text[start:end]``).
        canonical: an optional key that identifies the entity beyond its surface form
            (a council's code, a register entry's id); detections with the same
            ``(entity_type, canonical)`` become one entity.
    """

    start: int
    end: int
    entity_type: str
    recogniser: str
    score: float
    text: str
    canonical: str | None = None


@dataclass
class RecogniserContext:
    """What recognisers may need beyond their own class-level patterns.

    Attributes:
        register: entries of the project register (see :mod:`pipeline.evaluator_files.register`).
        people: names of people known from speaker labels, voice tags and metadata.
        options: per-recogniser options from params (``anonymise.options``), by name.
        nlp: the loaded spaCy pipeline, if any recogniser needs a ``Doc``.
    """

    register: list[Any] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    nlp: Any = None


class Recogniser(ABC):
    """Base class: subclasses set ``name``, ``entity_types``, ``score`` and write ``analyse``.

    Subclasses that need nothing beyond their class-level patterns keep the default
    :meth:`from_context`; others override it to read the register, known people or options.

    Three class attributes say how far the anonymise stage trusts a recogniser's detections
    (sources that are not recogniser classes, such as propagation, get theirs in
    :data:`pipeline.recognisers.registry.OTHER_SOURCES`):

    Attributes:
        tier: overlap rank; when spans overlap the lower tier wins, then the longer span.
            0: the evaluator's own knowledge and validated contact patterns (register,
            speakers, review, email, phone...); 1 (default): gazetteers and rules;
            2: statistical NER; 3: propagation of names already found.
        trusted: ``False`` for sources whose spans may be wrong (NER, propagation): their
            spans are trimmed around allow-listed words, their one-word generic "names"
            and sentence-initial common words are dropped, and a longer span of theirs
            never links the names inside it.
        namespaced: ``True`` when the recogniser's ``canonical`` keys are its own ids
            (register entries, known people, councils): they are linked as
            ``"<name>:<canonical>"`` rather than as a normalised name.
    """

    name: ClassVar[str]
    entity_types: ClassVar[tuple[str, ...]]
    score: ClassVar[float] = 0.8
    needs_doc: ClassVar[bool] = False
    tier: ClassVar[int] = 1
    trusted: ClassVar[bool] = True
    namespaced: ClassVar[bool] = False

    @classmethod
    def from_context(cls, context: RecogniserContext) -> Recogniser:
        """Build the recogniser for one run (default: no configuration)."""
        return cls()

    @abstractmethod
    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Return the detections in ``text`` (``doc`` is its spaCy Doc when ``needs_doc``)."""

    def detection(
        self,
        text: str,
        start: int,
        end: int,
        entity_type: str,
        score: float | None = None,
        canonical: str | None = None,
    ) -> Detection:
        """Build a :class:`Detection` of ``text[start:end]`` by this recogniser."""
        return Detection(
            start=start,
            end=end,
            entity_type=entity_type,
            recogniser=self.name,
            score=self.score if score is None else score,
            text=text[start:end],
            canonical=canonical,
        )


class PatternRecogniser(Recogniser):
    """A recogniser defined by class-level regular expressions (Presidio's PatternRecognizer).

    Subclasses set ``patterns`` to ``(regex, score)`` pairs and may override :meth:`validate`
    to reject matches (checksums, context). Group ``"id"`` narrows a match to that group.
    """

    patterns: ClassVar[tuple[tuple[str, float], ...]] = ()
    flags: ClassVar[int] = 0
    _compiled: ClassVar[list[tuple[re.Pattern[str], float]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Compile the subclass's patterns once, when the class is defined."""
        super().__init_subclass__(**kwargs)
        cls._compiled = [(re.compile(p, cls.flags), s) for p, s in cls.patterns]

    def validate(self, match: re.Match[str], text: str, score: float) -> float | None:
        """Return the score to keep ``match`` with, or None to drop it (default: keep as is)."""
        return score

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Run every pattern over ``text`` (one detection per span: the best-scoring)."""
        found: list[Detection] = []
        for regex, score in self._compiled:
            for m in regex.finditer(text):
                kept = self.validate(m, text, score)
                if kept is None:
                    continue
                grp = "id" if "id" in regex.groupindex and m.group("id") else 0
                start, end = m.span(grp)
                if start == end:
                    continue
                found.append(self.detection(text, start, end, self.entity_types[0], kept))
        best: dict[tuple[int, int], Detection] = {}
        for d in found:
            if (d.start, d.end) not in best or d.score > best[(d.start, d.end)].score:
                best[(d.start, d.end)] = d
        return sorted(best.values())


# --- phrase lookup shared by the register, gazetteers and review decisions ------------------

_TOKEN = re.compile(r"[^\W_](?:[\w'’.&-]*[^\W_])?")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


# a phrase already in key form but for case: ASCII tokens (as _TOKEN reads them) joined by
# single spaces; its key is its lower case, without tokenising (the gazetteers index tens of
# thousands of such names on every run)
_PLAIN_ASCII_TOKEN = r"[A-Za-z0-9](?:[A-Za-z0-9'.&-]*[A-Za-z0-9])?"
_PLAIN_ASCII_PHRASE = re.compile(rf"{_PLAIN_ASCII_TOKEN}(?: {_PLAIN_ASCII_TOKEN})*")


def _norm_token(token: str) -> str:
    # an ASCII token read by _TOKEN has no curly apostrophe or backtick, and casefold is
    # lower for ASCII
    if token.isascii():
        return token.lower()
    return unicodedata.normalize("NFKC", token).translate(_APOSTROPHES).casefold()


def normalise_phrase(phrase: str) -> str:
    """The lookup key of a phrase: NFKC, straight apostrophes, one space, case-folded."""
    if phrase.isascii() and _PLAIN_ASCII_PHRASE.fullmatch(phrase):
        return phrase.lower()
    return " ".join(_norm_token(t) for t in _TOKEN.findall(phrase))


@dataclass(frozen=True)
class PhraseEntry:
    """What a phrase stands for in a :class:`PhraseIndex`."""

    entity_type: str
    canonical: str | None
    score: float
    case_sensitive: bool = False
    any_case: bool = False


class PhraseIndex:
    """Find known multi-word phrases fast: a dict of normalised n-grams, longest match first.

    Matching is token based (no regex alternation over thousands of names), so it scales to
    large gazetteers. A phrase written with a capital initial only matches text with a
    capital initial ("Reading" the town, not "reading"); all-capitals text ("DARREN") matches
    too. Entries marked ``case_sensitive`` match only the exact spelling, entries marked
    ``any_case`` also lower case ("sarah" for a known Sarah). A possessive "'s"
    after a phrase is left outside the match ("Barnet's" finds "Barnet").
    """

    def __init__(self) -> None:
        """Create an empty index."""
        self._entries: dict[str, tuple[str, PhraseEntry]] = {}
        self._firsts: set[str] = set()
        # every proper prefix of an indexed key, in whole tokens ("new", "new south")
        self._prefixes: set[str] = set()
        self.max_tokens = 1

    def __len__(self) -> int:
        """The number of distinct phrases."""
        return len(self._entries)

    def add(self, phrase: str, entry: PhraseEntry, overwrite: bool = False) -> None:
        """Index ``phrase``; an existing phrase keeps its first entry unless ``overwrite``."""
        key = normalise_phrase(phrase)
        if key and (overwrite or key not in self._entries):
            self._put(key, phrase, entry)

    def add_many(self, phrases: Iterable[str], entry: PhraseEntry) -> None:
        """Index every phrase with one entry (as :meth:`add`, in one loop: gazetteers)."""
        entries = self._entries
        for phrase in phrases:
            key = normalise_phrase(phrase)
            if key and key not in entries:
                self._put(key, phrase, entry)

    def _put(self, key: str, phrase: str, entry: PhraseEntry) -> None:
        self._entries[key] = (phrase.strip(), entry)
        if " " not in key:  # most gazetteer names: no prefixes to index
            self._firsts.add(key)
            return
        tokens = key.split(" ")
        self._firsts.add(tokens[0])
        self._prefixes.update(" ".join(tokens[:k]) for k in range(1, len(tokens)))
        self.max_tokens = max(self.max_tokens, len(tokens))

    def get(self, phrase: str) -> PhraseEntry | None:
        """The entry of ``phrase`` if indexed."""
        hit = self._entries.get(normalise_phrase(phrase))
        return hit[1] if hit else None

    def phrases(self) -> Iterator[tuple[str, PhraseEntry]]:
        """Every indexed phrase (as added) with its entry, in insertion order."""
        yield from self._entries.values()

    def finditer(self, text: str) -> Iterator[tuple[int, int, PhraseEntry]]:
        """Yield ``(start, end, entry)`` for the longest indexed phrase at each position.

        A long text (a whole output file read by the leak gate) is searched by
        :meth:`_finditer_sparse`: the same matches, without tokenising it in Python or
        keeping its tokens in the cache.
        """
        if not self._entries:
            return
        if len(text) > LONG_TEXT:
            yield from self._finditer_sparse(text)
            return
        spans, norm, positions = _tokens(text)
        # the tokens that can start a phrase, found by one set intersection: a text is
        # visited at those positions only, not token by token
        hits = positions.keys() & self._firsts
        if not hits:
            return
        resume = 0
        for i in sorted({i for key in hits for i in positions[key]}):
            if i < resume:  # inside the phrase just found
                continue
            best = self._longest_at(text, spans, norm, i)
            if best is not None:
                yield best[1], best[2], best[3]
                resume = i + best[0]

    def _finditer_sparse(self, text: str) -> Iterator[tuple[int, int, PhraseEntry]]:
        """:meth:`finditer` for a long text, visiting only the tokens that can start a phrase.

        The distinct tokens are read at C speed (:func:`distinct_tokens`); only those whose
        key starts an indexed phrase are found again (:func:`token_starts`), and the few
        tokens after each are read there. Same matches as the full tokenisation: tokens do
        not depend on what precedes them, and "inside the phrase just found" is "starts
        before its end". A match is remembered by the text around it (its window) when the
        tokens it read end inside the window: a table repeats the same cells thousands of
        times.
        """
        firsts = self._firsts
        hits = {
            t
            for t in distinct_tokens(text)
            if (k := _norm_token(t)) in firsts or (k.endswith("'s") and k[:-2] in firsts)
        }
        resume = 0
        memo: dict[str, tuple[int, int, PhraseEntry] | None] = {}
        for start in token_starts(text, hits):
            if start < resume:  # inside the phrase just found
                continue
            window = text[start : start + _WINDOW]
            rel = memo[window] if window in memo else self._match_from(text, start, memo)
            if rel is not None:
                yield start + rel[0], start + rel[1], rel[2]
                resume = start + rel[1]

    def _match_from(
        self, text: str, start: int, memo: dict[str, tuple[int, int, PhraseEntry] | None]
    ) -> tuple[int, int, PhraseEntry] | None:
        """The longest phrase at the token starting at ``start``, as offsets from it.

        Remembered in ``memo`` under the window from ``start`` when it depends on nothing
        else: the reading stopped on its own (not at the end of the text) and the run of
        token characters holding the last token read ends inside the window.
        """
        spans, norm, stopped = self._tokens_from(text, start)
        best = self._longest_at(text, spans, norm, 0)
        rel = None if best is None else (best[1] - start, best[2] - start, best[3])
        if (
            stopped
            and len(memo) < _MEMO_MAX
            and _NOT_TOKEN_CHAR.search(text, spans[-1][1], start + _WINDOW)
        ):
            memo[text[start : start + _WINDOW]] = rel
        return rel

    def _tokens_from(self, text: str, start: int) -> tuple[list[tuple[int, int]], list[str], bool]:
        """The tokens from ``start`` that :meth:`_longest_at` reads: while they start a key.

        The flag: whether the reading stopped before the text ran out of tokens.
        """
        spans: list[tuple[int, int]] = []
        norm: list[str] = []
        key = ""
        for m in _TOKEN.finditer(text, start):
            spans.append(m.span())
            norm.append(_norm_token(m.group()))
            key = norm[0] if len(norm) == 1 else f"{key} {norm[-1]}"
            if len(norm) >= self.max_tokens or key not in self._prefixes:
                return spans, norm, True
        return spans, norm, False

    def _longest_at(
        self, text: str, spans: list[tuple[int, int]], norm: list[str], i: int
    ) -> tuple[int, int, int, PhraseEntry] | None:
        """The longest indexed phrase starting at token ``i``: ``(n_tokens, start, end, entry)``.

        Grows the phrase a token at a time while it is still the start of an indexed key, so
        a position costs about one lookup per token matched, not one per possible length.
        """
        best = None
        key = ""
        for k in range(1, min(self.max_tokens, len(spans) - i) + 1):
            key = norm[i] if k == 1 else f"{key} {norm[i + k - 1]}"
            start, end = spans[i][0], spans[i + k - 1][1]
            hit = self._entries.get(key)
            if hit is None and key.endswith("'s"):
                hit = self._entries.get(key[:-2])
                end -= 2
            if hit and (
                hit[1].any_case or _case_ok(hit[0], text[start:end], hit[1].case_sensitive)
            ):
                best = (k, start, end, hit[1])
            if key not in self._prefixes:
                break
        return best


# texts longer than this are searched without the token cache (:meth:`PhraseIndex.finditer`):
# the anonymiser's turns are far shorter; the leak gate's whole-file texts would fill the
# cache with millions of token tuples (5.4 GB at 434 interviews)
LONG_TEXT = 20_000
_CHUNK = 1 << 20
_TOKEN_CHAR = re.compile(r"[\w'’.&-]")
_WHITE = re.compile(r"\s")
_NOT_TOKEN_CHAR = re.compile(r"[^\w'’.&-]")
# the text after a phrase's first token that decides the match there (phrases are short),
# and how many such windows one long text remembers
_WINDOW = 160
_MEMO_MAX = 100_000


def _chunks(text: str, size: int = _CHUNK) -> Iterator[str]:
    """``text`` in pieces of about ``size`` cut at white space (no token spans a cut)."""
    pos = 0
    while pos < len(text):
        space = _WHITE.search(text, pos + size)
        cut = space.start() if space else len(text)
        yield text[pos:cut]
        pos = cut


def distinct_tokens(text: str, pattern: re.Pattern[str] = _TOKEN) -> set[str]:
    """The distinct matches of ``pattern`` (default: the phrase tokens) in ``text``.

    Read a megabyte at a time, cut at white space, so a long text never becomes one list of
    millions of strings; ``pattern`` must not match white space.
    """
    out: set[str] = set()
    for chunk in _chunks(text):
        out.update(pattern.findall(chunk))
    return out


def token_starts(text: str, tokens: Iterable[str]) -> Iterator[int]:
    """Where each of ``tokens`` (as :data:`_TOKEN` reads them) starts a token in ``text``, in order.

    A literal occurrence is a token when the token read from there is exactly it and it is
    the first letter or digit of its run of token characters.
    """
    alts = sorted(set(tokens), key=lambda t: (-len(t), t))
    if not alts:
        return
    for m in re.finditer("|".join(map(re.escape, alts)), text):
        start = m.start()
        token = _TOKEN.match(text, start)
        if token is None or token.group() != m.group():
            continue
        j = start - 1
        while j >= 0 and _TOKEN_CHAR.match(text[j]) and not (text[j].isalnum()):
            j -= 1
        if j >= 0 and _TOKEN_CHAR.match(text[j]):
            continue  # a letter or digit earlier in the run: the token starts there
        yield start


def words_where(
    pattern: re.Pattern[str], text: str, wanted: Callable[[str], bool]
) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, or in a long text only the matches whose text is ``wanted``.

    For a caller that skips every other match. ``pattern`` must match whole runs of word
    characters (never white space), each anchored where its run starts by a lookbehind
    (the recognisers' ``_CAP_WORD``, ``_LOWER_WORD``): then a match never depends on the one
    before, and a long text is read at C speed (:func:`distinct_tokens`), the wanted words
    found again, and each kept where ``pattern`` itself matches exactly it.
    """
    if len(text) <= LONG_TEXT:
        yield from pattern.finditer(text)
        return
    hits = {w for w in distinct_tokens(text, pattern) if wanted(w)}
    if not hits:
        return
    alts = "|".join(map(re.escape, sorted(hits, key=lambda w: (-len(w), w))))
    for m in re.finditer(alts, text):
        real = pattern.match(text, m.start())
        if real is not None and real.group() == m.group():
            yield real


@functools.lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[list[tuple[int, int]], list[str], dict[str, list[int]]]:
    """The token spans of ``text``, their lookup keys, and where each key occurs.

    A token with a possessive "'s" occurs under its key and under the key without it
    ("barnet's", "barnet"). Cached: every index reads each text.
    """
    spans = [m.span() for m in _TOKEN.finditer(text)]
    norm = [_norm_token(text[s:e]) for s, e in spans]
    positions: dict[str, list[int]] = {}
    for i, key in enumerate(norm):
        positions.setdefault(key, []).append(i)
        if key.endswith("'s"):
            positions.setdefault(key[:-2], []).append(i)
    return spans, norm, positions


def _case_ok(phrase: str, surface: str, case_sensitive: bool) -> bool:
    if case_sensitive:
        return _TOKEN.findall(phrase) == _TOKEN.findall(surface)
    if phrase[:1].isupper() and not surface[:1].isupper():
        return False
    return True


def clear_token_cache() -> None:
    """Forget the cached token lists (benchmarks: a second run must tokenise again)."""
    _tokens.cache_clear()
