"""Withdrawals: the sheet's errors name file/line/field; requests drop or strike, and are logged."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.errors import QualevalError
from pipeline.evaluator_files.withdrawals import STRUCK, apply_withdrawals, read_withdrawals

IDS = {"HO01", "HO02"}


def _sheet(tmp_path, text, name="withdrawals.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("interview_id,strike\nHO01,\n", "missing column\\(s\\) reason"),
        ("interview_id,strike,reason\n,x,asked\n", "line 2: interview_id: empty"),
        ("interview_id,strike,reason\nHO01,,\n", "line 2: reason: empty"),
        ("interview_id,strike,reason\nHO09,,asked\n", "line 2: interview_id: 'HO09' is not in"),
    ],
)
def test_when_sheet_bad_then_error_names_file_line_and_field(tmp_path, text, message):
    with pytest.raises(QualevalError, match=rf"withdrawals.csv: {message}"):
        read_withdrawals(_sheet(tmp_path, text), IDS)


def test_when_sheet_missing_then_error_says_what_to_do(tmp_path):
    with pytest.raises(QualevalError, match=r"data\.withdrawals: null"):
        read_withdrawals(tmp_path / "nope.csv", IDS)


def test_when_xlsx_with_comments_then_read(tmp_path):
    path = tmp_path / "w.xlsx"
    pd.DataFrame(
        {"interview_id": ["# example", "HO02"], "strike": ["", ""], "reason": ["", "consent"]}
    ).to_excel(path, index=False)
    [req] = read_withdrawals(path, IDS)
    assert (req.interview_id, req.strike, req.reason, req.line) == ("HO02", "", "consent", 3)


TURNS = pd.DataFrame(
    {
        "interview_id": ["HO01", "HO01", "HO02"],
        "text": ["I told Gaz  Morgan about it", "gaz morgan agreed", "all fine"],
    }
)


@pytest.mark.parametrize(
    ("sheet", "texts", "log"),
    [
        # the whole interview withdrawn: its turns are gone
        ("HO01,,consent withdrawn", ["all fine"], [("interview", 2, 0)]),
        # a name struck: every spelling (case, spacing) in that interview only
        (
            "HO01,Gaz Morgan,asked",
            [f"I told {STRUCK} about it", f"{STRUCK} agreed", "all fine"],
            [("passage", 0, 2)],
        ),
        ("HO02,Gaz Morgan,asked", [t for t in TURNS.text], [("passage", 0, 0)]),
    ],
)
def test_when_withdrawal_applied_then_turns_dropped_or_struck_and_logged(
    tmp_path, sheet, texts, log
):
    requests = read_withdrawals(_sheet(tmp_path, f"interview_id,strike,reason\n{sheet}\n"), IDS)
    out, audit = apply_withdrawals({"turns": TURNS}, requests, {"turns": "text"})
    assert list(out["turns"].text) == texts
    cols = ["scope", "turns_removed", "passages_struck"]
    assert list(audit[cols].itertuples(index=False, name=None)) == log
    assert TURNS.text.iloc[0] == "I told Gaz  Morgan about it"  # input untouched
