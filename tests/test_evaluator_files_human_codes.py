"""Human codes: the JSONL, CSV and review-sheet readers and their error messages."""

from __future__ import annotations

import openpyxl
import pytest

from pipeline.errors import QualevalError
from pipeline.evaluator_files import human_codes as H

# --- readers ---------------------------------------------------------------------------------


def test_when_jsonl_then_codes_and_every_listed_turn_including_uncoded(tmp_path):
    text = (
        '{"interview_id": "I1", "turn_index": 1, "codes": [], "starts_with": "Yes"}\n'
        "\n"
        '{"interview_id": "I1", "turn_index": 3, "codes": ["b", "a"]}\n'
        '{"interview_id": "I2", "turn_index": "5", "codes": ["c"]}\n'
    )
    got, turns = _read(tmp_path, text, "gold.jsonl")
    assert got.values.tolist() == [["I1", 3, "a"], ["I1", 3, "b"], ["I2", 5, "c"]]
    assert turns.values.tolist() == [["I1", 1], ["I1", 3], ["I2", 5]]
    assert list(got.columns) == list(H.CODING_COLUMNS)


def test_when_csv_then_codes_and_listed_turns(tmp_path):
    text = "interview_id,turn_index,code_id\nI2,4,a\nI1,2,b\nI1,2,a\nI1,6,\n"
    got, turns = _read(tmp_path, text, "human.csv")
    assert got.values.tolist() == [["I1", 2, "a"], ["I1", 2, "b"], ["I2", 4, "a"]]
    assert turns.values.tolist() == [["I1", 2], ["I1", 6], ["I2", 4]]


def test_when_sample_gold_read_then_every_turn_is_in_universe(root):
    gold = root / "transcripts_sample" / "gold" / "gold_codes.jsonl"
    got, turns = H.read_human_codes(gold)
    n_lines = sum(1 for line in gold.read_text(encoding="utf-8").splitlines() if line.strip())
    assert len(turns) == n_lines
    assert set(got["interview_id"]) <= set(turns["interview_id"])


def _read(tmp_path, text, name):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return H.read_human_codes(path)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "h.jsonl",
            '{"interview_id": "I1", "turn_index": 1, "codes": []}\n{"interview_id": "I1",\n',
            r"h\.jsonl: line 2: not valid JSON",
        ),
        ("h.jsonl", "[1, 2]\n", r"line 1: expected a JSON object"),
        ("h.jsonl", '{"interview_id": "I1", "codes": []}\n', r"line 1: turn_index: missing"),
        ("h.jsonl", '{"turn_index": 1, "codes": []}\n', r"line 1: interview_id: missing"),
        ("h.jsonl", '{"interview_id": "I1", "turn_index": 1}\n', r"line 1: codes: missing"),
        (
            "h.jsonl",
            '{"interview_id": "I1", "turn_index": "one", "codes": []}\n',
            r"line 1: turn_index: 'one' is not an integer",
        ),
        (
            "h.jsonl",
            '{"interview_id": "I1", "turn_index": 1.5, "codes": []}\n',
            r"line 1: turn_index: 1\.5 is not an integer",
        ),
        (
            "h.jsonl",
            '{"interview_id": "I1", "turn_index": true, "codes": []}\n',
            r"line 1: turn_index: True is not an integer",
        ),
        (
            "h.jsonl",
            '{"interview_id": "I1", "turn_index": 1, "codes": "a"}\n',
            r"line 1: codes: expected a list",
        ),
        (
            "h.jsonl",
            '{"interview_id": "", "turn_index": 1, "codes": []}\n',
            r"line 1: interview_id: empty",
        ),
        ("h.csv", "interview_id,turn\nI1,1\n", r"h\.csv: missing column\(s\) turn_index, code_id"),
        ("h.csv", "", r"h\.csv: empty"),
        (
            "h.csv",
            "interview_id,turn_index,code_id\nI1,1,a\nI1,x,a\n",
            r"h\.csv: line 3: turn_index: 'x' is not an integer",
        ),
        (
            "h.csv",
            "interview_id,turn_index,code_id\nI1,,a\n",
            r"line 2: turn_index: empty",
        ),
        (
            "h.csv",
            "interview_id,turn_index,code_id\n,1,a\n",
            r"line 2: interview_id: empty",
        ),
        ("h.txt", "anything", r"unknown format '\.txt'"),
    ],
)
def test_when_text_file_is_bad_then_error_names_file_line_and_field(tmp_path, name, text, message):
    with pytest.raises(QualevalError, match=message):
        _read(tmp_path, text, name)


def test_when_file_missing_then_error_says_what_to_pass(tmp_path):
    with pytest.raises(QualevalError, match="human codes not found"):
        H.read_human_codes(tmp_path / "nope.jsonl")


def _sheet(tmp_path, rows, header=H.LEGACY_REVIEW_COLUMNS):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "review"
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    path = tmp_path / "review.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        (
            [("I1", 1, "a", 0.9, "kw", "", "", "maybe", "")],
            H.LEGACY_REVIEW_COLUMNS,
            r"sheet 'review'\): line 2: decision: 'maybe' is not one of accept, reject",
        ),
        (
            [
                ("I1", 1, "a", 0.9, "kw", "", "", "accept", ""),
                ("I1", "x", "a", 0, "", "", "", "reject", ""),
            ],
            H.LEGACY_REVIEW_COLUMNS,
            r"line 3: turn_index: 'x' is not an integer",
        ),
        (
            [("I1", 1.5, "a", 0.9, "kw", "", "", "accept", "")],
            H.LEGACY_REVIEW_COLUMNS,
            r"line 2: turn_index: 1\.5 is not an integer",
        ),
        (
            [("I1", 1, "", None, "", "", "", "accept", "")],
            H.LEGACY_REVIEW_COLUMNS,
            r"line 2: code_id: empty",
        ),
        (
            [("I1", 1, "a")],
            ("interview_id", "turn_index", "code_id"),
            r"missing column\(s\) decision",
        ),
    ],
)
def test_when_review_sheet_is_bad_then_error_names_line_and_field(tmp_path, rows, header, message):
    with pytest.raises(QualevalError, match=message):
        H.read_human_codes(_sheet(tmp_path, rows, header))


def test_when_xlsx_is_not_a_workbook_then_clear_error(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_text("not a zip")
    with pytest.raises(QualevalError, match=r"broken\.xlsx: cannot open the spreadsheet"):
        H.read_human_codes(path)
