"""The report as a document: sections, numbers equal to the tables, quotes once, determinism."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

import docx
import pandas as pd
import pytest
from test_report import CODEBOOK, inputs  # noqa: F401 (fixture)

from pipeline import report as R
from pipeline.codebook import load_codebook
from pipeline.errors import QualevalError
from pipeline.params import EvaluationParams, ReportParams
from pipeline.report.markdown_blocks import parse_markdown
from pipeline.report.stage import evaluator_sections

RECS = """\
  - id: recommendation
    label: Recommendations
    definition: Suggestions for how the programme should change.
  - id: recommendation.training
    label: Training for peers
    parent: recommendation
    definition: Calls for training for the people who act as peers.
    keywords: [training]
    audience: [Challenge teams]
  - id: recommendation.follow_up
    label: Follow-up after challenge
    parent: recommendation
    definition: Calls for stronger follow-up of findings.
    keywords: [follow-up]
"""
REC_TEXT = {
    "recommendation.training": "I would really like proper training for every peer before "
    "they go out on a review.",
    "recommendation.follow_up": "Somebody should come back after six months and check the "
    "action plan was actually followed.",
}
REC_IVS = {"recommendation.training": ["I01", "I02", "I05"], "recommendation.follow_up": ["I04"]}

EVALUATION = {
    "title": "Peer challenge: an evaluation",
    "commissioner": "The Commissioning Board",
    "programme": "the peer challenge programme",
    "aims": ["Understand what councils gain"],
    "research_questions": [
        {"question": "What do councils gain?", "codes": ["benefit"]},
        "How could it improve?",
    ],
    "stakeholder_groups": ["Host councils", "Challenge teams"],
    "planned_sample": {"Lead member": 4, "Lead DCS": 4},
}


@pytest.fixture
def rec_inputs(inputs, tmp_path):  # noqa: F811
    """The report fixture plus a recommendations theme (one code with an audience)."""
    book = tmp_path / "codebook_recs.yaml"
    book.write_text(CODEBOOK + RECS, encoding="utf-8")
    segs, codes = [inputs.segments], [inputs.segment_codes]
    for i, (code, ivs) in enumerate(REC_IVS.items()):
        ids = [f"{iv}-0009-0{i}" for iv in ivs]
        segs.append(pd.DataFrame({"segment_id": ids, "interview_id": ivs, "text": REC_TEXT[code]}))
        codes.append(
            pd.DataFrame(
                {"interview_id": ivs, "segment_id": ids, "code_id": code, "score": 2.0}
            ).assign(turn_index=9, method="keyword")
        )
    return replace(
        inputs,
        codebook=load_codebook(book),
        segments=pd.concat(segs, ignore_index=True),
        segment_codes=pd.concat(codes, ignore_index=True),
    )


_BUILT: dict[str, R.Report] = {}


@pytest.fixture
def rec_report(rec_inputs) -> R.Report:
    """The report on ``rec_inputs`` with default params, built once for the module."""
    if "default" not in _BUILT:
        _BUILT["default"] = R.build_report(rec_inputs, ReportParams())
    return _BUILT["default"]


def _headings(rep: R.Report) -> list[str]:
    return [s.heading for s in rep.document]


def _text(rep: R.Report) -> str:
    out = []
    for s in rep.document:
        for b in s.blocks:
            out += [b.text, *b.items]
    return "\n".join(out)


def test_when_no_evaluation_block_then_every_section_and_what_to_add(rec_report):
    rep = rec_report
    assert _headings(rep) == [
        "Executive summary",
        "1. Introduction and aims",
        "2. Methodology and limitations",
        "3. Benefits",
        "4. Challenges",
        "5. Themes beyond the codebook",
        "6. Recommendations",
        "7. Conclusions",
        "Appendix A: Sample profile",
        "Appendix B: Themes by region",
        "Appendix C: The codebook",
        "Appendix D: Tables",
    ]
    notes = " ".join(b.text for s in rep.document for b in s.blocks if b.kind == "note")
    for field in ("evaluation.aims", "evaluation.research_questions", "planned_sample"):
        assert field in notes
    assert rep.title == "Test: findings from 10 interviews"


def test_when_evaluation_block_then_title_page_aims_questions_and_plan(rec_inputs):
    ev = EvaluationParams(**EVALUATION)
    rep = R.build_report(replace(rec_inputs, evaluation=ev), ReportParams())
    assert rep.title == "Peer challenge: an evaluation"
    assert "Commissioned by The Commissioning Board" in rep.title_page.lines
    text = _text(rep)
    assert "Research question 1: What do councils gain?" in text
    assert "Name the codes that answer it (evaluation.research_questions[1].codes)" in text
    grid = next(
        b.grid
        for s in rep.document
        for b in s.blocks
        if b.grid and b.grid["caption"].startswith("Sample planned")
    )
    rows = {r[0]: r[1:] for r in grid["rows"]}
    # achieved lead members: 3; chief executives (2) are written as fewer than 3
    assert rows["Lead member"] == ["4", "3"] and rows["Chief executive"] == ["—", "fewer than 3"]
    assert rows["Total"] == ["8", "10"]


def test_when_sub_theme_paragraphs_then_every_count_equals_the_prevalence_table(rec_report):
    rep = rec_report
    prev = rep.table("theme_prevalence").frame.set_index("theme")
    checked = 0
    for s in rep.document:
        blocks = s.blocks
        for head, para in itertools.pairwise(blocks):
            if head.kind != "heading" or para.kind != "paragraph" or head.text not in prev.index:
                continue
            row = prev.loc[head.text]
            k, n = re.search(r"\((\d+) of (\d+)\)|\((\d+)\)", para.text).groups()[:2] or (0, 0)
            if k is None:  # "Every interviewee (10)"
                k = n = re.search(r"\((\d+)\)", para.text).group(1)
            assert (int(k), int(n)) == (row.n_interviews, row.of), head.text
            for g, gk, gn in re.findall(r"in the (.+?) group \((\d+) of (\d+)\)", para.text):
                assert prev.loc[head.text, f"{g} (n={gn})"].startswith(f"{gk} ("), head.text
            checked += 1
    assert checked == 4  # the four sub-themes of benefits and challenges


def test_when_report_rendered_then_no_quote_is_used_twice(rec_report):
    rep = rec_report
    quotes = [b.quote.text for s in rep.document for b in s.blocks if b.kind == "quote"]
    assert quotes and len(quotes) == len(set(quotes))
    md = R.render_markdown(rep)
    lines = [line for line in md.splitlines() if line.startswith("> “")]
    assert len(lines) == len(set(lines)) == len(quotes)
    shown = [t.key for t in rep.tables if t.in_document]
    assert "quotes_bank" not in shown and "framework_matrix" not in shown


def test_when_built_twice_then_same_text(rec_inputs, rec_report):
    one = R.render_markdown(rec_report)
    two = R.render_markdown(R.build_report(rec_inputs, ReportParams()))
    assert one == two


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        (["Host councils", "Challenge teams"], ["Challenge teams"]),
        ([], ["Challenge teams"]),
    ],
)
def test_when_code_names_audience_then_suggestions_grouped_by_it(rec_inputs, groups, expected):
    ev = EvaluationParams(stakeholder_groups=groups)
    rep = R.build_report(replace(rec_inputs, evaluation=ev), ReportParams())
    rec = next(s for s in rep.document if s.key == "recommendations")
    heads = [b.text for b in rec.blocks if b.kind == "heading"]
    assert heads == ["Interviewees' suggestions", *expected]
    assert any("suggested by some interviewees (3 of 10)" in b.text for b in rec.blocks)


def test_when_no_audience_then_suggestions_grouped_by_who_raised_them(rec_inputs, tmp_path):
    book = tmp_path / "no_audience.yaml"
    book.write_text((CODEBOOK + RECS).replace("    audience: [Challenge teams]\n", ""), "utf-8")
    rep = R.build_report(replace(rec_inputs, codebook=load_codebook(book)), ReportParams())
    rec = next(s for s in rep.document if s.key == "recommendations")
    heads = [b.text for b in rec.blocks if b.kind == "heading"]
    assert "Suggested by the Lead member group (3 interviewees)" in heads
    items = [i for b in rec.blocks for i in b.items]
    assert "Training for peers (fewer than 3 of 3)" in items


def test_when_stance_reportable_then_stated_else_not(rec_inputs, rec_report):
    stance = pd.DataFrame(
        {
            "interview_id": ["I01", "I02", "I03"],
            "code_id": "benefit.sharing",
            "stance": ["positive", "positive", "negative"],
        }
    )
    given = replace(rec_inputs, stance=stance, stance_metrics={"reportable": True, "accuracy": 0.8})
    said = "Of those who raised it, 2 spoke of it positively and 1 negatively."
    assert said in _text(R.build_report(given, ReportParams()))
    assert "Of those who raised it" not in _text(rec_report)  # no stance metrics: not stated


def test_when_evaluator_sections_then_verbatim_where_they_belong(rec_inputs, tmp_path):
    recs = tmp_path / "recs.md"
    recs.write_text("## Our view\n\nFund the **follow-up** visits.\n\n- One\n- Two\n", "utf-8")
    ev = EvaluationParams(sections={"recommendations": recs, "themes": {"benefit": recs}})
    sections = evaluator_sections(ev)
    rep = R.build_report(replace(rec_inputs, evaluation=ev, sections=sections), ReportParams())
    md = R.render_markdown(rep)
    assert md.count("Fund the **follow-up** visits.") == 2
    assert md.index("## 6. Recommendations") < md.rindex("## Our view")
    path = tmp_path / "r.docx"
    R.write_docx(rep, path)
    paras = [(p.style.name, p.text) for p in docx.Document(str(path)).paragraphs]
    assert ("List Bullet", "Two") in paras and ("Normal", "Fund the follow-up visits.") in paras
    assert "<li>One</li><li>Two</li>" in R.render_html(rep)


def test_when_evaluator_file_missing_then_error_names_file_and_field(tmp_path):
    ev = EvaluationParams(sections={"themes": {"benefit": tmp_path / "nope.md"}})
    with pytest.raises(
        QualevalError, match=r"nope\.md: not found \(evaluation\.sections\.themes\.benefit"
    ):
        evaluator_sections(ev)


@pytest.mark.parametrize(
    ("text", "blocks"),
    [
        ("# Title\n\nOne\nline.", [("heading", "Title", 1), ("paragraph", "One line.", 0)]),
        ("- a\n- *b*\n\n1. c", [("bullets", ["a", "b"], 0), ("numbered", ["c"], 0)]),
        ("> quoted `x`", [("quote", "quoted x", 0)]),
    ],
)
def test_when_markdown_parsed_then_blocks(text, blocks):
    assert parse_markdown(text) == blocks


@pytest.mark.parametrize(
    ("label", "development"),
    [
        ("Barriers to access", True),
        ("Workforce capacity", True),
        ("Supportive but challenging ethos", False),
        ("Early support for councils in difficulty", False),
    ],
)
def test_when_sub_theme_label_names_a_difficulty_then_area_for_development(label, development):
    from pipeline.report.front import SUB_DEVELOPMENT

    assert bool(SUB_DEVELOPMENT.search(label)) == development


def test_when_validated_estimates_then_findings_follow_them_and_flag_two_word_intervals(
    rec_inputs,
):
    codes = [c.id for c in rec_inputs.codebook.leaves()]
    n = rec_inputs.interviews["interview_id"].nunique()
    prev = pd.DataFrame(
        {
            "code_id": codes,
            "interviews": 0,
            "interviews_total": n,
            "estimate": 0.5 * n,
            "lower": 0.1 * n,
            "upper": 1.0 * n,
            "validated": True,
            "basis": "test",
        }
    )
    agreement = {"human_codes": True, "micro_f1": 0.8, "n_turns": 20}
    rep = R.build_report(replace(rec_inputs, prevalence=prev, agreement=agreement), ReportParams())
    summary = rep.document[0]
    findings = [i for b in summary.blocks if b.kind == "bullets" for i in b.items]
    assert findings and all(f"(an estimated {round(0.5 * n)} of {n};" in f for f in findings)
    # the open quantifiers are said once, after the findings, not on every bullet
    assert not any("uncertain" in f for f in findings)
    notes = [b.text for b in summary.blocks if b.kind == "paragraph" and "spans two" in b.text]
    assert len(notes) == 1 and " of these " in notes[0]
    assert "unvalidated" not in _text(rep).split("Methodology")[0]
