"""The report's words for what it counts: interviews, survey responses, focus groups, cases."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import report as R
from pipeline.codebook import load_codebook
from pipeline.params import ReportParams
from pipeline.report.nouns import CASES, FOCUS_GROUPS, INTERVIEWS, SURVEY, nouns_for

CODEBOOK = """\
name: Tiny
version: "1"
codes:
  - id: help
    label: Help
    definition: Support that made a difference to families in the area.
  - id: help.hub
    label: The hub
    parent: help
    definition: The family hub as a place to get help and advice.
    keywords: [hub]
"""
REGIONS = ["London", "London", "London", "North West", "North West", "North West"]
ANSWER = "The family hub gave us real help when we needed it most last winter."


def _inputs(tmp_path, kinds: list[str] | None) -> R.Inputs:
    n = len(REGIONS)
    ids = [f"S{i}" for i in range(1, n + 1)]
    iv = pd.DataFrame({"interview_id": ids, "region": REGIONS, "format": "csv", "n_turns": 2})
    if kinds is not None:
        iv["case_kind"] = kinds
    coded = ids[:4]  # 4 of 6: most
    segs = pd.DataFrame(
        {"segment_id": [f"{i}-0001-00" for i in coded], "interview_id": coded, "text": ANSWER}
    )
    sc = segs[["interview_id", "segment_id"]].assign(
        code_id="help.hub", score=2.0, turn_index=1, method="keyword"
    )
    book = tmp_path / "codebook.yaml"
    book.write_text(CODEBOOK, encoding="utf-8")
    return R.Inputs(iv, segs, sc, load_codebook(book))


def _params() -> ReportParams:
    return ReportParams(group_by="region", crosstab_by=["region"], attribution=["region"])


@pytest.mark.parametrize(
    ("kinds", "nouns"),
    [
        (None, INTERVIEWS),
        (["interview"] * 6, INTERVIEWS),
        (["survey"] * 6, SURVEY),
        (["focus_group"] * 6, FOCUS_GROUPS),
        (["survey"] * 3 + ["interview"] * 3, CASES),
    ],
)
def test_when_case_kinds_then_nouns(kinds, nouns):
    iv = pd.DataFrame({"interview_id": list("abcdef")})
    if kinds is not None:
        iv["case_kind"] = kinds
    assert nouns_for(iv) == nouns


@pytest.mark.parametrize(
    ("nouns", "text", "expected"),
    [
        (INTERVIEWS, "Most interviewees (4 of 6)", "Most interviewees (4 of 6)"),
        (SURVEY, "Most interviewees (4 of 6)", "Most respondents (4 of 6)"),
        (SURVEY, "Counts of interviews.", "Counts of survey responses."),
        (SURVEY, "Interview dates", "Survey response dates"),
        (SURVEY, "Interviewee", "Respondent"),
        (FOCUS_GROUPS, "at most one per interview", "at most one per focus group"),
        (SURVEY, "n_interviews and interview_id stay", "n_interviews and interview_id stay"),
    ],
)
def test_when_nouns_sub_then_words_replaced_with_capitals_and_columns_kept(nouns, text, expected):
    assert nouns.sub(text) == expected


@pytest.mark.parametrize(
    ("kinds", "said", "never"),
    [
        (
            ["survey"] * 6,
            [
                "This report summarises 6 anonymised survey responses covering 2 different regions",
                "a count is the number of survey responses in which",
                "Most respondents (4 of 6) described the hub",
                "Sample profile: survey responses by region",
            ],
            ["interview "],
        ),
        (
            ["focus_group"] * 6,
            ["6 anonymised focus groups", "Most focus groups (4 of 6) described the hub"],
            ["interviewee", "participants ("],
        ),
        (
            None,
            ["6 anonymised interviews", "Most interviewees (4 of 6) described the hub"],
            ["survey", "respondents ("],
        ),
    ],
)
def test_when_report_on_cases_then_wording_and_denominators_fit(tmp_path, kinds, said, never):
    report = R.build_report(_inputs(tmp_path, kinds), _params())
    md = R.render_markdown(report)
    for text in said:
        assert text in md
    lowered = md.lower()
    for text in never:
        assert text not in lowered
    prev = report.table("theme_prevalence").frame.set_index("code_id")
    assert int(prev.at["help.hub", "n_interviews"]) == 4  # column names stay as contracted


def test_when_survey_report_then_methods_items_and_quantifier_scale_say_responses(tmp_path):
    report = R.build_report(_inputs(tmp_path, ["survey"] * 6), _params())
    methods = report.table("methods").frame.set_index("item")["value"]
    assert methods["Survey responses"] == "6"
    assert "each count of survey responses" in methods["Quantifier scale"]
    assert "interview" not in report.scale_note


# --- focus groups counted as people --------------------------------------------------------------

FG_SPEAKERS = ["Respondent 1", "Respondent 2", "Respondent 3"]


def _focus_group_inputs(tmp_path, with_speakers: bool = True) -> R.Inputs:
    """Two focus groups (3 and 2 participants) and one interview; the hub said by 4 people."""
    iv = pd.DataFrame(
        {
            "interview_id": ["FG1", "FG2", "I1"],
            "region": ["London", "North West", "London"],
            "case_kind": ["focus_group", "focus_group", "interview"],
        }
    )
    turns = [("FG1", 0, "Interviewer", "interviewer")]
    turns += [("FG1", i + 1, s, "respondent") for i, s in enumerate(FG_SPEAKERS)]
    turns += [("FG2", 0, "Interviewer", "interviewer")]
    turns += [("FG2", i + 1, s, "respondent") for i, s in enumerate(FG_SPEAKERS[:2])]
    turns += [("I1", 0, "Interviewer", "interviewer"), ("I1", 1, "Respondent", "respondent")]
    speakers = pd.DataFrame(
        turns, columns=["interview_id", "turn_index", "speaker", "speaker_role"]
    )
    said = [("FG1", 1), ("FG1", 2), ("FG2", 2), ("I1", 1)]  # FG1 twice: two people
    segs = pd.DataFrame(
        {
            "segment_id": [f"{i}-{t:04d}-00" for i, t in said],
            "interview_id": [i for i, _ in said],
            "turn_index": [t for _, t in said],
            "text": ANSWER,
        }
    )
    sc = segs[["interview_id", "segment_id"]].assign(
        code_id="help.hub", score=2.0, turn_index=1, method="keyword"
    )
    people = pd.DataFrame(
        {
            "interview_id": ["FG1", "FG1", "FG1"],
            "speaker": FG_SPEAKERS,
            "n_turns": [1, 1, 1],
            "n_words": [9, 9, 9],
            "region": ["North West", "", "North West"],  # the participant's own region
        }
    )
    book = tmp_path / "codebook.yaml"
    book.write_text(CODEBOOK, encoding="utf-8")
    return R.Inputs(
        iv,
        segs,
        sc,
        load_codebook(book),
        speakers=speakers if with_speakers else None,
        participants=people,
    )


def test_when_focus_groups_then_each_participant_counts_once(tmp_path):
    report = R.build_report(_focus_group_inputs(tmp_path), _params())
    prev = report.table("theme_prevalence").frame.set_index("code_id")
    # 3 + 2 participants + 1 interviewee = 6 people; the hub: 2 in FG1, 1 in FG2, I1
    assert (int(prev.at["help.hub", "n_interviews"]), int(prev.at["help.hub", "of"])) == (4, 6)
    md = R.render_markdown(report)
    assert "Most participants (4 of 6) described the hub" in md
    assert "6 anonymised participants" in md
    ev = report.evidence
    cited = set(ev.loc[ev["table"] == "theme_prevalence", "interview_id"])
    assert cited == {"FG1/Respondent 1", "FG1/Respondent 2", "FG2/Respondent 2", "I1"}


def test_when_participant_has_attributes_then_they_replace_the_groups(tmp_path):
    from pipeline.report.cases import split_focus_groups

    inputs = _focus_group_inputs(tmp_path)
    people, case_of = split_focus_groups(inputs.interviews, inputs)
    region = dict(zip(people["interview_id"], people["region"]))
    assert region == {
        "FG1/Respondent 1": "North West",  # own region over the group's London
        "FG1/Respondent 2": "London",  # blank in the sheet: the group's
        "FG1/Respondent 3": "North West",
        "FG2/Respondent 1": "North West",
        "FG2/Respondent 2": "North West",
        "I1": "London",
    }
    assert set(people["case_kind"]) == {"participant", "interview"}
    assert case_of[("FG1", 2)] == "FG1/Respondent 2"
    assert ("FG1", 0) not in case_of  # the facilitator is no case


def test_when_no_anonymised_turns_then_focus_groups_count_once(tmp_path):
    report = R.build_report(_focus_group_inputs(tmp_path, with_speakers=False), _params())
    prev = report.table("theme_prevalence").frame.set_index("code_id")
    assert (int(prev.at["help.hub", "n_interviews"]), int(prev.at["help.hub", "of"])) == (3, 3)
    assert "Every case (3)" in R.render_markdown(report)
    assert "interviewee" not in R.render_markdown(report).lower()
