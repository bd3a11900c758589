"""Human coding from a REFI-QDA project: exact over exported sources, aligned over originals."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd
import pytest

from pipeline import refi
from pipeline.errors import QualevalError
from pipeline.evaluator_files.human_codes import read_human_codes
from pipeline.evaluator_files.qdpx import align, import_project, run_import
from pipeline.export import build_project, write_qdpx
from tests.test_export import BOOK, INTERVIEWS, LEAVES, SEGMENT_CODES, TURNS

NS = refi.PROJECT_NS
HUMAN = "11111111-2222-3333-4444-555555555555"


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _project(tmp_path: Path, edit) -> Path:
    """qualeval's export, changed by ``edit(root, sources)`` as a person's QDA program would."""
    built = build_project(BOOK, TURNS, INTERVIEWS, SEGMENT_CODES)
    root = ET.fromstring(built.qde)
    sources = dict(built.sources)
    edit(root, sources)
    path = tmp_path / "coded.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", ET.tostring(root, encoding="utf-8", xml_declaration=True))
        for member, text in sources.items():
            zf.writestr(member, text)
    return path


def _source(root: ET.Element, name: str) -> ET.Element:
    return next(s for s in root.iter(_q("TextSource")) if s.get("name") == name)


def _code(source: ET.Element, start: int, end: int, code_guid: str, user: str = HUMAN) -> None:
    sel = ET.SubElement(
        source,
        _q("PlainTextSelection"),
        {"guid": refi.guid("t", start, end, code_guid), "startPosition": str(start)},
    )
    sel.set("endPosition", str(end))
    coding = ET.SubElement(sel, _q("Coding"), {"guid": refi.guid("c", start), "creatingUser": user})
    ET.SubElement(coding, _q("CodeRef"), {"targetGUID": code_guid})


def _turn_span(iv: str, turn: int) -> tuple[int, int]:
    layout = refi.layouts(TURNS)[iv]
    return next((s, e) for t, s, e, _ in layout.turns if t == turn)


def test_when_person_codes_an_exported_source_then_their_codes_land_on_the_turn(tmp_path):
    start, _end = _turn_span("INT01", 3)
    guid = refi.guid("code", LEAVES[6])

    def edit(root, _sources):
        _code(_source(root, "INT01"), start + 4, start + 10, guid)

    got = import_project(_project(tmp_path, edit), BOOK, TURNS)
    assert got.codings[
        ["interview_id", "turn_index", "code_id", "start", "end"]
    ].values.tolist() == [["INT01", 3, LEAVES[6], 4, 10]]
    assert got.universe.values.tolist() == [["INT01", 1], ["INT01", 3]]  # its respondent turns


@pytest.mark.parametrize(
    ("what", "problem"),
    [
        ("new code", "code not in the codebook"),
        ("question", "covers no respondent turn"),
        ("whole source", "codes the whole source"),
        ("parent code", "a parent code; qualeval codes with its sub-codes"),
    ],
)
def test_when_a_coding_cannot_be_mapped_then_the_report_says_why(tmp_path, what, problem):
    def edit(root, _sources):
        src = _source(root, "INT02")
        if what == "new code":
            codes = root.find(f"{_q('CodeBook')}/{_q('Codes')}")
            ET.SubElement(codes, _q("Code"), {"guid": HUMAN, "name": "Brand new", "isCodable": "1"})
            _code(src, 0, 5, HUMAN)
        elif what == "question":
            _code(src, 0, 5, refi.guid("code", LEAVES[0]))
        elif what == "parent code":
            start, _end = _turn_span("INT02", 1)
            _code(src, start, start + 5, refi.guid("code", BOOK.codes[0].id))
        else:
            coding = ET.SubElement(src, _q("Coding"), {"guid": HUMAN})
            ET.SubElement(coding, _q("CodeRef"), {"targetGUID": refi.guid("code", LEAVES[0])})

    got = import_project(_project(tmp_path, edit), BOOK, TURNS)
    assert got.codings.empty
    assert len(got.report) == 1 and problem in got.report["problem"].iloc[0]


def test_when_code_renamed_elsewhere_then_it_maps_by_label_or_id(tmp_path):
    label = BOOK.by_id()[LEAVES[2]].label
    s, _e = _turn_span("INT02", 1)

    def edit(root, _sources):
        codes = root.find(f"{_q('CodeBook')}/{_q('Codes')}")
        ET.SubElement(codes, _q("Code"), {"guid": HUMAN, "name": label, "isCodable": "true"})
        other = "99999999-2222-3333-4444-555555555555"
        ET.SubElement(codes, _q("Code"), {"guid": other, "name": LEAVES[3], "isCodable": "true"})
        _code(_source(root, "INT02"), s, s + 3, HUMAN)
        _code(_source(root, "INT02"), s, s + 3, other)

    got = import_project(_project(tmp_path, edit), BOOK, TURNS)
    assert sorted(got.codings["code_id"]) == sorted([LEAVES[2], LEAVES[3]])


def test_when_tool_rewrote_line_ends_then_positions_are_aligned_to_turns(tmp_path):
    def edit(root, sources):
        member = f"sources/{refi.guid('source', 'INT02')}.txt"
        sources[member] = sources[member].replace("\n", "\r\n")
        text = sources[member]
        at = text.index("Really")
        _code(_source(root, "INT02"), at, at + 6, refi.guid("code", LEAVES[1]))

    got = import_project(_project(tmp_path, edit), BOOK, TURNS)
    assert got.codings[["interview_id", "turn_index", "mode"]].values.tolist() == [
        ["INT02", 1, "aligned"]
    ]


def test_when_atlas_stored_crlf_but_counted_lf_then_positions_stay_exact(tmp_path):
    start, _end = _turn_span("INT02", 1)
    at = start + "It was supportive.\nReally".index("Really")

    def edit(root, sources):
        root.set("origin", "ATLAS.ti 23")
        member = f"sources/{refi.guid('source', 'INT02')}.txt"
        sources[member] = sources[member].replace("\n", "\r\n")
        _code(_source(root, "INT02"), at, at + 6, refi.guid("code", LEAVES[1]))

    got = import_project(_project(tmp_path, edit), BOOK, TURNS)
    assert got.codings[["turn_index", "start", "end", "mode"]].values.tolist() == [
        [1, 19, 25, "exact"]
    ]


def test_when_coded_over_the_original_transcript_then_mapped_through_ingest_provenance(tmp_path):
    raw = TURNS.assign(
        text=TURNS["text"].str.replace("[Council B]", "Reading", regex=False),
        source_file=TURNS["interview_id"].str.lower() + "_notes.txt",
    )
    original = "\n".join(
        f"{s.upper()}:   {t}" for s, t in zip(raw["speaker"][:4], raw["text"][:4], strict=True)
    )
    at = original.index("We learnt")

    def edit(root, sources):
        sources.clear()
        holder = root.find(_q("Sources"))
        for src in list(holder):
            holder.remove(src)
        src = ET.SubElement(holder, _q("TextSource"), {"guid": HUMAN, "name": "int01_notes.docx"})
        ET.SubElement(src, _q("PlainTextContent")).text = original
        _code(src, at, at + 9, refi.guid("code", LEAVES[5]))

    path = _project(tmp_path, edit)
    assert import_project(path, BOOK, TURNS).codings.empty  # no provenance: reported, not guessed
    got = import_project(path, BOOK, TURNS, raw_turns=raw)
    assert got.codings[["interview_id", "turn_index", "code_id"]].values.tolist() == [
        ["INT01", 1, LEAVES[5]]
    ]


@pytest.mark.parametrize(
    ("text", "turns", "lost"),
    [
        ("A: one two\n\nB:  three\nfour", [(0, "r", "one two"), (1, "r", "three four")], []),
        ("A: one two", [(0, "r", "one two"), (1, "r", "missing")], [1]),
    ],
)
def test_when_turns_aligned_then_spans_are_found_in_order(text, turns, lost):
    layout, missing = align(text, turns)
    assert missing == lost
    for index, start, end, _role in layout.turns:
        body = dict((t[0], t[2]) for t in turns)[index]
        assert " ".join(text[start:end].split()) == body


def test_when_imported_then_human_codes_file_reads_back_and_coder_filter_applies(tmp_path):
    s, _e = _turn_span("INT01", 1)

    def edit(root, _sources):
        users = root.find(_q("Users"))
        ET.SubElement(users, _q("User"), {"guid": HUMAN, "name": "Ann"})
        _code(_source(root, "INT01"), s, s + 7, refi.guid("code", LEAVES[0]))
        _code(_source(root, "INT01"), s, s + 7, refi.guid("code", LEAVES[1]), user=refi.guid("x"))

    path = _project(tmp_path, edit)
    turns = tmp_path / "turns.parquet"
    TURNS.to_parquet(turns)
    out = tmp_path / "human.jsonl"
    got = run_import(
        path, {"out": out, "report": None}, (turns, None), Path("codebook/codebook.yaml"), "Ann"
    )
    coding, universe = read_human_codes(out)
    assert coding.values.tolist() == [["INT01", 1, LEAVES[0]]]
    assert len(universe) == 2 and json.loads(out.read_text().splitlines()[1])["codes"] == []
    assert (tmp_path / "human_unmapped.csv").is_file() and got.report.empty


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"not a zip", "not a zip file"), (None, "no project.qde inside")],
)
def test_when_file_is_not_a_project_then_error_names_it(tmp_path, content, message):
    path = tmp_path / "x.qdpx"
    if content is None:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("readme.txt", "hello")
    else:
        path.write_bytes(content)
    with pytest.raises(QualevalError, match=message):
        import_project(path, BOOK, TURNS)


def test_when_source_text_missing_from_the_zip_then_error_says_to_export_with_sources(tmp_path):
    def edit(_root, sources):
        sources.clear()

    with pytest.raises(QualevalError, match="export it again with its sources included"):
        import_project(_project(tmp_path, edit), BOOK, TURNS)


def test_when_exported_file_written_then_it_has_no_stray_files(tmp_path):
    path = tmp_path / "p.qdpx"
    write_qdpx(build_project(BOOK, TURNS, INTERVIEWS, SEGMENT_CODES), path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    assert names == [
        "project.qde",
        *sorted(f"sources/{refi.guid('source', i)}.txt" for i in ("INT01", "INT02")),
    ]
    assert pd.Series(names).is_unique
