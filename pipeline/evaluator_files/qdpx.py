"""Human coding from a REFI-QDA project (``.qdpx``) of NVivo, MAXQDA, ATLAS.ti or QualCoder.

Two cases, told apart per source:

* coded over qualeval's exported sources (``outputs/analysis/qualeval.qdpx`` opened, coded
  and exported again): the source's text is the one the export stage wrote for that
  interview, so each selection's positions map to turns *exactly* (the layout is rebuilt
  from the anonymised turns with :func:`pipeline.refi.source_layout`);
* coded over anything else, such as the original transcripts: the source is matched to an
  interview by its name (the interview id, or the transcript's file name, read from ingest's
  provenance in ``private/turns.parquet``) and each turn's text is found in the source's text,
  in order (whitespace-insensitive); a selection then maps to the turns it overlaps.

Codes map by GUID (codes exported by qualeval keep theirs), by the ``id:`` line of the
``[qualeval]`` description, then by name (the label, or the id). The machine's own codings
(created by the qualeval user) are left out unless asked for. Only respondent turns receive
human codes (they are the ones qualeval codes); everything that could not be mapped is listed
in the report with the reason, never dropped silently.
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET

import pandas as pd

from pipeline import refi
from pipeline.codebook import Codebook
from pipeline.errors import QualevalError

log = logging.getLogger(__name__)

REPORT_COLUMNS = ("source", "selection", "start", "end", "code", "problem")


@dataclass(frozen=True)
class Selection:
    """One coded text selection of a project: a source, a span, a code, who made it."""

    source: str
    guid: str
    start: int
    end: int
    code_guid: str
    user: str | None


@dataclass
class RefiProject:
    """What the importer needs of a project: its codes, text sources and coded selections."""

    codes: list[refi.RefiCode]
    sources: dict[str, tuple[str, str]]  # guid -> (name, plain text)
    selections: list[Selection]
    whole_source: list[tuple[str, str]] = field(default_factory=list)  # (source, code guid)
    users: dict[str, str] = field(default_factory=dict)
    origin: str = ""


def _parse(data: bytes, where: str) -> ET.Element:
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise QualevalError(
            f"{where}: not valid XML ({exc}); export the project again from your QDA software"
        ) from None


def _source_text(zf: zipfile.ZipFile, src: ET.Element, path: Path) -> str:
    inline = refi.child(src, "PlainTextContent")
    if inline is not None:
        return inline.text or ""
    ref = src.get("plainTextPath") or ""
    name = PurePosixPath(ref.split("://", 1)[-1]).name
    members = {PurePosixPath(m).name.lower(): m for m in zf.namelist()}
    member = members.get(name.lower())
    if not ref or member is None:
        raise QualevalError(
            f"{path}: source {src.get('name')!r}: its text ({ref or 'no plainTextPath'}) is not "
            "in the project; export it again with its sources included"
        )
    return zf.read(member).decode("utf-8-sig")


def read_project(path: Path) -> RefiProject:
    """Read a ``.qdpx`` file: codes, text sources (with their plain text) and selections.

    Raises:
        QualevalError: for a missing file, a file that is not a REFI-QDA project, bad XML.
    """
    path = Path(path)
    if not path.is_file():
        raise QualevalError(f"{path}: project not found; export a .qdpx from your QDA software")
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise QualevalError(f"{path}: not a .qdpx project (not a zip file)") from None
    with zf:
        qde = next((m for m in zf.namelist() if m.lower().endswith(".qde")), None)
        if qde is None:
            raise QualevalError(f"{path}: no project.qde inside; is it a REFI-QDA .qdpx export?")
        root = _parse(zf.read(qde), f"{path}: {qde}")
        book = refi.child(root, "CodeBook")
        codes = refi.codes_from_xml(refi.child(book, "Codes") if book is not None else None)
        users = {u.get("guid", ""): u.get("name", "") for u in _all(root, "User")}
        project = RefiProject(codes, {}, [], users=users, origin=root.get("origin", ""))
        for src in refi.children(refi.child(root, "Sources"), "TextSource"):
            sguid = src.get("guid", "")
            text = _source_text(zf, src, path)
            if "atlas" in project.origin.lower():  # counts a CRLF line end as one character
                text = text.replace("\r\n", "\n")
            project.sources[sguid] = (src.get("name", ""), text)
            _read_selections(src, sguid, project)
    return project


def _all(root: ET.Element, name: str) -> Iterator[ET.Element]:
    return (el for el in root.iter() if el.tag.rsplit("}", 1)[-1] == name)


def _read_selections(src: ET.Element, sguid: str, project: RefiProject) -> None:
    for coding in refi.children(src, "Coding"):
        ref = refi.child(coding, "CodeRef")
        project.whole_source.append((sguid, ref.get("targetGUID", "") if ref is not None else ""))
    for sel in refi.children(src, "PlainTextSelection"):
        start, end = int(sel.get("startPosition", "0")), int(sel.get("endPosition", "0"))
        for coding in refi.children(sel, "Coding"):
            ref = refi.child(coding, "CodeRef")
            user = coding.get("creatingUser") or sel.get("creatingUser")
            project.selections.append(
                Selection(
                    sguid,
                    sel.get("guid", ""),
                    min(start, end),
                    max(start, end),
                    ref.get("targetGUID", "") if ref is not None else "",
                    user,
                )
            )


def code_map(codes: list[refi.RefiCode], book: Codebook) -> dict[str, str]:
    """REFI code GUID -> codebook id, for every code that can be matched (see module doc)."""
    by_guid = {refi.guid("code", c.id): c.id for c in book.codes}
    ids = set(book.by_id())
    labels: dict[str, list[str]] = {}
    for c in book.codes:
        labels.setdefault(c.label.casefold(), []).append(c.id)
    out: dict[str, str] = {}
    for code in codes:
        if code.guid in by_guid:
            out[code.guid] = by_guid[code.guid]
            continue
        try:
            ext = refi.parse_description(code.description)[1].get("id")
        except QualevalError:
            ext = None
        by_label = labels.get(code.name.casefold(), [])
        if ext in ids:
            out[code.guid] = ext
        elif code.name in ids:
            out[code.guid] = code.name
        elif len(by_label) == 1:
            out[code.guid] = by_label[0]
    return out


_SPACE = re.compile(r"\s+")


def _squash(text: str) -> tuple[str, list[int]]:
    """``text`` with whitespace runs as one space, and each kept character's position."""
    out, pos = [], []
    for m in re.finditer(r"\S+|\s+", text):
        if m.group().isspace():
            if out and out[-1] != " ":
                out.append(" ")
                pos.append(m.start())
        else:
            out.extend(m.group())
            pos.extend(range(m.start(), m.end()))
    return "".join(out), pos


def align(text: str, turns: list[tuple[int, str, str]]) -> tuple[refi.SourceLayout, list[int]]:
    """Find each turn's text in a source's ``text``, in order (whitespace-insensitive).

    Args:
        text: the source's plain text (an original transcript as a QDA program shows it).
        turns: ``(turn_index, speaker_role, turn text)`` in turn order.

    Returns:
        The layout of the turns found, and the turn indices not found.
    """
    flat, pos = _squash(text)
    spans, lost, cursor = [], [], 0
    for index, role, body in turns:
        needle = _SPACE.sub(" ", str(body)).strip()
        if not needle:
            continue
        at = flat.find(needle, cursor)
        end = at + len(needle)
        if at < 0:  # split by timestamps or labels: its first and last words, in order
            head, tail = needle[:40], needle[-40:]
            at = flat.find(head, cursor)
            end = flat.find(tail, at + len(head) - len(tail)) + len(tail) if at >= 0 else -1
            if at < 0 or end < len(tail) or end - at > 3 * len(needle) + 200:
                lost.append(int(index))
                continue
        spans.append((int(index), pos[at], pos[end - 1] + 1, role))
        cursor = end
    return refi.SourceLayout(text, tuple(spans)), lost


@dataclass
class Imported:
    """Human codes mapped from a project, and what could not be mapped.

    Attributes:
        codings: one row per (selection, turn): ``interview_id``, ``turn_index``, ``code_id``,
            ``start``, ``end`` (offsets into the anonymised turn's text; for an original
            transcript, into the source), ``mode`` (``exact`` or ``aligned``).
        universe: the respondent turns of every interview with at least one mapped coding.
        report: ``REPORT_COLUMNS``, one row per thing left out, with the reason.
        sources: ``source name -> (interview id, mode)`` for every mapped source.
    """

    codings: pd.DataFrame
    universe: pd.DataFrame
    report: pd.DataFrame
    sources: dict[str, tuple[str, str]]


def _turn_rows(turns: pd.DataFrame, iv: str) -> list[tuple[int, str, str]]:
    grp = turns[turns["interview_id"] == iv].sort_values("turn_index", kind="stable")
    return list(zip(grp["turn_index"].astype(int), grp["speaker_role"], grp["text"]))


def _raw_names(raw: pd.DataFrame | None) -> dict[str, str]:
    """Transcript file name (and its stem), lower case -> interview id."""
    if raw is None or "source_file" not in raw:
        return {}
    out: dict[str, str] = {}
    for iv, f in raw[["interview_id", "source_file"]].drop_duplicates().itertuples(index=False):
        out[str(f).lower()] = str(iv)
        out[PurePosixPath(str(f)).stem.lower()] = str(iv)
    return out


def match_source(
    sguid: str, name: str, text: str, anon: dict[str, refi.SourceLayout], ctx: dict
) -> tuple[str, refi.SourceLayout, str] | str:
    """``(interview id, layout, mode)`` of a source, or the reason it matches no interview."""
    by_guid = {refi.guid("source", iv): iv for iv in anon}
    iv = by_guid.get(sguid) or (name if name in anon else None)
    if iv is not None and anon[iv].text == text:
        return iv, anon[iv], "exact"
    if iv is not None:
        layout, lost = align(text, _turn_rows(ctx["turns"], iv))
        if not lost:
            return iv, layout, "aligned"
    raw_iv = ctx["raw_names"].get(name.lower()) or ctx["raw_names"].get(
        PurePosixPath(name).stem.lower()
    )
    if raw_iv is not None and ctx["raw"] is not None:
        layout, lost = align(text, _turn_rows(ctx["raw"], raw_iv))
        if layout.turns:
            ctx["lost"] += [(name, raw_iv, t) for t in lost]
            return raw_iv, layout, "aligned"
    if iv is not None or raw_iv is not None:
        return (
            f"its text is neither qualeval's export of {iv or raw_iv} nor the transcript's turns "
            "in order; code over the exported sources, or pass --raw-turns"
        )
    return (
        "no interview of that name; name the source after the interview id or its transcript "
        "file (pass --raw-turns private/turns.parquet to map original transcripts)"
    )


def _keep(sel: Selection, project: RefiProject, machine: bool, coder: str | None) -> bool:
    if not machine and sel.user == refi.MACHINE_USER:
        return False
    if coder is None:
        return True
    return coder in (sel.user, project.users.get(sel.user or ""))


def _map_selections(
    project: RefiProject, codes: dict[str, str], found: dict, respondent: set, opts: dict
) -> tuple[list[tuple], list[tuple]]:
    """(coding rows, report rows) for every selection kept by ``opts``."""
    rows, report = [], []
    for sel in project.selections:
        if not _keep(sel, project, opts["machine"], opts["coder"]):
            continue
        name = project.sources[sel.source][0]
        where = (name, sel.guid, sel.start, sel.end)
        if sel.source not in found:
            continue  # the source itself is reported once
        code, problem = codes.get(sel.code_guid), None
        if code is None:
            code = opts["code_names"].get(sel.code_guid, sel.code_guid)
            problem = "code not in the codebook; add it to the codebook or recode"
        elif code not in opts["leaves"]:
            problem = "a parent code; qualeval codes with its sub-codes: recode with one of them"
        if problem:
            report.append((*where, code, problem))
            continue
        iv, layout, mode = found[sel.source]
        hits = [t for t in refi.turn_at(layout, sel.start, sel.end) if (iv, t[0]) in respondent]
        if not hits:
            report.append(
                (
                    *where,
                    code,
                    "covers no respondent turn (a question, a header or "
                    "a part of the transcript qualeval does not code)",
                )
            )
        for index, t_start, t_end, _role in hits:
            start, end = max(sel.start, t_start) - t_start, min(sel.end, t_end) - t_start
            rows.append((iv, index, code, start, end, mode))
    return rows, report


def _match_sources(
    project: RefiProject, turns: pd.DataFrame, raw_turns: pd.DataFrame | None
) -> tuple[dict, list[tuple]]:
    """Each source's ``(interview id, layout, mode)`` by GUID, and report rows for the rest."""
    anon = refi.layouts(turns)
    ctx = {"turns": turns, "raw": raw_turns, "raw_names": _raw_names(raw_turns), "lost": []}
    found, report = {}, []
    for sguid, (name, text) in sorted(project.sources.items(), key=lambda kv: kv[1][0]):
        got = match_source(sguid, name, text, anon, ctx)
        if isinstance(got, str):
            report.append((name, "", None, None, "", f"source not mapped: {got}"))
        else:
            found[sguid] = got
    report += [
        (n, "", None, None, "", f"turn {t} of {iv} not found in the source's text")
        for n, iv, t in ctx["lost"]
    ]
    return found, report


def import_project(
    path: Path,
    book: Codebook,
    turns: pd.DataFrame,
    raw_turns: pd.DataFrame | None = None,
    machine: bool = False,
    coder: str | None = None,
) -> Imported:
    """Map a project's coded selections to human codes per respondent turn.

    Args:
        path: the ``.qdpx`` file.
        book: the codebook the codes map to.
        turns: the anonymised turns (``interview_id``, ``turn_index``, ``speaker``,
            ``speaker_role``, ``text``).
        raw_turns: ingest's private turns (with ``source_file``), to map codings made over
            the original transcripts; None: only qualeval's exported sources map.
        machine: keep qualeval's own codings too (a round-trip check), not only people's.
        coder: keep only one coder's codings (the user's name or GUID in the project).
    """
    project = read_project(path)
    codes = code_map(project.codes, book)
    found, report = _match_sources(project, turns, raw_turns)
    resp = turns[turns["speaker_role"] == "respondent"]
    respondent = set(zip(resp["interview_id"].astype(str), resp["turn_index"].astype(int)))
    opts = {
        "machine": machine,
        "coder": coder,
        "code_names": {c.guid: c.name for c in project.codes},
        "leaves": {c.id for c in book.leaves()},
    }
    rows, more = _map_selections(project, codes, found, respondent, opts)
    report += more
    report += [
        (
            project.sources[s][0],
            "",
            None,
            None,
            g,
            "codes the whole source, not a passage: qualeval needs a passage to know the turn",
        )
        for s, g in project.whole_source
    ]
    return _result(rows, report, found, respondent)


def _result(rows: list[tuple], report: list[tuple], found: dict, respondent: set) -> Imported:
    cols = ["interview_id", "turn_index", "code_id", "start", "end", "mode"]
    codings = pd.DataFrame(sorted(set(rows)), columns=cols).astype(
        {"interview_id": str, "turn_index": "int64", "code_id": str}
    )
    coded = set(codings["interview_id"])
    universe = pd.DataFrame(
        sorted(t for t in respondent if t[0] in coded), columns=["interview_id", "turn_index"]
    ).astype({"interview_id": str, "turn_index": "int64"})
    rep = pd.DataFrame(report, columns=list(REPORT_COLUMNS))
    sources = {str(v[0]): (v[0], v[2]) for v in found.values()}
    return Imported(codings, universe, rep, sources)


def write_human_codes(imported: Imported, path: Path) -> None:
    """The human codes as JSONL (one line per turn of the universe; ``codes`` may be [])."""
    import json

    by_turn: dict[tuple[str, int], list[str]] = {}
    for iv, ti, code in imported.codings[["interview_id", "turn_index", "code_id"]].itertuples(
        index=False
    ):
        by_turn.setdefault((iv, int(ti)), []).append(code)
    lines = []
    for iv, ti in imported.universe.itertuples(index=False):
        codes = sorted(set(by_turn.get((iv, int(ti)), [])))
        lines.append(json.dumps({"interview_id": iv, "turn_index": int(ti), "codes": codes}))
    Path(path).write_text("\n".join(lines) + ("\n" if lines else ""), encoding="utf-8")


def run_import(
    project: Path,
    outputs: dict[str, Path | None],
    turns: tuple[Path, Path | None],
    codebook: Path,
    coder: str | None = None,
    machine: bool = False,
) -> Imported:
    """``qualeval import-qdpx``: read the tables, map the project, write codes and report.

    Args:
        project: the ``.qdpx``.
        outputs: ``out`` (the human codes JSONL) and ``report`` (CSV; None: beside ``out``,
            named ``<out stem>_unmapped.csv``).
        turns: the anonymised turns, and ingest's private turns (or None).
        codebook: the codebook YAML.
        coder: keep one coder's codings only.
        machine: keep qualeval's own codings too.
    """
    from pipeline.codebook import load_codebook
    from pipeline.io import read_stage_table

    if not Path(project).is_file():  # before the tables: the likelier mistake
        raise QualevalError(f"{project}: project not found; export a .qdpx from your QDA software")
    needs = ("interview_id", "turn_index", "speaker", "speaker_role", "text")
    anon = read_stage_table(turns[0], "anonymised turns", needs, "the anonymise stage")
    raw = None
    if turns[1] is not None:
        raw = read_stage_table(
            turns[1], "ingest's turns", (*needs[:2], *needs[3:], "source_file"), "the ingest stage"
        )
    imported = import_project(
        project, load_codebook(codebook), anon.astype({"interview_id": str}), raw, machine, coder
    )
    out = Path(outputs["out"])  # type: ignore[arg-type]
    report = outputs.get("report") or out.with_name(f"{out.stem}_unmapped.csv")
    write_human_codes(imported, out)
    imported.report.to_csv(report, index=False)
    modes = pd.Series([m for _, m in imported.sources.values()]).value_counts().to_dict()
    log.info(
        "%s: %d human code(s) on %d turn(s) of %d interview(s) (%s); %d thing(s) not mapped, "
        "listed in %s",
        Path(project).name,
        len(imported.codings[["interview_id", "turn_index", "code_id"]].drop_duplicates()),
        len(imported.universe),
        imported.universe["interview_id"].nunique(),
        ", ".join(f"{v} source(s) {k}" for k, v in sorted(modes.items())) or "no source mapped",
        len(imported.report),
        report,
    )
    return imported
