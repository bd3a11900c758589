"""The REFI-QDA project, built from the anonymised turns, the interviews and the segment codes.

Pure: DataFrames and the codebook in, the project's XML and source texts out
(:class:`Project`); :func:`write_qdpx` zips them with fixed entry times. Every GUID is derived
from an id (:func:`pipeline.refi.guid`), so the same inputs give the same bytes.
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pandas as pd

from pipeline import catalogue, refi
from pipeline.codebook import Codebook
from pipeline.errors import QualevalError
from pipeline.io import FIXED_DATE

MACHINE_USER = refi.MACHINE_USER
NS = refi.PROJECT_NS
TURN_NEEDS = catalogue.required("turns", "interview_id", "turn_index", "speaker", "text")
TURN_NEEDS += catalogue.required("turns", "speaker_role")
CODE_NEEDS = catalogue.required(
    "segment_codes", "interview_id", "turn_index", "segment_id", "start", "end", "code_id"
)
CODE_NEEDS += catalogue.required("segment_codes", "score", "method", "evidence")


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


@dataclass(frozen=True)
class Project:
    """A built project: ``project.qde`` and the source texts, by zip member name."""

    qde: bytes
    sources: dict[str, str]
    stats: dict[str, int]


def _variables(interviews: pd.DataFrame) -> list[tuple[str, str]]:
    """``(column, REFI type)`` of every shareable attribute column."""
    out = []
    for col in interviews.columns:
        if col == "interview_id":
            continue
        kind = interviews[col].dtype.kind
        typ = {"b": "Boolean", "i": "Integer", "u": "Integer", "f": "Float"}.get(kind, "Text")
        out.append((str(col), typ))
    return out


def _value(value: Any, typ: str) -> str | None:
    """A variable's value as the schema's text, None when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    if typ == "Boolean":
        return "true" if bool(value) else "false"
    if typ == "Integer":
        return str(int(value))
    if typ == "Float":
        return format(Decimal(repr(float(value))), "f")
    return str(value)


def _cases(root: ET.Element, interviews: pd.DataFrame, ids: list[str]) -> None:
    """``Variables`` and ``Cases``: one case per interview with its attributes and source."""
    variables = _variables(interviews)
    if variables:
        holder = ET.SubElement(root, _q("Variables"))
        for col, typ in variables:
            attrs = {"guid": refi.guid("variable", col), "name": col, "typeOfVariable": typ}
            ET.SubElement(holder, _q("Variable"), attrs)
    by_id = {str(r["interview_id"]): r for r in interviews.to_dict("records")}
    cases = ET.SubElement(root, _q("Cases"))
    for iv in ids:
        case = ET.SubElement(cases, _q("Case"), {"guid": refi.guid("case", iv), "name": iv})
        for col, typ in variables:
            text = _value(by_id.get(iv, {}).get(col), typ)
            if text is None:
                continue
            vv = ET.SubElement(case, _q("VariableValue"))
            ET.SubElement(vv, _q("VariableRef"), {"targetGUID": refi.guid("variable", col)})
            ET.SubElement(vv, _q(f"{typ}Value")).text = text
        ET.SubElement(case, _q("SourceRef"), {"targetGUID": refi.guid("source", iv)})


def _note_text(row: dict[str, Any]) -> str:
    score = row["score"]
    shown = "none" if score is None or pd.isna(score) else f"{float(score):.3f}"
    return (
        f"qualeval machine coding of {row['segment_id']}: code {row['code_id']}, "
        f"score {shown}, method {row['method']}; evidence: {row['evidence']}"
    )


def _span(row: dict[str, Any], starts: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """A segment code's characters in its source, checked against its turn."""
    where = f"segment codes: {row['segment_id']}"
    if int(row["turn_index"]) not in starts:
        raise QualevalError(
            f"{where}: turn {row['turn_index']} is not in the anonymised turns; re-run the "
            "pipeline so all tables come from one run"
        )
    t_start, t_end = starts[int(row["turn_index"])]
    start, end = t_start + int(row["start"]), t_start + int(row["end"])
    if not (t_start <= start <= end <= t_end):
        raise QualevalError(
            f"{where} offsets {row['start']}-{row['end']} fall outside its turn; re-run the "
            "embed and code stages so both come from one run"
        )
    return start, end


def _selections(
    source: ET.Element, rows: list[dict[str, Any]], layout: refi.SourceLayout, notes: ET.Element
) -> int:
    """One ``PlainTextSelection`` per (segment, code), its ``Coding`` and note."""
    starts = {t[0]: (t[1], t[2]) for t in layout.turns}
    for row in rows:
        key = (row["segment_id"], row["code_id"])
        start, end = _span(row, starts)
        sel = ET.SubElement(
            source,
            _q("PlainTextSelection"),
            {
                "guid": refi.guid("selection", *key),
                "name": f"{row['segment_id']} {row['code_id']}",
                "startPosition": str(start),
                "endPosition": str(end),
                "creatingUser": MACHINE_USER,
            },
        )
        coding = ET.SubElement(
            sel, _q("Coding"), {"guid": refi.guid("coding", *key), "creatingUser": MACHINE_USER}
        )
        ET.SubElement(coding, _q("CodeRef"), {"targetGUID": refi.guid("code", row["code_id"])})
        note_guid = refi.guid("note", *key)
        ET.SubElement(coding, _q("NoteRef"), {"targetGUID": note_guid})
        note = ET.SubElement(notes, _q("Note"), {"guid": note_guid, "name": f"qualeval {key[1]}"})
        ET.SubElement(note, _q("PlainTextContent")).text = _note_text(row)
    return len(rows)


def build_project(
    book: Codebook,
    turns: pd.DataFrame,
    interviews: pd.DataFrame,
    segment_codes: pd.DataFrame,
    name: str = "qualeval",
) -> Project:
    """The REFI-QDA project of one evaluation (schema-checked against ``Project.xsd``).

    Raises:
        QualevalError: when a segment code names a turn, interview or code not in the inputs.
    """
    lay = refi.layouts(turns)
    known = set(book.by_id())
    unknown = sorted(set(segment_codes["code_id"].astype(str)) - known)
    if unknown:
        raise QualevalError(
            f"segment codes: code(s) {', '.join(unknown[:5])} not in the codebook; re-run the "
            "code stage with this codebook"
        )
    root = ET.Element(_q("Project"), {"name": name, "origin": refi.ORIGIN})
    root.set("creatingUserGUID", MACHINE_USER)
    users = ET.SubElement(root, _q("Users"))
    ET.SubElement(users, _q("User"), {"guid": MACHINE_USER, "name": "qualeval (machine)"})
    ET.SubElement(root, _q("CodeBook")).append(refi.code_elements(book, NS))
    ids = sorted(lay)
    _cases(root, interviews, ids)
    sources = ET.SubElement(root, _q("Sources"))
    notes = ET.Element(_q("Notes"))
    codes = segment_codes.sort_values(["interview_id", "turn_index", "start", "code_id"])
    grouped = {str(k): g.to_dict("records") for k, g in codes.groupby("interview_id")}
    missing = sorted(set(grouped) - set(lay))
    if missing:
        raise QualevalError(
            f"segment codes: interview(s) {', '.join(missing[:5])} not in the anonymised turns; "
            "re-run the pipeline so all tables come from one run"
        )
    texts: dict[str, str] = {}
    n = 0
    for iv in ids:
        sguid = refi.guid("source", iv)
        member = f"sources/{sguid}.txt"
        attrs = {"guid": sguid, "name": iv, "plainTextPath": f"internal://{sguid}.txt"}
        src = ET.SubElement(sources, _q("TextSource"), attrs)
        n += _selections(src, grouped.get(iv, []), lay[iv], notes)
        texts[member] = lay[iv].text
    if len(notes):
        root.append(notes)
    qde = refi.to_bytes(root, NS)
    refi.validate(qde, "Project.xsd", "the exported project")
    stats = {"sources": len(ids), "codes": len(book.codes), "codings": n}
    return Project(qde, texts, stats)


def write_qdpx(project: Project, path: Path) -> None:
    """Zip the project (``project.qde`` first, then the sources) with fixed entry times."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        members = [("project.qde", project.qde)]
        members += [(m, t.encode("utf-8")) for m, t in sorted(project.sources.items())]
        for member, data in members:
            info = zipfile.ZipInfo(member, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, data)
    Path(path).write_bytes(buf.getvalue())
