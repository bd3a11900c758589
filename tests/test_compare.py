"""Compare stage: agreement metrics, the review sheet and its round trip."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from pipeline import compare as C
from pipeline.entry import guarded as _guarded
from pipeline.errors import QualevalError
from pipeline.evaluator_files import human_codes as H

CODES = ["a", "b", "c"]


def coding(rows):
    return pd.DataFrame(rows, columns=list(H.CODING_COLUMNS))


def universe(n, interview="I1"):
    return pd.DataFrame({"interview_id": [interview] * n, "turn_index": list(range(n))})


def from_vector(code, vector, interview="I1"):
    return [(interview, i, code) for i, v in enumerate(vector) if v]


# --- compare ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pred", "ref", "expected"),
    [
        # identical, both used: perfect
        (
            [1, 0, 1, 0],
            [1, 0, 1, 0],
            {"kappa": 1.0, "precision": 1.0, "recall": 1.0, "f1": 1.0, "agreement": 1.0},
        ),
        # tp=2 fp=1 fn=1 tn=2: p=r=f1=2/3; po=4/6, pe=.5*.5+.5*.5=.5 -> kappa=(2/3-.5)/.5=1/3
        (
            [1, 1, 1, 0, 0, 0],
            [1, 1, 0, 1, 0, 0],
            {"kappa": 1 / 3, "precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3, "agreement": 4 / 6},
        ),
        # tp=1 fp=0 fn=1 tn=2: p=1, r=1/2, f1=2/3; po=3/4, pe=1/4*2/4+3/4*2/4=1/2 -> kappa=1/2
        (
            [1, 0, 0, 0],
            [1, 1, 0, 0],
            {"kappa": 0.5, "precision": 1.0, "recall": 0.5, "f1": 2 / 3, "agreement": 0.75},
        ),
        # one false positive, no reference positive: po=5/6=pe -> kappa 0; p=r=f1=0 (zero_division)
        (
            [0, 0, 0, 0, 0, 1],
            [0, 0, 0, 0, 0, 0],
            {"kappa": 0.0, "precision": 0.0, "recall": 0.0, "f1": 0.0, "agreement": 5 / 6},
        ),
        # neither used the code: both constant and equal -> kappa defined as 1
        (
            [0, 0, 0],
            [0, 0, 0],
            {"kappa": 1.0, "precision": 0.0, "recall": 0.0, "f1": 0.0, "agreement": 1.0},
        ),
        # both applied it everywhere: constant and equal -> kappa 1
        (
            [1, 1],
            [1, 1],
            {"kappa": 1.0, "precision": 1.0, "recall": 1.0, "f1": 1.0, "agreement": 1.0},
        ),
        # constant and different -> kappa defined as 0
        (
            [1, 1, 1],
            [0, 0, 0],
            {"kappa": 0.0, "precision": 0.0, "recall": 0.0, "f1": 0.0, "agreement": 0.0},
        ),
    ],
)
def test_when_vectors_compared_then_per_code_metrics_match_hand_computed(pred, ref, expected):
    per_code, _ = C.compare(
        coding(from_vector("a", pred)), coding(from_vector("a", ref)), universe(len(pred)), ["a"]
    )
    row = per_code.iloc[0]
    for key, value in expected.items():
        assert row[key] == pytest.approx(value), key
    assert row["support"] == sum(ref)
    assert row["predicted"] == sum(pred)
    assert row["true_positives"] == sum(p and r for p, r in zip(pred, ref))


def test_when_codings_identical_then_kappa_and_f1_are_one():
    rows = [("I1", 0, "a"), ("I1", 1, "b"), ("I2", 3, "a"), ("I2", 3, "c")]
    turns = pd.DataFrame({"interview_id": ["I1", "I1", "I2", "I2"], "turn_index": [0, 1, 2, 3]})
    per_code, summary = C.compare(coding(rows), coding(rows), turns, CODES)
    assert per_code["kappa"].tolist() == [1.0, 1.0, 1.0]
    assert per_code["f1"].tolist() == [1.0, 1.0, 1.0]
    for key in ("micro_f1", "macro_f1", "macro_kappa", "agreement"):
        assert summary[key] == 1.0, key
    assert (summary["n_turns"], summary["n_codes"]) == (4, 3)


def test_when_known_example_then_summary_is_micro_pooled_and_macro_over_active_codes():
    # a: tp=2 fp=1 fn=1 tn=2 (kappa 1/3); b: one false positive (kappa 0); c: unused (inactive)
    pred = coding(from_vector("a", [1, 1, 1, 0, 0, 0]) + from_vector("b", [0, 0, 0, 0, 0, 1]))
    ref = coding(from_vector("a", [1, 1, 0, 1, 0, 0]))
    per_code, summary = C.compare(pred, ref, universe(6), CODES)
    assert per_code["code_id"].tolist() == CODES
    assert list(per_code.columns) == list(C.PER_CODE_COLUMNS)
    expected = {
        "n_turns": 6,
        "n_codes": 3,
        "n_codes_active": 2,
        # pooled over 18 cells: tp=2 fp=2 fn=1; 15 cells agree
        "micro_precision": 2 / 4,
        "micro_recall": 2 / 3,
        "micro_f1": 2 * (1 / 2) * (2 / 3) / (1 / 2 + 2 / 3),
        "agreement": 15 / 18,
        # means over codes a and b only
        "macro_precision": (2 / 3 + 0) / 2,
        "macro_recall": (2 / 3 + 0) / 2,
        "macro_f1": (2 / 3 + 0) / 2,
        "macro_kappa": (1 / 3 + 0) / 2,
    }
    for key, value in expected.items():
        assert summary[key] == pytest.approx(value), key


def test_when_no_code_used_then_macro_is_none():
    _, summary = C.compare(coding([]), coding([]), universe(3), CODES)
    assert summary["n_codes_active"] == 0
    assert summary["macro_f1"] is None and summary["macro_kappa"] is None
    assert summary["agreement"] == 1.0


def test_when_prediction_outside_universe_then_ignored():
    pred = coding([("I1", 0, "a"), ("I9", 7, "b")])
    ref = coding([("I1", 0, "a")])
    per_code, _ = C.compare(pred, ref, universe(2), CODES)
    assert per_code.set_index("code_id")["predicted"].to_dict() == {"a": 1, "b": 0, "c": 0}


@pytest.mark.parametrize(
    ("pred_rows", "ref_rows", "message"),
    [
        ([], [("I1", 0, "x")], "unknown code 'x' in human codes; is the codebook the one"),
        ([("I1", 0, "zz")], [], "unknown code 'zz' in automatic codes"),
    ],
)
def test_when_unknown_code_then_error_names_code_and_source(pred_rows, ref_rows, message):
    with pytest.raises(QualevalError, match=message):
        C.compare(coding(pred_rows), coding(ref_rows), universe(2), CODES)


def test_when_universe_empty_then_error():
    with pytest.raises(QualevalError, match="no turns to compare"):
        C.compare(coding([]), coding([]), universe(0), CODES)


# --- stage -----------------------------------------------------------------------------------


def _automatic():
    segments = pd.DataFrame(
        {
            "segment_id": ["I1-0001-00", "I1-0001-01", "I2-0003-00", "I2-0005-00"],
            "interview_id": ["I1", "I1", "I2", "I2"],
            "turn_index": [1, 1, 3, 5],
            "segment_index": [0, 1, 0, 0],
            "start": [0, 20, 0, 0],
            "end": [19, 40, 30, 10],
            "text": ["Networks helped us.", "=Peers were honest.", "We learnt.", "Thanks."],
            "n_words": [3, 3, 2, 1],
        }
    )
    machine = {("I1", 1): {"a", "b"}, ("I2", 3): {"c"}, ("I2", 5): set()}
    turn_scores = pd.DataFrame(
        [
            (iv, ti, c, 2.0 if c in got else 0.0, 1.0, c in got)
            for (iv, ti), got in machine.items()
            for c in CODES
        ],
        columns=["interview_id", "turn_index", "code_id", "score", "threshold", "machine"],
    )
    turn_codes = pd.DataFrame(
        [
            ("I2", 3, "c", 0.9, 1, "keyword", "=visit"),
            ("I1", 1, "b", 0.7, 1, "semantic", "sim 0.70"),
            ("I1", 1, "a", 0.8, 2, "keyword|semantic", "peers"),
        ],
        columns=[
            "interview_id",
            "turn_index",
            "code_id",
            "score",
            "n_segments",
            "methods",
            "evidence",
        ],
    )
    return turn_scores, turn_codes, segments


def _stage_inputs(tmp_path):
    turn_scores, turn_codes, segments = _automatic()
    paths = {
        "auto": tmp_path / "turn_codes.parquet",
        "turn-scores": tmp_path / "turn_scores.parquet",
        "segments": tmp_path / "segments.parquet",
        "codebook": tmp_path / "codebook.yaml",
    }
    turn_codes.to_parquet(paths["auto"], index=False)
    turn_scores.to_parquet(paths["turn-scores"], index=False)
    segments.to_parquet(paths["segments"], index=False)
    paths["codebook"].write_text(
        "codes:\n"
        + "".join(
            f"  - id: {c}\n    label: {c.upper()}\n    definition: Code {c}.\n"
            f"    keywords: [{c}word]\n"
            for c in CODES
        )
    )
    outs = {
        "table": tmp_path / "out" / "comparison.csv",
        "metrics": tmp_path / "out" / "agreement.json",
        "review-sheet": tmp_path / "out" / "review_sheet.xlsx",
        "prevalence": tmp_path / "out" / "prevalence.parquet",
    }
    return paths, outs


def _invoke(paths, outs, human):
    app = typer.Typer(add_completion=False)
    app.command()(_guarded(C.main))
    args = [f"--{k}={v}" for k, v in {**paths, **outs}.items()]
    if human is not None:
        args.append(f"--human={human}")
    return CliRunner().invoke(app, args)


@pytest.mark.parametrize("human", [None, "", "none", "None"])
def test_when_no_human_codes_then_unvalidated_counts_and_no_agreement(tmp_path, human):
    paths, outs = _stage_inputs(tmp_path)
    res = _invoke(paths, outs, human)
    assert res.exit_code == 0, res.output
    metrics = json.loads(outs["metrics"].read_text())
    assert (metrics["human_codes"], metrics["basis"]) == (False, "none")
    assert metrics["density"]["coded_turn_share"] == pytest.approx(2 / 3, abs=1e-6)
    assert outs["table"].read_text() == ",".join(C.PER_CODE_COLUMNS) + "\n"
    prev = pd.read_parquet(outs["prevalence"])
    assert prev["interviews"].tolist() == [1, 1, 1] and not prev["validated"].any()
    assert set(prev["basis"]) == {"unvalidated machine codes"}
    wb = openpyxl.load_workbook(outs["review-sheet"])
    assert wb.sheetnames == ["review", "instructions", "codes"]
    assert wb["review"].max_row == 4  # header + one row per turn, uncoded I2 5 too


def test_when_human_codes_given_then_cross_fitted_basis_table_and_metrics_written(tmp_path):
    paths, outs = _stage_inputs(tmp_path)
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        '{"interview_id": "I1", "turn_index": 1, "codes": ["a"]}\n'
        '{"interview_id": "I2", "turn_index": 3, "codes": ["c"]}\n'
    )
    res = _invoke(paths, outs, str(gold))
    assert res.exit_code == 0, res.output
    metrics = json.loads(outs["metrics"].read_text())
    assert metrics["human_codes"] is True and metrics["basis"] == "human codes (cross-fitted)"
    assert (metrics["n_turns"], metrics["n_codes"]) == (2, 3)
    # tp=2 (I1 a, I2 c), fp=1 (I1 b), fn=0
    assert metrics["micro_precision"] == pytest.approx(round(2 / 3, 6))
    assert metrics["micro_recall"] == 1.0
    assert metrics["per_code"]["b"]["precision"] == 0.0
    table = pd.read_csv(outs["table"])
    assert table["code_id"].tolist() == CODES
    assert pd.read_parquet(outs["prevalence"])["validated"].all()


def test_when_run_twice_then_review_sheet_bytes_identical(tmp_path):
    paths, outs = _stage_inputs(tmp_path)
    assert _invoke(paths, outs, None).exit_code == 0
    first = outs["review-sheet"].read_bytes()
    assert _invoke(paths, outs, None).exit_code == 0
    assert outs["review-sheet"].read_bytes() == first


def test_when_human_codes_use_unknown_code_then_exit_2_and_nothing_written(tmp_path):
    paths, outs = _stage_inputs(tmp_path)
    gold = tmp_path / "gold.csv"
    gold.write_text("interview_id,turn_index,code_id\nI1,1,zzz\n")
    res = _invoke(paths, outs, str(gold))
    assert res.exit_code == 2
    assert "unknown code 'zzz' in human codes" in res.output
    assert not any(p.exists() for p in outs.values())


def test_when_review_sheet_given_then_agreement_only_on_its_evaluation_rows(tmp_path):
    from pipeline.evaluator_files.review import COLUMNS, SHEET

    paths, outs = _stage_inputs(tmp_path)
    sheet = tmp_path / "reviewed.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(list(COLUMNS))
    rows = [  # I1 1: machine a, b; the reviewer keeps a (evaluation share); I2 3: accepted
        {"interview_id": "I1", "turn_index": 1, "codes": "a; b", "decision": "accept",
         "reject_codes": "b", "evaluation": "yes"},
        {"interview_id": "I2", "turn_index": 3, "codes": "c", "decision": "accept"},
    ]  # fmt: skip
    for row in rows:
        ws.append([row.get(c) for c in COLUMNS])
    wb.save(sheet)
    app = typer.Typer(add_completion=False)
    app.command()(_guarded(C.main))
    args = [f"--{k}={v}" for k, v in {**paths, **outs}.items()] + [f"--review={sheet}"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    metrics = json.loads(outs["metrics"].read_text())
    assert metrics["basis"] == "random evaluation share (cross-fitted)"
    assert (metrics["n_turns"], metrics["reviewed_turns"], metrics["evaluation_turns"]) == (1, 2, 1)
    assert metrics["micro_precision"] == 0.5 and metrics["micro_recall"] == 1.0
    new = openpyxl.load_workbook(outs["review-sheet"])["review"]
    header = [c.value for c in new[1]]
    done = {r[header.index("turn_index")]: r for r in new.iter_rows(min_row=2, values_only=True)}
    assert done[1][header.index("source")] == "review"  # carried forward, filled in
