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


Modules: :mod:`~pipeline.topics.selection` (which segments),
:mod:`~pipeline.topics.filtering` (non-analytic segments left out, with the reason),
:mod:`~pipeline.topics.candidates` (emergent topics as draft codebook entries),
:mod:`~pipeline.topics.vocabulary`
(text and stop words for c-TF-IDF), :mod:`~pipeline.topics.clustering` (UMAP, HDBSCAN, k-means
fallback), :mod:`~pipeline.topics.model` (BERTopic and MMR), :mod:`~pipeline.topics.fit` (one
seed: fit and outlier reduction), :mod:`~pipeline.topics.scalable` (large corpora: a bounded
fit sample, topics merged to a cap, the rest by nearest centroid),
:mod:`~pipeline.topics.stability`,
:mod:`~pipeline.topics.quality`, :mod:`~pipeline.topics.labels`,
:mod:`~pipeline.topics.quotes`, :mod:`~pipeline.topics.emergent`,
:mod:`~pipeline.topics.tables`, :mod:`~pipeline.topics.render` (charts),
:mod:`~pipeline.topics.core` (:func:`fit_topics`, pure: DataFrames and arrays in, tables out,
plus the fitted model) and :mod:`~pipeline.topics.stage` (:func:`main` does the file I/O).
"""

from pipeline.topics.candidates import candidate_codes, candidates_yaml
from pipeline.topics.clustering import (
    Clustering,
    cluster_segments,
    hdbscan_clusters,
    kmeans_topics,
    scaled_settings,
    umap_reduce,
)
from pipeline.topics.core import TopicsResult, fit_topics
from pipeline.topics.emergent import is_emergent
from pipeline.topics.filtering import DROP_REASONS, drop_reasons, dropped_table
from pipeline.topics.fit import Assignment, assign_topics, reduce_outliers
from pipeline.topics.labels import (
    OUTLIER_LABEL,
    frequent_words,
    make_label,
    phrase_label,
    topic_words,
)
from pipeline.topics.quality import npmi_coherence, topic_diversity
from pipeline.topics.quotes import representative_quotes
from pipeline.topics.render import PLOTLY_ID, stable_html, visualisations
from pipeline.topics.selection import select_segments
from pipeline.topics.stability import stability_ari
from pipeline.topics.stage import OUTPUT_FILES, main, run_stage
from pipeline.topics.tables import (
    DTYPES,
    EMERGENT_COLUMNS,
    QUOTE_COLUMNS,
    SEGMENT_TOPIC_COLUMNS,
    TOPIC_CODE_COLUMNS,
    TOPIC_COLUMNS,
    topic_code_table,
)
from pipeline.topics.vocabulary import (
    FILLER_PHRASES,
    FILLER_WORDS,
    PLACEHOLDER_WORDS,
    TOKEN_PATTERN,
    clean_text,
    content_words,
    make_vectorizer,
    stop_words,
)

__all__ = [
    "DROP_REASONS",
    "DTYPES",
    "EMERGENT_COLUMNS",
    "FILLER_PHRASES",
    "FILLER_WORDS",
    "OUTLIER_LABEL",
    "OUTPUT_FILES",
    "PLACEHOLDER_WORDS",
    "PLOTLY_ID",
    "QUOTE_COLUMNS",
    "SEGMENT_TOPIC_COLUMNS",
    "TOKEN_PATTERN",
    "TOPIC_CODE_COLUMNS",
    "TOPIC_COLUMNS",
    "Assignment",
    "Clustering",
    "TopicsResult",
    "assign_topics",
    "candidate_codes",
    "candidates_yaml",
    "clean_text",
    "cluster_segments",
    "content_words",
    "drop_reasons",
    "dropped_table",
    "fit_topics",
    "frequent_words",
    "hdbscan_clusters",
    "is_emergent",
    "kmeans_topics",
    "main",
    "make_label",
    "make_vectorizer",
    "npmi_coherence",
    "phrase_label",
    "reduce_outliers",
    "representative_quotes",
    "run_stage",
    "scaled_settings",
    "select_segments",
    "stability_ari",
    "stable_html",
    "stop_words",
    "topic_code_table",
    "topic_diversity",
    "topic_words",
    "umap_reduce",
    "visualisations",
]
