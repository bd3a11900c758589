"""Human against human: kappa, Krippendorff's alpha and F1 per code, and the CLI command."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline import compare as C


@pytest.mark.parametrize(
    ("a", "b", "alpha"),
    [
        # 10 units, 2 disagreements, 3 both-1, 5 both-0: N=20, n1=8, n0=12:
        # alpha = 1 - 19 * 2 / (12 * 8) = 0.604167
        ([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], [1, 1, 1, 0, 1, 0, 0, 0, 0, 0], 1 - 19 * 2 / 96),
        ([1, 0, 1, 0], [1, 0, 1, 0], 1.0),  # perfect
        ([0, 0, 0], [0, 0, 0], 1.0),  # one value only: defined as 1
        # 4 units all disagreeing: N=8, n0=n1=4: 1 - 7*4/16 = -0.75
        ([1, 0, 1, 0], [0, 1, 0, 1], 1 - 7 * 4 / 16),
        # Krippendorff (2011) style: 6 units, 1 disagreement, n1=5, n0=7: 1 - 11/35
        ([1, 1, 0, 0, 0, 1], [1, 1, 0, 0, 0, 0], 1 - 11 * 1 / 35),
    ],
)
def test_when_two_coders_compared_then_alpha_matches_hand_computed(a, b, alpha):
    assert C.krippendorff_alpha_binary(a, b) == pytest.approx(alpha)


def _coder(rows):
    codes = pd.DataFrame(
        [(iv, t, c) for iv, t, cs in rows for c in cs],
        columns=["interview_id", "turn_index", "code_id"],
    )
    turns = pd.DataFrame([(iv, t) for iv, t, _ in rows], columns=["interview_id", "turn_index"])
    return codes, turns


def test_when_coders_compared_then_per_code_kappa_alpha_f1_on_shared_turns():
    a = _coder([("I1", 0, ["x"]), ("I1", 1, ["x", "y"]), ("I1", 2, []), ("I1", 3, ["y"])])
    b = _coder([("I1", 0, ["x"]), ("I1", 1, ["y"]), ("I1", 2, ["x"]), ("I2", 9, ["x"])])
    table, summary = C.compare_coders(a, b)
    assert summary["turns"] == 3  # I1 3 and I2 9 are coded by one coder only
    x = table.set_index("code_id").loc["x"]
    # x: A = [1, 1, 0], B = [1, 0, 1]: kappa (po 1/3, pe 5/9) = -0.5; F1 = 2/4;
    # alpha: N=6, d=2, n1=4, n0=2: 1 - 5*2/8 = -0.25
    assert (x.coder_a, x.coder_b, x.both) == (2, 2, 1)
    assert x.kappa == pytest.approx(-0.5) and x.f1 == 0.5 and x.alpha == pytest.approx(-0.25)
    y = table.set_index("code_id").loc["y"]
    assert y.kappa == 1.0 and y.alpha == 1.0 and y.f1 == 1.0


def test_when_compare_coders_command_run_then_table_and_summary_written(tmp_path):
    from pipeline.cli import app

    (tmp_path / "a.jsonl").write_text(
        '{"interview_id": "I1", "turn_index": 0, "codes": ["x"]}\n'
        '{"interview_id": "I1", "turn_index": 1, "codes": []}\n'
    )
    (tmp_path / "b.csv").write_text("interview_id,turn_index,code_id\nI1,0,x\nI1,1,x\n")
    out = tmp_path / "coders.csv"
    res = CliRunner().invoke(
        app,
        ["compare-coders", str(tmp_path / "a.jsonl"), str(tmp_path / "b.csv"), "--out", str(out)],
    )
    assert res.exit_code == 0, res.output
    assert list(pd.read_csv(out).columns) == list(C.coders.CODER_COLUMNS)
    assert json.loads(out.with_suffix(".json").read_text())["turns"] == 2


def test_when_coders_share_no_turn_then_exit_2_with_a_clear_error(tmp_path):
    from pipeline.cli import app

    (tmp_path / "a.csv").write_text("interview_id,turn_index,code_id\nI1,0,x\n")
    (tmp_path / "b.csv").write_text("interview_id,turn_index,code_id\nI2,0,x\n")
    res = CliRunner().invoke(
        app, ["compare-coders", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--out", "o.csv"]
    )
    assert res.exit_code == 2 and "no turn in common" in res.output
