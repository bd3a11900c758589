"""Ingest readers: one registry, one protocol, plain text for any other listed extension."""

from __future__ import annotations

import pytest
from conftest import make_docx

from pipeline.ingest import READERS, Rejected, parse_transcript, reader_for
from pipeline.ingest.readers import DocxReader, PlainTextReader, SrtReader, VttReader
from pipeline.ingest.units import Units
from pipeline.params import IngestParams

P = IngestParams()


def test_when_default_extensions_looked_up_then_each_has_its_own_reader():
    assert {ext: type(reader_for(ext)) for ext in P.extensions} == {
        ".txt": PlainTextReader,
        ".md": PlainTextReader,
        ".docx": DocxReader,
        ".vtt": VttReader,
        ".srt": SrtReader,
    }


def test_when_registry_read_then_no_extension_has_two_generic_readers():
    claimed = [ext for r in READERS if not hasattr(r, "detects") for ext in r.extensions]
    assert len(claimed) == len(set(claimed))


def test_when_registry_read_then_every_reader_names_its_layouts():
    assert all(reader.layouts for reader in READERS)


def test_when_extension_has_no_reader_then_plain_text_reads_it():
    assert isinstance(reader_for(".text"), PlainTextReader)
    params = IngestParams(extensions=[".text"])
    parsed = parse_transcript("a.text", b"Interviewer: Hi?\nRespondent: Hello.\n", params)
    assert (parsed.fmt, parsed.unit) == ("text", "line")
    assert [t.label for t in parsed.turns] == ["Interviewer", "Respondent"]


def test_when_text_read_then_units_carry_encoding_and_warning():
    units = reader_for(".txt").read("a.txt", "Caf\u00e9: oui\n".encode("cp1252"), P)
    assert isinstance(units, Units)
    assert (units.fmt, units.unit, units.encoding) == ("txt", "line", "cp1252")
    assert len(units.warnings) == 1 and "line 1" in units.warnings[0]


def test_when_docx_read_then_paragraph_units_with_bold_labels_and_no_encoding():
    data = make_docx([("Interviewer", "How was it?"), (None, "Background noise.")])
    units = reader_for(".docx").read("a.docx", data, P)
    assert (units.fmt, units.unit, units.encoding) == ("docx", "paragraph", None)
    assert [(u.label, u.text) for u in units.lines] == [
        ("Interviewer", "How was it?"),
        (None, "Background noise."),
    ]


def test_when_docx_empty_then_rejected_as_empty():
    with pytest.raises(Rejected) as err:
        reader_for(".docx").read("a.docx", b"", P)
    assert err.value.reason == "empty"
