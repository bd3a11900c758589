"""The BERTopic model fitted on given assignments (manual clustering) and its MMR step."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from pipeline.encoder import Encoder
from pipeline.params import TopicsParams
from pipeline.topics.vocabulary import make_vectorizer


@contextlib.contextmanager
def quiet() -> Iterator[None]:
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


def batched_mmr(diversity: float, top_n_words: int) -> Any:
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


def cached_embedder(model: str | None, backend: str, cache_dir: str | None) -> Any:
    """MMR's word embedder: :func:`pipeline.encoder.encode`, the embed stage's own path.

    The words and keyword lists are embedded as the segments are (same model, backend and
    rounding; ``torch`` gives the same bytes on every CPU, ADR 0029) and kept in the same
    embedding cache, so a rerun embeds no word it has seen (ADR 0040). A BERTopic
    ``BaseEmbedder``, so BERTopic calls it directly.
    """
    from bertopic.backend import BaseEmbedder

    from pipeline.encoder import encode

    class CachedEmbedder(BaseEmbedder):
        def embed(self, documents: list[str], verbose: bool = False) -> np.ndarray:
            return self.encode(list(documents))

        def encode(self, sentences: list[str], **kwargs: Any) -> np.ndarray:
            return encode(sentences, model, backend=backend, cache_dir=cache_dir)

        def get_sentence_embedding_dimension(self) -> int | None:
            return None

    return CachedEmbedder()


def fit_bertopic(
    docs: list[str],
    embeddings: np.ndarray,
    labels: np.ndarray,
    params: TopicsParams,
    encoder: Encoder | None,
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
    with quiet():
        model.fit(docs, embeddings=embeddings, y=np.asarray(labels, dtype=np.int64))
    return model
