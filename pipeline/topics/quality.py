"""Topic quality metrics: NPMI coherence and topic diversity."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np


def npmi_coherence(topic_words: Sequence[Sequence[str]], doc_terms: Sequence[set[str]]) -> float:
    """Mean NPMI over the word pairs of each topic, averaged over topics.

    Probabilities are document co-occurrence frequencies in ``doc_terms`` (the corpus itself).
    A pair that never co-occurs scores -1; a pair in every document scores 1. Topics with
    fewer than two words are skipped; nan when no topic can be scored.
    """
    n_docs = len(doc_terms)
    if n_docs == 0:
        return math.nan
    vocab = sorted({w for words in topic_words for w in words})
    index: dict[str, set[int]] = {w: set() for w in vocab}
    for i, terms in enumerate(doc_terms):
        for w in terms:
            if w in index:
                index[w].add(i)
    scores = []
    for words in topic_words:
        words = list(dict.fromkeys(words))
        if len(words) < 2:
            continue
        pair_scores = []
        for a, b in itertools.combinations(words, 2):
            na, nb = len(index[a]), len(index[b])
            nab = len(index[a] & index[b])
            if nab == 0 or na == 0 or nb == 0:
                pair_scores.append(-1.0)
                continue
            pab = nab / n_docs
            if pab >= 1.0:
                pair_scores.append(1.0)
                continue
            pmi = math.log(pab / ((na / n_docs) * (nb / n_docs)))
            pair_scores.append(pmi / -math.log(pab))
        scores.append(float(np.mean(pair_scores)))
    return float(np.mean(scores)) if scores else math.nan


def topic_diversity(topic_words: Sequence[Sequence[str]]) -> float:
    """Share of unique words among all topics' listed words (1: no word shared)."""
    words = [w for ws in topic_words for w in ws]
    return len(set(words)) / len(words) if words else math.nan
