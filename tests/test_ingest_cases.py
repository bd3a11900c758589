"""Ingest of survey responses (data.surveys) and focus groups with a participants sheet."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.errors import QualevalError
from pipeline.ingest import ingest, run_stage
from pipeline.ingest.participants import read_participants
from pipeline.params import IngestParams, SurveyParams, load_params

Q1, Q2 = "What helped most?", "What should change?"
SURVEY_ROWS = [
    {"resp_id": "7", "region": "North West", "sector": "Health", Q1: "The hub.", Q2: "More staff"},
    {"resp_id": "8", "region": "London", "sector": "Schools", Q1: "", Q2: ""},
    {"resp_id": "9", "region": "London", "sector": "Health", Q1: "Nothing much", Q2: ""},
]


def _write(df: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".xlsx":
        df.to_excel(path, index=False)  # openpyxl
    else:
        df.to_csv(path, index=False)
    return path


def _spec(path: Path, **kw) -> SurveyParams:
    base = {
        "path": path,
        "id_column": "resp_id",
        "text_columns": [Q1, Q2],
        "attribute_columns": ["region", "sector"],
        "id_prefix": "S",
    }
    return SurveyParams.model_validate({**base, **kw})


def _no_metadata() -> pd.DataFrame:
    return pd.DataFrame({"interview_id": [], "file": []}, dtype=str)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_when_survey_ingested_then_one_case_per_answering_respondent(tmp_path, suffix):
    path = _write(pd.DataFrame(SURVEY_ROWS), tmp_path / f"survey{suffix}")
    res = ingest(tmp_path / "none", _no_metadata(), IngestParams(), surveys=[_spec(path)])
    iv = res.interviews.set_index("interview_id")
    assert list(iv.index) == ["S7", "S9"]  # S8 answered nothing
    assert iv.loc["S7", ["region", "sector", "case_kind"]].tolist() == [
        "North West",
        "Health",
        "survey",
    ]
    assert iv.loc["S7", "format"] == suffix[1:]
    assert iv["n_blank_answers"].tolist() == [0, 1]
    assert iv["n_respondent_turns"].tolist() == [2, 1]
    rej = res.rejects.set_index("interview_id")
    assert rej.loc["S8", "reason"] == "no_answers"
    assert "line 3" in rej.loc["S8", "message"]
    m = res.metrics()
    assert (m["survey_respondents"], m["survey_blank_answers"]) == (2, 1)


@pytest.mark.parametrize(
    ("iid", "expected"),
    [
        (
            "S7",
            [
                ("Question", "interviewer", Q1, 1),
                ("Respondent", "respondent", "The hub.", 2),
                ("Question", "interviewer", Q2, 1),
                ("Respondent", "respondent", "More staff", 2),
            ],
        ),
        (
            "S9",
            [("Question", "interviewer", Q1, 1), ("Respondent", "respondent", "Nothing much", 4)],
        ),
    ],
)
def test_when_survey_ingested_then_question_turn_precedes_each_answer(tmp_path, iid, expected):
    path = _write(pd.DataFrame(SURVEY_ROWS), tmp_path / "survey.csv")
    res = ingest(tmp_path / "none", _no_metadata(), IngestParams(), surveys=[_spec(path)])
    t = res.turns[res.turns["interview_id"] == iid]
    got = list(zip(t["speaker_label"], t["speaker_role"], t["text"], t["source_start"]))
    assert got == expected
    assert set(t["source_unit"]) == {"cell"}
    assert set(t["role_rule"]) == {"survey"}
    assert list(t["turn_index"]) == list(range(len(expected)))


def test_when_questions_mapping_then_it_replaces_the_header(tmp_path):
    path = _write(pd.DataFrame(SURVEY_ROWS), tmp_path / "survey.csv")
    spec = _spec(path, questions={Q1: "Q1. Thinking about the hub, what helped?"})
    res = ingest(tmp_path / "none", _no_metadata(), IngestParams(), surveys=[spec])
    questions = res.turns.loc[res.turns["speaker_role"] == "interviewer", "text"]
    assert questions.iloc[0] == "Q1. Thinking about the hub, what helped?"
    assert Q2 in set(questions)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"text_columns": []}, "text_columns"),
        ({"bogus": 1}, "bogus: unknown key"),
        ({"path": "survey.txt"}, "must be a .csv or .xlsx"),
        ({"questions": {"Q9": "?"}}, "Q9 not in text_columns"),
        ({"attribute_columns": [Q1]}, "both text_columns and attribute_columns"),
        ({"attribute_columns": ["n_words"]}, "names the interviews table uses"),
        ({"id_column": "region"}, "also a text or attribute column"),
    ],
)
def test_when_survey_params_wrong_then_error_names_the_field(tmp_path, spec, message):
    base = {"path": "survey.csv", "id_column": "resp_id", "text_columns": [Q1]}
    base.update({"attribute_columns": ["region"]} if "attribute_columns" not in spec else {})
    p = tmp_path / "params.yaml"
    p.write_text(yaml.safe_dump({"data": {"surveys": [{**base, **spec}]}}), encoding="utf-8")
    with pytest.raises(QualevalError, match=r"data\.surveys") as err:
        load_params(p)
    assert message in str(err.value)
    assert str(p) in str(err.value)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"resp_id": "1", Q1: "a"}], "column(s) " + Q2),
        ([{"resp_id": "", Q1: "a", Q2: "b"}], "line 2: resp_id is empty"),
        ([{"resp_id": "1", Q1: "a", Q2: "b"}] * 2, "lines 2, 3: duplicate resp_id '1'"),
    ],
)
def test_when_survey_file_wrong_then_error_names_file_and_line(tmp_path, rows, message):
    path = _write(pd.DataFrame(rows), tmp_path / "s.csv")
    spec = _spec(path, attribute_columns=[])
    with pytest.raises(QualevalError) as err:
        ingest(tmp_path / "none", _no_metadata(), IngestParams(), surveys=[spec])
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_when_survey_id_equals_an_interview_id_then_error_asks_for_a_prefix(tmp_path):
    (tmp_path / "tr").mkdir()
    (tmp_path / "tr" / "a.txt").write_text("Interviewer: Why?\nRespondent: Because.\n")
    meta = pd.DataFrame({"interview_id": ["S7"], "file": ["a.txt"]})
    path = _write(pd.DataFrame(SURVEY_ROWS), tmp_path / "survey.csv")
    with pytest.raises(QualevalError, match="id_prefix"):
        ingest(tmp_path / "tr", meta, IngestParams(), surveys=[_spec(path)])


FOCUS_GROUP = """\
Facilitator: What worked well for you?
Respondent 1: The hub was great for us.
Respondent 2: I agree, the hub helped my family.
Facilitator: Anything else?
Respondent 1: More funding would help.
"""


def _focus_group(tmp_path: Path, sheet: list[dict], suffix: str = ".csv"):
    tr = tmp_path / "tr"
    tr.mkdir(exist_ok=True)
    (tr / "fg1.txt").write_text(FOCUS_GROUP, encoding="utf-8")
    (tr / "int1.txt").write_text("Interviewer: Why?\nRespondent: Because it helped.\n")
    meta = pd.DataFrame({"interview_id": ["FG1", "I1"], "file": ["fg1.txt", "int1.txt"]})
    people = read_participants(_write(pd.DataFrame(sheet), tmp_path / f"p{suffix}"), {"FG1", "I1"})
    return ingest(tr, meta, IngestParams(), participants=people)


PEOPLE = [
    {"interview_id": "FG1", "speaker": "Respondent 1", "role": "Parent", "region": "London"},
    {"interview_id": "FG1", "speaker": "Respondent 2", "role": "Carer", "region": "North West"},
    {"interview_id": "FG1", "speaker": "Respondent 3", "role": "Parent", "region": "London"},
]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_when_participants_sheet_then_focus_group_and_people_with_attributes(tmp_path, suffix):
    res = _focus_group(tmp_path, PEOPLE, suffix)
    iv = res.interviews.set_index("interview_id")
    assert iv.loc["FG1", ["case_kind", "n_participants"]].tolist() == ["focus_group", 3]
    assert iv.loc["I1", ["case_kind", "n_participants"]].tolist() == ["interview", 0]
    p = res.participants
    assert list(p.columns) == [
        "interview_id",
        "speaker_label",
        "n_turns",
        "n_words",
        "role",
        "region",
    ]
    assert p["n_turns"].tolist() == [2, 1, 0]
    assert p["region"].tolist() == ["London", "North West", "London"]
    fg = res.turns[res.turns["interview_id"] == "FG1"]
    roles = dict(zip(fg["speaker_label"], zip(fg["speaker_role"], fg["role_rule"])))
    assert roles["Respondent 2"] == ("respondent", "participants")
    assert any("'Respondent 3' is listed but has no turn" in w for w in res.warnings)
    assert res.metrics()["focus_groups"] == 1


def test_when_focus_group_labels_are_generic_then_sheet_makes_them_respondents(tmp_path):
    tr = tmp_path / "tr"
    tr.mkdir()
    text = "Speaker 1: What worked?\nSpeaker 2: The hub.\nSpeaker 3: Yes, the hub.\n" * 2
    (tr / "fg.txt").write_text(text, encoding="utf-8")
    meta = pd.DataFrame({"interview_id": ["FG"], "file": ["fg.txt"]})
    sheet = [{"interview_id": "FG", "speaker": f"Speaker {i}"} for i in (2, 3)]
    people = read_participants(_write(pd.DataFrame(sheet), tmp_path / "p.csv"), {"FG"})
    t = ingest(tr, meta, IngestParams(), participants=people).turns
    roles = dict(zip(t["speaker_label"], zip(t["speaker_role"], t["role_rule"])))
    # Speaker 1's role is the generic-label rule's (not the sheet's) business
    assert roles["Speaker 2"] == roles["Speaker 3"] == ("respondent", "participants")


@pytest.mark.parametrize(
    ("sheet", "message"),
    [
        ([{"interview_id": "FG1"}], "missing column(s) speaker"),
        ([{"interview_id": "FG1", "speaker": ""}], "line 2: speaker is empty"),
        ([{"interview_id": "FG1", "speaker": "Ann"}] * 2, "line 3: speaker 'Ann' listed twice"),
        ([{"interview_id": "ZZ", "speaker": "Ann"}], "line 2: interview_id 'ZZ' is not in"),
        ([{"interview_id": "FG1", "speaker": "Ann", "n_words": "3"}], "reserved"),
    ],
)
def test_when_participants_sheet_wrong_then_error_names_file_and_line(tmp_path, sheet, message):
    path = _write(pd.DataFrame(sheet), tmp_path / "people.csv")
    with pytest.raises(QualevalError) as err:
        read_participants(path, {"FG1"})
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_when_anonymised_then_focus_group_speakers_numbered(tmp_path):
    from pipeline.anonymise.pseudonymise import speaker_pseudonyms

    turns = _focus_group(tmp_path, PEOPLE).turns
    fg = turns[turns["interview_id"] == "FG1"]
    assert speaker_pseudonyms(fg).tolist() == [
        "Interviewer",
        "Respondent 1",
        "Respondent 2",
        "Interviewer",
        "Respondent 1",
    ]


def _stage_files(tmp_path: Path) -> dict[str, Path]:
    names = ("turns", "preamble", "interviews", "participants")
    out = {k: tmp_path / "private" / f"{k}.parquet" for k in names}
    out["rejects"] = tmp_path / "private" / "rejects.csv"
    out["metrics"] = tmp_path / "ingest.json"
    return out


def test_when_params_name_a_survey_and_no_metadata_then_stage_ingests_survey_only(tmp_path):
    path = _write(pd.DataFrame(SURVEY_ROWS), tmp_path / "survey.xlsx")
    params = tmp_path / "params.yaml"
    spec = {"path": str(path), "id_column": "resp_id", "text_columns": [Q1, Q2]}
    params.write_text(yaml.safe_dump({"data": {"surveys": [spec]}}), encoding="utf-8")
    f = _stage_files(tmp_path)
    run_stage(
        params,
        tmp_path / "transcripts",
        tmp_path / "metadata.csv",
        f["turns"],
        f["preamble"],
        f["interviews"],
        f["rejects"],
        f["metrics"],
        f["participants"],
    )
    iv = pd.read_parquet(f["interviews"])
    assert iv["interview_id"].tolist() == ["7", "9"]
    assert set(iv["case_kind"]) == {"survey"}
    assert pd.read_parquet(f["participants"]).empty
    assert json.loads(f["metrics"].read_text())["survey_respondents"] == 2
    assert pd.read_csv(f["rejects"])["reason"].tolist() == ["no_answers"]


def test_when_participants_made_safe_then_pseudonyms_and_listed_attributes_only(tmp_path):
    from pipeline.anonymise.pseudonymise import speaker_pseudonyms
    from pipeline.anonymise.tables import safe_participants

    tr = tmp_path / "tr"
    tr.mkdir()
    text = "Facilitator: What helped?\nHelen Marsh: The hub.\nTom Reed: The hub too.\n"
    (tr / "fg.txt").write_text(text, encoding="utf-8")
    meta = pd.DataFrame({"interview_id": ["FG"], "file": ["fg.txt"]})
    sheet = [
        {"interview_id": "FG", "speaker": "Tom Reed", "region": "London", "email": "t@x.org"},
        {"interview_id": "FG", "speaker": "Helen Marsh", "region": "Leeds", "email": "h@x.org"},
        {"interview_id": "FG", "speaker": "Ann Lee", "region": "Leeds", "email": "a@x.org"},
    ]
    people = read_participants(_write(pd.DataFrame(sheet), tmp_path / "p.csv"), {"FG"})
    res = ingest(tr, meta, IngestParams(), participants=people)
    safe_turns = res.turns.assign(speaker=speaker_pseudonyms(res.turns))
    safe = safe_participants(res.participants, res.turns, safe_turns, ["region", "role"])
    assert list(safe.columns) == ["interview_id", "speaker", "n_turns", "n_words", "region"]
    assert safe["speaker"].tolist() == ["Respondent 2", "Respondent 1", ""]
    assert safe["region"].tolist() == ["London", "Leeds", "Leeds"]
    flat = safe.astype(str).to_numpy().ravel().tolist()
    assert not {"Tom Reed", "Helen Marsh", "Ann Lee", "t@x.org"} & set(flat)


@pytest.mark.parametrize(
    ("label", "rule"),
    [("Respondent 2", "participants"), ("Speaker 4", "participants"), ("Helen Marsh", "metadata")],
)
def test_when_listed_label_is_generic_then_not_taken_for_a_name(tmp_path, label, rule):
    from pipeline.anonymise.detect import people_from

    tr = tmp_path / "tr"
    tr.mkdir()
    text = f"Facilitator: What helped?\n{label}: The hub.\nRespondent 9: Yes.\n"
    (tr / "fg.txt").write_text(text, encoding="utf-8")
    meta = pd.DataFrame({"interview_id": ["FG"], "file": ["fg.txt"]})
    sheet = [{"interview_id": "FG", "speaker": s} for s in (label, "Respondent 9")]
    people = read_participants(_write(pd.DataFrame(sheet), tmp_path / "p.csv"), {"FG"})
    res = ingest(tr, meta, IngestParams(), participants=people)
    t = res.turns
    assert t.loc[t["speaker_label"] == label, "role_rule"].tolist() == [rule]
    names = people_from(t, res.interviews, [])
    assert (label in names) == (rule == "metadata")
    assert "Respondent 9" not in names
