"""The review sheet read back: reviewed turns, final codes, the evaluation share, errors."""

from __future__ import annotations

import openpyxl
import pytest

from pipeline.errors import QualevalError
from pipeline.evaluator_files import human_codes as H
from pipeline.evaluator_files import review as R

KNOWN = {"a", "b", "c"}


def _sheet(tmp_path, rows, header=R.COLUMNS):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = R.SHEET
    ws.append(list(header))
    for row in rows:
        ws.append([row.get(c) for c in header])
    path = tmp_path / "review.xlsx"
    wb.save(path)
    return path


def _row(iv="I1", ti=1, codes="a; b", decision=None, reject=None, add=None, evaluation=None):
    return {
        "interview_id": iv,
        "turn_index": ti,
        "codes": codes,
        "decision": decision,
        "reject_codes": reject,
        "add_codes": add,
        "evaluation": evaluation,
    }


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (_row(decision="accept"), {"a", "b"}),
        (_row(decision="Accept ", reject="b"), {"a"}),
        (_row(decision="accept", reject="a", add="c"), {"b", "c"}),
        (_row(decision="reject"), set()),
        (_row(decision="reject", add="c, a"), {"a", "c"}),
        (_row(codes="", decision="accept", add="c"), {"c"}),
        (_row(codes="", decision="accept"), set()),  # reviewed, no code
    ],
)
def test_when_row_reviewed_then_final_codes_are_accepted_plus_added_minus_rejected(
    tmp_path, row, expected
):
    review = R.read_review(_sheet(tmp_path, [row, _row(ti=2)]), KNOWN)
    assert set(review.codes["code_id"]) == expected
    assert review.turns.values.tolist() == [["I1", 1]]  # the blank row is not reviewed
    assert review.evaluation.empty


def test_when_evaluation_rows_reviewed_then_they_are_the_evaluation_share(tmp_path):
    rows = [
        _row(ti=1, decision="accept", evaluation="yes"),
        _row(ti=2, decision="accept"),
        _row(ti=3, evaluation="yes"),  # flagged but not reviewed
    ]
    review = R.read_review(_sheet(tmp_path, rows), KNOWN)
    assert review.evaluation.values.tolist() == [["I1", 1]]
    assert review.turns.values.tolist() == [["I1", 1], ["I1", 2]]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([_row(decision="maybe")], "line 2: decision: 'maybe' is not accept or reject"),
        ([_row(add="c")], "line 2: decision: blank but add_codes is filled"),
        ([_row(decision="accept", add="zzz")], "line 2: add_codes: unknown code 'zzz'"),
        ([_row(decision="accept", reject="zzz")], "line 2: reject_codes: unknown code 'zzz'"),
        ([_row(ti="x", decision="accept")], "line 2: turn_index: 'x' is not an integer"),
        ([_row(iv=None, decision="accept")], "line 2: interview_id: empty"),
        ([_row(decision="accept"), _row(decision="reject")], "line 3: turn I1 1 is also on line 2"),
    ],
)
def test_when_sheet_is_bad_then_error_names_file_line_and_column(tmp_path, rows, message):
    with pytest.raises(QualevalError, match=r"review\.xlsx") as err:
        R.read_review(_sheet(tmp_path, rows), KNOWN)
    assert message in str(err.value)


def test_when_header_lacks_a_column_then_error_names_it(tmp_path):
    header = [c for c in R.COLUMNS if c != "decision"]
    with pytest.raises(QualevalError, match=r"missing column.*decision"):
        R.read_review(_sheet(tmp_path, [], header), KNOWN)


def test_when_new_sheet_given_as_human_codes_then_read_as_its_reviewed_turns(tmp_path):
    path = _sheet(tmp_path, [_row(decision="accept", reject="a"), _row(ti=2)])
    coding, turns = H.read_human_codes(path)
    assert coding.values.tolist() == [["I1", 1, "b"]]
    assert turns.values.tolist() == [["I1", 1]]
