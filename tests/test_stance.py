"""The stance stage: polarity rules, aspect weights, the pure core and the stage's files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipeline.codebook import parse_codebook
from pipeline.errors import QualevalError
from pipeline.evaluator_files.stance_gold import read_stance_gold
from pipeline.params import StanceParams, load_params
from pipeline.stance import aspect
from pipeline.stance.core import StanceModel, interview_stance, questions, stance_tables
from pipeline.stance.evaluation import score_against_gold
from pipeline.stance.lexicon import Lexicon
from pipeline.stance.polarity import clauses, decide, polarity
from pipeline.stance.stage import run_stage


@pytest.fixture(scope="module")
def lexicon():
    return Lexicon(masked={"training", "funding", "data", "sharing"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The training was excellent.", "positive"),
        ("It was invaluable, honestly.", "positive"),
        ("It worked well for the families.", "positive"),
        ("That made a massive difference.", "positive"),
        ("Before, it was emails and waiting three days.", "positive"),
        ("The sessions didn't land with parents.", "negative"),
        ("It has been a real struggle.", "negative"),
        ("Stretched.", "negative"),
        ("The booking system is frustrating.", "negative"),
        ("It never really worked well.", "negative"),
        ("Get the data sharing sorted, first and foremost.", "negative"),
        ("The systems don't talk to each other.", "negative"),
        ("It just sits in a drawer.", "negative"),
        ("It's too early to say.", "neutral"),
        ("There's a board.", "neutral"),
        ("Um, it's mixed, honestly.", "mixed"),
        ("The booking works well, but the website is confusing.", "mixed"),
    ],
)
def test_when_a_sentence_is_scored_then_its_stance_follows_the_rules(lexicon, text, expected):
    p = polarity(text, lexicon)
    assert decide(p.positive, p.negative, 0.05, 0.5) == expected


@pytest.mark.parametrize(
    ("own", "other", "expected"),
    [
        ({"training"}, {"funding"}, "positive"),
        ({"funding"}, {"training"}, "negative"),
    ],
)
def test_when_a_clause_names_another_aspect_then_it_counts_less_for_this_one(
    lexicon, own, other, expected
):
    text = "The training was excellent but the funding ran out."
    p = polarity(text, lexicon, aspect=(frozenset(own), frozenset(other)))
    assert decide(p.positive, p.negative, 0.05, 0.8) == expected


@pytest.mark.parametrize(
    ("text", "n", "contrast"),
    [
        ("It works, but slowly.", 2, [False, True]),
        ("Good. The problem is the wait.", 2, [False, True]),
        ("One thing; another thing", 2, [False, False]),
        ("No contrast here at all", 1, [False]),
    ],
)
def test_when_text_is_cut_into_clauses_then_contrast_is_marked(text, n, contrast):
    parts = clauses(text)
    assert len(parts) == n
    assert [a for _, a in parts] == contrast


@pytest.mark.parametrize(
    ("pos", "neg", "expected"),
    [
        (0.0, 0.0, "neutral"),
        (0.04, 0.01, "neutral"),
        (0.5, 0.0, "positive"),
        (0.1, 0.6, "negative"),
        (0.5, 0.45, "mixed"),
        (0.5, 0.2, "positive"),
    ],
)
def test_when_evidence_is_decided_then_thresholds_apply(pos, neg, expected):
    assert decide(pos, neg, neutral_threshold=0.05, mixed_ratio=0.8) == expected


def test_when_a_turn_has_one_code_then_every_segment_counts_fully():
    rel = np.array([[0.1, 0.9], [0.8, 0.2]])
    w = aspect.segment_weights(
        rel, 0, [], np.array([False, False]), temperature=0.1, opening_weight=0.5
    )
    assert w.tolist() == [1.0, 1.0]


def test_when_a_turn_has_two_codes_then_a_sentence_counts_for_the_code_it_speaks_to():
    rel = np.array([[0.1, 0.9], [0.8, 0.2]])
    opening = np.array([True, False])
    w = aspect.segment_weights(rel, 0, [1], opening, temperature=0.1, opening_weight=0.5)
    assert w[1] == pytest.approx(1.0)
    assert w[0] == pytest.approx(0.5)  # an opening answer, far from code 0: the floor
    w1 = aspect.segment_weights(rel, 1, [0], opening, temperature=0.1, opening_weight=0.0)
    assert w1[0] == pytest.approx(1.0) and w1[1] < 0.01


BOOK = parse_codebook(
    {
        "codes": [
            {
                "id": "workforce",
                "label": "Workforce",
                "definition": "The people who deliver the services.",
            },
            {
                "id": "workforce.training",
                "label": "Training",
                "parent": "workforce",
                "definition": "Training courses and development days for staff.",
                "examples": ["The training course was brilliant.", "We had training days."],
            },
            {
                "id": "workforce.capacity",
                "label": "Capacity",
                "parent": "workforce",
                "definition": "Staffing levels, vacancies and caseloads of the team.",
                "examples": ["We are stretched.", "Caseloads are a struggle."],
            },
        ]
    },
    "test codebook",
)


def _vectors():
    rows = [
        ("workforce.training", "definition", "Training: Training for staff.", [1.0, 0.0, 0.0]),
        ("workforce.training", "example", "The training course", [0.9, 0.1, 0.0]),
        ("workforce.capacity", "definition", "Capacity: Staffing levels.", [0.0, 1.0, 0.0]),
        ("workforce.capacity", "example", "We are stretched.", [0.1, 0.9, 0.0]),
    ]
    return pd.DataFrame(rows, columns=["code_id", "kind", "text", "vector"]).assign(
        vector=lambda d: [np.array(v, dtype=np.float32) for v in d["vector"]]
    )


SEGMENTS = pd.DataFrame(
    {
        "segment_id": ["A-0001-00", "A-0001-01", "A-0003-00", "B-0001-00"],
        "interview_id": ["A", "A", "A", "B"],
        "turn_index": [1, 1, 3, 1],
        "segment_index": [0, 1, 0, 0],
        "start": [0, 30, 0, 0],
        "end": [29, 60, 20, 30],
        "text": [
            "The training was excellent.",
            "But we are stretched and tired.",
            "Honestly, no idea.",
            "The training didn't land.",
        ],
        "n_words": [4, 6, 3, 4],
    }
)
EMBEDDINGS = np.array(
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], dtype=np.float32
)
TURN_CODES = pd.DataFrame(
    {
        "interview_id": ["A", "A", "B"],
        "turn_index": [1, 1, 1],
        "code_id": ["workforce.training", "workforce.capacity", "workforce.training"],
    }
)
SEGMENT_CODES = pd.DataFrame(
    {
        "segment_id": ["A-0001-00", "A-0001-01", "B-0001-00"],
        "interview_id": ["A", "A", "B"],
        "turn_index": [1, 1, 1],
        "code_id": ["workforce.training", "workforce.capacity", "workforce.training"],
    }
)


def _run(settings=None):
    model = StanceModel(BOOK, _vectors(), settings or StanceParams(prior_weight=0.0))
    result, _, _ = stance_tables(model, SEGMENTS, EMBEDDINGS, SEGMENT_CODES, TURN_CODES)
    return result


def test_when_a_turn_carries_two_codes_then_each_gets_its_own_stance():
    turns = _run().turns.set_index(["interview_id", "turn_index", "code_id"])["stance"]
    assert turns[("A", 1, "workforce.training")] == "positive"
    assert turns[("A", 1, "workforce.capacity")] == "negative"
    assert turns[("B", 1, "workforce.training")] == "negative"


def test_when_the_core_runs_twice_then_the_tables_are_identical():
    a, b = _run(), _run()
    pd.testing.assert_frame_equal(a.turns, b.turns)
    pd.testing.assert_frame_equal(a.segments, b.segments)
    assert a.stats == b.stats


def test_when_tables_are_written_then_they_have_the_catalogue_columns():
    from pipeline import catalogue

    r = _run()
    assert tuple(r.segments.columns) == catalogue.columns("stance")
    assert tuple(r.turns.columns) == catalogue.columns("stance_turns")
    assert tuple(r.interviews.columns) == catalogue.columns("stance_interviews")
    assert r.stats["turns_by_stance"] == {"positive": 1, "negative": 2, "mixed": 0, "neutral": 0}


@pytest.mark.parametrize(
    ("stances", "expected"),
    [
        (["positive", "positive"], "positive"),
        (["positive", "neutral"], "positive"),
        (["positive", "negative"], "mixed"),
        (["neutral", "neutral"], "neutral"),
        (["mixed"], "mixed"),
    ],
)
def test_when_an_interview_has_several_turns_then_its_stance_rolls_them_up(stances, expected):
    turns = pd.DataFrame(
        {
            "interview_id": ["A"] * len(stances),
            "turn_index": range(len(stances)),
            "code_id": ["c"] * len(stances),
            "stance": stances,
        }
    )
    assert interview_stance(turns)["stance"].tolist() == [expected]


def test_when_a_code_has_consistently_worded_examples_then_its_prior_leans_their_way():
    lex = Lexicon(aspect.label_words(BOOK))
    priors = aspect.priors(BOOK, lex, 1.5)
    assert priors["workforce.capacity"] < 0 < priors["workforce.training"]


def test_when_questions_are_read_then_each_answer_gets_the_question_before_it():
    turns = pd.DataFrame(
        {
            "interview_id": ["A", "A", "A", "A"],
            "turn_index": [0, 1, 2, 3],
            "speaker_role": ["interviewer", "respondent", "respondent", "interviewer"],
            "text": ["What got in the way?", "Time.", "And money.", "Thanks."],
        }
    )
    q = questions(turns)
    assert q == {("A", 1): "What got in the way?", ("A", 2): "What got in the way?"}
    assert Lexicon().question_frame(q[("A", 1)]) == -1.0
    assert Lexicon().question_frame("What did you get out of it?") == 1.0


def _write_gold(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {
                "interview_id": "A",
                "turn_index": 1,
                "code_id": "workforce.training",
                "stance": "happy",
            },
            "line 1: stance: 'happy' is not one of",
        ),
        (
            {
                "interview_id": "A",
                "turn_index": "x",
                "code_id": "workforce.training",
                "stance": "positive",
            },
            "line 1: turn_index",
        ),
        (
            {"interview_id": "A", "turn_index": 1, "code_id": "nope", "stance": "positive"},
            "line 1: code_id: 'nope' is not a code",
        ),
        ({"interview_id": "A", "turn_index": 1, "stance": "positive"}, "line 1: code_id: missing"),
    ],
)
def test_when_stance_gold_is_wrong_then_the_error_names_line_and_field(tmp_path, row, message):
    path = tmp_path / "gold.jsonl"
    _write_gold(path, [row])
    with pytest.raises(QualevalError, match=message):
        read_stance_gold(path, {c.id for c in BOOK.leaves()})


def test_when_stance_gold_repeats_a_pair_then_the_error_names_both_lines(tmp_path):
    path = tmp_path / "gold.jsonl"
    row = {"interview_id": "A", "turn_index": 1, "code_id": "c", "stance": "positive"}
    _write_gold(path, [row, row])
    with pytest.raises(QualevalError, match=r"line 2: .* already on line 1"):
        read_stance_gold(path)


def test_when_scored_against_gold_then_accuracy_counts_missing_as_wrong():
    key = {"interview_id": ["A", "A", "B"], "turn_index": [1, 2, 1], "code_id": ["c"] * 3}
    gold = pd.DataFrame({**key, "stance": ["positive", "negative", "mixed"]})
    pred = gold.iloc[:2].assign(stance=["positive", "positive"])
    r = score_against_gold(pred, gold)
    assert (r["n"], r["missing"], r["accuracy"]) == (3, 1, pytest.approx(1 / 3, abs=1e-4))
    assert r["confusion"]["negative"]["positive"] == 1


@pytest.mark.parametrize(
    ("cues", "message"),
    [({"(unclosed": 1.0}, "invalid regular expression"), ({"fine": 9.0}, "outside -4 to 4")],
)
def test_when_extra_cues_are_invalid_then_params_name_them(tmp_path, cues, message):
    path = tmp_path / "params.yaml"
    path.write_text(json.dumps({"stance": {"extra_cues": cues}}), encoding="utf-8")
    with pytest.raises(QualevalError, match=f"stance.extra_cues: .*{message}"):
        load_params(path)


def test_when_the_stage_runs_with_a_gold_then_metrics_say_whether_to_report(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    SEGMENTS.to_parquet(tmp_path / "segments.parquet", index=False)
    np.save(tmp_path / "embeddings.npy", EMBEDDINGS)
    SEGMENT_CODES.to_parquet(tmp_path / "segment_codes.parquet", index=False)
    TURN_CODES.to_parquet(tmp_path / "turn_codes.parquet", index=False)
    vec = _vectors().assign(vector=lambda d: [v.tolist() for v in d["vector"]])
    pq.write_table(pa.Table.from_pandas(vec, preserve_index=False), tmp_path / "vectors.parquet")
    pd.DataFrame(
        {
            "interview_id": ["A", "A", "B", "B"],
            "turn_index": [0, 1, 0, 1],
            "speaker_role": ["interviewer", "respondent", "interviewer", "respondent"],
            "text": ["How was it?", "x", "How was it?", "y"],
        }
    ).to_parquet(tmp_path / "turns.parquet", index=False)
    book = tmp_path / "codebook.yaml"
    book.write_text(json.dumps(BOOK.model_dump(exclude_none=True)), encoding="utf-8")
    _write_gold(
        tmp_path / "gold.jsonl",
        [
            {
                "interview_id": "A",
                "turn_index": 1,
                "code_id": "workforce.training",
                "stance": "positive",
            },
            {
                "interview_id": "A",
                "turn_index": 1,
                "code_id": "workforce.capacity",
                "stance": "negative",
            },
            {
                "interview_id": "B",
                "turn_index": 1,
                "code_id": "workforce.training",
                "stance": "negative",
            },
        ],
    )
    names = ("segments", "embeddings", "segment_codes", "turn_codes", "vectors", "turns")
    files = (
        "segments.parquet",
        "embeddings.npy",
        "segment_codes.parquet",
        "turn_codes.parquet",
        "vectors.parquet",
        "turns.parquet",
    )
    inputs = {k: tmp_path / f for k, f in zip(names, files)}
    outs = {
        "stance": tmp_path / "o" / "stance.parquet",
        "stance_turns": tmp_path / "o" / "stance_turns.parquet",
        "stance_interviews": tmp_path / "o" / "stance_interviews.parquet",
        "stance_metrics": tmp_path / "o" / "stance.json",
    }
    run_stage(None, book, inputs, outs, tmp_path / "gold.jsonl")
    metrics = json.loads(outs["stance_metrics"].read_text())
    assert metrics["accuracy"] == 1.0 and metrics["reportable"] is True
    assert metrics["gold"]["coded_pairs"] == 3
    assert len(pd.read_parquet(outs["stance_turns"])) == 3
