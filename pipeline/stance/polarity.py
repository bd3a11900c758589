"""Polarity of a sentence: positive and negative evidence, clause by clause.

A segment is cut into sentences, and sentences into clauses at contrast markers ("but",
"however", "although", "the problem is", ...) and at semicolons and dashes. Each clause is
scored on its own by the adapted VADER lexicon (:class:`~pipeline.stance.lexicon.Lexicon`);
its positive part adds to the sentence's positive evidence and its negative part to the
negative evidence, so "the booking works okay, but the website is a lot of text" keeps both
poles instead of letting one cancel the other. A clause after a contrast marker weighs
``contrast_weight`` times as much (what follows "but" is what the speaker stresses). A non-
committal clause ("too early to say") adds nothing; a clause saying the view is mixed adds
:data:`MIXED_EVIDENCE` to both; a clause about how things were before ("Before, it was
emails and waiting three days") counts, halved, for the opposite pole (:data:`PAST_FACTOR`):
the change is the view.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.stance.lexicon import Lexicon

# what a "mixed" marker ("it's mixed, honestly") adds to each pole
MIXED_EVIDENCE = 0.4

_CONTRAST = re.compile(
    r"\b(?:but|however|although|though|whereas|except|that said|mind you|on the other hand"
    r"|the (?:only |big |real )?(?:problem|trouble|thing|issue|danger|risk|flip side|downside)"
    r" (?:is|was))\b",
    re.IGNORECASE,
)
_BREAK = re.compile(r"\s*(?:;|\s[\u2013\u2014]\s|\s--?\s|(?<=[.!?])\s+)\s*")
# a clause about how things were before ("Before, it was emails and waiting three days"):
# its view is of the past, so it counts, halved, for the opposite pole now
_PAST = re.compile(
    r"^(?:and |so |but )?(?:before(?: this| that| the \w+)?,|previously|in the past|back then"
    r"|it used to|we used to|they used to|there used to|people used to|i used to"
    r"|until (?:now|recently))",
    re.IGNORECASE,
)
PAST_FACTOR = -0.5
# a clause naming only another code's aspect ("... but the funding ran out", for a training
# code), in a text whose other clauses name the code's own aspect, weighs this much
OTHER_ASPECT_WEIGHT = 0.25
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Polarity:
    """Evidence for each pole of one text (both zero or more)."""

    positive: float
    negative: float


def clauses(text: str) -> list[tuple[str, bool]]:
    """``(clause, follows_contrast)`` pairs of ``text``, in order, empty clauses dropped."""
    out: list[tuple[str, bool]] = []
    for piece in _BREAK.split(text):
        last, after = 0, False
        for m in _CONTRAST.finditer(piece):
            out.append((piece[last : m.start()], after))
            last, after = m.end(), True
        out.append((piece[last:], after))
    return [(c.strip(" ,.;:"), a) for c, a in out if c.strip(" ,.;:")]


def _aspect_weights(
    parts: list[tuple[str, bool]], aspect: tuple[frozenset[str], frozenset[str]] | None
) -> list[float]:
    """:data:`OTHER_ASPECT_WEIGHT` for clauses naming only other codes' aspects, else 1."""
    if aspect is None:
        return [1.0] * len(parts)
    own, other = aspect
    words = [set(_WORD.findall(c.lower())) for c, _ in parts]
    if not any(w & own for w in words):
        return [1.0] * len(parts)
    return [OTHER_ASPECT_WEIGHT if (w & other and not w & own) else 1.0 for w in words]


def polarity(
    text: str,
    lexicon: Lexicon,
    contrast_weight: float = 1.5,
    aspect: tuple[frozenset[str], frozenset[str]] | None = None,
) -> Polarity:
    """Positive and negative evidence of ``text`` (see the module docstring).

    ``aspect`` is ``(own words, other codes' words)`` of the code the stance is towards:
    when a clause names the code's own aspect, clauses naming only another aspect weigh
    :data:`OTHER_ASPECT_WEIGHT` ("the training was excellent but the funding ran out" is
    positive towards training).
    """
    pos = neg = 0.0
    parts = clauses(text)
    for (clause, after), share in zip(parts, _aspect_weights(parts, aspect)):
        weight = (contrast_weight if after and share == 1.0 else 1.0) * share
        if lexicon.is_mixed(clause):
            pos += MIXED_EVIDENCE * weight
            neg += MIXED_EVIDENCE * weight
        if lexicon.is_hedge(clause):
            continue
        c = lexicon.compound(clause)
        if _PAST.match(clause):
            c *= PAST_FACTOR
        pos += max(c, 0.0) * weight
        neg += max(-c, 0.0) * weight
    return Polarity(round(pos, 6), round(neg, 6))


def decide(positive: float, negative: float, neutral_threshold: float, mixed_ratio: float) -> str:
    """The stance the evidence supports.

    ``neutral`` when neither pole reaches ``neutral_threshold``; ``mixed`` when both do and
    the weaker is at least ``mixed_ratio`` of the stronger; else the stronger pole.
    """
    strong, weak = max(positive, negative), min(positive, negative)
    if strong < neutral_threshold:
        return "neutral"
    if weak >= neutral_threshold and weak >= mixed_ratio * strong:
        return "mixed"
    return "positive" if positive > negative else "negative"


def net_score(positive: float, negative: float) -> float:
    """Net polarity in (-1, 1): ``(positive - negative) / (positive + negative + 1)``."""
    return round((positive - negative) / (positive + negative + 1.0), 4)
