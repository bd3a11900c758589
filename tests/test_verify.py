"""Leak gate: planted identifiers in every output format fail it; look-alikes do not."""

from __future__ import annotations

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


WRITERS = {
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
        "ANN LEE",  # case-sensitive
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
    with pytest.raises(QualevalError, match=r"quotes.csv: 'Ann Lee' \(person\)"):
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
