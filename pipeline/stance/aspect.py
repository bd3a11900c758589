"""Which sentences of a turn speak about a code's aspect, and what the codebook implies.

- **Centroids**: a code is represented, as the semantic coder represents it, by the
  normalised mean of its material's vectors (``label: definition``, include criteria,
  examples) from the ``embed_codebook`` stage's table, so no model is loaded here.
- **Relevance**: a segment's cosine similarity to the centroid.
- **Weights** (:func:`segment_weights`): a turn with one code counts every segment fully;
  with several codes, a sentence counts fully for the code it is most relevant to and less
  for the others, by how far its relevance to them falls short, so a sentence about
  measurement counts little towards "outcomes for families". A short
  opening sentence ("Stretched.", "Really good, actually.") answers the interviewer's
  question directly and carries no topic words: it weighs at least ``opening_weight`` for
  every code of the turn.
- **Priors**: a code whose examples are consistently worded one way ("the data was a
  nightmare" for a data-quality challenge) has a valence prior: ``PRIOR_SCALE`` times the
  mean sign of its examples' polarity (an example of weak polarity counts as 0); a weak
  reading of a turn leans towards it.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipeline.codebook import Codebook
from pipeline.similarity import similarity
from pipeline.stance.lexicon import EVALUATIVE_LABEL_WORDS, Lexicon
from pipeline.stance.polarity import polarity

_MATERIAL_KINDS = ("definition", "include", "example")
# an example counts towards its code's prior when its net polarity reaches PRIOR_MIN; the
# prior is PRIOR_SCALE times the mean sign of the examples (-0.3 to 0.3)
PRIOR_MIN = 0.05
PRIOR_SCALE = 0.3


def centroids(vectors: pd.DataFrame, code_ids: list[str]) -> np.ndarray:
    """One unit row per code of ``code_ids`` (zeros for a code without vectors), float32.

    ``vectors`` is the ``codebook_vectors`` table (``code_id``, ``kind``, ``vector``).
    """
    keep = vectors[vectors["kind"].isin(_MATERIAL_KINDS) & vectors["code_id"].notna()]
    dim = len(keep["vector"].iloc[0]) if len(keep) else 0
    out = np.zeros((len(code_ids), dim), dtype=np.float32)
    groups = {c: g for c, g in keep.groupby("code_id", sort=True)}
    for j, code in enumerate(code_ids):
        if code in groups:
            mean = np.stack(groups[code]["vector"].to_numpy()).astype(np.float32).mean(axis=0)
            norm = float(np.linalg.norm(mean))
            out[j] = mean / norm if norm > 0 else mean
    return out


def relevance(embeddings: np.ndarray, cents: np.ndarray) -> np.ndarray:
    """Cosine similarity of each segment (unit rows) to each code, shape (segments, codes)."""
    if cents.shape[1] == 0 or len(embeddings) == 0:
        return np.zeros((len(embeddings), len(cents)), dtype=np.float32)
    return similarity(embeddings, cents)


def segment_weights(
    rel: np.ndarray,
    code: int,
    others: list[int],
    opening: np.ndarray,
    *,
    temperature: float,
    opening_weight: float,
) -> np.ndarray:
    """Weight of each segment of one turn for one of its codes (see the module docstring).

    A turn with one code: every segment weighs 1 (the turn was coded as a whole). With
    several codes, a segment weighs 1 for the code it is most relevant to and
    ``exp(-(gap) / temperature)`` for the others, ``gap`` being how far its relevance to them
    falls short: a sentence counts for every code it speaks to about as much as its best.
    A short opening answer weighs at least ``opening_weight``.

    Args:
        rel: relevance of the turn's segments, shape (segments, codes).
        code: the code's column.
        others: the columns of the turn's other codes.
        opening: whether each segment is a short opening answer.
        temperature: softmax temperature (smaller: sharper sharing).
        opening_weight: the least a short opening answer weighs.
    """
    if not others:
        w = np.ones(len(rel), dtype=np.float64)
    else:
        logits = rel[:, [code, *others]].astype(np.float64) / max(temperature, 1e-6)
        logits -= logits.max(axis=1, keepdims=True)
        w = np.exp(logits[:, 0])
    return np.where(opening, np.maximum(w, opening_weight), w)


def priors(book: Codebook, lexicon: Lexicon, contrast_weight: float) -> dict[str, float]:
    """Each leaf code's valence prior: ``PRIOR_SCALE`` times its examples' mean polarity sign.

    A code without examples is judged on its definition.
    """
    out: dict[str, float] = {}
    for code in book.leaves():
        texts = code.examples or [code.definition]
        nets = [
            p.positive - p.negative for p in (polarity(t, lexicon, contrast_weight) for t in texts)
        ]
        signs = [np.sign(n) if abs(n) >= PRIOR_MIN else 0.0 for n in nets]
        out[code.id] = round(PRIOR_SCALE * float(np.mean(signs)), 4)
    return out


def label_words(book: Codebook) -> set[str]:
    """The words of every code's label (the names of the aspects), less the evaluative ones.

    "Data *sharing*" and "Openness and *trust*" name aspects: masked. "Sharing *good*
    practice" and "*Improved* practice" carry a view that respondents use too
    (:data:`~pipeline.stance.lexicon.EVALUATIVE_LABEL_WORDS`): kept.
    """
    words = {w.lower() for c in book.codes for w in re.findall(r"[A-Za-z]+", c.label)}
    return words - EVALUATIVE_LABEL_WORDS


_STOP = frozenset("and or of the a an for to with in on between into after more than".split())


def aspect_words(book: Codebook) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Per leaf code: the words naming its aspect (label and keywords) and the other codes'.

    Stop words and the evaluative label words are left out; a word two codes share names
    neither apart, so it is in neither set.
    """
    own: dict[str, set[str]] = {}
    for code in book.leaves():
        text = " ".join([code.label, *code.keywords]).lower()
        own[code.id] = set(re.findall(r"[a-z]+", text)) - _STOP - EVALUATIVE_LABEL_WORDS
    count: dict[str, int] = {}
    for words in own.values():
        for w in words:
            count[w] = count.get(w, 0) + 1
    unique = {c: frozenset(w for w in ws if count[w] == 1) for c, ws in own.items()}
    every = frozenset().union(*unique.values()) if unique else frozenset()
    return {c: (ws, every - ws) for c, ws in unique.items()}
