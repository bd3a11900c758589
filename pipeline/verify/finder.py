"""Find many known identifiers at once, whole word, in normalised text, folding case safely.

Case rule (ADR 0018): a person's name is matched case-insensitively ("ann lee", "ANN
LEE" and "Ann Lee" are one leak; :func:`folds`); a place or organisation as spelled, in
Title Case or in capitals; and an identifier whose lower case is an ordinary word or phrase
(:func:`is_case_sensitive`: "Will", "Hope", "Reading", "PA", "Care Council") only as
spelled, so "reading the report" or "I hope" never fail the gate.
Such words
written in lower case are the anonymise stage's job (it sees person context); the residual
scan (:mod:`pipeline.recognisers.residual`) is the second line of defence.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from pipeline.recognisers.base import distinct_tokens
from pipeline.recognisers.residual import common_words
from pipeline.text import blank_spans, placeholder_pattern
from pipeline.verify.normalise import collapse

_WORD = re.compile(r"\w+")

# Generic heads of organisation and place names: "Care Council", "Town Hall", "Government
# Office" made only of these and common words are ordinary phrases in lower case.
GENERIC_WORDS = frozenset(
    """
    council councils office hall town city county borough district care government service
    services centre center centres team teams trust board group partnership hub hubs network
    school schools college university hospital practice surgery clinic unit department
    authority agency association society charity foundation project programme forum committee
    house road street court north south east west central community family families children
    health social local national regional education support early help parent parents
    """.split()
)


def is_case_sensitive(identifier: str) -> bool:
    """True when the identifier's lower-case form is an ordinary word or phrase.

    That is: a one-word identifier that is a common word or an ambiguous given name
    ("Will", "Reading"); a short one or one with a digit ("PA", "Jo", "A1": acronyms, codes
    and short names, whose lower case is another word); or one made only of common and
    generic words ("Care Council", "Town Hall"). These are matched only as spelled.
    """
    words = _WORD.findall(identifier)
    if not words:
        return False
    common = common_words()
    if len(words) == 1:
        w = words[0]
        return w.casefold() in common or len(w) <= 3 or any(c.isdigit() for c in w)
    return all(w.casefold() in common or w.casefold() in GENERIC_WORDS for w in words)


def folds(identifier: str, entity_type: str = "") -> bool:
    """True when case is folded for a (not case-sensitive) identifier: people's names.

    A person's name, or any name holding a listed given name ("Sarah", "Ann Lee"), is found
    in any case ("i spoke to sarah"). Other names (places, organisations: "Steps",
    "Little Steps") are often ordinary words or phrases in lower case, so they are found as
    spelled, in Title Case and in CAPITALS, but not in lower case.
    """
    if entity_type == "person":
        return True
    from pipeline.recognisers.names import FirstNameRecogniser as F

    given = F.names()
    return any(
        w.casefold() in given and w.casefold() not in F.AMBIGUOUS for w in _WORD.findall(identifier)
    )


def _title(text: str) -> str:
    return re.sub(r"\w+", lambda m: m.group()[:1].upper() + m.group()[1:], text)


class _Buckets:
    """Whole-word search for identifiers bucketed by their first word (one pass per text)."""

    def __init__(self) -> None:
        self.by_first: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.other: list[tuple[str, str]] = []

    def add(self, form: str, original: str) -> None:
        m = _WORD.match(form)
        if m:
            self.by_first[m.group()].append((form, original))
        else:
            self.other.append((form, original))

    def sort(self) -> None:
        for cands in self.by_first.values():
            cands.sort(key=lambda c: (-len(c[0]), c[0]))  # longest first: "Ann Lee", not "Ann"

    def find(self, text: str, found: set[str], as_words: frozenset[str] = frozenset()) -> None:
        """Add to ``found`` the identifiers in ``text``.

        ``as_words`` are common-word names ("Will", "Mark") that a sentence start followed
        by a pronoun or determiner reads as the word ("Will you send it?", "Mark my words").
        """
        covered = 0
        for m in _first_words(text, self.by_first.keys()):
            cands = self.by_first.get(m.group())
            pos = m.start()
            if not cands or pos < covered or (pos > 0 and _is_word(text[pos - 1])):
                continue
            for form, original in cands:
                end = pos + len(form)
                if text.startswith(form, pos) and (
                    end >= len(text) or not _is_word(text[end]) or not _is_word(form[-1])
                ):
                    if form in as_words and not _person_here(text, pos, end):
                        break
                    found.add(original)
                    covered = end
                    break
        for form, original in self.other:
            start = text.find(form)
            while start >= 0:
                end = start + len(form)
                if (start == 0 or not _is_word(text[start - 1])) and (
                    end >= len(text) or not _is_word(text[end])
                ):
                    found.add(original)
                    break
                start = text.find(form, start + 1)


def _first_words(text: str, firsts: Iterable[str]) -> Iterator[re.Match[str]]:
    """The words of ``text`` (as :data:`_WORD` reads them) that are in ``firsts``, in order.

    The distinct words are read at C speed first; only those in ``firsts`` are found again,
    as whole words, so a long text is not walked word by word in Python.
    """
    hits = distinct_tokens(text, _WORD) & set(firsts)
    if not hits:
        return iter(())
    alts = "|".join(map(re.escape, sorted(hits, key=lambda w: (-len(w), w))))
    return re.finditer(rf"(?<!\w)(?:{alts})(?!\w)", text)


class IdentifierFinder:
    """Whole-word search for many identifiers in normalised text (see the module's case rule)."""

    def __init__(
        self,
        identifiers: Iterable[str] | Mapping[str, Any],
        placeholders: re.Pattern[str] | None = None,
    ) -> None:
        """Index the identifiers (blank and one-character ones are ignored).

        Args:
            identifiers: the strings to find (as the key or register spells them), or a
                mapping of them to their entity type (or ``(type, label)``): see
                :func:`folds`.
            placeholders: the pattern of the pseudonym templates (default: built-in ones).
        """
        self.placeholders = placeholders or placeholder_pattern()
        self.exact = _Buckets()
        self.folded = _Buckets()
        # people's one-word common-word names: a sentence start may be the word
        self.as_words: frozenset[str] = frozenset()
        self.count = 0
        types = identifiers if isinstance(identifiers, Mapping) else {}
        for ident in sorted(set(identifiers)):
            form = collapse(ident).strip()
            if len(form) < 2:
                continue
            self.count += 1
            etype = types.get(ident, "")
            etype = etype[0] if isinstance(etype, tuple) else etype
            if is_case_sensitive(form):
                self.exact.add(form, ident)
                if etype == "person" and " " not in form:
                    self.as_words |= {form}
            elif folds(form, etype):
                self.folded.add(form.casefold(), ident)
            else:  # a place or an organisation: as spelled, in Title Case or in CAPITALS
                for variant in dict.fromkeys([form, form.upper(), _title(form)]):
                    self.exact.add(variant, ident)
        self.exact.sort()
        self.folded.sort()

    def find_outside_pseudonyms(
        self, text: str, pseudonyms: set[str], allowed: Any = None
    ) -> list[str]:
        """Like :meth:`find`, ignoring the key's own pseudonyms ("DI" in "[Council DI]")."""
        return self.find(self.blank(text, pseudonyms, allowed))

    def blank(self, text: str, pseudonyms: set[str], allowed: Any = None) -> str:
        """``text`` with the key's pseudonyms and the allow-listed phrases blanked out."""
        if pseudonyms:
            spans = [m.span() for m in self.placeholders.finditer(text) if m.group() in pseudonyms]
            if spans:
                text = blank_spans(text, spans)
        if allowed is not None:
            spans = [(s, e) for s, e, _ in allowed.finditer(text)]
            if spans:
                text = blank_spans(text, spans)
        return text

    def find(self, text: str, allowed: Any = None) -> list[str]:
        """Identifiers (as indexed) that occur in ``text`` as whole words, each once.

        Args:
            text: normalised text (:func:`pipeline.verify.normalise.views`).
            allowed: an optional :class:`~pipeline.recognisers.base.PhraseIndex` of
                allow-listed phrases; an identifier inside one ("West" in "North West") is
                not a leak.
        """
        if allowed is not None:
            spans = [(s, e) for s, e, _ in allowed.finditer(text)]
            if spans:
                text = blank_spans(text, spans)
        exact: set[str] = set()
        folded: set[str] = set()
        self.exact.find(text, exact, self.as_words)
        self.folded.find(text.casefold(), folded)
        # report "Ann Lee", not also the "Ann" inside it (the two searches run apart)
        longer = [f.casefold() for f in folded]
        exact = {
            e
            for e in exact
            if not any(re.search(rf"(?<!\w){re.escape(e.casefold())}(?!\w)", f) for f in longer)
        }
        return sorted(exact | folded)


# after a sentence-initial common-word name, the words that read it as the ordinary word
# ("Will you", "Mark my words", "Hope that helps"). Narrower than the anonymiser's stop words
# on purpose: "Will is leading it" stays a leak, so the run fails for review
_WORD_READING = frozenset(
    "you we they i it this that these those my your our their the a an me us them him her so "
    "not".split()
)
_NEXT = re.compile(r"[^\S\n]*([A-Za-z'’]+)")


def _person_here(text: str, start: int, end: int) -> bool:
    """Whether a common-word name reads as the person here (a leak), not as the word."""
    from pipeline.recognisers.gazetteers import sentence_initial

    if not sentence_initial(text, start):
        return True
    nxt = _NEXT.match(text, end)
    return not (nxt and nxt.group(1).casefold() in _WORD_READING)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"
