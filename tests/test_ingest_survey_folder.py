"""Surveys found in a folder: id, answer and attribute columns described from the file."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.errors import QualevalError
from pipeline.ingest.survey_folder import describe_survey, folder_surveys
from pipeline.params import SurveyParams

LONG = "The hub helped us a great deal this year"


@pytest.mark.parametrize(
    ("frame", "id_column", "text", "attributes"),
    [
        (
            {"respondent_id": ["R1"], "What helped?": ["Yes"], "age_band": ["18-24"]},
            "respondent_id",
            ["What helped?"],
            ["age_band"],
        ),
        (
            {"Response ID": ["R1", "R2"], "comments": [LONG, LONG], "area": ["N", "S"]},
            "Response ID",
            ["comments"],
            ["area"],
        ),
        (
            {"ref": ["A", "B"], "notes": [LONG, "Short"], "q2?": ["", ""], "x": ["1", "2"]},
            "ref",
            ["q2?"],
            ["notes", "x"],
        ),
    ],
    ids=["question-header", "long-answers", "first-column-id"],
)
def test_when_survey_described_then_columns_found(tmp_path, frame, id_column, text, attributes):
    path = tmp_path / "consultation.csv"
    pd.DataFrame(frame).to_csv(path, index=False)
    spec = describe_survey(path)
    assert (spec.id_column, spec.text_columns, spec.attribute_columns) == (
        id_column,
        text,
        attributes,
    )
    assert spec.id_prefix == "consultation-"


def test_when_no_answer_column_then_error_names_file_and_fix(tmp_path):
    path = tmp_path / "codes.csv"
    pd.DataFrame({"id": ["1"], "area": ["North"]}).to_csv(path, index=False)
    with pytest.raises(QualevalError, match=r"codes\.csv: no answer column found.*data\.surveys"):
        describe_survey(path)


def test_when_folder_read_then_sorted_and_listed_surveys_not_read_twice(tmp_path):
    for name in ("b.csv", "a.xlsx", "notes.txt", "c.csv"):
        frame = pd.DataFrame({"id": ["1"], "Why?": ["Because"]})
        if name.endswith(".csv"):
            frame.to_csv(tmp_path / name, index=False)
        elif name.endswith(".xlsx"):
            frame.to_excel(tmp_path / name, index=False)
        else:
            (tmp_path / name).write_text("not a survey")
    listed = [SurveyParams(path=tmp_path / "c.csv", id_column="id", text_columns=["Why?"])]
    found = folder_surveys(tmp_path, listed)
    assert [s.path.name for s in found] == ["a.xlsx", "b.csv"]
    assert folder_surveys(tmp_path / "missing") == [] and folder_surveys(None) == []
