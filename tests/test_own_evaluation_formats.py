"""Issue 13's "Done when": README "Your own evaluation" with one transcript in every format.

``qualeval init`` in a folder outside the repository, then transcripts of an invented
youth-employment programme (plain, ``INT:``/``R:`` with timestamps, Otter.ai, Markdown, Teams
.docx, bold-label .docx, a Word table, Teams and Zoom .vtt, .srt), their metadata, a small
codebook of its own, a register and an open-ended survey CSV dropped into ``surveys/``. Then
``qualeval run`` and, in a second test, ``dvc repro``, with no params file edited: both must
pass the leak gate, count every transcript and respondent, keep national terms and remove
every personal name, phone number and email. Slow: they load the models.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import dvc as _dvc
from conftest import make_docx
from test_own_evaluation import _qualeval, _this_checkout  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.slow

QUESTIONS = (
    "Thanks for joining. How has the programme helped you so far?",
    "And what has made finding work harder?",
)
ANSWERS = (
    "My mentor Priya Okonkwo met me every week and helped me write my first CV. "
    "The DfE money paid for my bus pass, which mattered a lot.",
    "Getting to interviews was hard because the buses across the North West are unreliable. "
    "I lacked confidence at first, but the group sessions helped.",
    "We ran the employer sessions on Teams so young people could join from home. "
    "Kieran Doyle from the college set up three work placements for us.",
    "Anyone who needs help can ring 07700 900461 or email kieran.doyle@example.org and "
    "someone calls back the same day. Ofsted looked at the programme last spring.",
    "Childcare was the biggest barrier for the young parents in the group. The work coach "
    "helped me find a nursery place so I could start the apprenticeship.",
    "The mentoring gave me a routine and someone to talk to every week. "
    "I now work four days a week at a warehouse near the station.",
)
# interview id -> (file, role, region, interviewer, interviewee); the Teams and Zoom files
# label their speakers by real names, which the metadata's name columns give roles
ROWS = {
    "YF01": ("YF01.txt", "Participant", "North West", "Sam Rivers", "Alex Jones"),
    "YF02": ("YF02_int_r.txt", "Participant", "London", "Sam Rivers", "Jo Patel"),
    "YF03": ("YF03_otter.txt", "Mentor", "North West", "Sam Rivers", "Ruth Kemble"),
    "YF04": ("YF04.md", "Employer", "London", "Sam Rivers", "Ivor Penhale"),
    "YF05": ("YF05_teams.docx", "Mentor", "North West", "Hannah Greaves", "Marcus Bellingham"),
    "YF06": ("YF06.docx", "Participant", "London", "Sam Rivers", "Alex Jones"),
    "YF07": ("YF07_table.docx", "Employer", "North West", "Sam Rivers", "Jo Patel"),
    "YF08": ("YF08_teams.vtt", "Participant", "London", "Carys Pryce", "Dev Lomax"),
    "YF09": ("YF09_zoom.vtt", "Mentor", "North West", "Imogen Tate", "Olu Bankole"),
    "YF10": ("YF10.srt", "Participant", "London", "Sam Rivers", "Ruth Kemble"),
}
CODEBOOK = """\
name: Youth Futures codebook
version: "1"
codes:
  - id: mentoring
    label: Mentoring and coaching
    definition: One-to-one support from a mentor or work coach that helped the young person.
    examples: ["My mentor met me every week.", "The work coach helped me with my CV."]
    keywords: [mentor, mentoring, coach]
  - id: barriers
    label: Barriers to work
    definition: Transport, childcare or confidence problems that made finding work harder.
    examples: ["The buses are unreliable.", "Childcare was the biggest barrier."]
    keywords: [buses, childcare, confidence, barrier]
  - id: employers
    label: Links with employers
    definition: Employer sessions, placements and jobs the programme arranged.
    examples: ["The college set up work placements.", "We ran employer sessions."]
    keywords: [employer, placements, apprenticeship]
"""
REGISTER = """\
entities:
  - {type: person, name: Priya Okonkwo, aliases: [Priya]}
  - {type: person, name: Kieran Doyle, aliases: [Kieran]}
"""
SURVEY_QUESTIONS = ("What did the programme help you with?", "What would you change about it?")
SURVEY = pd.DataFrame(
    {
        "respondent_id": ["R1", "R2", "R3", "R4", "R5"],
        SURVEY_QUESTIONS[0]: [
            "My mentor helped me build confidence before my first job interview.",
            "Kieran at the college found me a placement in a local garage.",
            "The sessions on Teams meant I could join while looking after my sister.",
            "It helped me write a proper CV and practise interview questions.",
            "I got a bus pass paid for by the DfE so I could travel.",
        ],
        SURVEY_QUESTIONS[1]: [
            "More sessions in the evening because I work during the day.",
            "Better buses across the North West would make everything easier.",
            "I would like more employers to come and talk to the group.",
            "Longer support after starting a job would really help people.",
            "Nothing much, but the waiting list was far too long for me.",
        ],
        "age_band": ["16-18", "19-21", "16-18", "22-24", "19-21"],
    }
)
NATIONAL_TERMS = ("DfE", "Ofsted", "North West", "Teams")
SECRETS = [
    *("Priya", "Okonkwo", "Kieran", "Doyle", "Greaves", "Bellingham", "Pryce", "Lomax"),
    *("Imogen Tate", "Bankole", "Sam Rivers", "Alex Jones", "Jo Patel", "Kemble", "Penhale"),
    *("07700 900461", "900461", "kieran.doyle@example.org"),
]


def _turns(iid: str) -> list[tuple[bool, str]]:
    """Two question-and-answer pairs, (is_interviewer, text), answers rotating through ANSWERS."""
    k = int(iid[2:])
    a, b = ANSWERS[(2 * k) % len(ANSWERS)], ANSWERS[(2 * k + 1) % len(ANSWERS)]
    return [(True, QUESTIONS[0]), (False, a), (True, QUESTIONS[1]), (False, b)]


def _hms(i: int, sep: str = ".") -> str:
    return f"00:00:{5 * i + 1:02d}{sep}000"


def _labelled(iid: str, ask: str, answer: str, fmt: str = "{label}: {text}") -> str:
    lines = [
        fmt.format(label=ask if q else answer, text=t, i=i) for i, (q, t) in enumerate(_turns(iid))
    ]
    return "\n".join(lines) + "\n"


def _otter(iid: str) -> str:
    blocks = [
        f"Speaker {1 if q else 2}  0:{5 * i + 2:02d}\n{t}\n" for i, (q, t) in enumerate(_turns(iid))
    ]
    return "Youth Futures interview - Mar 4, 2025\n\n" + "\n".join(blocks)


def _cues(iid: str, names: tuple[str, str], cue: str, sep: str = ".") -> list[str]:
    return [
        f"{_hms(i, sep)} --> {_hms(i, sep)[:-4]}{sep}900\n" + cue.format(name=names[not q], text=t)
        for i, (q, t) in enumerate(_turns(iid))
    ]


def _vtt(iid: str, cue: str) -> str:
    names = (ROWS[iid][3], ROWS[iid][4])
    return "WEBVTT\n\n" + "\n\n".join(_cues(iid, names, cue)) + "\n"


def _srt(iid: str) -> str:
    cues = _cues(iid, ("Interviewer", "Respondent"), "{name}: {text}", sep=",")
    return "\n".join(f"{i}\n{c}\n" for i, c in enumerate(cues, start=1))


def _teams_docx(iid: str) -> bytes:
    names = (ROWS[iid][3], ROWS[iid][4])
    paras: list[tuple[str | None, str]] = [
        (None, "Interview-20250304_100312-Meeting Recording"),
        (None, "March 4, 2025, 10:03AM"),
        (None, "12m 40s"),
        (None, f"{names[0]} started transcription"),
    ]
    for i, (q, t) in enumerate(_turns(iid)):
        paras += [(None, f"{names[not q]}   0:00:{5 * i + 2:02d}"), (None, t)]
    return make_docx(paras)


def _table_docx(iid: str) -> bytes:
    from docx import Document

    rows = [["Speaker", "Text"]]
    rows += [["Interviewer" if q else "Participant", t] for q, t in _turns(iid)]
    doc = Document()
    doc.add_paragraph("Youth Futures interview notes")
    table = doc.add_table(rows=len(rows), cols=2)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _transcripts() -> dict[str, str | bytes]:
    """File name -> content, one transcript in each supported format."""
    return {
        "YF01.txt": _labelled("YF01", "Interviewer", "Respondent"),
        "YF02_int_r.txt": _labelled("YF02", "INT", "R", "[00:01:0{i}] {label}: {text}"),
        "YF03_otter.txt": _otter("YF03"),
        "YF04.md": "# Interview YF04\n\n"
        + _labelled("YF04", "**Interviewer:**", "**Respondent:**", "{label} {text}\n"),
        "YF05_teams.docx": _teams_docx("YF05"),
        "YF06.docx": make_docx(
            [("Interviewer" if q else "Participant", t) for q, t in _turns("YF06")]
        ),
        "YF07_table.docx": _table_docx("YF07"),
        "YF08_teams.vtt": _vtt("YF08", "<v {name}>{text}</v>"),
        "YF09_zoom.vtt": _vtt("YF09", "{name} (Youth Futures Trust): {text}"),
        "YF10.srt": _srt("YF10"),
    }


def _metadata() -> str:
    lines = ["interview_id,file,role,region,interviewer,interviewee"]
    lines += [",".join((iid, *row)) for iid, row in ROWS.items()]
    return "\n".join(lines) + "\n"


def _follow_the_readme(tmp_path: Path) -> Path:
    """README steps 2-5 (init, transcripts, metadata, codebook, register) plus a survey."""
    proc = _qualeval(tmp_path, "init", "my-evaluation")
    assert proc.returncode == 0, proc.stderr
    proj = tmp_path / "my-evaluation"
    for name, content in _transcripts().items():
        path = proj / "transcripts" / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    (proj / "metadata.csv").write_text(_metadata(), encoding="utf-8")
    (proj / "codebook" / "codebook.yaml").write_text(CODEBOOK, encoding="utf-8")
    (proj / "anonymisation" / "register.yaml").write_text(REGISTER, encoding="utf-8")
    assert (proj / "surveys").is_dir(), "qualeval init makes surveys/"
    SURVEY.to_csv(proj / "surveys" / "exit_survey.csv", index=False)
    return proj


def _assert_gate_passed(proj: Path) -> None:
    out = proj / "outputs"
    assert json.loads((out / "metrics" / "verify.json").read_text())["passed"] is True
    ingest = json.loads((out / "metrics" / "ingest.json").read_text())
    assert ingest["excluded_by_reason"] == {}, ingest
    assert ingest["interviews"] == len(ROWS) + len(SURVEY), ingest  # every case
    assert ingest["survey_respondents"] == len(SURVEY), ingest
    turns = pd.read_parquet(out / "anonymised" / "turns.parquet")
    # every transcript read with its roles: two questions, two answers each
    roles = turns[turns["interview_id"].isin(ROWS)].groupby("interview_id")["speaker_role"]
    assert {k: sorted(v) for k, v in roles} == {
        iid: ["interviewer", "interviewer", "respondent", "respondent"] for iid in ROWS
    }
    text = "\n".join(turns["text"].astype(str))
    assert [t for t in NATIONAL_TERMS if not re.search(rf"\b{t}\b", text)] == []
    for f in out.rglob("*"):
        if f.is_file() and f.suffix in (".md", ".csv", ".html", ".json"):
            body = f.read_text(encoding="utf-8", errors="ignore")
            # whole words: plotly's bundled JavaScript holds many short words
            leaks = [s for s in SECRETS if re.search(rf"\b{re.escape(s)}\b", body)]
            assert leaks == [], f
    report = (out / "report" / "report.md").read_text(encoding="utf-8")
    assert "Youth Futures codebook" in report
    # interviews and survey responses together: the report counts "cases" (report/nouns.py)
    n = len(ROWS) + len(SURVEY)
    assert f"This report summarises {n} anonymised cases" in report
    assert "interviewee" not in report.lower()


def test_when_every_format_and_a_survey_run_with_qualeval_run_then_leak_gate_passes(tmp_path):
    proj = _follow_the_readme(tmp_path)
    proc = _qualeval(proj, "run")
    assert proc.returncode == 0, proc.stderr[-4000:]
    _assert_gate_passed(proj)


def test_when_every_format_and_a_survey_run_with_dvc_repro_then_leak_gate_passes(tmp_path):
    proj = _follow_the_readme(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=proj, check=True)
    for args in (("init", "-q"), ("repro",)):
        proc = _dvc(proj, *args)
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    _assert_gate_passed(proj)
