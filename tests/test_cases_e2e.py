"""End to end: `qualeval run` on a tiny survey plus a focus group with a participants sheet."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
import yaml
from conftest import ROOT

pytestmark = pytest.mark.slow  # loads the NER model and the sentence encoder

HELPED = [
    "The family hub gave us real help when we needed it most last winter.",
    "Having one place to go for advice about childcare made a big difference to us.",
    "The staff at the hub listened and sorted out our housing problem quickly.",
    "Our health visitor came to the house and that early support really helped.",
    "",
]
CHANGE = [
    "There should be more evening sessions because we both work full time.",
    "Waiting lists for speech therapy are far too long and need to be shorter.",
    "",
    "Better information online about what the hub offers would help families.",
]
FOCUS_GROUP = """\
Facilitator: What has helped your family most this year?
Respondent 1: The family hub gave us real help when we needed it most last winter.
Respondent 2: For me it was the health visitor, that early support really helped my son.
Facilitator: What should change?
Respondent 1: Waiting lists for speech therapy are far too long and need to be shorter.
Respondent 2: There should be more evening sessions because we both work full time.
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    work = tmp_path_factory.mktemp("cases")
    tr = work / "transcripts"
    tr.mkdir()
    rows = [
        {
            "resp_id": str(100 + i),
            "region": ["London", "North West"][i % 2],
            "role": "Carer" if i % 3 == 0 else "Parent",
            "What helped most?": HELPED[i % 5],
            "What should change?": CHANGE[i % 4],
        }
        for i in range(14)
    ]
    pd.DataFrame(rows).to_excel(tr / "survey.xlsx", index=False)
    (tr / "fg1.txt").write_text(FOCUS_GROUP, encoding="utf-8")
    (work / "metadata.csv").write_text("interview_id,file,role,region\nFG1,fg1.txt,Parent,London\n")
    (work / "participants.csv").write_text(
        "interview_id,speaker,role,region\n"
        "FG1,Respondent 1,Parent,London\nFG1,Respondent 2,Carer,North West\n"
    )
    survey = {
        "path": str(tr / "survey.xlsx"),
        "id_column": "resp_id",
        "text_columns": ["What helped most?", "What should change?"],
        "attribute_columns": ["region", "role"],
        "id_prefix": "S",
    }
    params = {
        "data": {"participants": str(work / "participants.csv"), "surveys": [survey]},
        "anonymise": {"ner_model": str(ROOT / "pipeline" / "models" / "ner_en_qualeval")},
    }
    (work / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    cmd = [sys.executable, "-m", "pipeline.cli", "run", "--transcripts", str(tr)]
    cmd += ["--metadata", str(work / "metadata.csv"), "--codebook", "codebook/codebook.yaml"]
    cmd += ["--out", str(work / "outputs"), "--params", str(work / "params.yaml")]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work / "outputs"


def test_when_survey_and_focus_group_run_then_people_counted_and_gate_passes(run):
    ingest = json.loads((run / "metrics" / "ingest.json").read_text())
    assert (ingest["survey_respondents"], ingest["focus_groups"], ingest["participants"]) == (
        14,
        1,
        2,
    )
    assert json.loads((run / "metrics" / "verify.json").read_text())["passed"] is True
    report = (run / "report" / "report.md").read_text(encoding="utf-8")
    assert "This report summarises 16 anonymised cases" in report  # 14 respondents + 2 people
    # the report's own words say "respondent"; the codebook appendix quotes definitions verbatim
    prose = report.split("\n## Appendix C")[0] + report.split("\n## Appendix D")[-1]
    assert "interviewee" not in prose.lower()
    people = pd.read_parquet(run / "anonymised" / "participants.parquet")
    assert people["speaker"].tolist() == ["Respondent 1", "Respondent 2"]
    evidence = pd.read_csv(run / "analysis" / "tables" / "evidence.csv", dtype=str)
    assert {"FG1/Respondent 1", "FG1/Respondent 2"} <= set(evidence["interview_id"])
    assert "FG1" not in set(evidence["interview_id"])
