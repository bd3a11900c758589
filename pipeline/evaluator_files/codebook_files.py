"""The codebook in and out of the files evaluators keep: REFI-QDA ``.qdc``, Word and Excel tables.

In: :func:`import_codebook` reads a ``.qdc`` (NVivo, MAXQDA, ATLAS.ti, QualCoder), a ``.docx``
table or an ``.xlsx`` sheet and writes the codebook YAML, validated by
:func:`pipeline.codebook.parse_codebook`: every problem is reported at once, naming the file
and, for a table, the row and column (``codebook.docx: table 1, row 4 (code x), column
'parent': unknown parent ...``), and what to do.

Out: :func:`export_codebook` writes the YAML codebook as ``.qdc`` (codes, hierarchy,
definitions as descriptions, colours; the fields REFI has no place for in a ``[qualeval]``
block of each description, see :mod:`pipeline.refi`), as a Word appendix (one table row per
code, landscape) or as an Excel sheet. The Word and Excel files are the same table the
importer reads, so they round-trip. What a ``.qdc`` cannot carry at all (the codebook's
``uncoded`` examples, ``name`` and ``version``) is reported as dropped.

Table columns (header row, any order, any case): ``code`` (an id such as
``benefit.sharing_practice``, or a name: its id is made from it and its parent's), ``definition``
(required), then optional ``parent`` (another row's code), ``label``, ``include``, ``exclude``,
``examples``, ``keywords`` (one item per line in the cell), ``memo``, ``colour``, ``patterns``
(one JSON token pattern per line). A second table or sheet headed ``uncoded`` lists the
codebook's uncoded examples, one per row.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import yaml

from pipeline import refi
from pipeline.codebook import Codebook, load_codebook, parse_codebook
from pipeline.errors import QualevalError
from pipeline.io import normalise_zip

log = logging.getLogger(__name__)

COLUMNS = (
    "code",
    "parent",
    "label",
    "definition",
    "include",
    "exclude",
    "examples",
    "keywords",
    "memo",
    "colour",
    "patterns",
    "audience",
)
LIST_COLUMNS = ("include", "exclude", "examples", "keywords", "patterns", "audience")
REQUIRED = ("code", "definition")
_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$")
_BULLET = re.compile("^\\s*(?:[\u2022\u00b7\u25aa\u2023\u25e6*\\-\u2013\u2014]\\s+|\\d+[.)]\\s+)")
_LOCATION = re.compile(r"^(?P<src>.*?): codes\[(?P<i>\d+)\](?: \([^)]*\))?(?P<rest>[.\[].*?)?: ")


@dataclass(frozen=True)
class Row:
    """One table row as written: where it is, and its cells by column."""

    where: str
    cells: dict[str, str]


# --- reading --------------------------------------------------------------------------------


def _items(text: str, column: str, where: str) -> list[Any]:
    lines = [_BULLET.sub("", line).strip() for line in str(text).splitlines()]
    lines = [line for line in lines if line]
    if column != "patterns":
        return lines
    out = []
    for k, line in enumerate(lines, start=1):
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            raise QualevalError(
                f"{where}, column 'patterns', line {k}: not JSON; write one token pattern per "
                'line, e.g. [{"LOWER": "peer"}, {"LOWER": "review"}]'
            ) from None
    return out


def _header(names: list[str], where: str) -> dict[str, int]:
    cols = {n.strip().lower(): j for j, n in enumerate(names) if n and n.strip()}
    unknown = [n for n in cols if n not in COLUMNS]
    if unknown:
        raise QualevalError(
            f"{where}: unknown column(s) {', '.join(repr(u) for u in unknown)}; use the columns "
            f"{', '.join(COLUMNS)} (only code and definition are required)"
        )
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise QualevalError(
            f"{where}: missing column(s) {', '.join(missing)}; the header row needs at least "
            "code and definition (then parent, include, exclude, examples as you use them)"
        )
    return cols


def _rows(grid: list[list[str]], where: str, row_name: str) -> tuple[list[Row], list[str]]:
    """Rows of a table whose first non-empty row is the header; the header's names."""
    start = next((r for r, row in enumerate(grid) if any(c.strip() for c in row)), None)
    if start is None:
        raise QualevalError(f"{where}: empty; write a header row (code, definition, ...) first")
    cols = _header(grid[start], where)
    rows = []
    for r in range(start + 1, len(grid)):
        cells = {c: (grid[r][j] if j < len(grid[r]) else "").strip() for c, j in cols.items()}
        if any(cells.values()):
            rows.append(Row(f"{where}, {row_name} {r + 1}", cells))
    return rows, list(cols)


def _humanise(code_id: str) -> str:
    last = code_id.rsplit(".", 1)[-1].replace("_", " ")
    return last[:1].upper() + last[1:]


def _raw_codes(rows: list[Row]) -> list[dict[str, Any]]:
    """The rows as YAML code entries: ids made from names, parents resolved to ids."""
    written = {row.cells["code"]: row for row in rows if row.cells["code"]}
    ids: dict[str, str] = {}

    def id_of(value: str, depth: int = 0) -> str:
        if value in ids:
            return ids[value]
        row = written.get(value)
        if _ID.match(value) or row is None or depth > len(rows):
            ids[value] = value
            return value
        parent = row.cells.get("parent", "")
        head = id_of(parent, depth + 1) + "." if parent else ""
        ids[value] = head + refi.slug(value)
        return ids[value]

    out = []
    for row in rows:
        c = row.cells
        entry: dict[str, Any] = {"id": id_of(c["code"]) if c["code"] else ""}
        named = c["code"] and not _ID.match(c["code"])
        entry["label"] = c.get("label") or (c["code"] if named else _humanise(c["code"]))
        entry["definition"] = c["definition"]
        if c.get("parent"):
            entry["parent"] = id_of(c["parent"])
        for col in LIST_COLUMNS:
            if c.get(col):
                entry[col] = _items(c[col], col, row.where)
        for col in ("memo", "colour"):
            if c.get(col):
                entry[col] = c[col]
        out.append(entry)
    return out


_FIELD_COLUMN = {"id": "code", "examples": "examples", "patterns": "patterns"}


def relocate(message: str, source: str, where: list[str], table: bool) -> str:
    """Rewrite the YAML loader's ``codes[i] (id).field[k]`` as the row (or code) and column."""
    lines = []
    for line in message.splitlines():
        m = _LOCATION.match(line)
        if not m or m.group("src") != source or int(m.group("i")) >= len(where):
            lines.append(line)
            continue
        rest = (m.group("rest") or "").lstrip(".")
        field, _, item = rest.partition("[")
        head = where[int(m.group("i"))]
        if table and field:
            col = _FIELD_COLUMN.get(field, field)
            head += f", column '{col}'"
            if item and col in LIST_COLUMNS:
                head += f", line {int(item.split(']')[0]) + 1}"
        elif field:
            head += f", {rest}"
        lines.append(f"{head}: {line[m.end() :]}")
    return "\n".join(lines)


def _validated(raw: dict[str, Any], source: str, where: list[str], table: bool) -> Codebook:
    try:
        return parse_codebook(raw, source)
    except QualevalError as exc:
        raise QualevalError(relocate(str(exc), source, where, table)) from None


def _docx_grids(path: Path) -> list[list[list[str]]]:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception:  # python-docx raises several types for a damaged or non-Word file
        raise QualevalError(f"{path}: not a readable Word file; save it as .docx") from None
    return [[[cell.text for cell in row.cells] for row in t.rows] for t in document.tables]


def _xlsx_grids(path: Path) -> dict[str, list[list[str]]]:
    from pipeline.evaluator_files.cells import as_text, open_workbook

    wb = open_workbook(path)
    try:
        return {
            ws.title: [[as_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            for ws in wb.worksheets
        }
    finally:
        wb.close()


def _is_uncoded(grid: list[list[str]]) -> bool:
    first = next((row for row in grid if any(c.strip() for c in row)), [])
    return [c.strip().lower() for c in first if c.strip()] == ["uncoded"]


def _uncoded(grid: list[list[str]]) -> list[str]:
    rows = [row[0].strip() for row in grid if row and row[0].strip()]
    return rows[1:]


def read_table(path: Path) -> Codebook:
    """A codebook from a Word table or an Excel sheet (see the module doc for the columns).

    Raises:
        QualevalError: naming the file, the table or sheet, the row and the column, and the fix.
    """
    path = Path(path)
    if not path.is_file():
        raise QualevalError(f"{path}: codebook table not found")
    if path.suffix.lower() == ".docx":
        grids = {f"table {k}": g for k, g in enumerate(_docx_grids(path), start=1)}
    else:
        grids = {f"sheet {t!r}": g for t, g in _xlsx_grids(path).items()}
    uncoded = [x for g in grids.values() if _is_uncoded(g) for x in _uncoded(g)]
    tables = [(name, g) for name, g in grids.items() if not _is_uncoded(g)]
    if not tables:
        raise QualevalError(
            f"{path}: no table; write the codebook as a table with a header row "
            "(code, parent, definition, include, exclude, examples)"
        )
    name, grid = tables[0]
    rows, _cols = _rows(grid, f"{path.name}: {name}", "row")
    if not rows:
        raise QualevalError(f"{path.name}: {name}: no codes under the header; add one per row")
    raw: dict[str, Any] = {"codes": _raw_codes(rows)}
    if uncoded:
        raw["uncoded"] = uncoded
    where = [f"{r.where} (code {r.cells['code'] or '?'})" for r in rows]
    return _validated(raw, path.name, where, table=True)


def read_qdc(path: Path) -> Codebook:
    """A codebook from a REFI-QDA ``.qdc`` file (or the codebook of a ``.qdpx`` project).

    Codes without a ``[qualeval]`` block get an id made from their name path
    (``Benefits/Sharing practice`` -> ``benefits.sharing_practice``) and their description
    as the definition; a child code still needs material to code from (include criteria,
    examples or keywords), which the validation names code by code.

    Raises:
        QualevalError: naming the file and code, and the fix.
    """
    path = Path(path)
    if not path.is_file():
        raise QualevalError(f"{path}: codebook not found")
    if path.suffix.lower() == ".qdpx":
        from pipeline.evaluator_files.qdpx import read_project

        codes = read_project(path).codes
    else:
        try:
            root = ET.fromstring(path.read_bytes())
        except ET.ParseError as exc:
            raise QualevalError(f"{path}: not valid XML ({exc}); export it again") from None
        codes = refi.codes_from_xml(refi.child(root, "Codes"))
    if not codes:
        raise QualevalError(f"{path}: no codes; is it a REFI-QDA codebook (.qdc)?")
    raw = _qdc_raw(codes, path.name)
    where = [f"{path.name}: code {' > '.join(c.path)!r}" for c in codes]
    return _validated(raw, path.name, where, table=False)


def _qdc_raw(codes: list[refi.RefiCode], source: str) -> dict[str, Any]:
    ids: dict[str, str] = {}
    entries = []
    for code in codes:
        try:
            definition, extra = refi.parse_description(code.description)
        except QualevalError as exc:
            raise QualevalError(f"{source}: code {' > '.join(code.path)!r}: {exc}") from None
        parent = ids.get(code.parent_guid or "")
        made = (parent + "." if parent else "") + refi.slug(code.name)
        ids[code.guid] = extra.pop("id", None) or made
        entry: dict[str, Any] = {"id": ids[code.guid], "label": code.name or ids[code.guid]}
        entry["definition"] = definition
        if parent:
            entry["parent"] = parent
        colour = (code.colour or "").upper()
        if re.fullmatch(r"#[0-9A-F]{3}", colour):
            colour = "#" + "".join(ch * 2 for ch in colour[1:])
        if colour:
            entry["colour"] = colour
        entries.append({**entry, **extra})
    return {"codes": entries}


# --- writing --------------------------------------------------------------------------------


def qdc_bytes(book: Codebook) -> bytes:
    """The codebook as a REFI-QDA ``.qdc`` document, checked against ``Codebook.xsd``."""
    ns = refi.CODEBOOK_NS
    root = ET.Element(f"{{{ns}}}CodeBook", {"origin": refi.ORIGIN})
    root.append(refi.code_elements(book, ns))
    data = refi.to_bytes(root, ns)
    refi.validate(data, "Codebook.xsd", "the exported codebook")
    return data


def dropped_by(book: Codebook, suffix: str) -> list[str]:
    """What a format cannot carry of this codebook (kept nowhere; YAML carries everything).

    A ``.qdc`` has no place for the uncoded examples, the name or the version; a Word or
    Excel table keeps the uncoded examples (their own table or sheet), not the name or version.
    """
    if suffix == ".yaml":
        return []
    out = [f"{len(book.uncoded)} uncoded example(s)"] if book.uncoded and suffix == ".qdc" else []
    out += [f"{k} ({getattr(book, k)!r})" for k in ("name", "version") if getattr(book, k)]
    return out


def table_rows(book: Codebook) -> list[list[str]]:
    """The codebook as table rows under :data:`COLUMNS` (lists one item per line)."""
    rows = []
    for c in book.codes:
        cells = {
            "code": c.id,
            "parent": c.parent or "",
            "label": c.label,
            "definition": c.definition,
            "memo": c.memo or "",
            "colour": c.colour or "",
            "patterns": "\n".join(json.dumps(p, sort_keys=True) for p in c.patterns),
        }
        for col in ("include", "exclude", "examples", "keywords", "audience"):
            cells[col] = "\n".join(getattr(c, col))
        rows.append([cells[col] for col in COLUMNS])
    return rows


def write_xlsx(book: Codebook, path: Path) -> None:
    """The codebook as an Excel sheet ``codebook`` (and ``uncoded``), reproducible bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "codebook"
    ws.append(list(COLUMNS))
    for row in table_rows(book):
        ws.append(row)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = {"definition": 60, "include": 45, "exclude": 45, "examples": 50}
    for j, col in enumerate(COLUMNS):
        ws.column_dimensions[ws.cell(1, j + 1).column_letter].width = widths.get(col, 20)
    ws.freeze_panes = "B2"
    if book.uncoded:
        extra = wb.create_sheet("uncoded")
        extra.append(["uncoded"])
        for text in book.uncoded:
            extra.append([text])
    wb.properties.creator = refi.ORIGIN
    wb.save(path)
    normalise_zip(path)


def write_docx(book: Codebook, path: Path) -> None:
    """The codebook as a Word appendix: a landscape table, one row per code (re-readable)."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.add_heading(f"Codebook{': ' + book.name if book.name else ''}", level=1)
    intro = f"Version {book.version}. " if book.version else ""
    document.add_paragraph(
        intro + f"{len(book.codes)} codes, {len(book.leaves())} of them applied to passages. "
        "One row per code; include, exclude, examples and keywords one per line. "
        "qualeval reads this table back (qualeval codebook-import)."
    )
    _docx_table(document, list(COLUMNS), table_rows(book), Pt(8))
    if book.uncoded:
        document.add_heading("Answers that carry no code", level=2)
        _docx_table(document, ["uncoded"], [[t] for t in book.uncoded], Pt(8))
    document.core_properties.author = refi.ORIGIN
    document.save(str(path))
    normalise_zip(path)


def _docx_table(document: Any, header: list[str], rows: list[list[str]], size: Any) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for j, name in enumerate(header):
        run = table.rows[0].cells[j].paragraphs[0].add_run(name)
        run.bold = True
    for values in rows:
        cells = table.add_row().cells
        for j, value in enumerate(values):
            cells[j].text = value
    for row in table.rows:
        for cell in row.cells:
            for para in cell.paragraphs:
                for run in para.runs:
                    run.font.size = size


def yaml_text(book: Codebook) -> str:
    """The codebook as YAML in the loader's own form (defaults left out)."""
    data = book.model_dump(exclude_defaults=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


# --- the commands ---------------------------------------------------------------------------

IMPORTERS = {".qdc": read_qdc, ".qdpx": read_qdc, ".docx": read_table, ".xlsx": read_table}
EXPORTS = (".qdc", ".docx", ".xlsx", ".yaml")


def import_codebook(source: Path, out: Path) -> Codebook:
    """Read a ``.qdc``/``.qdpx``/``.docx``/``.xlsx`` codebook, validate it, write the YAML.

    Raises:
        QualevalError: for an unknown format or any problem in the file (all listed).
    """
    source = Path(source)
    reader = IMPORTERS.get(source.suffix.lower())
    if reader is None:
        raise QualevalError(
            f"{source}: unknown codebook format {source.suffix or '(none)'!r}; use a REFI-QDA "
            ".qdc or .qdpx, a Word .docx table or an Excel .xlsx sheet"
        )
    book = reader(source)
    Path(out).write_text(yaml_text(book), encoding="utf-8")
    log.info("%s: %d codes -> %s", source.name, len(book.codes), out)
    return book


def export_codebook(codebook: Path, out: Path) -> list[str]:
    """Write the YAML codebook as ``.qdc``, ``.docx``, ``.xlsx`` (or ``.yaml``).

    Returns:
        What the format could not carry (:func:`dropped_by`; also logged as warnings).
    """
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in EXPORTS:
        raise QualevalError(
            f"{out}: unknown format {suffix or '(none)'!r}; write .qdc, .docx, .xlsx or .yaml"
        )
    book = load_codebook(codebook)
    if suffix == ".qdc":
        out.write_bytes(qdc_bytes(book))
    elif suffix == ".xlsx":
        write_xlsx(book, out)
    elif suffix == ".docx":
        write_docx(book, out)
    else:
        out.write_text(yaml_text(book), encoding="utf-8")
    dropped = dropped_by(book, suffix)
    for what in dropped:
        log.warning("%s: no place for the codebook's %s: not carried", out.name, what)
    log.info("%s: %d codes -> %s", Path(codebook).name, len(book.codes), out)
    return dropped
