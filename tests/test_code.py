"""Code stage building blocks: keyword (lemma) matching, semantic scores, decisions, roll-up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import code as C
from pipeline.codebook import parse_codebook
from pipeline.params import CodeParams
from pipeline.thresholds import f1_curve

BOOK = parse_codebook(
    {
        "codes": [
            {"id": "benefit", "label": "Benefits", "definition": "Good things from the work."},
            {
                "id": "benefit.sharing",
                "label": "Sharing practice",
                "parent": "benefit",
                "definition": "Councils learn practice from each other and borrow ideas.",
                "keywords": ["share practice", "borrow idea"],
                "include": ["taking a tool from another council"],
            },
            {
                "id": "benefit.trust",
                "label": "Trust",
                "parent": "benefit",
                "definition": "Openness and honest self-assessment between councils.",
                "keywords": ["honest"],
                "exclude": ["sharing tools (benefit.sharing)"],
            },
        ]
    },
    "test.yaml",
)


@pytest.fixture(scope="module")
def keyword_coder():
    return C.KeywordCoder(BOOK)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We shared practices with Leeds.", {"benefit.sharing"}),  # lemmas: share practice
        ("They borrowed ideas and were honest.", {"benefit.sharing", "benefit.trust"}),
        ("HONEST feedback", {"benefit.trust"}),
        ("Nothing to report.", set()),
    ],
)
def test_when_keyword_inflected_then_matched_on_lemma(keyword_coder, text, expected):
    scores, evidence = keyword_coder.score([text])
    found = {keyword_coder.codes[j] for j in np.flatnonzero(scores[0])}
    assert found == expected
    for j in np.flatnonzero(scores[0]):
        assert evidence[(0, int(j))].startswith("keyword: ")


def fake_encode(texts, small_talk=0.0):
    """Deterministic 'embeddings': two concepts (sharing, trust) and a noise axis.

    With ``small_talk``, words of small talk (weather, day, hear) also weigh on the third axis.
    """
    out = []
    for t in texts:
        t = t.lower()
        v = np.array(
            [
                sum(w in t for w in ("share", "sharing", "borrow", "tool", "practice")),
                sum(w in t for w in ("honest", "trust", "open")),
                0.1 + small_talk * sum(w in t for w in ("weather", "day", "hear")),
            ],
            dtype=np.float32,
        )
        out.append(v / np.linalg.norm(v))
    return np.array(out)


def test_when_segment_near_code_material_then_semantic_score_highest_for_it():
    coder = C.SemanticCoder(BOOK, fake_encode)
    vectors = fake_encode(["we borrow a tool", "an honest talk"])
    scores = coder.score(vectors)
    assert scores[0].argmax() == coder.codes.index("benefit.sharing")
    assert scores[1].argmax() == coder.codes.index("benefit.trust")
    assert coder.nearest(vectors[0], 0).startswith("nearest ")


def test_when_code_has_several_pieces_then_centroid_is_their_normalised_mean():
    coder = C.SemanticCoder(BOOK, fake_encode)
    j = coder.codes.index("benefit.sharing")
    mean = coder.proto.vectors[coder.proto.owner == j].mean(axis=0)
    np.testing.assert_allclose(coder.centroids[j], mean / np.linalg.norm(mean), rtol=1e-5)


def test_when_segment_closer_to_exclusion_then_score_lowered():
    coder = C.SemanticCoder(BOOK, fake_encode)
    trust = coder.codes.index("benefit.trust")
    vec = fake_encode(["sharing tools"])
    plain = float(vec[0] @ coder.centroids[trust])
    assert coder.score(vec)[0, trust] < plain


def test_when_segments_pooled_then_one_unit_vector_per_turn():
    emb = np.array([[1, 0], [0, 1], [1, 0]], dtype=np.float32)
    pooled = C.pool_turns(emb, np.array([0, 0, 1]), 2)
    np.testing.assert_allclose(pooled, [[2**-0.5, 2**-0.5], [1, 0]], rtol=1e-6)


@pytest.mark.parametrize(
    ("scores", "threshold", "relative", "expected"),
    [
        ([[2.0, 0.0]], 1.0, None, [[True, False]]),  # above threshold
        ([[2.0, 1.5]], 1.0, None, [[True, True]]),  # both above, no competition
        ([[2.0, 1.5]], 1.0, 0.2, [[True, False]]),  # the second is too far from the best
        ([[2.0, 1.9]], 1.0, 0.2, [[True, True]]),  # close enough to compete
        ([[0.5, 0.4]], 1.0, 1.0, [[False, False]]),  # best code below its threshold
    ],
)
def test_when_turn_scores_decided_then_threshold_and_competition_apply(
    scores, threshold, relative, expected
):
    dec = C.decide(np.array(scores), np.array([threshold, threshold]), relative)
    assert dec.tolist() == expected


@pytest.mark.parametrize(
    ("hits", "centre", "expected"),
    [
        ([[0, 0]], False, [[1.0, -1.0]]),  # z-scores over the two turns only
        ([[1, 0]], False, [[1.0 + 0.5 * np.log(2), -1.0]]),  # a keyword hit adds weight*log 2
        ([[0, 0]], True, [[1.0, -1.0]]),  # centring a symmetric row changes nothing
    ],
)
def test_when_turn_scores_built_then_z_plus_keyword_term(hits, centre, expected):
    semantic = np.array([[0.9, 0.1], [0.1, 0.9]], dtype=np.float32)
    hits_m = np.vstack([np.array(hits, dtype=np.float32), np.zeros((1, 2), dtype=np.float32)])
    out = C.turn_scores(semantic, hits_m, CodeParams(centre=centre, keyword_weight=0.5))
    if not centre:
        np.testing.assert_allclose(out[:1], expected, rtol=1e-5)
    else:
        np.testing.assert_allclose(out[0].sum(), 0.0, atol=1e-5)


def test_when_no_semantic_coder_then_turn_score_is_keyword_term():
    out = C.turn_scores(None, np.array([[3.0, 0.0]]), CodeParams(keyword_weight=1.0))
    np.testing.assert_allclose(out, [[np.log(4.0), 0.0]], rtol=1e-6)


def test_when_thresholds_fitted_then_they_separate_positive_turns():
    scores = np.array([[0.8], [0.7], [0.3], [0.2]], dtype=np.float32)
    gold = np.array([[True], [True], [False], [False]])
    params = CodeParams(min_positives=1, grid_min=0.0, grid_max=1.0, relative=None)
    thr, f1 = C.fit_thresholds(scores, gold, params)
    assert 0.3 < thr[0] <= 0.7 and f1 == 1.0


def test_when_code_has_few_positives_then_it_gets_the_global_threshold():
    scores = np.array([[0.8, 0.9], [0.7, 0.1], [0.3, 0.2], [0.2, 0.1]], dtype=np.float32)
    gold = np.array([[True, True], [True, False], [False, False], [False, False]])
    params = CodeParams(min_positives=2, grid_min=0.0, grid_max=1.0, relative=None)
    thr, _ = C.fit_thresholds(scores, gold, params)
    assert thr[1] == thr[0] or np.isclose(thr[1], thr[0])


def test_when_cross_fitted_then_each_interview_gets_thresholds_learned_elsewhere():
    # interview A's turns are all positive at 0.9; B's at 0.5; C's at 0.2 and negative
    scores = np.array([[0.9], [0.5], [0.2], [0.3]], dtype=np.float32)
    gold = np.array([[True], [True], [False], [False]])
    interviews = np.array(["A", "B", "C", "D"])
    params = CodeParams(min_positives=1, grid_min=0.0, grid_max=1.0, folds=4, relative=None, seed=0)
    thr, floors = C._cross_fit(scores, interviews, gold, params)
    assert np.isneginf(floors).all()  # no uncoded competitor
    # B is coded with a threshold fitted on A, C and D: between D's 0.3 and A's 0.9
    assert 0.3 < thr[1, 0] <= 0.9
    assert thr.shape == scores.shape


def test_when_segment_codes_rolled_up_then_one_row_per_turn_and_code():
    seg = pd.DataFrame(
        [
            ("A", 1, "A-0001-00", 0, 5, "x", 0.5, "semantic", "nearest definition"),
            ("A", 1, "A-0001-01", 6, 9, "x", 0.7, "keyword", "keyword: share"),
            ("A", 2, "A-0002-00", 0, 5, "y", 0.6, "semantic", ""),
        ],
        columns=list(C.SEGMENT_CODE_COLUMNS),
    )
    out = C.rollup(seg)
    assert out.to_dict("records") == [
        {
            "interview_id": "A",
            "turn_index": 1,
            "code_id": "x",
            "score": 0.7,
            "n_segments": 2,
            "methods": "keyword|semantic",
            "evidence": "keyword: share",
        },
        {
            "interview_id": "A",
            "turn_index": 2,
            "code_id": "y",
            "score": 0.6,
            "n_segments": 1,
            "methods": "semantic",
            "evidence": "",
        },
    ]


def test_when_segments_and_embeddings_disagree_then_clear_error():
    from pipeline.errors import QualevalError

    seg = pd.DataFrame({"text": ["a", "b"], "interview_id": ["A", "A"], "turn_index": [0, 1]})
    with pytest.raises(QualevalError, match="2 segments but 1 embeddings"):
        C.code_segments(seg, np.zeros((1, 3)), BOOK, CodeParams(), fake_encode)


def _segments(rows):
    return pd.DataFrame(
        [
            (iv, ti, f"{iv}-{ti:04d}-{si:02d}", si, 0, len(t), t, len(t.split()))
            for iv, ti, si, t in rows
        ],
        columns=[
            "interview_id",
            "turn_index",
            "segment_id",
            "segment_index",
            "start",
            "end",
            "text",
            "n_words",
        ],
    )


SEGS = _segments(
    [
        ("A", 1, 0, "We borrowed a tool and shared practice."),
        ("A", 1, 1, "It was a long day."),
        ("A", 3, 0, "An honest and open talk built trust."),
        ("B", 1, 0, "They borrow ideas, a tool, good practice."),
        ("B", 3, 0, "Honest, open, trusting."),
        ("C", 1, 0, "Sharing a tool was useful."),
        ("C", 3, 0, "We trust them; honest."),
    ]
)


def test_when_codebook_applied_then_turns_coded_with_evidence_and_offsets():
    params = CodeParams(default_threshold=0.5, relative=1.0)
    result = C.code_segments(SEGS, fake_encode(SEGS.text.tolist()), BOOK, params, fake_encode)
    tc = result.turn_codes
    coded = {(r.interview_id, r.turn_index, r.code_id) for r in tc.itertuples()}
    assert ("A", 1, "benefit.sharing") in coded and ("A", 3, "benefit.trust") in coded
    assert ("A", 1, "benefit.trust") not in coded
    sc = result.segment_codes
    row = sc[(sc.interview_id == "A") & (sc.turn_index == 1)].iloc[0]
    assert row.segment_id == "A-0001-00"  # placed on the segment that says it
    assert row.method == "keyword+semantic" and row.evidence == "keyword: shared practice"
    assert set(sc.columns) == set(C.SEGMENT_CODE_COLUMNS)
    assert result.stats["calibration"] == "default"


def test_when_human_codes_given_then_thresholds_cross_fitted():
    human = pd.DataFrame(
        [("A", 1, "benefit.sharing"), ("B", 1, "benefit.sharing"), ("C", 3, "benefit.trust")],
        columns=["interview_id", "turn_index", "code_id"],
    )
    params = CodeParams(folds=3, min_positives=1)
    result = C.code_segments(
        SEGS, fake_encode(SEGS.text.tolist()), BOOK, params, fake_encode, human
    )
    assert result.stats["calibration"].startswith("cross-fitted over interviews (3 folds)")
    assert (result.thresholds.threshold_min <= result.thresholds.threshold_max).all()


def test_when_only_keyword_coder_then_a_hit_codes_the_turn():
    params = CodeParams(coders=["keyword"])
    result = C.code_segments(SEGS, fake_encode(SEGS.text.tolist()), BOOK, params, fake_encode)
    assert set(result.segment_codes.method) == {"keyword"}
    assert ("B", 3, "benefit.trust") in set(
        zip(result.turn_codes.interview_id, result.turn_codes.turn_index, result.turn_codes.code_id)
    )


def test_when_supervised_without_human_codes_then_clear_error():
    from pipeline.errors import QualevalError

    params = CodeParams(coders=["keyword", "semantic", "supervised"])
    with pytest.raises(QualevalError, match="'supervised' needs human codes"):
        C.code_segments(SEGS, fake_encode(SEGS.text.tolist()), BOOK, params, fake_encode)


def test_when_coded_twice_then_identical_tables():
    params = CodeParams(default_threshold=0.5)
    emb = fake_encode(SEGS.text.tolist())
    a = C.code_segments(SEGS, emb, BOOK, params, fake_encode)
    b = C.code_segments(SEGS, emb, BOOK, params, fake_encode)
    pd.testing.assert_frame_equal(a.segment_codes, b.segment_codes)
    pd.testing.assert_frame_equal(a.turn_codes, b.turn_codes)


@pytest.mark.parametrize(
    ("values", "positive"),
    [
        ([0.1, 0.5, 0.9, 0.5], [False, True, True, False]),
        ([1.0, 1.0, 1.0], [True, False, True]),
        ([-np.inf, 0.2, 3.0], [True, True, False]),  # masked scores never predicted
        ([0.3, 0.4], [False, False]),  # no positives: F1 0 everywhere
    ],
)
def test_when_f1_curve_computed_then_it_equals_brute_force(values, positive):
    grid = np.round(np.arange(-0.5, 3.5, 0.05), 4)
    v, g = np.array(values), np.array(positive)
    brute = [C._f1(v >= t, g) for t in grid]
    np.testing.assert_allclose(f1_curve(v, g, grid), brute, atol=1e-12)


@pytest.mark.parametrize(
    ("scores", "floor", "expected"),
    [
        ([[2.0, 1.5]], None, [[True, True]]),
        ([[2.0, 1.5]], [3.5], [[False, False]]),  # the uncoded competitor wins the turn
        ([[2.0, 1.5]], [2.8], [[True, False]]),  # only the best code is close enough
        ([[2.0, 1.5]], [0.0], [[True, True]]),  # a low floor changes nothing
    ],
)
def test_when_uncoded_floor_given_then_codes_must_compete_with_it(scores, floor, expected):
    fl = None if floor is None else np.array(floor)
    assert C.competition(np.array(scores), 1.0, fl).tolist() == expected


UNCODED_BOOK = parse_codebook(
    {
        "uncoded": ["the long day and the weather"],
        "codes": BOOK.model_dump(exclude_none=True)["codes"],
    },
    "test.yaml",
)


def weather_encode(texts):
    """fake_encode with small talk as a third concept."""
    return fake_encode(texts, small_talk=2.0)


def test_when_turn_is_small_talk_then_uncoded_competitor_leaves_it_uncoded():
    segs = _segments(
        [
            ("A", 1, 0, "Yes I can hear you, lovely day, nice weather."),
            ("A", 3, 0, "We borrowed a tool and shared practice."),
            ("B", 1, 0, "It was a long day, the weather was bad."),
            ("B", 3, 0, "Honest, open, trusting."),
        ]
    )
    emb = weather_encode(segs.text.tolist())
    params = CodeParams(default_threshold=-5.0, relative=0.5, uncoded_bias=0.0)
    with_unc = C.code_segments(segs, emb, UNCODED_BOOK, params, weather_encode).turn_codes
    without = C.code_segments(segs, emb, BOOK, params, weather_encode).turn_codes
    assert 1 not in set(with_unc.turn_index)  # small talk: no code
    assert 1 in set(without.turn_index)  # without uncoded material every turn gets its best code
    assert {3} == set(with_unc.turn_index)


# --- a user's own codebook, in the minimal hand-written form, applied with the real model ---


@pytest.mark.slow
def test_when_users_minimal_codebook_applied_then_turns_get_the_right_codes(tmp_path):
    import json

    from test_codebook import LIBRARY_CODEBOOK

    from pipeline import embed_codebook
    from pipeline.encoder import encode

    book = tmp_path / "library.yaml"
    book.write_text(LIBRARY_CODEBOOK, encoding="utf-8")
    answers = {
        ("L1", 1): "It shuts at half four on weekdays, so I can never get in after work.",
        ("L1", 3): "The wifi keeps dropping and the computers are broken half the time.",
        ("L2", 1): "There's no bus out to the branch on a Sunday and the car park is tiny.",
        ("L2", 3): "The librarian sat with me for ages and helped me fill in the form.",
        ("L3", 1): "Weekend opening would help; it's closed all Sunday and shuts early Saturday.",
        ("L3", 3): "The staff are lovely, they showed me how to find large print books.",
    }
    segs = _segments([(iv, ti, 0, text) for (iv, ti), text in answers.items()])
    seg_path, emb_path = tmp_path / "segments.parquet", tmp_path / "embeddings.npy"
    segs.to_parquet(seg_path, index=False)
    np.save(emb_path, encode(segs.text.tolist()))
    vectors = tmp_path / "vectors.parquet"
    embed_codebook.run_stage(None, book, vectors_path=vectors, metrics_path=tmp_path / "v.json")
    params = tmp_path / "params.yaml"
    params.write_text("code:\n  default_threshold: 0.0\n  relative: 0.5\n", encoding="utf-8")
    out = {n: tmp_path / n for n in ("sc.parquet", "tc.parquet", "th.csv", "m.json")}
    C.run_stage(
        params,
        seg_path,
        emb_path,
        book,
        human_path=None,
        segment_codes_path=out["sc.parquet"],
        turn_codes_path=out["tc.parquet"],
        thresholds_path=out["th.csv"],
        metrics_path=out["m.json"],
        codebook_vectors_path=vectors,
    )
    tc = pd.read_parquet(out["tc.parquet"])
    best = tc.sort_values("score").groupby(["interview_id", "turn_index"]).code_id.last()
    assert best.to_dict() == {
        ("L1", 1): "access.opening_hours",
        ("L1", 3): "experience.digital",
        ("L2", 1): "access.travel",
        ("L2", 3): "experience.staff_help",
        ("L3", 1): "access.opening_hours",
        ("L3", 3): "experience.staff_help",
    }
    assert json.loads(out["m.json"].read_text())["calibration"] == "default"


def _two_code_interviews(n_interviews: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Segments and human codes: each interview has a sharing turn and a trust turn."""
    rows, human = [], []
    for n in range(n_interviews):
        iv = f"S{n}"
        rows.append((iv, 1, 0, f"We borrowed a tool and shared practice number {n}."))
        rows.append((iv, 3, 0, f"An honest, open talk built trust, meeting {n}."))
        human += [(iv, 1, "benefit.sharing"), (iv, 3, "benefit.trust")]
    return _segments(rows), pd.DataFrame(human, columns=["interview_id", "turn_index", "code_id"])


def test_when_supervised_coder_enabled_then_it_learns_from_other_interviews():
    segs, human_df = _two_code_interviews(8)
    params = CodeParams(coders=["supervised"], folds=4)
    result = C.code_segments(
        segs, fake_encode(segs.text.tolist()), BOOK, params, fake_encode, human_df
    )
    tc = result.turn_codes
    got = set(zip(tc.interview_id, tc.turn_index, tc.code_id))
    assert got == set(map(tuple, human_df.itertuples(index=False)))
    assert set(result.segment_codes.method) == {"supervised"}
    assert result.segment_codes.evidence.str.startswith("supervised p=").all()
    assert "supervised coder cross-fitted" in result.stats["calibration"]


@pytest.mark.slow
def test_when_finetune_epochs_are_set_then_the_supervised_coder_fine_tunes_the_encoder_too():
    segs, human_df = _two_code_interviews(6)
    params = CodeParams(coders=["supervised"], folds=2, finetune_epochs=1)
    result = C.code_segments(
        segs, fake_encode(segs.text.tolist()), BOOK, params, fake_encode, human_df
    )
    assert "supervised coder with a fine-tuned encoder" in result.stats["calibration"]
    tc = result.turn_codes
    assert set(zip(tc.interview_id, tc.turn_index, tc.code_id)) == set(
        map(tuple, human_df.itertuples(index=False))
    )


@pytest.mark.parametrize("n", [0, 1, 2])
def test_when_corpus_is_tiny_then_coding_runs_and_writes_contract_columns(n):
    import warnings

    segs = _segments(SEGS.head(n)[["interview_id", "turn_index", "segment_index", "text"]].values)
    human = pd.DataFrame(columns=["interview_id", "turn_index", "code_id"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # z-scores of 0 or 1 rows
        result = C.code_segments(
            segs, fake_encode(segs.text.tolist()), BOOK, CodeParams(), fake_encode, human
        )
    assert list(result.segment_codes.columns) == list(C.SEGMENT_CODE_COLUMNS)
    assert list(result.turn_codes.columns) == list(C.TURN_CODE_COLUMNS)
    assert result.stats["segments"] == n


def test_when_embeddings_and_codebook_vectors_differ_in_size_then_clear_error():
    from pipeline.errors import QualevalError

    wide = np.hstack([fake_encode(SEGS.text.tolist()), np.zeros((len(SEGS), 2))])
    with pytest.raises(QualevalError, match="5 dimensions but the codebook's vectors 3"):
        C.code_segments(SEGS, wide, BOOK, CodeParams(), fake_encode)
