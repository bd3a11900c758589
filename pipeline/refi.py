"""REFI-QDA (the exchange standard of NVivo, MAXQDA, ATLAS.ti and QualCoder): what is shared.

The export stage writes a ``.qdpx`` project with this module; the codebook converters
(:mod:`pipeline.evaluator_files.codebook_files`) write and read ``.qdc`` codebooks; the
project importer (:mod:`pipeline.evaluator_files.qdpx`) reads projects back. Here:

* stable GUIDs (:func:`guid`: uuid5 of a kind and a key, so the same codebook or interview
  always gets the same GUID and re-exports line up);
* the codebook as REFI ``Code`` elements and back (:func:`code_elements`,
  :func:`codes_from_xml`). A code's ``Description`` holds its definition, then, after a line
  ``[qualeval]``, one ``field: value`` line per extra field the standard has no place for
  (id, include, exclude, example, keyword, pattern, memo): readable in NVivo, read back here;
* the layout of an exported source (:func:`source_layout`): the anonymised turns of one
  interview as plain text, with each turn's character offset, so import can map positions
  back to turns exactly;
* schema validation against the official XSDs (``evaluator_files/schemas/``).

Positions are counted in Unicode characters (code points) of the plain text, as the standard
says; the sources are UTF-8 with newline (LF) line ends.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from pipeline.codebook import Code, Codebook
from pipeline.errors import QualevalError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
SCHEMAS = Path(__file__).resolve().parent / "evaluator_files" / "schemas"
ORIGIN = "qualeval"
EXTENSION_MARK = "[qualeval]"
# extra fields, in the order they are written; list fields repeat their line
_LIST_FIELDS = (("include", "include"), ("exclude", "exclude"), ("example", "examples"))
_LIST_FIELDS += (("keyword", "keywords"), ("audience", "audience"))
_NAMESPACE = uuid.UUID("5f1c1f5e-2d3b-4a51-9a4e-0c6f2a9b7d10")


def guid(kind: str, *key: object) -> str:
    """A stable GUID for ``kind`` (code, source, case, ...) and its key."""
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join([kind, *map(str, key)])))


#: The user every machine coding is created by (the importer leaves its codings out).
MACHINE_USER = guid("user", ORIGIN)


def description(code: Code) -> str:
    """A code's ``Description``: the definition, then the ``[qualeval]`` extension lines."""
    lines = [f"id: {code.id}"]
    for name, attr in _LIST_FIELDS:
        lines += [f"{name}: {v}" for v in getattr(code, attr)]
    lines += [f"pattern: {json.dumps(p, sort_keys=True)}" for p in code.patterns]
    if code.memo:
        lines.append(f"memo: {json.dumps(code.memo)}")
    return f"{code.definition}\n\n{EXTENSION_MARK}\n" + "\n".join(lines)


def parse_description(text: str | None) -> tuple[str, dict[str, Any]]:
    """``(definition, extra fields)`` of a ``Description`` (no extension: ``{}``).

    Raises:
        QualevalError: for an extension line that is not ``field: value`` of a known field.
    """
    text = (text or "").replace("\r\n", "\n")
    head, mark, tail = text.partition(f"\n{EXTENSION_MARK}\n")
    if not mark:
        return text.strip(), {}
    extra: dict[str, Any] = {}
    lists = dict(_LIST_FIELDS)
    for n, line in enumerate(tail.splitlines(), start=1):
        name, sep, value = line.partition(": ")
        if not line.strip():
            continue
        if not sep or name not in {"id", "pattern", "memo", *lists}:
            raise QualevalError(
                f"line {n} after {EXTENSION_MARK}: {line[:40]!r} is not 'field: value' with a "
                "field id, include, exclude, example, keyword, pattern or memo; fix or delete it"
            )
        if name == "id":
            extra["id"] = value.strip()
        elif name == "memo":
            extra["memo"] = _json(value, n)
        elif name == "pattern":
            extra.setdefault("patterns", []).append(_json(value, n))
        else:
            extra.setdefault(lists[name], []).append(value)
    return head.strip(), extra


def _json(value: str, n: int) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        raise QualevalError(
            f"line {n} after {EXTENSION_MARK}: not valid JSON; write it as qualeval exported it"
        ) from None


def code_elements(book: Codebook, ns: str) -> ET.Element:
    """The codebook as a REFI ``Codes`` element (hierarchy by nesting, file order kept)."""
    codes = ET.Element(f"{{{ns}}}Codes")
    parents = {c.parent for c in book.codes if c.parent}
    made: dict[str, ET.Element] = {}
    pending = list(book.codes)
    while pending:  # parents before children, whatever the file order
        rest = []
        for code in pending:
            if code.parent and code.parent not in made:
                rest.append(code)
                continue
            holder = made[code.parent] if code.parent else codes
            el = ET.SubElement(holder, f"{{{ns}}}Code", _code_attrs(code, code.id not in parents))
            ET.SubElement(el, f"{{{ns}}}Description").text = description(code)
            made[code.id] = el
        pending = rest
    return codes


def _code_attrs(code: Code, codable: bool) -> dict[str, str]:
    attrs = {"guid": guid("code", code.id), "name": code.label}
    attrs["isCodable"] = "true" if codable else "false"
    if code.colour:
        attrs["color"] = code.colour.upper()
    return attrs


@dataclass(frozen=True)
class RefiCode:
    """A code as read from a REFI file, before it becomes a codebook entry."""

    guid: str
    name: str
    parent_guid: str | None
    description: str | None
    colour: str | None
    path: tuple[str, ...]


def codes_from_xml(codes: ET.Element | None) -> list[RefiCode]:
    """Every ``Code`` under a ``Codes`` element, depth first, with its parent and name path."""
    out: list[RefiCode] = []

    def walk(el: ET.Element, parent: str | None, path: tuple[str, ...]) -> None:
        for child in el:
            if _local(child.tag) != "Code":
                continue
            name = child.get("name", "").strip()
            desc = next((d.text for d in child if _local(d.tag) == "Description"), None)
            me = RefiCode(
                child.get("guid", ""), name, parent, desc, child.get("color"), (*path, name)
            )
            out.append(me)
            walk(child, me.guid, me.path)

    if codes is not None:
        walk(codes, None, ())
    return out


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def child(el: ET.Element, name: str) -> ET.Element | None:
    """The first child called ``name`` (any namespace: tools disagree on it)."""
    return next((c for c in el if _local(c.tag) == name), None)


def children(el: ET.Element | None, name: str) -> list[ET.Element]:
    """Every child called ``name`` (any namespace)."""
    return [] if el is None else [c for c in el if _local(c.tag) == name]


def to_bytes(root: ET.Element, ns: str) -> bytes:
    """Serialise with the REFI namespace as the default one, UTF-8, indented, stable."""
    ET.register_namespace("", ns)
    ET.indent(root, space="  ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def validate(xml: bytes, schema: str, what: str) -> None:
    """Check ``xml`` against ``Project.xsd`` or ``Codebook.xsd``.

    Raises:
        QualevalError: listing the first problems the schema finds (a bug here, not the user's).
    """
    from lxml import etree

    xsd = etree.XMLSchema(etree.parse(str(SCHEMAS / schema)))
    doc = etree.fromstring(xml)
    if not xsd.validate(doc):
        errs = "; ".join(f"line {e.line}: {e.message}" for e in list(xsd.error_log)[:5])
        raise QualevalError(f"{what}: not valid against the REFI-QDA {schema}: {errs}")


@dataclass(frozen=True)
class SourceLayout:
    """An exported source's text and where each turn's text starts in it."""

    text: str
    turns: tuple[tuple[int, int, int, str], ...]  # (turn_index, start, end, speaker_role)


def source_layout(turns: Iterable[tuple[int, str, str, str]]) -> SourceLayout:
    """One interview's anonymised turns as a source: ``speaker: text`` paragraphs.

    Args:
        turns: ``(turn_index, speaker, speaker_role, text)`` in turn order.
    """
    parts: list[str] = []
    spans: list[tuple[int, int, int, str]] = []
    pos = 0
    for index, speaker, role, text in turns:
        head = f"{speaker}: "
        body = str(text)
        parts += [head, body, "\n\n"]
        start = pos + len(head)
        spans.append((int(index), start, start + len(body), str(role)))
        pos = start + len(body) + 2
    return SourceLayout("".join(parts), tuple(spans))


def layouts(turns: Any) -> dict[str, SourceLayout]:
    """Each interview's source layout (:func:`source_layout`), by interview id."""
    ordered = turns.sort_values(["interview_id", "turn_index"], kind="stable")
    out: dict[str, SourceLayout] = {}
    for iv, grp in ordered.groupby("interview_id", sort=True):
        rows = zip(grp["turn_index"], grp["speaker"], grp["speaker_role"], grp["text"])
        out[str(iv)] = source_layout(rows)
    return out


def turn_at(layout: SourceLayout, start: int, end: int) -> list[tuple[int, int, int, str]]:
    """The turns a selection ``[start, end)`` overlaps (by at least one character)."""
    return [t for t in layout.turns if start < t[2] and end > t[1]]


def slug(name: str) -> str:
    """An id part from a code's name: ``Sharing good practice`` -> ``sharing_good_practice``."""
    s = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return ("c_" + s if s[:1].isdigit() else s) or "code"


def unique_ids(wanted: Sequence[str]) -> list[str]:
    """``wanted`` ids with ``_2``, ``_3``... added to repeats."""
    seen: dict[str, int] = {}
    out = []
    for w in wanted:
        seen[w] = seen.get(w, 0) + 1
        out.append(w if seen[w] == 1 else f"{w}_{seen[w]}")
    return out
