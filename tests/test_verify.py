"""Leak gate: planted identifiers in every output format fail it; look-alikes do not."""

from __future__ import annotations

import io
import json
import re

import pandas as pd
import pytest

from pipeline import verify as V
from pipeline.errors import QualevalError
from pipeline.keyfile import dumps_key

KEY = {
    "format": "qualeval-key-v1",
    "entities": [
        {"entity_type": "person", "pseudonym": "[Person 1]", "variants": ["Ann Lee", "Ann"]},
        {"entity_type": "council", "pseudonym": "[Council A]", "variants": ["Reading"]},
        {"entity_type": "email", "pseudonym": "[email]", "variants": ["ann.lee@x.gov.uk"]},
        {"entity_type": "date", "pseudonym": "[date]", "variants": ["4th of May"]},
    ],
}
IDENTS = V.identifiers_from(KEY)


def write_docx(path, text):
    from docx import Document

    doc = Document()
    doc.add_heading("Findings", level=1)
    table = doc.add_table(rows=1, cols=1)
    table.rows[0].cells[0].text = text
    doc.save(str(path))


def write_xlsx(path, text):
    pd.DataFrame({"quote": [text]}).to_excel(path, index=False)


def write_parquet(path, text):
    pd.DataFrame({"text": [text]}).to_parquet(path)


def write_text(path, text):
    path.write_text(text, encoding="utf-8")


def write_html(path, text):
    escaped = text.replace("e", "&#101;")  # an entity-encoded name is still a leak
    path.write_text(f"<html><body><p>{escaped}</p></body></html>", encoding="utf-8")


def write_ipynb(path, text):
    nb = {"cells": [{"cell_type": "markdown", "source": [text]}], "metadata": {}}
    path.write_text(json.dumps(nb, ensure_ascii=True), encoding="utf-8")


def write_qdpx(path, text):
    import zipfile

    coded = text.replace("e", "&#101;")  # as an XML attribute with a character reference
    qde = f'<Project xmlns="urn:QDA-XML:project:1.0" name="{coded}"><Sources/></Project>'
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        zf.writestr("sources/a.txt", "nothing here")


def write_qdpx_source(path, text):
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", '<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>')
        zf.writestr("sources/5f1c1f5e-0000-4000-8000-000000000000.txt", text)


WRITERS = {
    "project.qdpx": write_qdpx,
    "sources.qdpx": write_qdpx_source,
    "table.csv": write_text,
    "report.md": write_text,
    "report.html": write_html,
    "turns.parquet": write_parquet,
    "tables.xlsx": write_xlsx,
    "report.docx": write_docx,
    "explore.ipynb": write_ipynb,
    "metrics.json": write_text,
}


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_when_identifier_planted_in_output_then_gate_fails_naming_file(tmp_path, name):
    WRITERS[name](tmp_path / name, "As Ann Lee said, it worked.")
    result = V.verify(tmp_path, IDENTS)
    assert not result.passed
    assert {leak["file"].split("/")[-1] for leak in result.leaks} == {name}
    assert "Ann Lee" in {leak["identifier"] for leak in result.leaks}


@pytest.mark.parametrize(
    "text",
    [
        "Annual reports and planning went well.",  # substrings of "Ann"
        "reading the report carefully",  # case-sensitive: not "Reading"
        "[Person 1] said it worked on the [date].",
        "It happened on the 4th of May.",  # dates are not gate identifiers
        "I hope so; Will Power is a brand",  # not key entries
    ],
)
def test_when_only_look_alikes_then_gate_passes(tmp_path, text):
    (tmp_path / "report.md").write_text(text, encoding="utf-8")
    assert V.verify(tmp_path, IDENTS).passed


def test_when_email_planted_then_gate_fails(tmp_path):
    (tmp_path / "a.txt").write_text("contact: ann.lee@x.gov.uk.", encoding="utf-8")
    leaks = V.verify(tmp_path, IDENTS).leaks
    assert [leak["identifier"] for leak in leaks] == ["ann.lee@x.gov.uk"]


@pytest.mark.parametrize(("skip", "passed"), [([], False), ([".png"], True)])
def test_when_file_cannot_be_read_then_gate_fails_unless_skipped(tmp_path, skip, passed):
    (tmp_path / "plot.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = V.verify(tmp_path, IDENTS, skip)
    assert result.passed is passed


def test_when_speaker_label_is_a_name_then_it_is_an_identifier():
    key = {**KEY, "speakers": [{"interview_id": "A", "label": "DARREN", "pseudonym": "Respondent"}]}
    assert V.identifiers_from(key)["DARREN"] == "person"


def test_when_allow_listed_then_not_an_identifier():
    assert "Reading" not in V.identifiers_from(KEY, allow=["reading"])


def test_when_run_stage_finds_leak_then_error_lists_file_and_identifier(tmp_path):
    out = tmp_path / "outputs"
    (out / "tables").mkdir(parents=True)
    (out / "tables" / "quotes.csv").write_text("quote\nAnn Lee was great\n", encoding="utf-8")
    key = tmp_path / "key.json"
    key.write_text(dumps_key(KEY), encoding="utf-8")
    metrics = out / "metrics" / "verify.json"
    report = tmp_path / "private" / "verify_report.csv"
    with pytest.raises(QualevalError, match=r"quotes.csv: \[Person 1\] \(person\)") as err:
        V.run_stage(
            None,
            out,
            key,
            register_path=None,
            decisions_path=None,
            allow_path=None,
            report=report,
            metrics=metrics,
        )
    assert "Ann" not in str(err.value)  # the pseudonym is named, never the identifier
    assert json.loads(metrics.read_text())["passed"] is False
    assert "Ann Lee" in report.read_text()
    assert "Ann Lee" not in metrics.read_text()


def test_when_outputs_clean_then_run_stage_passes(tmp_path):
    out = tmp_path / "outputs"
    out.mkdir()
    (out / "a.md").write_text("[Person 1] said it worked.", encoding="utf-8")
    key = tmp_path / "key.json"
    key.write_text(dumps_key(KEY), encoding="utf-8")
    result = V.run_stage(
        None,
        out,
        key,
        register_path=None,
        decisions_path=None,
        allow_path=None,
        report=tmp_path / "r.csv",
        metrics=out / "m.json",
    )
    assert result.passed
    assert json.loads((out / "m.json").read_text())["passed"] is True


def test_when_identifier_only_inside_allowed_phrase_then_no_leak(tmp_path):
    idents = V.identifiers_from({"entities": [{"entity_type": "place", "variants": ["West"]}]})
    (tmp_path / "a.csv").write_text("region\nNorth West\nWest\n", encoding="utf-8")
    leaks = V.verify(tmp_path, idents, allow=["North West"]).leaks
    assert len(leaks) == 1  # the bare "West" line still counts
    (tmp_path / "a.csv").write_text("region\nNorth West\n", encoding="utf-8")
    assert V.verify(tmp_path, idents, allow=["North West"]).passed


def test_when_identifier_is_part_of_a_pseudonym_then_no_leak(tmp_path):
    idents = V.identifiers_from({"entities": [{"entity_type": "organisation", "variants": ["DI"]}]})
    (tmp_path / "a.md").write_text("In [Council DI] it worked.", encoding="utf-8")
    assert V.verify(tmp_path, idents, pseudonyms=["[Council DI]"]).passed
    (tmp_path / "a.md").write_text("In [Council DI] the DI helped.", encoding="utf-8")
    assert not V.verify(tmp_path, idents, pseudonyms=["[Council DI]"]).passed


def test_when_numeric_array_then_scanned_as_having_no_text(tmp_path):
    import numpy as np

    np.save(tmp_path / "embeddings.npy", np.zeros((3, 4), dtype=np.float32))
    assert V.verify(tmp_path, IDENTS).passed
    np.save(tmp_path / "labels.npy", np.array(["Ann Lee said"]))
    assert not V.verify(tmp_path, IDENTS).passed


def _mentions(tmp_path, page: str, word: str) -> bool:
    import re

    path = tmp_path / "chart.html"
    path.write_text(page, encoding="utf-8")
    return any(re.search(rf"\b{word}\b", t) for t in V.extract_texts(path))


def test_when_page_inlines_plotly_library_then_library_exempt_but_chart_data_scanned(tmp_path):
    from plotly.offline import get_plotlyjs

    js = get_plotlyjs()
    assert re.search(r"\bSue\b", js)  # why the exemption exists

    def page(lib: str, data: str) -> str:
        return f"<html><script>{lib}</script><div>{data}</div></html>"

    assert not _mentions(tmp_path, page(js, "budget cuts"), "Sue")
    assert _mentions(tmp_path, page(js, "Sue Jones"), "Sue")
    assert _mentions(tmp_path, page(js[:-1] + " ", "budget"), "Sue")  # not the exact library


# --- every bypass listed in issue 14 fails the gate ---------------------------------------


def _xlsx_formula(path, _text):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = '="An"&"n L"&"ee"'
    wb.save(path)


def _docx_split_runs(path, _text):
    from docx import Document

    doc = Document()
    para = doc.add_paragraph()
    para.add_run("As An")
    para.add_run("n Lee said")
    doc.save(str(path))


def _write(text):
    return lambda path, _t: path.write_text(text, encoding="utf-8")


BYPASSES = {
    "lower case": ("a.md", _write("i spoke to ann lee yesterday")),
    "all caps": ("a.md", _write("NOTES: ANN LEE SAID")),
    "NBSP": ("a.md", _write("Ann\u00a0Lee said")),
    "zero-width": ("a.md", _write("An\u200bn L\u200dee said")),
    "double space": ("a.md", _write("Ann  Lee said")),
    "line break": ("a.csv", _write('quote\n"Ann\nLee said"\n')),
    "xlsx formula": ("t.xlsx", _xlsx_formula),
    "script escapes": ("r.html", _write('<script>var d="\\u0041nn \\u004cee";</script>')),
    "html entities": ("r.html", _write("<p>&#x41;nn &#76;ee</p>")),
    "hidden file": (".notes.tmp", _write("Ann Lee")),
    "docx xml": ("r.docx", _docx_split_runs),
    "svg alt text": ("c.svg", _write('<svg><image alt="Ann Lee"/></svg>')),
    "full width": ("a.txt", _write("\uff21nn \uff2cee")),
}


@pytest.mark.parametrize("case", sorted(BYPASSES))
def test_when_name_disguised_then_gate_still_fails(tmp_path, case):
    name, write = BYPASSES[case]
    write(tmp_path / name, "")
    result = V.verify(tmp_path, IDENTS)
    assert [leak["file"].split("/")[-1] for leak in result.leaks] == [name], case


def test_when_nfd_accented_key_entry_then_nfc_output_matches(tmp_path):
    idents = V.identifiers_from({"entities": [{"entity_type": "person", "variants": ["Zoë Hart"]}]})
    (tmp_path / "a.md").write_text("Zoe\u0308 Hart", encoding="utf-8")  # NFD
    assert not V.verify(tmp_path, idents).passed


def test_when_file_name_holds_identifier_then_gate_fails_without_reading_it(tmp_path):
    (tmp_path / "interview_ann_lee.csv").write_text("quote\nfine\n", encoding="utf-8")
    leaks = V.verify(tmp_path, V.entries_from(KEY)).leaks
    assert [(leak["where"], leak["pseudonym"]) for leak in leaks] == [("(file name)", "[Person 1]")]


@pytest.mark.parametrize(
    ("identifier", "text", "leaks"),
    [
        ("Will", "we will see", 0),  # common word: matched as spelled only
        ("Will", "then Will said", 1),
        ("Reading", "reading the notes", 0),
        ("Hope", "I hope so", 0),
        ("Okafor", "met okafor", 1),  # not a common word: case folded
        ("PA", "a pa system", 0),  # short: an acronym's lower case is another word
        ("PA", "the PA said", 1),
        ("Care Council", "children in care council meetings", 0),  # generic words only
        ("Care Council", "the Care Council said", 1),
        ("Okafor Trust", "the okafor trust", 1),  # one word is a name: case folded
        # a sentence start followed by a function word is the word, as the anonymiser reads it
        ("Will", "Will you send it? Yes.", 0),
        ("Mark", "Fine. Mark my words, it worked.", 0),
        ("Hope", "Hope that helps.", 0),
        ("Mark", "Mark came back from the review.", 1),  # a person at a sentence start
        ("Will", "Will said no.", 1),
        ("Will", "Will's team agreed.", 1),
        ("Will", "Will is leading it now.", 1),  # the anonymiser keeps it: the gate fails it
    ],
)
def test_when_key_entry_is_common_word_then_matched_case_sensitively(
    tmp_path, identifier, text, leaks
):
    idents = V.identifiers_from({"entities": [{"entity_type": "person", "variants": [identifier]}]})
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    assert len(V.verify(tmp_path, idents).leaks) == leaks


@pytest.mark.parametrize(
    ("name", "data", "passed"),
    [
        ("blob.bin", b"\x00\x01", False),  # unknown type: fail safe
        ("photo.png", b"\x89PNG\r\n\x1a\n", False),  # truncated
        ("doc.pdf", b"%PDF-1.4 broken", False),
    ],
)
def test_when_file_type_unknown_or_damaged_then_gate_fails_naming_it(tmp_path, name, data, passed):
    (tmp_path / name).write_bytes(data)
    result = V.verify(tmp_path, IDENTS)
    assert result.passed is passed
    assert [u["file"].split("/")[-1] for u in result.unreadable] == [name]


def _png(chunks):
    import struct
    import zlib

    def chunk(kind, body):
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    return b"\x89PNG\r\n\x1a\n" + b"".join(chunk(k, b) for k, b in chunks) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("chunk", "leaks"),
    [((b"tEXt", b"Title\0Ann Lee"), 1), ((b"tEXt", b"Title\0budget"), 0)],
)
def test_when_png_text_chunk_names_someone_then_gate_fails(tmp_path, chunk, leaks):
    (tmp_path / "chart.png").write_bytes(_png([chunk]))
    result = V.verify(tmp_path, IDENTS)
    assert len(result.leaks) == leaks and not result.unreadable


def test_when_stale_verdict_left_then_run_stage_removes_it_before_scanning(tmp_path):
    out = tmp_path / "outputs"
    (out / "metrics").mkdir(parents=True)
    metrics = out / "metrics" / "verify.json"
    metrics.write_text('{"passed": true}', encoding="utf-8")
    (out / "a.md").write_text("Ann Lee", encoding="utf-8")
    key = tmp_path / "key.json"
    key.write_text(dumps_key(KEY), encoding="utf-8")
    with pytest.raises(QualevalError):
        V.run_stage(
            None,
            out,
            key,
            register_path=None,
            decisions_path=None,
            allow_path=None,
            report=tmp_path / "r.csv",
            metrics=metrics,
        )
    assert json.loads(metrics.read_text())["passed"] is False


# --- residual-risk scan -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("write to j.smith@kent.gov.uk today", "email"),
        ("ring 01632 960418 after nine", "phone"),
        ("or 020 7946 0000 in the office", "phone"),
        ("I'm @jsmith on there", "handle"),
        ("the office at LS1 4AP", "postcode"),
        ("number 943 476 5919 on file", "nhs_number"),
        ("then Priya Shah joined us", "person"),
    ],
)
def test_when_unlisted_identifier_left_then_residual_scan_fails(tmp_path, text, kind):
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    scan = V.ResidualScan()
    result = V.verify(tmp_path, {}, residual=scan)
    assert not result.passed
    assert [k for _, k, _ in scan.failures] == [kind]
    assert result.metrics()["residual_by_kind"] == {kind: 1}


@pytest.mark.parametrize(
    "text",
    [
        "[Person 1] said it worked in [Place 2].",
        "We met on 12 March; 40% said 2024 was better.",
        "number 943 476 5918 is not a valid NHS number",
        '<SourceRef targetGUID="c42e337f-5b23-5551-89c2-02289077377d" />',  # a REFI-QDA GUID
        "Share of interviews 0 10 20 0 30 60 %",  # a chart's axes, as a PDF's text gives them
        "0 10 10 0 20 40",
    ],
)
def test_when_only_pseudonyms_and_numbers_then_residual_scan_passes(tmp_path, text):
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    result = V.verify(
        tmp_path, {}, pseudonyms=["[Person 1]", "[Place 2]"], residual=V.ResidualScan()
    )
    assert result.passed


def test_when_unknown_capitalised_name_then_warning_not_failure(tmp_path):
    (tmp_path / "a.md").write_text("the team in Skem were great", encoding="utf-8")
    scan = V.ResidualScan()
    result = V.verify(tmp_path, {}, residual=scan)
    assert result.passed
    assert result.metrics()["residual_warnings"] == 1
    assert scan.counts()[str(tmp_path / "a.md")] == {"capitalised_name": 1}


@pytest.mark.parametrize(
    ("name", "text", "warnings"),
    [
        ("a.csv", "code,label\nbenefits.networks,Regional networks and relationships\n", 0),
        ("a.csv", 'quote\n"the team in Skem were great"\n', 1),  # inside a cell: still seen
        ("a.md", "the peers, Regional networks and more", 1),  # prose: a comma starts nothing
    ],
)
def test_when_table_cell_starts_with_a_capital_then_no_residual_warning(
    tmp_path, name, text, warnings
):
    (tmp_path / name).write_text(text, encoding="utf-8")
    result = V.verify(tmp_path, {}, residual=V.ResidualScan())
    assert result.passed
    assert result.metrics()["residual_warnings"] == warnings


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("we met on Tuesday and again on Fridays in February", []),  # the calendar
        ("a mix of Polish, Somali and Eastern European families", []),  # nationalities
        ("leaflets in Arabic and Urdu, and a Turkish-speaking worker", []),  # languages
        ("so, Erm, I think, Oh God, That's it, Isn't it", []),  # what people say
        ("the session on Friday's agenda", []),  # a possessive of an ordinary word
        ("the team in Skem and Okafor-Lindqvist", ["Skem", "Okafor-Lindqvist"]),
        ("then May said it and Sarah's view", ["Sarah's"]),  # "May": the name rule decides
        ("the Understanding Your Child course", ["Understanding Your Child"]),
    ],
)
def test_when_capitalised_words_name_no_one_then_residual_scan_leaves_them(text, names):
    from pipeline.recognisers.residual import capitalised_names

    assert capitalised_names(text) == names


@pytest.mark.parametrize(
    ("etype", "text", "leaks"),
    [
        ("place", "the steps were clear", 0),  # a place: not in lower case
        ("place", "STEPS and Steps", 1),  # but in capitals and Title Case
        ("person", "then steps said", 1),  # a person's name: any case
    ],
)
def test_when_place_or_person_then_case_rule_differs(tmp_path, etype, text, leaks):
    idents = V.identifiers_from({"entities": [{"entity_type": etype, "variants": ["Steps"]}]})
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    assert len(V.verify(tmp_path, idents).leaks) == leaks


def _png_with_text(text: str) -> bytes:
    """A minimal PNG: signature, one tEXt chunk, IEND (the gate reads chunks, not pixels)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    return b"\x89PNG\r\n\x1a\n" + chunk(b"tEXt", b"Title\0" + text.encode()) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("title", "passed"),
    [
        ("Prevalence by role", True),  # a chart's payload is pixels: never scanned as letters
        ("Quotes from Ann Lee", False),  # but an inline image's own text is read
    ],
)
def test_when_page_inlines_a_chart_image_then_its_text_is_read_not_its_base64(
    tmp_path, title, passed
):
    import base64

    payload = base64.b64encode(_png_with_text(title) + b"M614NG" * 4).decode()
    html = f'<p>Chart</p><img alt="chart" src="data:image/png;base64,{payload}">'
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    texts = list(V.readers.extract_texts(tmp_path / "page.html"))
    assert all(payload not in t for t in texts)
    assert V.verify(tmp_path, IDENTS).passed is passed


def _pdf(page_text: str = "", metadata: dict | None = None, link: str = "") -> bytes:
    """A one-page PDF showing ``page_text`` (Helvetica), with optional metadata and a link."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
        TextStringObject,
    )

    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 72 720 Td ({page_text}) Tj ET".encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    if link:
        action = DictionaryObject({NameObject("/S"): NameObject("/URI")})
        action[NameObject("/URI")] = TextStringObject(link)
        annot = DictionaryObject(
            {NameObject("/Subtype"): NameObject("/Link"), NameObject("/A"): action}
        )
        page[NameObject("/Annots")] = ArrayObject([writer._add_object(annot)])
    if metadata:
        writer.add_metadata(metadata)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("pdf_args", "leaks"),
    [
        ({"page_text": "The budget rose."}, 0),
        ({"page_text": "Ann Lee said the budget rose."}, 1),
        ({"page_text": "ANN LEE said it."}, 1),
        ({"metadata": {"/Author": "Ann Lee"}}, 1),
        ({"link": "mailto:ann.lee@x.gov.uk"}, 1),
    ],
)
def test_when_pdf_names_someone_in_text_metadata_or_link_then_gate_fails(tmp_path, pdf_args, leaks):
    (tmp_path / "report.pdf").write_bytes(_pdf(**pdf_args))
    result = V.verify(tmp_path, IDENTS)
    assert not result.unreadable
    assert len(result.leaks) == leaks


# --- the gate's cost: the same findings read a cheaper way (ADR 0042) -------------------------


@pytest.mark.parametrize(
    ("text", "firsts", "words"),
    [
        ("Ann met Ann Lee", {"Ann"}, ["Ann", "Ann"]),
        ("Anne, xAnn, Ann_1, Ann.", {"Ann"}, ["Ann"]),  # whole words only
        ("Lee and Ann", {"Ann", "Lee", "Bob"}, ["Lee", "Ann"]),  # in text order
        ("nobody here", {"Ann"}, []),
    ],
)
def test_when_text_searched_then_first_words_are_its_whole_words_in_the_index(text, firsts, words):
    from pipeline.verify.finder import _WORD, _first_words

    assert [m.group() for m in _first_words(text, firsts)] == words
    assert words == [w for w in _WORD.findall(text) if w in firsts]


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("call\n943 476 5919\nor not", ["nhs_number"]),  # on a line of its own
        ("943 476\n5919", []),  # a number never spans a line
        ("Benefits 4052 572 477 374 1155 657 817", []),  # cells of a table row (4,300 run)
        ("Total 500 500 500 400 500 500 4300", []),  # its last three cells
        ("NHS no. 943 476 5919, 2 visits", ["nhs_number"]),  # a number after it, not a run
        ("NHS number 943 476 5919 2 weeks ago", ["nhs_number"]),  # one number after: prose
        ("Benefits 477 374 1155 657 817", []),  # a row's first three cells
        ("no at sign, no handle: jsmith", []),
        ("line one\nI'm @jsmith there", ["handle"]),
        ("guid c42e337f-5b23-5551-89c2-02289077377d only", []),
    ],
)
def test_when_text_has_many_lines_then_residual_risks_are_found_line_by_line(text, kinds):
    from pipeline.recognisers.residual import find_risks

    assert [k for k, _ in find_risks(text, 0.85)] == kinds


def _columns_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "quote": ["Ann said", None, "Bob"],
            "n": [1, 2, 3],
            "when": pd.to_datetime(["2024-01-01"] * 3),
            "vec": [[0.1, 0.2]] * 3,
            "kind": pd.Categorical(["a", "b", "a"]),
        },
        index=pd.Index(["s1", "s2", "s3"], name="segment"),
    )


@pytest.mark.parametrize(
    "frame",
    [
        _columns_table(),
        _columns_table().reset_index(),  # the index as a column: scanned
        pd.DataFrame({"quote": ["Ann"]}).set_axis([0], axis=1),  # a non-string label
        pd.DataFrame({"quote": []}, dtype=str),
    ],
)
def test_when_parquet_read_a_column_at_a_time_then_texts_are_the_whole_table_reads(frame):
    from pipeline.verify.readers import _parquet_texts

    buf = io.BytesIO()
    frame.to_parquet(buf)
    df = pd.read_parquet(io.BytesIO(buf.getvalue()))
    expected = ["\n".join(map(str, df.columns))]
    expected += [
        "\n".join(df[c].dropna().astype(str))
        for c in df.columns
        if df[c].dtype.kind not in "biufcmM" and c != "vec"
    ]
    assert list(_parquet_texts(buf.getvalue())) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a  b\n\tc \n d\u00a0\u2003e",
        "a \n",  # a last line break ends the last line
        " \n \n",
        "a\r\nb\u2028c\x0bd",  # other line breaks: read line by line
        "",
        "\n\n",
    ],
)
def test_when_lines_tidied_then_text_is_the_line_by_line_reading(text):
    from pipeline.verify.normalise import _HSPACE, tidy_lines

    assert tidy_lines(text) == "\n".join(_HSPACE.sub(" ", x).strip() for x in text.splitlines())


@pytest.mark.parametrize(
    ("text", "cells"),
    [
        ("a,b\nb, a\nc,a", ["a", "b", "c"]),  # each distinct cell once, first seen first
        ("", [""]),  # no cells: the text itself
        ('"' + "x" * 200_000 + '"', ['"' + "x" * 200_000 + '"']),  # does not parse: the text
    ],
)
def test_when_table_text_split_then_cells_are_its_distinct_cells(text, cells):
    from pipeline.recognisers.residual import _cells

    assert _cells(text) == cells


@pytest.mark.parametrize("jobs", ["1", "2", "3"])
def test_when_files_scanned_on_several_cores_then_result_equals_one_core(
    tmp_path, monkeypatch, jobs
):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("Ann Lee visited Reading.", encoding="utf-8")
    (tmp_path / "sub" / "Ann.md").write_text("Nothing here, said Mary Jones.", encoding="utf-8")
    (tmp_path / "plot.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")  # unreadable
    (tmp_path / "skip.bin").write_bytes(b"ann.lee@x.gov.uk")  # skipped
    (tmp_path / "z.csv").write_text("quote\nemail ann.lee@x.gov.uk\n", encoding="utf-8")

    def run(n: str):
        monkeypatch.setenv("QUALEVAL_JOBS", n)
        scan = V.ResidualScan()
        result = V.verify(tmp_path, IDENTS, [".bin"], residual=scan)
        return result.leaks, result.files, result.skipped, result.unreadable, scan.warnings

    assert run(jobs) == run("1")
    leaks, files, skipped, unreadable, _ = run(jobs)
    assert {leak["identifier"] for leak in leaks} >= {"Ann Lee", "Reading", "ann.lee@x.gov.uk"}
    assert [u["file"] for u in unreadable] == [(tmp_path / "plot.png").as_posix()]
    assert skipped == [(tmp_path / "skip.bin").as_posix()]
    assert len(files) == 4
