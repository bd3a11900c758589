"""Text utilities every stage shares: one sentence splitter, one placeholder pattern, blanking.

The splitter is the embed stage's (segments are its sentences), so the report's quotes, the
NER pass of the anonymiser and the segments agree on where a sentence ends. The placeholder
pattern is derived from the pseudonym templates (``anonymise.pseudonyms`` in
``params.yaml``), so a user who changes a template changes what every stage recognises as a
placeholder.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence

# A sentence ends at . ! ? or … followed by space and an upper-case letter, a digit, a quote
# or a pseudonym's bracket; "Mr." and friends do not end one.
_BOUNDARY = re.compile(r"(?<=[.!?…])[\"'’”)]*\s+(?=[A-Z0-9\[\"'‘“(])")
_NO_END = re.compile(r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|Cllr|St|etc|e\.g|i\.e|vs|No)\.)$")

# what a template's fields stand for: {n} a number, {letter} a letter code (A, B, ..., AA)
_FIELDS = {"n": r"\d+", "letter": r"[A-Z]{1,3}"}
_FIELD = re.compile(r"\{(\w+)\}")

# any short bracketed insertion: transcribers' notes ("[laughs]", "[inaudible]") as well as
# bracketed placeholders; stages that want words only (topic keywords) drop these too
BRACKETED = re.compile(r"\[[^\[\]\n]{1,80}\]")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence spans of ``text`` as offsets (surrounding whitespace excluded)."""
    spans = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        if _NO_END.search(text[start : m.start()]):
            continue
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        chunk = text[s:e]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk) - len(chunk.rstrip())
        if e - trail > s + lead:
            out.append((s + lead, e - trail))
    return out


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text`` (see :func:`sentence_spans`)."""
    return [text[s:e] for s, e in sentence_spans(text)]


def _template_regex(template: str) -> str:
    parts, last = [], 0
    for m in _FIELD.finditer(template):
        parts.append(re.escape(template[last : m.start()]))
        parts.append(_FIELDS.get(m.group(1), r"[^\[\]\n]{1,40}"))
        last = m.end()
    parts.append(re.escape(template[last:]))
    return "".join(parts)


@functools.lru_cache(maxsize=8)
def _compiled(templates: tuple[str, ...]) -> re.Pattern[str]:
    # longest first, so "[Person 12]" is never matched as a shorter template's prefix
    regexes = sorted({_template_regex(t) for t in templates}, key=len, reverse=True)
    return re.compile("|".join(f"(?:{r})" for r in regexes))


def placeholder_pattern(templates: Mapping[str, str] | None = None) -> re.Pattern[str]:
    """A regex matching every placeholder the pseudonym ``templates`` can produce.

    Args:
        templates: entity type -> template (``anonymise.pseudonyms``); ``None`` for the
            built-in defaults.
    """
    if templates is None:
        from pipeline.params import AnonymiseParams

        templates = AnonymiseParams().pseudonyms
    return _compiled(tuple(sorted(templates.values())))


def has_placeholder(text: str, templates: Mapping[str, str] | None = None) -> bool:
    """True when ``text`` carries an anonymisation placeholder such as ``[Person 3]``."""
    return bool(placeholder_pattern(templates).search(text))


def blank_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """``text`` with each ``(start, end)`` span replaced by as many spaces (offsets kept).

    How the leak gate and the residual scan hide what they must not read (placeholders,
    allowed phrases) without moving anything else.
    """
    if not spans:
        return text
    ordered = sorted(spans)
    if all(0 <= s <= e <= len(text) for s, e in ordered):  # joined, not one list per character
        parts, last = [], 0
        for s, e in ordered:
            s = max(s, last)
            if e > s:
                parts += [text[last:s], " " * (e - s)]
                last = e
        return "".join([*parts, text[last:]])
    chars = list(text)
    for s, e in spans:
        chars[s:e] = " " * (e - s)
    return "".join(chars)
