"""The report's words and privacy rules.

Quantifier words, sentences and quotes, attribution by role and region, small-group merging
and small-count suppression.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd

from pipeline.nonanalytic import is_nonanalytic
from pipeline.params import Quantifier
from pipeline.report.grammar import counted_phrase
from pipeline.text import split_sentences

NOT_RECORDED = "Not recorded"
MIN_LEAD_WORDS = 4
_ENDS = re.compile(r"[.!?][\"'”’)]*$")
_STARTS = re.compile(r"^[\"“‘(]?(?:[A-Z0-9]|\[[A-Z])")
# a quote opening with one of these words leans on what came before it
DANGLING = re.compile(
    r"^[\"“‘(]?(?:and|but|so|which|that|or|well|because|also|then|yet|though|plus|"
    r"it|they|this|these|those|he|she|him|her|them|however|anyway|on the other hand|"
    r"as I said|like I said)\b",
    re.IGNORECASE,
)


def quantify(count: int, total: int, scale: Sequence[Quantifier]) -> str:
    """The first word of ``scale`` (strongest first) whose thresholds ``count`` reaches.

    ``share = count / total``; a word applies when ``share >= min_share`` and
    ``count >= min_count``. The validated scale ends with a word that catches every count.
    """
    share = count / total if total else 0.0
    for q in scale:
        if share >= q.min_share - 1e-12 and count >= q.min_count:
            return q.word
    return scale[-1].word


def phrase(count: int, total: int, scale: Sequence[Quantifier], noun: str = "interviewee") -> str:
    """``Most interviewees (31 of 43)``, ``One interviewee (1 of 43)``."""
    return counted_phrase(quantify(count, total, scale), count, total, noun)


def scale_note(scale: Sequence[Quantifier]) -> str:
    """The quantifier scale in words, for the report."""
    parts = []
    for q in scale:
        bits = []
        if q.min_share > 0:
            bits.append("every interview" if q.min_share >= 1 else f"at least {q.min_share:.0%}")
        if q.min_count > 0 and (q.min_share == 0 or q.min_count > 1):
            bits.append(f"at least {q.min_count} interview{'s' if q.min_count != 1 else ''}")
        parts.append(f"“{q.word}”: " + (" and ".join(bits) if bits else "no interview"))
    return (
        "Quantifiers: each count of interviews is described by the first word whose thresholds "
        "it reaches, strongest first: " + "; ".join(parts) + "."
    )


_NAME_LINKS = frozenset({"of", "for", "and", "the", "in", "on", "to", "&"})


def _opens_a_name(words: list[str]) -> bool:
    """Whether the first word begins a proper name: a capitalised word follows it.

    ``Start for Life services``, ``Family Hubs``: the first capitalised word after it,
    skipping only the small words names are joined by (of, for, and...), is capitalised.
    """
    for w in words[1:3]:
        if w.lower() in _NAME_LINKS and w.islower():
            continue
        return w[:1].isupper() and w != "I"
    return False


# words that end the head of a label ("Digital offer for families" -> "offer")
_HEAD_ENDS = frozenset(
    "of for to between with in on from about across within by versus after before into "
    "among".split()
)
# uncountable heads common in codebooks: "described improved practice", not "the ... practice"
_MASS = frozenset(
    "support practice health value work time money care evidence learning feedback capacity "
    "funding training staffing data information access awareness governance leadership "
    "commissioning engagement development management improvement communication culture "
    "wellbeing knowledge guidance advice trust continuity turnover provision delivery "
    "equipment research safeguarding help progress transport housing impact".split()
)
_DETERMINERS = frozenset(
    "the a an this that these those our their its his her my your some any no each every".split()
)
_MASS_SUFFIXES = ("ness", "ity", "ship", "ment", "ion", "ance", "ence", "ing", "th", "ism")


def _needs_article(words: list[str]) -> bool:
    """Whether a lower-cased label reads as a singular count noun phrase ("digital offer").

    The head is the last word before the first preposition. No article for a coordination
    ("time and capacity"), a gerund opening ("sharing good practice"), a plural, an adverb
    (a label written as an instruction) or an uncountable head (the list and suffixes above).
    """
    if words and words[0] in _DETERMINERS:  # "the hub", "our offer": it has one already
        return False
    head_part = []
    for w in words:
        if w in _HEAD_ENDS:
            break
        head_part.append(w.strip(",;:"))
    if not head_part or {"and", "or", "but"} & set(head_part) or "," in " ".join(words):
        return False
    head = head_part[-1].split("-")[-1]
    if head_part[0].endswith("ing") or head.endswith("ly"):
        return False
    if head.endswith("s") and not head.endswith(("ss", "us", "is")):
        return False
    return head not in _MASS and not head.endswith(_MASS_SUFFIXES)


def noun_phrase(label: str) -> str:
    """A code's label as the object of a sentence ("described the digital offer").

    :func:`lower_first`, with "the" before a singular count noun phrase; a label that opens
    with a name or an acronym is left as written.
    """
    text = lower_first(label)
    if text[:1].isupper():
        return text
    return f"the {text}" if _needs_article(text.split()) else text


def lower_first(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym or opens a name.

    ``Sharing good practice`` -> ``sharing good practice``; ``NHS links`` and ``Start for
    Life services`` stay as they are.
    """
    words = text.split(" ")
    first = words[0]
    if _opens_a_name(words):
        return text
    if len(first) > 1 and first[1:].islower() and first[0].isupper() and first != "I":
        return first[0].lower() + text[1:]
    if len(first) == 1 and first != "I":
        return text[0].lower() + text[1:]
    return text


def gloss(definition: str) -> str:
    """The first clause of a definition, lower-cased at the start (for sentences).

    Asides between paired dashes and in brackets are dropped first; the clause ends at the
    first ``;``, sentence end, colon or dash.
    """
    text = " ".join(definition.split())
    text = re.sub(r"\s[-\u2014\u2013]\s.*?\s[-\u2014\u2013]\s", " ", text)
    text = re.sub(r"\s*\([^()]*\)", "", text)
    clause = re.split(r";|\.\s|:\s| [-\u2014\u2013] ", text, maxsplit=1)[0].strip().rstrip(".")
    return lower_first(clause)


def quote_from(text: str, min_words: int, max_words: int) -> str | None:
    """A quote of complete sentences from ``text``, within the length bounds, or None.

    Leading sentences of fewer than ``MIN_LEAD_WORDS`` words ("Yes.", "And they did.") are
    dropped; then sentences are taken from the start while the total stays within ``max_words``; the
    result must start like a sentence (capital letter, digit or placeholder), end with
    ``. ! ?`` and have at least ``min_words`` words.
    """
    out: list[str] = []
    n = 0
    sentences = split_sentences(" ".join(str(text).split()))
    while len(sentences) > 1 and len(sentences[0].split()) < MIN_LEAD_WORDS:
        sentences.pop(0)  # "Yes.", "And they did.": context the quote does not carry
    for sentence in sentences:
        w = len(sentence.split())
        if n + w > max_words:
            break
        out.append(sentence)
        n += w
    quote = " ".join(out)
    if n < min_words or not _STARTS.match(quote) or not _ENDS.search(quote):
        return None
    return quote


def standalone_quote(text: str, before: str, min_words: int, max_words: int) -> str | None:
    """A quote that stands alone: :func:`quote_from`, with context, never non-analytic.

    A quote opening with a connective or pronoun (:data:`DANGLING`: "And", "But", "It",
    "They"...) is expanded with the last sentence of ``before`` (the text preceding it in the
    same turn) when that sentence does not dangle itself and the whole stays within
    ``max_words``; otherwise there is no quote. Introductions, greetings, contact details and
    logistics (:func:`pipeline.nonanalytic.is_nonanalytic`) are never quoted.
    """
    quote = quote_from(text, min_words, max_words)
    if quote is None:
        return None
    if DANGLING.match(quote):
        prev = split_sentences(" ".join(str(before or "").split()))
        lead = prev[-1] if prev else ""
        joined = f"{lead} {quote}"
        if not lead or DANGLING.match(lead) or len(joined.split()) > max_words:
            return None
        if not _STARTS.match(lead):
            return None
        quote = joined
    if is_nonanalytic(quote):
        return None
    return quote


def display_value(v: Any) -> str:
    """A metadata value as shown: stripped text, or ``Not recorded`` when missing or blank."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return NOT_RECORDED
    s = str(v).strip()
    return s or NOT_RECORDED


def attributions(interviews: pd.DataFrame, columns: Sequence[str], min_group: int) -> pd.Series:
    """Attribution per interview (``"Lead member, North West"``) from metadata columns only.

    The attribution uses the first ``j`` columns for the largest ``j`` such that at least
    ``min_group`` interviews share those values (so a combination held by one interviewee is
    shortened to a less specific one); with no such ``j``, ``"Interviewee"``. Unrecorded
    values are left out.
    """
    iv = interviews.set_index("interview_id")
    values = {c: iv[c].map(display_value) for c in columns}
    out = {}
    for interview_id in iv.index:
        text = "Interviewee"
        for j in range(len(columns), 0, -1):
            cols = list(columns[:j])
            key = tuple(values[c][interview_id] for c in cols)
            same = pd.Series(True, index=iv.index)
            for c, v in zip(cols, key):
                same &= values[c] == v
            if int(same.sum()) >= min_group:
                shown = [v for v in key if v != NOT_RECORDED]
                if shown:
                    text = ", ".join(shown)
                break
        out[interview_id] = text
    return pd.Series(out, name="attribution")


def merge_small_groups(sizes: pd.Series, k: int) -> dict[str, str]:
    """Group value -> reported group, merging groups of fewer than ``k`` interviews.

    Small groups become ``Other``; if ``Other`` is still smaller than ``k``, it joins the
    smallest reported group (``"<group> and other"``). With fewer than ``k`` interviews in
    all, everything is ``All``.
    """
    sizes = sizes.sort_index()
    if int(sizes.sum()) < k:
        return {g: "All" for g in sizes.index}
    small = [g for g, n in sizes.items() if n < k]
    big = sizes.drop(small).sort_values(kind="stable")
    mapping = {g: g for g in big.index}
    if small:
        if int(sizes[small].sum()) >= k or big.empty:
            target = "Other"
        else:
            target = f"{big.index[0]} and other"
            mapping[big.index[0]] = target
        mapping.update({g: target for g in small})
    return mapping


def suppress(counts: pd.DataFrame, k: int, total_row: str | None, total_col: str | None):
    """Suppress counts from 1 to ``k - 1`` (``<k``) so that no total reveals them.

    Primary and complementary suppression by :func:`pipeline.disclosure.protect` (a cell
    hidden only to protect another prints ``[c]``). The grand total is never suppressed.

    Returns:
        An object DataFrame: ints, and ``"<k"`` / ``"[c]"`` strings where suppressed.
    """
    from pipeline.disclosure import protect

    return protect(counts, k, total_row, total_col)


def attribute_title(attr: str | None) -> str:
    """``interview_month`` -> ``Interview month`` (a metadata column as a heading)."""
    return "" if attr is None else attr.replace("_", " ").capitalize()
