"""Code stage core: code_segments end to end (and run_stage on a user's codebook)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_coding_coders import BOOK, fake_encode

from pipeline import coding as C
from pipeline.codebook import parse_codebook
from pipeline.params import CodeParams


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
    # the built-in generic set off, so only the codebook's own uncoded material competes
    params = CodeParams(
        default_threshold=-5.0, relative=0.5, uncoded_bias=0.0, analytic_margin=None
    )
    with_unc = C.code_segments(segs, emb, UNCODED_BOOK, params, weather_encode).turn_codes
    without = C.code_segments(segs, emb, BOOK, params, weather_encode).turn_codes
    assert 1 not in set(with_unc.turn_index)  # small talk: no code
    assert 1 in set(without.turn_index)  # without uncoded material every turn gets its best code
    assert {3} == set(with_unc.turn_index)


SMALL_TALK = _segments(
    [
        ("A", 1, 0, "Yes I can hear you, lovely day, nice weather."),
        ("A", 3, 0, "We borrowed a tool and shared practice."),
        ("B", 1, 0, "It was a long day, the weather was bad."),
        ("B", 3, 0, "Honest, open, trusting."),
    ]
)


@pytest.mark.parametrize(
    ("margin", "small_talk_coded"),
    [(0.0, False), (None, True)],
)
def test_when_codebook_has_no_uncoded_then_generic_set_decides_small_talk(margin, small_talk_coded):
    emb = weather_encode(SMALL_TALK.text.tolist())
    params = CodeParams(default_threshold=-5.0, relative=0.5, analytic_margin=margin)
    coded = set(
        C.code_segments(SMALL_TALK, emb, BOOK, params, weather_encode).turn_codes.turn_index
    )
    assert (1 in coded) is small_talk_coded
    assert 3 in coded


def test_when_question_names_a_code_then_it_lifts_that_code_for_the_answer():
    # the same ambiguous answer after two different questions
    segs = _segments([("A", 1, 0, "Honest, and a tool."), ("B", 1, 0, "Honest, and a tool.")])
    emb = fake_encode(segs.text.tolist())
    asked = fake_encode(["how did sharing practice go?", "was it honest and open?"])
    params = CodeParams(question_weight=1.0, relative=0.0, default_threshold=-5.0)
    result = C.code_segments(segs, emb, BOOK, params, fake_encode, questions=asked)
    coded = {(r.interview_id, r.code_id) for r in result.turn_codes.itertuples()}
    assert coded == {("A", "benefit.sharing"), ("B", "benefit.trust")}


def test_when_question_embeddings_do_not_match_segments_then_clear_error():
    from pipeline.errors import QualevalError

    emb = fake_encode(SEGS.text.tolist())
    with pytest.raises(QualevalError, match="question embeddings"):
        C.code_segments(SEGS, emb, BOOK, CodeParams(), fake_encode, questions=emb[:2])


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


@pytest.mark.parametrize(("drop", "intro_coded"), [(True, False), (False, True)])
def test_when_a_turn_is_only_a_self_introduction_then_it_gets_no_code(drop, intro_coded):
    segs = _segments(
        [
            ("A", 1, 0, "I'm the service manager, I've been in post for three years."),
            ("A", 3, 0, "We borrowed a tool and shared practice."),
            ("B", 3, 0, "Honest, open, trusting."),
        ]
    )
    emb = fake_encode(["a tool shared", *segs.text.tolist()[1:]])  # the intro reads on-topic
    params = CodeParams(
        default_threshold=-5.0, relative=5.0, analytic_margin=None, drop_nonanalytic=drop
    )
    coded = set(C.code_segments(segs, emb, BOOK, params, fake_encode).turn_codes.turn_index)
    assert (1 in coded) is intro_coded
    assert 3 in coded


def test_when_a_turn_opens_with_an_introduction_then_its_other_segments_decide():
    segs = _segments(
        [
            ("A", 1, 0, "My role is head of service."),
            ("A", 1, 1, "An honest and open talk built trust."),
            ("B", 1, 0, "We borrowed a tool and shared practice."),
        ]
    )
    emb = fake_encode(["We borrowed a tool.", *segs.text.tolist()[1:]])
    params = CodeParams(default_threshold=-5.0, relative=0.0, analytic_margin=None)
    result = C.code_segments(segs, emb, BOOK, params, fake_encode)
    coded = {(r.interview_id, r.code_id) for r in result.turn_codes.itertuples()}
    assert ("A", "benefit.trust") in coded and ("A", "benefit.sharing") not in coded
