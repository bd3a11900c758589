"""Topics stage: emergent topics with BERTopic, set against the codebook.

Segments (all of them, or the "residual" ones that no code explains) are clustered on their
cached embeddings: UMAP then HDBSCAN, both built here from ``params.yaml`` and seeded, with
parameters scaled to the corpus size and a k-means fallback (k chosen by silhouette) for small
corpora or when HDBSCAN finds fewer than two topics or leaves too many outliers. BERTopic is
then fitted on those assignments (manual clustering: ``BaseDimensionalityReduction`` and
``BaseCluster``) to get c-TF-IDF keywords with MMR diversity, reduce outliers with one of its
own strategies and draw its interactive maps. Each topic gets a short label, three
representative quotes, and the share of its segments carrying each code; topics that no code
explains well are listed as "emergent" (see ``docs/adr/0009-emergent-topics.md``).

:func:`fit_topics` is pure (DataFrames and arrays in, tables out, plus the fitted model);
:func:`main` does the file I/O.
"""

from __future__ import annotations

import contextlib
import html
import itertools
import logging
import math
import re
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer

from pipeline.errors import QualevalError
from pipeline.io import atomic_outputs, write_json
from pipeline.params import TopicsParams, load_params

log = logging.getLogger(__name__)

TOPIC_COLUMNS = (
    "topic_id",
    "label",
    "keywords",
    "n_segments",
    "n_interviews",
    "share",
    "top_code_id",
    "top_code_share",
    "coded_share",
    "emergent",
)
TOPIC_DTYPES = {
    "topic_id": "int32",
    "label": "string",
    "keywords": "string",
    "n_segments": "int32",
    "n_interviews": "int32",
    "share": "float64",
    "top_code_id": "string",
    "top_code_share": "float64",
    "coded_share": "float64",
    "emergent": "bool",
}
SEGMENT_TOPIC_COLUMNS = (
    "segment_id",
    "interview_id",
    "turn_index",
    "topic_id",
    "initial_topic_id",
    "probability",
)
QUOTE_COLUMNS = ("topic_id", "rank", "segment_id", "interview_id", "turn_index", "text")
TOPIC_CODE_COLUMNS = ("topic_id", "code_id", "n_segments", "share")
EMERGENT_COLUMNS = (
    "topic_id",
    "label",
    "keywords",
    "n_segments",
    "n_interviews",
    "top_code_id",
    "top_code_share",
    "coded_share",
    "reason",
)
OUTLIER_LABEL = "Outliers (no topic)"

# Spoken-transcript fillers. Phrases are cut from the text before the vectoriser sees it (a
# stop-word list only removes single tokens); single words join sklearn's English stop words.
FILLER_PHRASES = (
    "you know",
    "i mean",
    "sort of",
    "kind of",
    "a bit",
    "a lot",
    "you see",
    "i suppose",
    "i guess",
    "to be honest",
    "at the end of the day",
    "in terms of",
)
FILLER_WORDS = (
    "er",
    "erm",
    "um",
    "umm",
    "uh",
    "uhm",
    "ah",
    "oh",
    "mm",
    "mmm",
    "hmm",
    "yeah",
    "yep",
    "yes",
    "okay",
    "ok",
    "like",
    "right",
    "well",
    "just",
    "really",
    "actually",
    "basically",
    "literally",
    "obviously",
    "honestly",
    "frankly",
    "think",
    "thought",
    "know",
    "mean",
    "sort",
    "kind",
    "lot",
    "lots",
    "bit",
    "thing",
    "things",
    "stuff",
    "quite",
    "pretty",
    "got",
    "get",
    "getting",
    "going",
    "gonna",
    "wanna",
    "say",
    "said",
    "saying",
    "way",
    "did",
    "does",
    "doing",
    "want",
    "came",
    "come",
    "bloody",
    "maybe",
    "probably",
    "certainly",
    "definitely",
    "absolutely",
    "course",
    "good",
    "great",
    "little",
    "sorry",
    "thank",
    "thanks",
    "cheers",
    "bye",
    "hello",
    "hi",
    "ha",
    "haha",
    "don't",
    "doesn't",
    "didn't",
    "isn't",
    "wasn't",
    "weren't",
    "aren't",
    "can't",
    "couldn't",
    "wouldn't",
    "shouldn't",
    "won't",
    "haven't",
    "hasn't",
    "hadn't",
    "it's",
    "that's",
    "there's",
    "here's",
    "what's",
    "who's",
    "let's",
    "we're",
    "we've",
    "we'd",
    "we'll",
    "i'm",
    "i've",
    "i'd",
    "i'll",
    "you're",
    "you've",
    "you'd",
    "you'll",
    "they're",
    "they've",
    "they'd",
    "they'll",
    "he's",
    "she's",
)
# Words of the anonymisation placeholders ("[Person 3]", "[Council B]", "[NI number]"): the
# bracketed placeholders are cut from the text, and the words are stop words as well, so a
# topic's keywords never show a placeholder as a word.
PLACEHOLDER_WORDS = (
    "person",
    "people's",
    "council",
    "councils",
    "place",
    "organisation",
    "organization",
    "email",
    "phone",
    "postcode",
    "ni",
    "number",
    "url",
    "date",
    "reference",
    "demographic",
    "amount",
)
_PLACEHOLDER = re.compile(r"\[[^\[\]\n]{1,80}\]")
_FILLER_RE = re.compile(
    r"\b(?:"
    + "|".join(re.escape(p) for p in sorted(FILLER_PHRASES, key=len, reverse=True))
    + r")\b"
)
_POSSESSIVE = re.compile(r"(?<=\w)'s\b")
# contractions ("we've", "I'll", "didn't") say nothing about a topic: cut whole
_CONTRACTION = re.compile(r"\b[^\W\d_]+'(?:ve|ll|d|re|m|t)\b")
# words of two or more letters, with an inner apostrophe ("don't"); no digits
TOKEN_PATTERN = r"(?u)\b(?:[^\W\d_]+'[^\W\d_]+|[^\W\d_]{2,})\b"
_PLOTLY_ID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", flags=re.IGNORECASE
)


# --- text for the vectoriser -----------------------------------------------------------------


def clean_text(text: str) -> str:
    """Text for c-TF-IDF: lower case, no placeholders, no filler phrases, no possessive 's."""
    text = str(text).replace("’", "'").replace("‘", "'")
    text = _PLACEHOLDER.sub(" ", text).lower()
    text = _FILLER_RE.sub(" ", text)
    text = _POSSESSIVE.sub("", text)
    text = _CONTRACTION.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def stop_words(extra: Sequence[str] = ()) -> list[str]:
    """The English stop words of sklearn, transcript fillers, placeholder words, ``extra``."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = set(ENGLISH_STOP_WORDS) | set(FILLER_WORDS) | set(PLACEHOLDER_WORDS)
    words |= {w.lower() for w in extra}
    return sorted(words)


def make_vectorizer(params: TopicsParams, n_topics: int | None = None) -> Any:
    """The CountVectorizer of the c-TF-IDF step, built from ``params``."""
    from sklearn.feature_extraction.text import CountVectorizer

    min_df = params.min_df
    if n_topics is not None and isinstance(min_df, int):
        # BERTopic fits the vectoriser on one document per topic
        min_df = max(1, min(min_df, n_topics - 1))
    return CountVectorizer(
        lowercase=True,
        token_pattern=TOKEN_PATTERN,
        stop_words=stop_words(params.extra_stop_words),
        ngram_range=tuple(params.ngram_range),
        min_df=min_df,
    )


# --- clustering ------------------------------------------------------------------------------


@dataclass
class Clustering:
    """Initial topic assignments of one clustering run."""

    labels: np.ndarray
    probabilities: np.ndarray
    method: str
    fallback_used: bool
    reason: str = ""
    settings: dict[str, Any] = field(default_factory=dict)


def scaled_settings(n: int, params: TopicsParams) -> dict[str, Any]:
    """Clustering settings for a corpus of ``n`` segments (documented in params.yaml).

    * ``min_cluster_size``: ``topics.min_topic_size``, or when null
      ``round(min_topic_share * n)`` clipped to [``min_topic_floor``, ``min_topic_ceiling``];
    * ``min_samples``: ``topics.min_samples``, or when null ``min_cluster_size`` (HDBSCAN's
      own default: conservative clusters, which outlier reduction then completes);
    * UMAP ``n_neighbors`` at most ``n - 1`` and ``n_components`` at most ``n - 2``.
    """
    if params.min_topic_size is not None:
        mcs = params.min_topic_size
    else:
        mcs = round(params.min_topic_share * n)
        mcs = min(max(mcs, params.min_topic_floor), params.min_topic_ceiling)
    mcs = max(2, min(mcs, max(2, n // 2)))
    ms = params.min_samples if params.min_samples is not None else mcs
    return {
        "min_cluster_size": int(mcs),
        "min_samples": int(min(ms, mcs)),
        "n_neighbors": int(max(2, min(params.n_neighbors, n - 1))),
        "n_components": int(max(2, min(params.n_components, n - 2))),
    }


def kmeans_topics(
    embeddings: np.ndarray, seed: int, k_min: int, k_max: int
) -> tuple[np.ndarray, int, float]:
    """k-means on the embeddings with k chosen by cosine silhouette (smallest k among ties).

    Returns:
        (labels, k, silhouette); one topic (silhouette nan) when there are fewer than three
        segments.
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    n = len(embeddings)
    hi = min(k_max, n - 1)
    if n < 3 or hi < max(2, k_min):
        return np.zeros(n, dtype=np.int64), 1, math.nan
    best: tuple[float, int, np.ndarray] | None = None
    for k in range(max(2, k_min), hi + 1):
        km = KMeans(n_clusters=k, random_state=seed, n_init=10)
        labels = km.fit_predict(embeddings.astype(np.float64))
        if len(set(labels.tolist())) < 2:
            continue
        score = round(float(silhouette_score(embeddings, labels, metric="cosine")), 6)
        if best is None or score > best[0]:
            best = (score, k, labels)
    if best is None:
        return np.zeros(n, dtype=np.int64), 1, math.nan
    score, k, labels = best
    return _relabel_by_size(labels), k, score


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0..k-1 by decreasing size (ties: first occurrence); -1 stays."""
    labels = np.asarray(labels)
    ids = [x for x in dict.fromkeys(labels.tolist()) if x != -1]
    sizes = {x: int((labels == x).sum()) for x in ids}
    order = sorted(ids, key=lambda x: (-sizes[x], ids.index(x)))
    mapping = {old: new for new, old in enumerate(order)}
    mapping[-1] = -1
    return np.array([mapping[x] for x in labels.tolist()], dtype=np.int64)


def _centroids(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Unit-length mean embedding of each topic, rows in topic order (-1 first if present)."""
    rows = []
    for t in sorted(set(labels.tolist())):
        c = embeddings[labels == t].astype(np.float64).mean(axis=0)
        rows.append(c / (np.linalg.norm(c) or 1.0))
    return np.array(rows)


def _centroid_similarity(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Cosine of each segment to its topic's centroid (clipped at 0; 0 for outliers)."""
    out = np.zeros(len(labels), dtype=np.float64)
    for t in sorted(set(labels.tolist()) - {-1}):
        mask = labels == t
        c = embeddings[mask].astype(np.float64).mean(axis=0)
        norm = np.linalg.norm(c)
        if norm > 0:
            out[mask] = np.clip(embeddings[mask].astype(np.float64) @ (c / norm), 0.0, 1.0)
    return out


def cluster_segments(embeddings: np.ndarray, params: TopicsParams, seed: int) -> Clustering:
    """Initial topics: UMAP + HDBSCAN, or the k-means fallback (never raises on tiny input)."""
    n = len(embeddings)
    settings = scaled_settings(n, params)
    if n == 0:
        return Clustering(np.zeros(0, np.int64), np.zeros(0), "none", False, "no segments", {})

    def fallback(reason: str) -> Clustering:
        labels, k, sil = kmeans_topics(embeddings, seed, params.k_min, params.k_max)
        settings.update({"k": k, "silhouette": None if math.isnan(sil) else sil})
        probs = _centroid_similarity(embeddings, labels)
        return Clustering(labels, probs, "kmeans", params.method != "kmeans", reason, settings)

    if params.method == "kmeans":
        return fallback("topics.method is kmeans")
    if n < params.min_segments_hdbscan:
        return fallback(
            f"{n} segments < topics.min_segments_hdbscan ({params.min_segments_hdbscan})"
        )
    try:
        reduced = _umap(embeddings, settings, params, seed)
        labels, probs = _hdbscan(reduced, settings, params)
    except Exception as exc:  # a numerical failure on odd input must not stop the run
        log.warning("UMAP/HDBSCAN failed (%s); using the k-means fallback", type(exc).__name__)
        return fallback(f"UMAP/HDBSCAN failed ({type(exc).__name__})")
    n_topics = len(set(labels.tolist()) - {-1})
    outlier_share = float((labels == -1).mean())
    if n_topics < 2:
        return fallback(f"HDBSCAN found {n_topics} topic(s)")
    if outlier_share > params.max_outlier_share:
        return fallback(
            f"HDBSCAN left {outlier_share:.0%} outliers > topics.max_outlier_share "
            f"({params.max_outlier_share:.0%})"
        )
    return Clustering(_relabel_by_size(labels), probs, "hdbscan", False, "", settings)


def _umap(embeddings: np.ndarray, settings: dict, params: TopicsParams, seed: int) -> np.ndarray:
    """UMAP on exact cosine neighbours (sklearn, brute force), seeded and single-threaded.

    Precomputing the neighbours skips pynndescent, whose numba compilation alone takes
    about 40 s in a fresh process on corpora over 4,096 segments; exact neighbours are also
    deterministic.
    """
    from sklearn.neighbors import NearestNeighbors
    from umap import UMAP

    k = settings["n_neighbors"]
    nn = NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute", n_jobs=1)
    dist, idx = nn.fit(embeddings).kneighbors(embeddings)
    dist = np.clip(dist, 0.0, None).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = UMAP(
            n_neighbors=k,
            n_components=settings["n_components"],
            min_dist=params.min_dist,
            metric="cosine",
            random_state=seed,
            n_jobs=1,
            low_memory=True,
            precomputed_knn=(idx, dist, None),
        )
        return np.asarray(model.fit_transform(embeddings), dtype=np.float64)


def _hdbscan(reduced: np.ndarray, settings: dict, params: TopicsParams) -> tuple:
    from hdbscan import HDBSCAN

    model = HDBSCAN(
        min_cluster_size=settings["min_cluster_size"],
        min_samples=settings["min_samples"],
        metric="euclidean",
        cluster_selection_method=params.cluster_selection_method,
        core_dist_n_jobs=1,
    )
    model.fit(reduced)
    return np.asarray(model.labels_, dtype=np.int64), np.asarray(model.probabilities_, float)


# --- BERTopic: representations and outlier reduction -----------------------------------------


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence BERTopic's and sklearn's chatter (warnings about manual topics, stop words)."""
    bt = logging.getLogger("BERTopic")
    level = bt.level
    bt.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        bt.setLevel(level)


def _batched_mmr(diversity: float, top_n_words: int) -> Any:
    """BERTopic's MaximalMarginalRelevance, embedding all topics' words in one batch.

    Same selection as the original (which embeds each topic's words separately): a topic's
    candidate words and their joined text are embedded, ``bertopic.representation._mmr.mmr``
    picks ``top_n_words`` of them, and they keep their c-TF-IDF order.
    """
    from bertopic.representation import MaximalMarginalRelevance
    from bertopic.representation._mmr import mmr

    class BatchedMMR(MaximalMarginalRelevance):
        def extract_topics(self, topic_model, documents, c_tf_idf, topics):
            if topic_model.embedding_model is None:
                return topics
            lists = {t: [w for w, _ in tw] for t, tw in topics.items()}
            texts = list(
                dict.fromkeys(
                    [w for ws in lists.values() for w in ws]
                    + [" ".join(ws) for ws in lists.values()]
                )
            )
            vecs = topic_model._extract_embeddings(texts, method="word", verbose=False)
            row = {text: i for i, text in enumerate(texts)}
            out = {}
            for t, words in lists.items():
                word_vecs = vecs[[row[w] for w in words]]
                topic_vec = vecs[row[" ".join(words)]].reshape(1, -1)
                n = min(self.top_n_words, len(words))
                chosen = set(mmr(topic_vec, word_vecs, words, self.diversity, n))
                out[t] = [(w, v) for w, v in topics[t] if w in chosen]
            return out

    return BatchedMMR(diversity=diversity, top_n_words=top_n_words)


def _bertopic(
    docs: list[str],
    embeddings: np.ndarray,
    labels: np.ndarray,
    params: TopicsParams,
    encoder: Any | None,
) -> Any:
    """BERTopic fitted on given assignments (manual clustering): c-TF-IDF only."""
    from bertopic import BERTopic
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction
    from bertopic.vectorizers import ClassTfidfTransformer

    model = BERTopic(
        embedding_model=encoder,
        umap_model=BaseDimensionalityReduction(),
        hdbscan_model=BaseCluster(),
        vectorizer_model=make_vectorizer(params, len(set(labels.tolist()))),
        ctfidf_model=ClassTfidfTransformer(reduce_frequent_words=True),
        representation_model=None,
        top_n_words=params.top_words,
        calculate_probabilities=False,
        verbose=False,
    )
    with _quiet():
        model.fit(docs, embeddings=embeddings, y=np.asarray(labels, dtype=np.int64))
    return model


def reduce_outliers(
    model: Any,
    docs: list[str],
    embeddings: np.ndarray,
    labels: np.ndarray,
    params: TopicsParams,
) -> np.ndarray:
    """Reassign outliers with BERTopic's ``reduce_outliers`` (``topics.outlier_strategy``)."""
    labels = np.asarray(labels, dtype=np.int64)
    if params.outlier_strategy == "none" or not (labels == -1).any() or (labels != -1).sum() == 0:
        return labels.copy()
    with _quiet():
        new = model.reduce_outliers(
            docs,
            labels.tolist(),
            strategy=params.outlier_strategy,
            threshold=params.outlier_threshold,
            embeddings=embeddings if params.outlier_strategy == "embeddings" else None,
        )
    return np.asarray(new, dtype=np.int64)


@dataclass
class Assignment:
    """Topic assignments of one seed, before and after outlier reduction."""

    clustering: Clustering
    initial: np.ndarray
    final: np.ndarray
    model: Any


def assign_topics(
    docs: list[str],
    embeddings: np.ndarray,
    params: TopicsParams,
    seed: int,
    encoder: Any | None,
) -> Assignment:
    """Cluster, fit BERTopic on the clusters, reduce outliers and refresh the representations."""
    clustering = cluster_segments(embeddings, params, seed)
    if len(set(clustering.labels.tolist())) < 2:
        # one group: c-TF-IDF has nothing to contrast (BERTopic fails on it)
        return Assignment(clustering, clustering.labels, clustering.labels.copy(), None)
    try:
        model = _bertopic(docs, embeddings, clustering.labels, params, encoder)
    except Exception as exc:  # e.g. an empty vocabulary: every word a stop word
        log.warning("BERTopic could not describe the topics (%s)", type(exc).__name__)
        return Assignment(clustering, clustering.labels, clustering.labels.copy(), None)
    initial = np.asarray(model.topics_, dtype=np.int64)
    final = reduce_outliers(model, docs, embeddings, initial, params)
    with_mmr = encoder is not None and params.mmr_diversity > 0
    if with_mmr or not np.array_equal(final, initial):
        with _quiet():
            model.update_topics(
                docs,
                topics=final.tolist(),
                top_n_words=params.top_words,
                vectorizer_model=make_vectorizer(params, len(set(final.tolist()))),
                ctfidf_model=model.ctfidf_model,
                representation_model=(
                    _batched_mmr(params.mmr_diversity, params.top_words) if with_mmr else None
                ),
            )
    model.topic_embeddings_ = _centroids(embeddings, final)
    return Assignment(clustering, initial, final, model)


# --- metrics ---------------------------------------------------------------------------------


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


def stability_ari(assignments: Sequence[np.ndarray]) -> float | None:
    """Mean adjusted Rand index over all pairs of assignments (None for fewer than two)."""
    from sklearn.metrics import adjusted_rand_score

    if len(assignments) < 2:
        return None
    pairs = list(itertools.combinations(assignments, 2))
    return float(np.mean([adjusted_rand_score(a, b) for a, b in pairs]))


def doc_terms(docs: Sequence[str], params: TopicsParams) -> list[set[str]]:
    """The vectoriser's terms (words and n-grams) of each cleaned document."""
    analyse = make_vectorizer(params).build_analyzer()
    return [set(analyse(d)) for d in docs]


# --- tables ----------------------------------------------------------------------------------


def select_segments(
    segments: pd.DataFrame,
    embeddings: np.ndarray,
    segment_codes: pd.DataFrame,
    mode: str,
) -> tuple[pd.DataFrame, np.ndarray]:
    """All segments, or the residual ones (no row in the segment codes)."""
    if mode == "all":
        keep = np.ones(len(segments), dtype=bool)
    else:
        coded = set(segment_codes["segment_id"].astype(str))
        keep = ~segments["segment_id"].astype(str).isin(coded).to_numpy()
    return segments.loc[keep].reset_index(drop=True), embeddings[keep]


def topic_code_table(assign: pd.DataFrame, segment_codes: pd.DataFrame) -> pd.DataFrame:
    """Long form topic x code: segments of each topic carrying each code, and their share.

    Args:
        assign: ``segment_id`` and ``topic_id`` of the modelled segments.
        segment_codes: one row per (segment, code) applied (``segment_id``, ``code_id``).
    """
    sizes = assign.groupby("topic_id")["segment_id"].nunique()
    codes = segment_codes[["segment_id", "code_id"]].astype(str).drop_duplicates()
    merged = assign[["segment_id", "topic_id"]].merge(codes, on="segment_id", how="inner")
    if merged.empty:
        out = pd.DataFrame(columns=list(TOPIC_CODE_COLUMNS))
    else:
        out = (
            merged.groupby(["topic_id", "code_id"])["segment_id"]
            .nunique()
            .rename("n_segments")
            .reset_index()
        )
        out["share"] = out["n_segments"] / out["topic_id"].map(sizes)
        out = out.sort_values(
            ["topic_id", "n_segments", "code_id"], ascending=[True, False, True], kind="mergesort"
        )
    return out.reset_index(drop=True).astype(
        {"topic_id": "int32", "code_id": "string", "n_segments": "int32", "share": "float64"}
    )[list(TOPIC_CODE_COLUMNS)]


def _stem(token: str) -> str:
    """A crude plural-folding stem for label de-duplication ("challenges" -> "challenge")."""
    return (
        token[:-1] if len(token) > 3 and token.endswith("s") and not token.endswith("ss") else token
    )


def make_label(words: Sequence[str], n_words: int) -> str:
    """A short label: the first ``n_words`` keywords adding a new word, in lower case.

    A keyword whose words (plurals folded) are all in the label already is skipped
    ("challenges" after "challenge"). Never title-cased: "reading" would become "Reading", a
    council's name to the leak gate (and to a reader).
    """
    picked: list[str] = []
    covered: set[str] = set()
    for w in words:
        stems = {_stem(t) for t in w.split()}
        if stems <= covered:
            continue
        picked.append(w)
        covered |= stems
        if len(picked) == n_words:
            break
    return ", ".join(picked) if picked else "(no keywords)"


def representative_quotes(
    seg: pd.DataFrame, embeddings: np.ndarray, topics: np.ndarray, n_quotes: int
) -> pd.DataFrame:
    """The ``n_quotes`` segments closest (cosine) to each topic's centroid; ties by segment id."""
    rows = []
    for t in sorted(set(topics.tolist()) - {-1}):
        idx = np.flatnonzero(topics == t)
        vecs = embeddings[idx].astype(np.float64)
        c = vecs.mean(axis=0)
        c /= np.linalg.norm(c) or 1.0
        sims = np.round(vecs @ c, 9)
        order = sorted(range(len(idx)), key=lambda j: (-sims[j], seg["segment_id"].iat[idx[j]]))
        seen: set[str] = set()
        rank = 0
        for j in order:
            row = seg.iloc[idx[j]]
            key = " ".join(str(row["text"]).lower().split())
            if key in seen:
                continue
            seen.add(key)
            rank += 1
            rows.append(
                (t, rank, row["segment_id"], row["interview_id"], row["turn_index"], row["text"])
            )
            if rank == n_quotes:
                break
    out = pd.DataFrame(rows, columns=list(QUOTE_COLUMNS))
    return out.astype(
        {
            "topic_id": "int32",
            "rank": "int32",
            "segment_id": "string",
            "interview_id": "string",
            "turn_index": "int32",
            "text": "string",
        }
    )


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


@dataclass
class TopicsResult:
    """Everything the topics stage writes, plus the fitted model for the visualisations."""

    topics: pd.DataFrame
    segment_topics: pd.DataFrame
    quotes: pd.DataFrame
    topic_codes: pd.DataFrame
    emergent: pd.DataFrame
    metrics: dict[str, Any]
    model: Any = None
    labels: dict[int, str] = field(default_factory=dict)


def fit_topics(
    segments: pd.DataFrame,
    embeddings: np.ndarray,
    segment_codes: pd.DataFrame,
    params: TopicsParams,
    *,
    code_labels: dict[str, str] | None = None,
    encoder: Any | None = None,
) -> TopicsResult:
    """Emergent topics of the segments (pure: no file I/O).

    Args:
        segments: the segments table (``segment_id``, ``interview_id``, ``turn_index``, ``text``).
        embeddings: one L2-normalised row per segment, same order.
        segment_codes: applied codes (``segment_id``, ``code_id``); may be empty.
        params: the ``topics`` block.
        code_labels: code id -> label, for the emergent topics' reasons.
        encoder: a sentence-transformers model for MMR's word embeddings (None: no MMR).
    """
    code_labels = code_labels or {}
    if len(segments) != len(embeddings):
        raise QualevalError(
            f"embeddings: {len(embeddings)} rows for {len(segments)} segments; re-run the embed "
            "stage (`dvc repro embed`)"
        )
    n_all = len(segments)
    seg, emb = select_segments(segments, embeddings, segment_codes, params.segments)
    emb = np.ascontiguousarray(emb, dtype=np.float32)
    docs = [clean_text(t) for t in seg["text"].astype(str)]
    n = len(seg)

    started = time.perf_counter()
    if n == 0:
        main = None
        initial = final = np.zeros(0, dtype=np.int64)
        model = None
    else:
        main = assign_topics(docs, emb, params, params.seed, encoder)
        initial, final, model = main.initial, main.final, main.model
    fit_seconds = time.perf_counter() - started

    # stability: the same pipeline with other seeds (no MMR: assignments only)
    runs = [final]
    for k in range(1, params.stability_seeds if n else 0):
        other = assign_topics(docs, emb, params, params.seed + k, None)
        runs.append(other.final)
    ari = stability_ari(runs) if len(runs) >= 2 else None

    probability = _probabilities(main, emb, initial, final)
    seg_topics = pd.DataFrame(
        {
            "segment_id": seg["segment_id"].astype("string"),
            "interview_id": seg["interview_id"].astype("string"),
            "turn_index": seg["turn_index"].astype("int32"),
            "topic_id": final.astype("int32"),
            "initial_topic_id": initial.astype("int32"),
            "probability": np.round(probability, 6).astype("float64"),
        }
    )[list(SEGMENT_TOPIC_COLUMNS)]

    if model is not None:
        words = {t: topic_words(model, t) for t in sorted(set(final.tolist()))}
    else:
        words = frequent_words(docs, final, params)
    labels = {
        t: OUTLIER_LABEL if t == -1 else make_label(ws, params.label_words)
        for t, ws in words.items()
    }
    topic_codes = topic_code_table(seg_topics[["segment_id", "topic_id"]], segment_codes)
    coded = set(segment_codes["segment_id"]) if len(segment_codes) else set()
    topics = _topics_table(seg_topics, words, labels, topic_codes, params, n_all, coded)
    emergent = _emergent_table(topics, params, code_labels)
    quotes = representative_quotes(seg, emb, final, params.n_quotes)

    scored = [ws for t, ws in words.items() if t != -1]
    metrics = {
        "segments_mode": params.segments,
        "n_segments": int(n),
        "n_segments_all": int(n_all),
        "n_topics": len(set(final.tolist()) - {-1}),
        "n_emergent": len(emergent),
        "outlier_share_before": _share(initial == -1),
        "outlier_share_after": _share(final == -1),
        "npmi": _round(npmi_coherence([w[:10] for w in scored], doc_terms(docs, params))),
        "diversity": _round(topic_diversity([w[: params.diversity_words] for w in scored])),
        "stability_ari": _round(ari),
        "stability_seeds": len(runs),
        "fit_seconds": round(fit_seconds, 3),
        "method": main.clustering.method if main else "none",
        "fallback_used": bool(main.clustering.fallback_used) if main else False,
        "fallback_reason": main.clustering.reason if main else "no segments",
        "settings": main.clustering.settings if main else {},
    }
    return TopicsResult(topics, seg_topics, quotes, topic_codes, emergent, metrics, model, labels)


def _share(mask: np.ndarray) -> float:
    return round(float(mask.mean()), 6) if len(mask) else 0.0


def _round(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(x, 4)


def _probabilities(
    main: Assignment | None, emb: np.ndarray, initial: np.ndarray, final: np.ndarray
) -> np.ndarray:
    """HDBSCAN membership strength where HDBSCAN placed the segment, else centroid cosine."""
    if main is None:
        return np.zeros(0, dtype=np.float64)
    sim = _centroid_similarity(emb, final)
    if main.clustering.method != "hdbscan":
        return sim
    probs = np.asarray(main.clustering.probabilities, dtype=np.float64)
    kept = (initial != -1) & (initial == final)
    return np.where(kept, probs, sim)


def _topics_table(
    seg_topics: pd.DataFrame,
    words: dict[int, list[str]],
    labels: dict[int, str],
    topic_codes: pd.DataFrame,
    params: TopicsParams,
    n_all: int,
    coded: set[str],
) -> pd.DataFrame:
    """One row per topic; emergent = too few of its segments carry any code (ADR 0009)."""
    rows = []
    for t, grp in seg_topics.groupby("topic_id", sort=True):
        t = int(t)
        codes = topic_codes[topic_codes["topic_id"] == t]
        top_code = codes.iloc[0] if len(codes) else None
        top_share = float(top_code["share"]) if top_code is not None else 0.0
        coded_share = float(grp["segment_id"].isin(coded).mean()) if len(grp) else 0.0
        rows.append(
            {
                "topic_id": t,
                "label": labels.get(t, OUTLIER_LABEL if t == -1 else ""),
                "keywords": "; ".join(words.get(t, [])[: params.top_n_words]),
                "n_segments": len(grp),
                "n_interviews": grp["interview_id"].nunique(),
                "share": round(len(grp) / n_all, 6) if n_all else 0.0,
                "top_code_id": str(top_code["code_id"]) if top_code is not None else None,
                "top_code_share": round(top_share, 6),
                "coded_share": round(coded_share, 6),
                "emergent": bool(t != -1 and coded_share < params.emergent_threshold),
            }
        )
    out = pd.DataFrame(rows, columns=list(TOPIC_COLUMNS))
    return out.astype(TOPIC_DTYPES)


def _emergent_table(
    topics: pd.DataFrame, params: TopicsParams, code_labels: dict[str, str]
) -> pd.DataFrame:
    rows = []
    for r in topics[topics["emergent"]].itertuples(index=False):
        if pd.isna(r.top_code_id):
            reason = f"no code on any of its {r.n_segments} segments"
        else:
            label = code_labels.get(str(r.top_code_id))
            name = f"{r.top_code_id} ({label})" if label else str(r.top_code_id)
            reason = (
                f"{r.coded_share:.0%} of its {r.n_segments} segments carry a code "
                f"(< {params.emergent_threshold:.0%}); the most frequent, {name}, is on "
                f"{r.top_code_share:.0%}"
            )
        rows.append(
            {c: getattr(r, c) for c in EMERGENT_COLUMNS if c != "reason"} | {"reason": reason}
        )
    out = pd.DataFrame(rows, columns=list(EMERGENT_COLUMNS))
    return out.astype({c: TOPIC_DTYPES.get(c, "string") for c in EMERGENT_COLUMNS})


# --- visualisations --------------------------------------------------------------------------


def _placeholder_page(title: str, reason: str) -> str:
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n<h1>{html.escape(title)}</h1>\n"
        f"<p>Not drawn: {html.escape(reason)}</p>\n</body></html>\n"
    )


def stable_html(fig: Any, div_id: str) -> str:
    """Self-contained plotly HTML (plotly.js inlined) with no random ids."""
    text = fig.to_html(include_plotlyjs=True, full_html=True, div_id=div_id)
    return _PLOTLY_ID.sub(div_id, text)


def visualisations(result: TopicsResult) -> dict[str, str]:
    """HTML of the topics map, bar chart and hierarchy (a short page where one cannot be drawn).

    Returns:
        ``{"map": html, "barchart": html, "hierarchy": html}``.
    """
    model = result.model
    topic_ids = [t for t in result.topics["topic_id"].tolist() if t != -1]
    n = len(topic_ids)
    pages: dict[str, str] = {}
    specs = {
        "map": ("Topics map", 3, lambda: model.visualize_topics(custom_labels=True)),
        "barchart": (
            "Topic keywords",
            1,
            lambda: model.visualize_barchart(
                topics=topic_ids, top_n_topics=None, n_words=5, custom_labels=True
            ),
        ),
        "hierarchy": ("Topic hierarchy", 2, lambda: model.visualize_hierarchy(custom_labels=True)),
    }
    if model is not None:
        labels = {t: result.labels[t] for t in sorted(result.labels)}
        with _quiet():
            model.set_topic_labels(labels)
    for key, (title, need, draw) in specs.items():
        if model is None or n < need:
            pages[key] = _placeholder_page(title, f"{n} topic(s); this chart needs at least {need}")
            continue
        try:
            with _quiet():
                fig = draw()
            pages[key] = stable_html(fig, f"qualeval-topics-{key}")
        except Exception as exc:  # a chart must never stop the run
            log.warning("%s could not be drawn (%s)", title, type(exc).__name__)
            pages[key] = _placeholder_page(
                title, f"BERTopic could not draw it ({type(exc).__name__})"
            )
    return pages


# --- stage -----------------------------------------------------------------------------------


def _read_inputs(
    segments_path: Path, embeddings_path: Path, codes_path: Path
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame]:
    for path, hint in (
        (segments_path, "run the embed stage first"),
        (embeddings_path, "run the embed stage first"),
        (codes_path, "run the code stage first"),
    ):
        if not Path(path).is_file():
            raise QualevalError(f"{path}: not found; {hint}")
    segments = pd.read_parquet(segments_path)
    missing = {"segment_id", "interview_id", "turn_index", "text"} - set(segments.columns)
    if missing:
        raise QualevalError(
            f"{segments_path}: missing column(s) {sorted(missing)}; re-run the embed stage"
        )
    try:
        embeddings = np.load(embeddings_path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise QualevalError(
            f"{embeddings_path}: not a numpy array ({exc}); re-run the embed stage"
        ) from None
    if embeddings.ndim != 2 or len(embeddings) != len(segments):
        raise QualevalError(
            f"{embeddings_path}: shape {embeddings.shape} does not match {len(segments)} "
            f"segments in {segments_path}; re-run the embed stage"
        )
    codes = pd.read_parquet(codes_path)
    missing = {"segment_id", "code_id"} - set(codes.columns)
    if missing:
        raise QualevalError(
            f"{codes_path}: missing column(s) {sorted(missing)}; re-run the code stage"
        )
    return segments, embeddings, codes


def run_stage(
    params_path: Path | None,
    *,
    segments_path: Path,
    embeddings_path: Path,
    segment_codes_path: Path,
    codebook_path: Path,
    out_dir: Path,
    metrics_path: Path,
) -> TopicsResult:
    """Read the inputs, fit the topics, write every output under ``out_dir`` (all or nothing)."""
    from pipeline.codebook import load_codebook

    all_params = load_params(params_path)
    params = all_params.topics
    segments, embeddings, codes = _read_inputs(segments_path, embeddings_path, segment_codes_path)
    book = load_codebook(codebook_path)
    code_labels = {c.id: c.label for c in book.codes}
    encoder = None
    if params.mmr_diversity > 0 and len(segments):
        from pipeline.encoder import load_encoder

        encoder = load_encoder(all_params.embed.model)
    result = fit_topics(
        segments, embeddings, codes, params, code_labels=code_labels, encoder=encoder
    )
    pages = visualisations(result)
    out_dir = Path(out_dir)
    names = [
        "topics.parquet",
        "topics.csv",
        "segment_topics.parquet",
        "topic_quotes.parquet",
        "topic_codes.csv",
        "emergent_topics.csv",
        "topics_map.html",
        "topics_barchart.html",
        "topics_hierarchy.html",
    ]
    with atomic_outputs(*(out_dir / n for n in names), metrics_path) as tmp:
        result.topics.to_parquet(tmp[0], index=False)
        result.topics.to_csv(tmp[1], index=False, lineterminator="\n")
        result.segment_topics.to_parquet(tmp[2], index=False)
        result.quotes.to_parquet(tmp[3], index=False)
        result.topic_codes.to_csv(tmp[4], index=False, lineterminator="\n")
        result.emergent.to_csv(tmp[5], index=False, lineterminator="\n")
        for path, key in zip(tmp[6:9], ("map", "barchart", "hierarchy")):
            path.write_text(pages[key], encoding="utf-8")
        write_json(tmp[9], result.metrics)
    m = result.metrics
    log.info(
        "%d topics over %d segments (%s); outliers %.1f%% -> %.1f%%; %d emergent; "
        "NPMI %s, diversity %s, stability ARI %s; fit %.1f s",
        m["n_topics"],
        m["n_segments"],
        m["method"],
        100 * m["outlier_share_before"],
        100 * m["outlier_share_after"],
        m["n_emergent"],
        m["npmi"],
        m["diversity"],
        m["stability_ari"],
        m["fit_seconds"],
    )
    return result


def main(
    segments: Path = typer.Option(..., help="segments table (parquet, from the embed stage)"),
    embeddings: Path = typer.Option(..., help="segment embeddings (.npy, same row order)"),
    segment_codes: Path = typer.Option(..., help="applied codes per segment (parquet)"),
    codebook: Path = typer.Option(..., help="codebook YAML (code labels for the reasons)"),
    out: Path = typer.Option(..., help="folder for the topic tables and charts"),
    metrics: Path = typer.Option(..., help="metrics JSON"),
    params: Path = typer.Option(None, help="params.yaml"),
) -> None:
    """Find emergent topics with BERTopic and set them against the codebook."""
    run_stage(
        params,
        segments_path=segments,
        embeddings_path=embeddings,
        segment_codes_path=segment_codes,
        codebook_path=codebook,
        out_dir=out,
        metrics_path=metrics,
    )


if __name__ == "__main__":
    from pipeline.entry import run_typer

    run_typer(main)
