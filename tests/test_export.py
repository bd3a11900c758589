"""Export stage: the REFI-QDA project is schema-valid, stable, re-opens elsewhere, round-trips."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from pipeline import refi
from pipeline.codebook import load_codebook
from pipeline.errors import QualevalError
from pipeline.evaluator_files.qdpx import import_project
from pipeline.export import MACHINE_USER, build_project, run_stage, write_qdpx

ROOT = Path(__file__).resolve().parents[1]
BOOK = load_codebook(ROOT / "codebook" / "codebook.yaml")
LEAVES = [c.id for c in BOOK.leaves()]

TURNS = pd.DataFrame(
    [
        ("INT01", 0, "Interviewer", "interviewer", "What worked well?"),
        (
            "INT01",
            1,
            "Respondent",
            "respondent",
            "Sharing practice with [Council B] helped. We learnt.",
        ),
        ("INT01", 2, "Interviewer", "interviewer", "And less well?"),
        ("INT01", 3, "Respondent", "respondent", "The report came late — café owners noticed."),
        ("INT02", 0, "Interviewer", "interviewer", "Tell me about the review."),
        ("INT02", 1, "Respondent", "respondent", "It was supportive.\nReally open."),
    ],
    columns=["interview_id", "turn_index", "speaker", "speaker_role", "text"],
)
INTERVIEWS = pd.DataFrame(
    {
        "interview_id": ["INT01", "INT02"],
        "role": ["officer", None],
        "n_turns": [4, 2],
        "share": [0.25, 0.5],
    }
)


def _codes(rows: list[tuple[str, int, int, int, str]]) -> pd.DataFrame:
    out = []
    for iv, ti, start, end, code in rows:
        out.append(
            {
                "interview_id": iv,
                "turn_index": ti,
                "segment_id": f"{iv}-{ti:04d}-00",
                "start": start,
                "end": end,
                "code_id": code,
                "score": 1.234,
                "method": "semantic",
                "evidence": "nearest example: ...",
            }
        )
    return pd.DataFrame(out)


SEGMENT_CODES = _codes(
    [
        ("INT01", 1, 0, 41, LEAVES[0]),
        ("INT01", 1, 0, 41, LEAVES[1]),
        ("INT01", 1, 42, 52, LEAVES[2]),
        ("INT01", 3, 0, 43, LEAVES[3]),
        ("INT02", 1, 19, 31, LEAVES[4]),
    ]
)


@pytest.fixture
def project_file(tmp_path):
    path = tmp_path / "qualeval.qdpx"
    write_qdpx(build_project(BOOK, TURNS, INTERVIEWS, SEGMENT_CODES), path)
    return path


def _qde(path: Path) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read("project.qde")


def test_when_project_built_then_it_is_valid_against_the_official_schema(project_file):
    from lxml import etree

    xsd = etree.XMLSchema(etree.parse(str(refi.SCHEMAS / "Project.xsd")))
    assert xsd.validate(etree.fromstring(_qde(project_file))), xsd.error_log


def test_when_schema_broken_then_validation_names_the_problem():
    bad = b'<Project xmlns="urn:QDA-XML:project:1.0"><Sources/></Project>'
    with pytest.raises(QualevalError, match=r"not valid against the REFI-QDA Project\.xsd"):
        refi.validate(bad, "Project.xsd", "test")


def test_when_built_twice_then_bytes_are_identical(tmp_path, project_file):
    again = tmp_path / "again.qdpx"
    write_qdpx(build_project(BOOK, TURNS, INTERVIEWS, SEGMENT_CODES), again)
    assert again.read_bytes() == project_file.read_bytes()
    with zipfile.ZipFile(again) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        assert zf.namelist()[0] == "project.qde"


def test_when_reimported_then_codings_equal_the_exported_ones_exactly(project_file):
    got = import_project(project_file, BOOK, TURNS, machine=True)
    want = SEGMENT_CODES[["interview_id", "turn_index", "code_id", "start", "end"]]
    cols = list(want.columns)
    assert sorted(map(tuple, got.codings[cols].values.tolist())) == sorted(
        map(tuple, want.values.tolist())
    )
    assert set(got.codings["mode"]) == {"exact"}
    assert got.report.empty


def test_when_reimported_without_machine_then_the_machines_codings_are_left_out(project_file):
    got = import_project(project_file, BOOK, TURNS)
    assert got.codings.empty and got.universe.empty


def test_when_external_reader_opens_it_then_positions_select_the_coded_text(tmp_path, project_file):
    pyrefiqda = pytest.importorskip("pyrefiqda")
    project = pyrefiqda.RefiProject.load(project_file, extract_dir=str(tmp_path / "x"))
    codes = {c.guid: c.name for c in project.code_book.codes.code}
    codes |= {k.guid: k.name for c in project.code_book.codes.code for k in c.code}
    found = set()
    for src in project.sources.text_source:
        text = pyrefiqda.RefiProject.resolve_source_path(src.plain_text_path, tmp_path / "x")
        text = text.read_text(encoding="utf-8")
        turns = TURNS[TURNS["interview_id"] == src.name].set_index("turn_index")["text"]
        for sel in src.plain_text_selection:
            quote = text[sel.start_position : sel.end_position]
            assert any(quote in t for t in turns)
            assert sel.creating_user == MACHINE_USER
            found.add((src.name, quote, codes[sel.coding[0].code_ref.target_guid]))
    assert ("INT02", "Really open.", BOOK.by_id()[LEAVES[4]].label) in found
    assert len(found) == len(SEGMENT_CODES)
    assert len(project.cases.case) == 2


def test_when_interview_attribute_missing_then_case_has_no_value_for_it(project_file):
    qde = _qde(project_file).decode("utf-8")
    assert "<TextValue>officer</TextValue>" in qde
    assert qde.count("<TextValue>") == 1  # INT02's role is missing: no value, not "None"
    assert "<FloatValue>0.25</FloatValue>" in qde and "<IntegerValue>4</IntegerValue>" in qde


def test_when_code_not_in_codebook_then_error_says_to_rerun_coding():
    bad = _codes([("INT01", 1, 0, 5, "no.such_code")])
    with pytest.raises(QualevalError, match="not in the codebook; re-run the code stage"):
        build_project(BOOK, TURNS, INTERVIEWS, bad)


def test_when_offsets_fall_outside_the_turn_then_error_names_the_segment():
    bad = _codes([("INT02", 1, 0, 500, LEAVES[0])])
    with pytest.raises(QualevalError, match="INT02-0001-00 offsets 0-500 fall outside"):
        build_project(BOOK, TURNS, INTERVIEWS, bad)


def test_when_stage_runs_then_it_writes_project_and_metrics(tmp_path):
    paths = {k: tmp_path / f"{k}.parquet" for k in ("turns", "interviews", "segment_codes")}
    TURNS.to_parquet(paths["turns"])
    INTERVIEWS.to_parquet(paths["interviews"])
    SEGMENT_CODES.to_parquet(paths["segment_codes"])
    out = {"qdpx": tmp_path / "a" / "p.qdpx", "metrics": tmp_path / "m.json"}
    stats = run_stage(ROOT / "codebook" / "codebook.yaml", paths, out)
    assert stats == {"sources": 2, "codes": len(BOOK.codes), "codings": 5}
    assert json.loads(out["metrics"].read_text())["schema_valid"] is True
    assert out["qdpx"].is_file()


def test_when_sample_pipeline_ran_then_its_project_round_trips_exactly(repro):
    work, proc = repro
    assert proc.returncode == 0, proc.stderr[-2000:]
    turns = pd.read_parquet(work / "outputs" / "anonymised" / "turns.parquet")
    codes = pd.read_parquet(work / "outputs" / "coding" / "segment_codes.parquet")
    book = load_codebook(work / "codebook" / "codebook.yaml")
    got = import_project(work / "outputs" / "analysis" / "qualeval.qdpx", book, turns, None, True)
    cols = ["interview_id", "turn_index", "code_id", "start", "end"]
    want = codes[cols].astype({"turn_index": "int64", "start": "int64", "end": "int64"})
    assert len(want) > 100
    assert set(map(tuple, got.codings[cols].values.tolist())) == set(
        map(tuple, want.values.tolist())
    )
    assert got.report.empty
