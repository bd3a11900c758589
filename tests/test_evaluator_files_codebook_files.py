"""Codebooks in and out: .qdc, Word and Excel round-trip; mistakes name the row and column."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from pipeline import refi
from pipeline.codebook import load_codebook
from pipeline.errors import QualevalError
from pipeline.evaluator_files import codebook_files as cf

ROOT = Path(__file__).resolve().parents[1]
YAML = ROOT / "codebook" / "codebook.yaml"
BOOK = load_codebook(YAML)
HEADER = ["code", "parent", "definition", "include", "exclude", "examples"]
GOOD = [
    ["benefit", "", "What the councils gained from taking part.", "", "", ""],
    [
        "benefit.sharing_practice",
        "benefit",
        "Councils learning from each other's practice and examples.",
        "learning from peers\nborrowing an approach",
        "",
        "We copied their triage model.",
    ],
]


def _docx(path: Path, rows: list[list[str]]) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("Our codebook")
    table = document.add_table(rows=0, cols=len(rows[0]))
    for values in rows:
        cells = table.add_row().cells
        for j, v in enumerate(values):
            cells[j].text = v
    document.save(str(path))
    return path


def _xlsx(path: Path, rows: list[list[str]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    for values in rows:
        wb.active.append(values)
    wb.save(path)
    return path


@pytest.mark.parametrize("suffix", [".qdc", ".docx", ".xlsx"])
def test_when_exported_and_reimported_then_codes_hierarchy_and_definitions_are_equal(
    tmp_path, suffix
):
    out = tmp_path / f"codebook{suffix}"
    dropped = cf.export_codebook(YAML, out)
    back = cf.import_codebook(out, tmp_path / "back.yaml")
    assert [(c.id, c.parent, c.label, c.definition) for c in back.codes] == [
        (c.id, c.parent, c.label, c.definition) for c in BOOK.codes
    ]
    assert back.codes == BOOK.codes  # the [qualeval] extension carries the rest
    assert load_codebook(tmp_path / "back.yaml") == back
    assert any("uncoded" in d for d in dropped) is (suffix == ".qdc")
    assert back.uncoded == ([] if suffix == ".qdc" else BOOK.uncoded)
    again = tmp_path / f"again{suffix}"
    cf.export_codebook(YAML, again)
    assert again.read_bytes() == out.read_bytes()  # fixed zip times and document dates


def test_when_qdc_exported_then_it_is_valid_against_the_official_codebook_schema(tmp_path):
    from lxml import etree

    xsd = etree.XMLSchema(etree.parse(str(refi.SCHEMAS / "Codebook.xsd")))
    doc = etree.fromstring(cf.qdc_bytes(BOOK))
    assert xsd.validate(doc), xsd.error_log
    parents = {c.parent for c in BOOK.codes if c.parent}
    top = doc.findall(f"{{{refi.CODEBOOK_NS}}}Codes/{{{refi.CODEBOOK_NS}}}Code")
    assert {e.get("guid") for e in top} == {
        refi.guid("code", c.id) for c in BOOK.codes if not c.parent
    }
    assert all(e.get("isCodable") == "false" for e in top if e.get("name") in parents)


@pytest.mark.parametrize("write", [_docx, _xlsx], ids=["docx", "xlsx"])
def test_when_table_has_names_not_ids_then_ids_are_made_from_names_and_parents(tmp_path, write):
    rows = [
        HEADER,
        ["Benefits", "", "What the councils gained from taking part.", "", "", ""],
        ["Sharing practice", "Benefits", "Learning from each other's work.", "• peers", "", ""],
    ]
    book = cf.read_table(write(tmp_path / f"t.{write.__name__[-4:]}", rows))
    assert [(c.id, c.parent, c.label) for c in book.codes] == [
        ("benefits", None, "Benefits"),
        ("benefits.sharing_practice", "benefits", "Sharing practice"),
    ]
    assert book.codes[1].include == ["peers"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            (2, 1, "benfit"),
            "t.docx: table 1, row 3 (code benefit.sharing_practice), column 'parent': unknown "
            "parent 'benfit'",
        ),
        ((2, 2, "Too short."), "row 3 (code benefit.sharing_practice), column 'definition':"),
        ((2, 3, "ok\n\n"), None),  # blank lines in a cell are not items
    ],
)
def test_when_word_table_has_a_mistake_then_error_names_row_and_column(tmp_path, change, message):
    rows = [HEADER, *[list(r) for r in GOOD]]
    r, c, value = change
    rows[r][c] = value
    path = _docx(tmp_path / "t.docx", rows)
    if message is None:
        assert cf.read_table(path).codes[1].include == ["ok"]
        return
    with pytest.raises(QualevalError) as err:
        cf.read_table(path)
    assert message in str(err.value)
    assert "did you mean 'benefit'" in str(err.value) or "words" in str(err.value)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["code", "definiton"], ["a", "b"]], "unknown column(s) 'definiton'"),
        ([["code", "parent"], ["a", ""]], "missing column(s) definition"),
        ([HEADER], "no codes under the header"),
        ([["", ""]], "empty; write a header row"),
    ],
)
def test_when_sheet_is_malformed_then_error_says_what_to_do(tmp_path, rows, message):
    with pytest.raises(QualevalError, match=message.replace("(", r"\(").replace(")", r"\)")):
        cf.read_table(_xlsx(tmp_path / "t.xlsx", rows))


def test_when_qdc_from_another_tool_lacks_material_then_errors_name_each_code(tmp_path):
    ns = refi.CODEBOOK_NS
    root = ET.Element(f"{{{ns}}}CodeBook", {"origin": "NVivo"})
    codes = ET.SubElement(root, f"{{{ns}}}Codes")
    parent = ET.SubElement(codes, f"{{{ns}}}Code", {"guid": refi.guid("a"), "name": "Barriers"})
    ET.SubElement(parent, f"{{{ns}}}Description").text = "What got in the way of the review."
    ET.SubElement(
        parent, f"{{{ns}}}Code", {"guid": refi.guid("b"), "name": "Time", "color": "#f00"}
    )
    path = tmp_path / "nvivo.qdc"
    path.write_bytes(ET.tostring(root))
    with pytest.raises(QualevalError) as err:
        cf.import_codebook(path, tmp_path / "out.yaml")
    text = str(err.value)
    assert "nvivo.qdc: code 'Barriers > Time', definition: must not be empty" in text


def test_when_format_unknown_then_error_lists_the_formats(tmp_path):
    with pytest.raises(QualevalError, match=r"use a REFI-QDA \.qdc or \.qdpx, a Word \.docx"):
        cf.import_codebook(tmp_path / "x.pdf", tmp_path / "y.yaml")
    with pytest.raises(QualevalError, match=r"write \.qdc, \.docx, \.xlsx or \.yaml"):
        cf.export_codebook(YAML, tmp_path / "x.pdf")


def test_when_description_extension_damaged_then_error_names_the_line():
    text = f"A definition.\n\n{refi.EXTENSION_MARK}\nid: a.b\nflavour: sweet\n"
    with pytest.raises(QualevalError, match="line 2 after"):
        refi.parse_description(text)
