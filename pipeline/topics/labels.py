"""Topic keywords and short labels."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from pipeline.params import TopicsParams
from pipeline.topics.vocabulary import make_vectorizer

OUTLIER_LABEL = "Outliers (no topic)"


def _stem(token: str) -> str:
    """A crude plural-folding stem for label de-duplication ("challenges" -> "challenge")."""
    return (
        token[:-1] if len(token) > 3 and token.endswith("s") and not token.endswith("ss") else token
    )


def make_label(words: Sequence[str], n_words: int) -> str:
    """A short label: the first ``n_words`` keywords adding a new word, in lower case.

    A keyword whose words (plurals folded) are all in the label already is skipped
    ("challenges" after "challenge"); a phrase that contains a keyword already picked takes
    its place ("broadly positive" replaces "positive"). Never title-cased: "reading" would
    become "Reading", a council's name to the leak gate (and to a reader).
    """
    picked: list[str] = []
    covered: set[str] = set()
    for w in words:
        stems = {_stem(t) for t in w.split()}
        inside = [i for i, p in enumerate(picked) if {_stem(t) for t in p.split()} < stems]
        if not inside and stems <= covered:
            continue
        if inside:
            # the phrase takes the first place of the words it holds; the others go
            picked = [
                w if i == inside[0] else p for i, p in enumerate(picked) if i not in inside[1:]
            ]
        elif len(picked) == n_words:
            break
        else:
            picked.append(w)
        covered = {_stem(t) for p in picked for t in p.split()}
    return ", ".join(picked) if picked else "(no keywords)"


def topic_words(model: Any, topic: int) -> list[str]:
    """The topic's representation words in order (empty strings dropped)."""
    if model is None:
        return []
    words = model.get_topic(topic) or []
    return [w for w, _ in words if isinstance(w, str) and w.strip()]


def frequent_words(docs: list[str], labels: np.ndarray, params: TopicsParams) -> dict:
    """Most frequent terms per topic (ties by term): keywords when BERTopic cannot be fitted."""
    from collections import Counter

    analyse = make_vectorizer(params).build_analyzer()
    out: dict[int, list[str]] = {}
    for t in sorted(set(labels.tolist())):
        counts = Counter(w for d, lab in zip(docs, labels.tolist()) if lab == t for w in analyse(d))
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        out[t] = [w for w, _ in ranked[: params.top_words]]
    return out


def topic_keywords(
    model: Any, docs: list[str], topics: np.ndarray, params: TopicsParams
) -> dict[int, list[str]]:
    """Each topic's keywords: BERTopic's representation, else the most frequent terms."""
    if model is not None:
        return {t: topic_words(model, t) for t in sorted(set(topics.tolist()))}
    return frequent_words(docs, topics, params)


def topic_labels(words: dict[int, list[str]], n_words: int) -> dict[int, str]:
    """A short label per topic (:func:`make_label`); the outliers keep :data:`OUTLIER_LABEL`."""
    return {t: OUTLIER_LABEL if t == -1 else make_label(ws, n_words) for t, ws in words.items()}


def _in_sentence(phrase: str, sentence: str) -> bool:
    return re.search(rf"\b{re.escape(phrase)}\b", sentence) is not None


def phrase_label(words: Sequence[str], sentence: str, n_words: int, scan: int = 10) -> str:
    """A short phrase label from the keyphrases and the topic's most representative sentence.

    Of the first ``scan`` keyphrases, those that occur in the sentence come first (longer
    phrases before shorter, then in keyword order): they are what the topic's most typical
    segment is about, in the words it uses. Then :func:`make_label` picks ``n_words`` of them.
    """
    text = " ".join(str(sentence).lower().split())
    head = [w for w in list(words)[:scan] if w.strip() and _in_sentence(w.lower(), text)]
    order = {w: i for i, w in enumerate(words)}
    head = sorted(head, key=lambda w: (-len(w.split()), order[w]))
    rest = [w for w in words if w not in set(head)]
    return make_label([*head, *rest], n_words)


def supported_words(
    words: dict[int, list[str]], terms: list[set[str]], topics: np.ndarray, min_docs: int
) -> dict[int, list[str]]:
    """Each topic's keywords, those at least ``min_docs`` of its segments use first.

    A keyphrase from one segment only ("ahead everybody", "case press") says what that
    segment is about, not the topic: it stays a keyword and labels the topic only when too few
    keywords are used more widely.
    """
    out = {}
    for t, ws in words.items():
        mine = [terms[i] for i in np.flatnonzero(topics == t)]
        need = min(min_docs, len(mine))
        kept = [w for w in ws if sum(w in d for d in mine) >= need]
        out[t] = kept + [w for w in ws if w not in set(kept)]
    return out


def phrase_labels(
    words: dict[int, list[str]], sentences: dict[int, str], n_words: int
) -> dict[int, str]:
    """:func:`phrase_label` per topic; the outliers keep :data:`OUTLIER_LABEL`."""
    return {
        t: OUTLIER_LABEL if t == -1 else phrase_label(ws, sentences.get(t, ""), n_words)
        for t, ws in words.items()
    }
