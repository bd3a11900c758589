"""Topics stage: cleaning, metrics, topic x code table, tiny corpora, determinism, end to end."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from pipeline import topics as T
from pipeline.errors import QualevalError
from pipeline.params import TopicsParams, load_params
from pipeline.topics import clustering as C

THEMES = {
    "funding": "the budget and grant funding was cut so money for the programme ran out",
    "inspection": "the ofsted inspection team looked at case files and the inspector report",
    "networks": "regional directors meet in a network to share practice and learning",
    "training": "new reviewers need training induction and interview skills preparation",
}
NOISE = [
    "[Person 3] said, you know, erm",
    "yeah I mean [Council B] sort of",
    "um, like, in [Place 12] with [Organisation 2]",
    "to be honest [Person 1] on [date] at [email]",
]


def corpus(n: int, seed: int = 0, n_themes: int = 4) -> tuple[pd.DataFrame, np.ndarray]:
    """``n`` segments over ``n_themes`` themes, with placeholders and fillers; clustered vectors."""
    rng = np.random.default_rng(seed)
    names = list(THEMES)[:n_themes]
    centres = rng.normal(size=(n_themes, 32))
    rows, vecs = [], []
    for i in range(n):
        k = i % n_themes
        words = THEMES[names[k]].split()
        picked = [words[j] for j in sorted(rng.choice(len(words), size=6, replace=False))]
        text = f"{NOISE[i % len(NOISE)]} {' '.join(picked)}."
        iv = f"INT{i % 7:02d}"
        rows.append((f"{iv}-{i:04d}-00", iv, i, text))
        vecs.append(centres[k] + 0.35 * rng.normal(size=32))
    seg = pd.DataFrame(rows, columns=["segment_id", "interview_id", "turn_index", "text"])
    seg["turn_index"] = seg["turn_index"].astype("int32")
    emb = np.array(vecs, dtype=np.float32).reshape(n, 32)
    if n:
        emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    return seg, emb


NO_CODES = pd.DataFrame(
    {"segment_id": pd.Series([], dtype=str), "code_id": pd.Series([], dtype=str)}
)
# the clustering mechanics on synthetic text (its random word picks can be "too short")
FAST = TopicsParams(stability_seeds=2, mmr_diversity=0.0, drop_nonanalytic=False)
BANNED = set(T.FILLER_WORDS) | set(T.PLACEHOLDER_WORDS) | {"erm", "um", "yeah", "like"}


# --- text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a cut leaves a phrase boundary (";") inside the text, nothing at its ends
        ("[Person 3] said the budget", "said the budget"),
        ("You know, the [Council B] budget", ", the ; budget"),
        ("We’ve sort of cut it", "cut it"),
        ("[Organisation 2]'s grant", "'s grant"),
        ("the team's plan, I mean, worked", "the team plan, ; , worked"),
    ],
)
def test_when_text_cleaned_then_placeholders_fillers_and_contractions_go(text, expected):
    assert T.clean_text(text) == expected


def test_when_vectoriser_analyses_then_no_stop_filler_or_placeholder_terms():
    analyse = T.make_vectorizer(TopicsParams()).build_analyzer()
    terms = analyse(
        T.clean_text("Erm, yeah, [Person 3] from the council, like, we've got the budget")
    )
    assert terms == ["budget"]


# --- metrics ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("docs", "words", "expected"),
    [
        ([{"a", "b"}, {"a", "b"}, {"c"}, {"d"}], [["a", "b"]], 1.0),  # always together
        ([{"a"}, {"b"}, {"c"}], [["a", "b"]], -1.0),  # never together
        ([{"a", "b"}, {"a"}, {"b"}, set()], [["a", "b"]], 0.0),  # independent
        ([{"a", "b"}, {"a", "b"}], [["a", "b"]], 1.0),  # in every document
        ([{"a", "b"}, {"c"}], [["a", "b"], ["a", "c"]], 0.0),  # mean over topics: 1 and -1
        ([{"a"}], [["a"]], math.nan),  # a one-word topic cannot be scored
    ],
)
def test_when_npmi_on_handmade_corpus_then_known_value(docs, words, expected):
    got = T.npmi_coherence(words, docs)
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(expected, abs=1e-9)


def test_when_npmi_by_hand_then_matches_formula():
    docs = [{"a", "b"}, {"a"}, {"a", "c"}, {"b"}, {"c"}]
    p_ab, p_a, p_b = 1 / 5, 3 / 5, 2 / 5
    expected = math.log(p_ab / (p_a * p_b)) / -math.log(p_ab)
    assert T.npmi_coherence([["a", "b"]], docs) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ([["a", "b"], ["c", "d"]], 1.0),
        ([["a", "b"], ["a", "b"]], 0.5),
        ([["a", "b", "c"], ["c"]], 0.75),
    ],
)
def test_when_diversity_then_unique_share_of_listed_words(words, expected):
    assert T.topic_diversity(words) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("runs", "expected"),
    [
        ([np.array([0, 0, 1, 1]), np.array([1, 1, 0, 0])], 1.0),  # same partition, renamed
        ([np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1])], None),
        ([np.array([0, 1])], None),
    ],
)
def test_when_stability_ari_then_mean_over_pairs(runs, expected):
    from sklearn.metrics import adjusted_rand_score

    got = T.stability_ari(runs)
    if len(runs) < 2:
        assert got is None
    elif expected is None:
        pairs = [(0, 1), (0, 2), (1, 2)]
        assert got == pytest.approx(
            np.mean([adjusted_rand_score(runs[i], runs[j]) for i, j in pairs])
        )
    else:
        assert got == pytest.approx(expected)


# --- tables ----------------------------------------------------------------------------------


def test_when_topic_code_table_on_handmade_example_then_counts_and_shares():
    assign = pd.DataFrame(
        {"segment_id": ["s1", "s2", "s3", "s4", "s5"], "topic_id": [0, 0, 0, 1, -1]}
    )
    codes = pd.DataFrame(
        {
            "segment_id": ["s1", "s2", "s2", "s3", "s1", "s5", "s9"],
            "code_id": ["a.x", "a.x", "b.y", "b.y", "a.x", "a.x", "a.x"],
        }
    )
    table = T.topic_code_table(assign, codes)
    assert list(table.columns) == list(T.TOPIC_CODE_COLUMNS)
    assert table.to_dict("records") == [
        {"topic_id": -1, "code_id": "a.x", "n_segments": 1, "share": 1.0},
        {"topic_id": 0, "code_id": "a.x", "n_segments": 2, "share": pytest.approx(2 / 3)},
        {"topic_id": 0, "code_id": "b.y", "n_segments": 2, "share": pytest.approx(2 / 3)},
    ]


def test_when_topics_table_built_then_top_code_and_emergent_follow_threshold():
    seg, emb = corpus(40)
    # theme 0 (funding, every 4th segment): all coded; theme 1: 1 in 10 coded; others: none
    codes = pd.DataFrame(
        {
            "segment_id": [s for i, s in enumerate(seg.segment_id) if i % 4 == 0]
            + [s for i, s in enumerate(seg.segment_id) if i % 4 == 1][:1],
            "code_id": ["challenge.funding"] * 10 + ["impact.inspection"],
        }
    )
    params = TopicsParams(
        method="kmeans",
        k_min=4,
        k_max=4,
        stability_seeds=0,
        mmr_diversity=0,
        drop_nonanalytic=False,
    )
    res = T.fit_topics(seg, emb, codes, params, code_labels={"challenge.funding": "Funding"})
    topics = res.topics.set_index("topic_id")
    funding = res.segment_topics.topic_id[0]
    assert topics.loc[funding, "top_code_id"] == "challenge.funding"
    assert topics.loc[funding, "top_code_share"] == 1.0 and not topics.loc[funding, "emergent"]
    others = topics.drop(index=funding)
    assert others["emergent"].all()
    emergent = res.emergent.set_index("topic_id")
    assert set(emergent.index) == set(others.index)
    reasons = " ".join(emergent["reason"])
    assert "no code on any of its 10 segments" in reasons
    assert "10% of its 10 segments carry a code (< 30%); the most frequent, impact.inspection" in (
        reasons
    )
    assert topics.loc[funding, "coded_share"] == 1.0


def test_when_residual_then_only_uncoded_segments_are_modelled():
    seg, emb = corpus(60)
    codes = pd.DataFrame({"segment_id": seg.segment_id[:20], "code_id": "a.b"})
    res = T.fit_topics(seg, emb, codes, FAST.model_copy(update={"segments": "residual"}))
    assert set(res.segment_topics.segment_id) == set(seg.segment_id[20:])
    assert res.metrics["n_segments"] == 40 and res.metrics["n_segments_all"] == 60
    assert res.topic_codes.empty
    assert res.topics.share.sum() == pytest.approx(40 / 60, abs=1e-5)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        # a phrase holding picked words takes their place: one slot, not three
        (["peer", "peer review", "review", "budget", "cuts"], "peer review, budget, cuts"),
        # a plural of a picked word adds nothing
        (
            ["challenge", "challenges", "peer challenge", "class", "day"],
            "peer challenge, class, day",
        ),
        (["positive", "broadly positive", "honest", "useful"], "broadly positive, honest, useful"),
        # a phrase after the label is full still replaces the word it contains
        (["brochure", "rigorous", "kids", "glossy brochure"], "glossy brochure, rigorous, kids"),
        ([], "(no keywords)"),
    ],
)
def test_when_label_made_then_covered_words_skipped_and_phrases_replace_their_words(
    words, expected
):
    assert T.make_label(words, 3) == expected


@pytest.mark.parametrize(
    ("n", "share", "expected"),
    [
        (2000, 0.25, 500),  # a quarter of the corpus
        (100, 0.25, 25),
        (40, 0.25, 10),  # never below twice the minimum size (5)
        (2000, 1.0, 0),  # 1: no limit
    ],
)
def test_when_max_topic_share_then_hdbscan_max_cluster_size_scales(n, share, expected):
    settings = C.scaled_settings(n, TopicsParams(max_topic_share=share))
    assert settings["max_cluster_size"] == expected


@pytest.mark.parametrize(
    ("min_docs", "expected"),
    [
        (1, {0: ["case press", "review", "peers"], 1: ["money"]}),
        (2, {0: ["review", "peers", "case press"], 1: ["money"]}),  # "case press": one segment
        (3, {0: ["review", "case press", "peers"], 1: ["money"]}),  # topic 1: both segments
        (4, {0: ["review", "case press", "peers"], 1: ["money"]}),  # at most every segment
    ],
)
def test_when_label_words_supported_then_one_segment_phrases_come_last(min_docs, expected):
    from pipeline.topics.labels import supported_words

    words = {0: ["case press", "review", "peers"], 1: ["money"]}
    terms = [{"case press", "review"}, {"review", "peers"}, {"review", "peers"}]
    terms += [{"money"}, {"money"}]
    topics = np.array([0, 0, 0, 1, 1])
    assert supported_words(words, terms, topics, min_docs) == expected


def test_when_no_label_word_is_supported_then_all_keywords_stay():
    from pipeline.topics.labels import supported_words

    out = supported_words({0: ["case press"]}, [{"case press"}, {"review"}], np.array([0, 0]), 2)
    assert out == {0: ["case press"]}


# --- tiny and small corpora ------------------------------------------------------------------


def check_contract(res: T.TopicsResult, n: int) -> None:
    assert list(res.topics.columns) == list(T.TOPIC_COLUMNS)
    assert list(res.segment_topics.columns) == list(T.SEGMENT_TOPIC_COLUMNS)
    assert list(res.quotes.columns) == list(T.QUOTE_COLUMNS)
    assert list(res.emergent.columns) == list(T.EMERGENT_COLUMNS)
    assert str(res.topics.topic_id.dtype) == "int32" and str(res.topics.emergent.dtype) == "bool"
    assert str(res.segment_topics.topic_id.dtype) == "int32"
    assert len(res.segment_topics) == n
    assert res.topics.n_segments.sum() == n
    assert res.topics.topic_id.is_monotonic_increasing
    m = res.metrics
    assert m["outlier_share_after"] <= m["outlier_share_before"]
    for text in list(res.topics.keywords) + list(res.topics.label):
        words = set(re.findall(r"[a-z']+", text.lower()))
        assert not words & BANNED, (text, words & BANNED)
    if len(res.quotes):
        assert res.quotes.groupby("topic_id")["rank"].max().max() <= 3


@pytest.mark.parametrize(
    ("n", "min_topics"),
    [(0, 0), (1, 1), (2, 1), (5, 2), (50, 2), pytest.param(500, 2, marks=pytest.mark.slow)],
)
def test_when_corpus_is_tiny_or_small_then_topics_without_crash(n, min_topics):
    seg, emb = corpus(n)
    res = T.fit_topics(seg, emb, NO_CODES, FAST)
    check_contract(res, n)
    assert res.metrics["n_topics"] >= min_topics
    if n >= 5:
        assert res.metrics["outlier_share_after"] < 1.0
        assert res.metrics["stability_ari"] is not None
    if 0 < n < FAST.min_segments_hdbscan:
        assert res.metrics["method"] == "kmeans" and res.metrics["fallback_used"]
    pages = T.visualisations(res)
    assert set(pages) == {"map", "barchart", "hierarchy"}


def test_when_clusters_are_clear_then_kmeans_fallback_finds_them():
    seg, emb = corpus(48)
    res = T.fit_topics(seg, emb, NO_CODES, FAST)
    assert res.metrics["n_topics"] == 4
    # every theme is one topic
    theme = np.arange(48) % 4
    assert T.stability_ari([theme, res.segment_topics.topic_id.to_numpy()]) == 1.0
    assert res.metrics["stability_ari"] == 1.0
    # the first phrase of each label (a keyphrase of its representative segment) is theme words
    assert {w for lab in res.topics.label for w in lab.split(",")[0].split()} <= {
        w for text in THEMES.values() for w in text.split()
    }


@pytest.mark.parametrize(
    ("labels", "reason"),
    [
        (np.full(120, -1), "HDBSCAN found 0 topic(s)"),
        (np.r_[np.zeros(10), np.ones(10), np.full(100, -1)], "HDBSCAN left 83% outliers"),
    ],
)
def test_when_hdbscan_fails_the_corpus_then_kmeans_fallback_with_reason(
    monkeypatch, labels, reason
):
    _seg, emb = corpus(120)
    monkeypatch.setattr(C, "umap_reduce", lambda e, *a: e)
    monkeypatch.setattr(C, "hdbscan_clusters", lambda r, *a: (labels.astype(int), np.ones(len(r))))
    clustering = T.cluster_segments(emb, FAST, 0)
    assert clustering.method == "kmeans" and clustering.fallback_used
    assert clustering.reason.startswith(reason)
    assert len(set(clustering.labels.tolist())) >= 2 and -1 not in clustering.labels


def test_when_umap_raises_then_kmeans_fallback(monkeypatch):
    _seg, emb = corpus(120)

    def boom(*a):
        raise ValueError("numerical trouble")

    monkeypatch.setattr(C, "umap_reduce", boom)
    clustering = T.cluster_segments(emb, FAST, 0)
    assert clustering.method == "kmeans" and "ValueError" in clustering.reason


def test_when_hdbscan_leaves_outliers_then_reduction_lowers_the_share(monkeypatch):
    seg, emb = corpus(120)
    truth = np.arange(120) % 4
    labels = np.where(np.arange(120) % 5 == 0, -1, truth)  # 20% outliers
    monkeypatch.setattr(C, "umap_reduce", lambda e, *a: e)
    monkeypatch.setattr(C, "hdbscan_clusters", lambda r, *a: (labels.astype(int), np.ones(len(r))))
    res = T.fit_topics(seg, emb, NO_CODES, FAST.model_copy(update={"outlier_threshold": 0.0}))
    m = res.metrics
    assert m["method"] == "hdbscan" and m["outlier_share_before"] == pytest.approx(0.2)
    assert m["outlier_share_after"] == 0.0
    st = res.segment_topics
    assert (st.initial_topic_id == -1).sum() == 24 and (st.topic_id == -1).sum() == 0
    # reassigned outliers land in their own theme's topic
    assert T.stability_ari([truth, st.topic_id.to_numpy()]) == 1.0
    assert st.probability.between(0, 1).all()


def test_when_fitted_twice_then_tables_and_pages_identical():
    seg, emb = corpus(50)
    a = T.fit_topics(seg, emb, NO_CODES, FAST)
    b = T.fit_topics(seg, emb, NO_CODES, FAST)
    for name in ("topics", "segment_topics", "quotes", "topic_codes", "emergent"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    pa, pb = T.visualisations(a), T.visualisations(b)
    assert pa == pb
    assert "plotly" in pa["barchart"].lower()
    assert not T.PLOTLY_ID.search(pa["barchart"].replace("qualeval-topics-barchart", ""))


def test_when_two_topics_then_map_page_says_why():
    seg, emb = corpus(20, n_themes=2)
    res = T.fit_topics(seg, emb, NO_CODES, FAST.model_copy(update={"k_max": 2}))
    pages = T.visualisations(res)
    assert res.metrics["n_topics"] == 2
    assert "Not drawn: 2 topic(s); this chart needs at least 3" in pages["map"]
    assert "plotly" in pages["hierarchy"].lower()


def test_when_quotes_picked_then_closest_to_centroid_and_deduplicated():
    seg = pd.DataFrame(
        {
            "segment_id": ["a", "b", "c", "d", "e"],
            "interview_id": ["I1"] * 5,
            "turn_index": np.arange(5, dtype="int32"),
            "text": ["far", "near", "Near", "mid", "other topic"],
        }
    )
    emb = np.array([[0.0, 1.0], [1.0, 0.05], [1.0, 0.05], [1.0, 0.5], [0.0, -1.0]])
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    quotes = T.representative_quotes(seg, emb, np.array([0, 0, 0, 0, 1]), 3)
    # centroid direction ~ (0.88, 0.47): d, then b (c: same text), then a
    assert quotes[quotes.topic_id == 0].segment_id.tolist() == ["d", "b", "a"]
    assert quotes[quotes.topic_id == 1].segment_id.tolist() == ["e"]
    seg.loc[2, "text"] = "near, too"  # b and c tie: segment id decides
    quotes = T.representative_quotes(seg, emb, np.array([0, 0, 0, 0, 1]), 3)
    assert quotes[quotes.topic_id == 0].segment_id.tolist() == ["d", "b", "c"]


# --- params and stage errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ({"segments": "coded"}, "topics.segments"),
        ({"k_min": 9, "k_max": 3}, "k_min (9) is greater than k_max (3)"),
        ({"ngram_range": [2, 1]}, "topics.ngram_range"),
        ({"outlier_strategy": "magic"}, "topics.outlier_strategy"),
        ({"min_topic_sise": 10}, "topics.min_topic_sise: unknown key"),
    ],
)
def test_when_topics_params_invalid_then_error_names_field(tmp_path, block, message):
    path = tmp_path / "params.yaml"
    path.write_text(json.dumps({"topics": block}), encoding="utf-8")
    with pytest.raises(QualevalError, match=re.escape(message)):
        load_params(path)


def write_inputs(tmp_path, n=30, rows=None):
    seg, emb = corpus(n)
    seg.to_parquet(tmp_path / "segments.parquet", index=False)
    np.save(tmp_path / "embeddings.npy", emb if rows is None else emb[:rows])
    NO_CODES.to_parquet(tmp_path / "codes.parquet", index=False)
    (tmp_path / "params.yaml").write_text(
        "topics: {stability_seeds: 1, mmr_diversity: 0.0}\n", encoding="utf-8"
    )


def run(tmp_path, root, **over):
    kwargs = {
        "segments_path": tmp_path / "segments.parquet",
        "embeddings_path": tmp_path / "embeddings.npy",
        "segment_codes_path": tmp_path / "codes.parquet",
        "codebook_path": root / "codebook" / "codebook.yaml",
        "out_dir": tmp_path / "out",
        "metrics_path": tmp_path / "topics.json",
    } | over
    return T.run_stage(tmp_path / "params.yaml", **kwargs)


def test_when_embeddings_do_not_match_segments_then_clear_error_and_no_outputs(tmp_path, root):
    write_inputs(tmp_path, rows=10)
    with pytest.raises(QualevalError, match=r"embeddings.npy: shape \(10, 32\) does not match 30"):
        run(tmp_path, root)
    assert not (tmp_path / "out").exists()


def test_when_segment_codes_missing_then_error_names_file(tmp_path, root):
    write_inputs(tmp_path)
    with pytest.raises(QualevalError, match=r"nope.parquet: not found; run the code stage"):
        run(tmp_path, root, segment_codes_path=tmp_path / "nope.parquet")


def test_when_stage_runs_then_every_output_written(tmp_path, root):
    write_inputs(tmp_path)
    run(tmp_path, root)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(
        [
            "topics.parquet",
            "topics.csv",
            "segment_topics.parquet",
            "topic_quotes.parquet",
            "topic_codes.csv",
            "emergent_topics.csv",
            "dropped_segments.parquet",
            "candidate_codes.yaml",
            "topics_map.html",
            "topics_barchart.html",
            "topics_hierarchy.html",
        ]
    )
    parquet = pd.read_parquet(tmp_path / "out" / "topics.parquet")
    csv = pd.read_csv(tmp_path / "out" / "topics.csv")
    assert parquet.topic_id.tolist() == csv.topic_id.tolist()
    metrics = json.loads((tmp_path / "topics.json").read_text())
    for key in (
        "n_topics",
        "outlier_share_before",
        "outlier_share_after",
        "npmi",
        "diversity",
        "stability_ari",
        "fit_seconds",
        "n_segments",
        "fallback_used",
    ):
        assert key in metrics


# --- end to end on the sample ----------------------------------------------------------------


@pytest.mark.slow
def test_when_dvc_repro_then_topics_outputs_follow_contract(repro):
    work, proc = repro
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = work / "outputs" / "topics"
    topics = pd.read_parquet(out / "topics.parquet")
    st = pd.read_parquet(out / "segment_topics.parquet")
    seg = pd.read_parquet(work / "outputs" / "segments" / "segments.parquet")
    dropped = pd.read_parquet(out / "dropped_segments.parquet")
    assert list(topics.columns) == list(T.TOPIC_COLUMNS)
    # every segment is either modelled or left out with its reason, never both
    assert sorted([*st.segment_id, *dropped.segment_id]) == sorted(seg.segment_id)
    assert topics.n_segments.sum() == len(st)
    assert set(dropped.reason) <= {*T.DROP_REASONS}
    metrics = json.loads((work / "outputs" / "metrics" / "topics.json").read_text())
    assert metrics["n_topics"] >= 5
    assert metrics["outlier_share_after"] <= metrics["outlier_share_before"]
    for text in list(topics.keywords) + list(topics.label):
        words = set(re.findall(r"[a-z']+", text.lower()))
        assert not words & BANNED, text
    gate = json.loads((work / "outputs" / "metrics" / "verify.json").read_text())
    assert gate["passed"] is True


# A rerun of the topics stage giving the same bytes is covered by
# test_pipeline_e2e.py::test_when_qualeval_run_on_sample_then_same_files_as_dvc_repro: a second
# whole run whose every output, topics included, must equal the session repro's byte for byte.


@pytest.mark.slow
def test_when_topics_notebook_runs_headless_then_no_error(repro, root):
    import shutil

    import nbformat
    from nbclient import NotebookClient

    work, proc = repro
    assert proc.returncode == 0
    folder = work / "notebooks"
    folder.mkdir(exist_ok=True)
    path = shutil.copy(root / "notebooks" / "02_topics.ipynb", folder / "02_topics.ipynb")
    nb = nbformat.read(str(path), as_version=4)
    assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")  # stripped in git
    NotebookClient(nb, timeout=300, resources={"metadata": {"path": str(folder)}}).execute()
    shown = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "../topics/topics_map.html" in shown


@pytest.mark.slow
def test_when_mmr_embeds_words_then_they_are_the_embed_stage_vectors_and_cached(tmp_path):
    from pipeline.encoder import encode
    from pipeline.topics.model import cached_embedder

    words = ["training", "peer challenge", "budget pressures"]
    embedder = cached_embedder(None, "torch", str(tmp_path))
    got = embedder.embed_words(words)  # what BERTopic's MaximalMarginalRelevance calls
    assert np.array_equal(got, encode(words, backend="torch"))
    assert any(p.is_file() for p in tmp_path.rglob("*")), "nothing kept for the next run"


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        # stop words end a phrase: no n-gram of words that were never adjacent
        ("From time to time we met.", {"time"}, {"time time"}),
        ("They were ahead of everybody.", {"ahead", "everybody"}, {"ahead everybody"}),
        # punctuation and a cut filler end a phrase too
        ("The training, budget", {"training", "budget"}, {"training budget"}),
        ("the training you know budget", {"training", "budget"}, {"training budget"}),
        ("a glossy brochure and a critical friend", {"glossy brochure", "critical friend"}, set()),
    ],
)
def test_when_vectorised_then_ngrams_are_phrases_of_the_text(text, present, absent):
    from pipeline.topics.vocabulary import clean_text, make_vectorizer

    terms = set(make_vectorizer(TopicsParams()).build_analyzer()(clean_text(text)))
    assert present <= terms and not absent & terms, terms
