"""Ingest stage: transcripts (.txt/.md, .docx, .vtt, .srt) + a metadata sheet -> speaker turns.

The pure part (:func:`parse_transcript`, :func:`validate_metadata`, :func:`ingest`) works on
bytes and DataFrames; :func:`main` does the file I/O. Outputs are raw-derived (they still
carry names) and belong in the private area. The tables are described in
``docs/data-contracts.md``; the error policy in ``docs/adr/0003-ingest-error-policy.md``.
"""

from __future__ import annotations

import codecs
import fnmatch
import io
import logging
import re
import time
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import typer
from tqdm import tqdm

from pipeline.errors import QualevalError
from pipeline.io import atomic_files, write_json
from pipeline.params import IngestParams, load_params

log = logging.getLogger(__name__)

INTERVIEWER, RESPONDENT, OTHER = "interviewer", "respondent", "other"
NAME_COLUMN_ROLES = {
    "interviewer": INTERVIEWER,
    "interviewee": RESPONDENT,
    "respondent": RESPONDENT,
}

TURN_SCHEMA = pa.schema(
    [
        ("interview_id", pa.string()),
        ("turn_index", pa.int32()),
        ("speaker_label", pa.string()),
        ("speaker_role", pa.string()),
        ("role_rule", pa.string()),
        ("text", pa.string()),
        ("n_words", pa.int32()),
        ("source_file", pa.string()),
        ("source_unit", pa.string()),
        ("source_start", pa.int32()),
        ("source_end", pa.int32()),
        ("start_s", pa.float64()),
        ("end_s", pa.float64()),
    ]
)
PREAMBLE_SCHEMA = pa.schema(
    [
        ("interview_id", pa.string()),
        ("text", pa.string()),
        ("source_file", pa.string()),
        ("source_unit", pa.string()),
        ("source_start", pa.int32()),
        ("source_end", pa.int32()),
    ]
)
REJECT_COLUMNS = ["file", "interview_id", "reason", "message"]

# ----------------------------------------------------------------------------- parsing

_TS = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_LABEL_LINE = re.compile(
    rf"^\s*(?:[\[(]?(?P<ts>{_TS})[\])]?\s*[-\u2013]?\s*)?"
    r"(?:\*\*|__)?(?P<label>[^\W\d_][\w'\u2019.\- ]{0,40}?)\s*(?:\*\*|__)?"
    rf"\s*(?:[\[(](?P<ts2>{_TS})[\])])?\s*"
    r":(?:\*\*|__)?(?:\s+|$)(?P<rest>.*)$"
)
_TS_ONLY = re.compile(rf"^\s*[\[(]?(?P<ts>{_TS})[\])]?\s*[-\u2013]?\s*(?P<rest>.*)$")
_WORD = re.compile(r"\S+")


class Rejected(Exception):
    """A transcript that cannot be ingested; recorded in the rejects table."""

    def __init__(self, reason: str, message: str) -> None:
        """Keep a short machine-readable reason and a human message."""
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class Line:
    """One unit of a source: a text line, a docx paragraph or a subtitle cue."""

    no: int
    text: str
    label: str | None = None  # a speaker given by markup (voice tag, bold run)
    start: float | None = None
    end: float | None = None


@dataclass
class _Seg:
    key: str
    label: str
    paras: list[str]
    first: int
    last: int
    start: float | None
    end: float | None
    new_para: bool = False


@dataclass
class ParsedTranscript:
    """What one file yields before roles are assigned."""

    fmt: str
    unit: str
    encoding: str | None
    turns: list[_Seg]
    preamble: list[Line]
    warnings: list[str] = field(default_factory=list)


def _ts_seconds(value: str | None) -> float | None:
    if not value:
        return None
    parts = value.replace(",", ".").split(":")
    secs = 0.0
    for p in parts:
        secs = secs * 60 + float(p)
    return secs


def _label_shape_ok(label: str) -> bool:
    words = label.split()
    if not 1 <= len(words) <= 4 or len(label) > 40:
        return False
    if label.isupper():
        return True
    return all(w[0].isupper() or w[0].isdigit() for w in words)


def speaker_key(label: str) -> str:
    """Normalise a speaker label for comparison ("INTERVIEWER " == "Interviewer")."""
    return " ".join(label.replace("\u2019", "'").split()).strip(" .-").casefold()


def name_keys(names: Mapping[str, str] | Iterable[str]) -> dict[str, str]:
    """Speaker keys for people's names from metadata: full name and first name -> role.

    A plain iterable of names (no roles) maps each to ``other``; the first mapping wins.
    """
    items = names.items() if isinstance(names, Mapping) else ((n, OTHER) for n in names)
    out: dict[str, str] = {}
    for name, role in items:
        if name and name.strip():
            out.setdefault(speaker_key(name), role)
            out.setdefault(speaker_key(name.split()[0]), role)
    return out


def decode(data: bytes, fallback: str) -> tuple[str, str, str | None]:
    """Decode transcript bytes: BOM-marked UTF-8/16, UTF-8, else ``fallback`` with a warning.

    Raises:
        Rejected: for empty, binary or undecodable input.
    """
    if not data.strip():
        raise Rejected("empty", "the file is empty; remove it or export the transcript again")
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc, None
            except UnicodeDecodeError as exc:
                raise Rejected("undecodable", f"byte {exc.start}: not valid {enc}") from None
    if b"\x00" in data[:8192]:
        raise Rejected(
            "binary", "the file looks binary, not text; export it as .txt, .docx or .vtt"
        )
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        text = data.decode(fallback)
    except UnicodeDecodeError as exc:
        raise Rejected(
            "undecodable", f"byte {exc.start}: neither UTF-8 nor {fallback}; save the file as UTF-8"
        ) from None
    line = data[:first_bad].count(b"\n") + 1
    return (
        text,
        fallback,
        (
            f"not valid UTF-8 (first at line {line}); decoded as {fallback}: check accented "
            "characters and consider saving as UTF-8"
        ),
    )


def lines_from_text(text: str) -> list[Line]:
    """Split plain text or Markdown into numbered lines (CRLF and CR handled)."""
    return [Line(i, ln) for i, ln in enumerate(text.splitlines(), start=1)]


def lines_from_docx(data: bytes) -> list[Line]:
    """Paragraphs of a .docx; a bold run at the start ending in ':' is a speaker label.

    Raises:
        Rejected: when the file is not a readable Word document.
    """
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        doc = Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise Rejected(
            "unreadable_docx",
            f"not a readable Word .docx ({type(exc).__name__}); open and re-save it in Word, "
            "or export it as .txt",
        ) from None
    out: list[Line] = []
    for no, para in enumerate(doc.paragraphs, start=1):
        text = para.text
        label = None
        bold = ""
        for run in para.runs:
            if not run.text.strip() and not bold:
                continue
            if run.bold:
                bold += run.text
            else:
                break
        bold_stripped = bold.strip()
        if bold_stripped.endswith(":") or (
            bold_stripped and text[len(bold) :].lstrip().startswith(":")
        ):
            cand = bold_stripped.rstrip(":").strip()
            if _label_shape_ok(cand):
                label = cand
                text = text[len(bold) :].lstrip().removeprefix(":").lstrip()
        out.append(Line(no, text, label))
    return out


def lines_from_vtt(text: str) -> list[Line]:
    """Cues of a WebVTT file (Teams/Zoom style); ``<v Name>`` voice tags give the speaker.

    Raises:
        Rejected: for a missing header or malformed cue timings (with the line number).
    """
    import webvtt
    from webvtt.errors import MalformedCaptionError, MalformedFileError

    raw = text.splitlines()
    if not raw or not raw[0].lstrip("\ufeff").startswith("WEBVTT"):
        raise Rejected("malformed_vtt", "line 1: a WebVTT file must start with 'WEBVTT'")
    timing = re.compile(
        r"^\s*(?:\d+:)?\d{2}:\d{2}\.\d{3}\s+-->\s+(?:\d+:)?\d{2}:\d{2}\.\d{3}(?:\s+.*)?$"
    )
    timing_lines = []
    for i, ln in enumerate(raw, start=1):
        if "-->" in ln:
            if not timing.match(ln):
                raise Rejected(
                    "malformed_vtt",
                    f"line {i}: malformed cue timing; expected 'HH:MM:SS.mmm --> HH:MM:SS.mmm'",
                )
            timing_lines.append(i)
    try:
        captions = webvtt.from_buffer(io.StringIO(text))
    except (MalformedFileError, MalformedCaptionError) as exc:
        raise Rejected("malformed_vtt", f"not valid WebVTT ({exc}); re-export the file") from None
    if len(captions) != len(timing_lines):
        raise Rejected(
            "malformed_vtt",
            "cue blocks could not be read consistently; check blank lines between cues",
        )
    out = []
    for cap, line_no in zip(captions, timing_lines):
        body = " ".join(cap.text.split())
        out.append(
            Line(
                line_no,
                body,
                cap.voice.strip() if cap.voice else None,
                cap.start_time.in_milliseconds() / 1000,
                cap.end_time.in_milliseconds() / 1000,
            )
        )
    return out


def lines_from_srt(text: str) -> list[Line]:
    """Subtitles of an .srt file; speakers come from ``Name:`` prefixes in the cue text.

    Raises:
        Rejected: for malformed subtitles (with the line number where known).
    """
    import srt

    try:
        subs = list(srt.parse(text))
    except srt.SRTParseError as exc:
        line = text[: exc.expected_start].count("\n") + 1
        raise Rejected(
            "malformed_srt",
            f"line {line}: malformed subtitle block; "
            "expected index, 'HH:MM:SS,mmm --> HH:MM:SS,mmm', text",
        ) from None
    if not subs:
        raise Rejected("malformed_srt", "no subtitle blocks found")
    return [
        Line(
            s.index,
            " ".join(s.content.split()),
            None,
            s.start.total_seconds(),
            s.end.total_seconds(),
        )
        for s in subs
    ]


def _match_label(line: Line) -> tuple[str, str, float | None] | None:
    """Return (label, rest, timestamp) if the line starts with a label-shaped prefix."""
    m = _LABEL_LINE.match(line.text)
    if not m:
        return None
    label = m.group("label").strip()
    if not _label_shape_ok(label):
        return None
    return label, m.group("rest"), _ts_seconds(m.group("ts") or m.group("ts2"))


def _accepted_labels(lines: list[Line], params: IngestParams, known: set[str]) -> set[str]:
    """Decide which label-shaped prefixes really are speakers (keys)."""
    counts: Counter[str] = Counter()
    stamped: set[str] = set()
    for line in lines:
        if line.label:
            continue
        hit = _match_label(line)
        if hit:
            key = speaker_key(hit[0])
            counts[key] += 1
            if hit[2] is not None:
                stamped.add(key)
    ok = set()
    for key, n in counts.items():
        if (
            n >= params.min_label_repeats
            or key in known
            or key in stamped
            or params.speaker_patterns.role_of(key) is not None
        ):
            ok.add(key)
    return ok


def _segments(
    lines: list[Line], unit: str, params: IngestParams, known: set[str]
) -> tuple[list[Line], list[_Seg]]:
    accepted = _accepted_labels(lines, params, known)
    preamble: list[Line] = []
    segs: list[_Seg] = []
    cur: _Seg | None = None
    for line in lines:
        text = line.text
        label = line.label
        start = line.start
        if label is None:
            hit = _match_label(line)
            if hit and speaker_key(hit[0]) in accepted:
                label, text, ts = hit
                start = ts if ts is not None else start
            else:
                ts_only = _TS_ONLY.match(text)
                if ts_only:  # "[00:03:15] more words": a timestamped continuation
                    text = ts_only.group("rest")
                    start = _ts_seconds(ts_only.group("ts")) if start is None else start
        text = text.strip()
        if label is not None:
            cur = _Seg(
                speaker_key(label),
                " ".join(label.split()),
                [],
                line.no,
                line.no,
                start,
                line.end if line.end is not None else start,
            )
            segs.append(cur)
            if text:
                cur.paras.append(text)
            cur.new_para = unit == "paragraph"
            continue
        if cur is None:
            if text:
                preamble.append(line)
            continue
        if not text:
            cur.new_para = True
            continue
        if not cur.paras or cur.new_para:
            cur.paras.append(text)
        else:
            cur.paras[-1] += " " + text
        # a docx paragraph is a paragraph; text lines wrap until a blank line
        cur.new_para = unit == "paragraph"
        cur.last = line.no
        if line.end is not None:
            cur.end = line.end
    return preamble, segs


def _merge(segs: list[_Seg], unit: str) -> list[_Seg]:
    """Merge consecutive segments by one speaker into turns; drop labels with no words."""
    turns: list[_Seg] = []
    for s in segs:
        if not s.paras:
            continue
        if turns and turns[-1].key == s.key:
            t = turns[-1]
            if unit == "cue":
                t.paras[-1] = " ".join([t.paras[-1], *s.paras])
            else:
                t.paras.extend(s.paras)
            t.last = s.last
            t.end = s.end if s.end is not None else t.end
        else:
            turns.append(s)
    return turns


def parse_transcript(
    name: str, data: bytes, params: IngestParams, known_names: Iterable[str] = ()
) -> ParsedTranscript:
    """Parse one transcript's bytes into speaker segments, merged into turns.

    Args:
        name: file name (its extension selects the parser).
        data: the file's bytes.
        params: ingest parameters.
        known_names: people's names from metadata; labels equal to one (or its first name)
            are accepted as speakers even when they occur once.

    Raises:
        Rejected: when the file cannot be parsed; the message says why and what to do.
    """
    ext = Path(name).suffix.lower()
    if ext not in params.extensions:
        raise Rejected(
            "unknown_extension",
            f"unsupported file type {ext or '(none)'}; supported: {', '.join(params.extensions)}",
        )
    known = set(name_keys(known_names))
    encoding = None
    warnings: list[str] = []
    if ext == ".docx":
        if not data:
            raise Rejected("empty", "the file is empty; remove it or export the transcript again")
        lines, unit, fmt = lines_from_docx(data), "paragraph", "docx"
    else:
        text, encoding, warn = decode(data, params.fallback_encoding)
        if warn:
            warnings.append(warn)
        if ext == ".vtt":
            lines, unit, fmt = lines_from_vtt(text), "cue", "vtt"
        elif ext == ".srt":
            lines, unit, fmt = lines_from_srt(text), "cue", "srt"
        else:
            lines, unit, fmt = lines_from_text(text), "line", ext.lstrip(".")
    if not any(line.text.strip() for line in lines):
        raise Rejected("empty", "the file has no text; remove it or export the transcript again")
    preamble, segs = _segments(lines, unit, params, known)
    turns = _merge(segs, unit)
    if not turns:
        raise Rejected(
            "no_speaker_labels",
            "no speaker labels found; start each turn with a label such as 'Interviewer:' / "
            "'Respondent:' (or add the label pattern to params.yaml ingest.speaker_patterns)",
        )
    return ParsedTranscript(fmt, unit, encoding, turns, preamble, warnings)


# ----------------------------------------------------------------------------- roles


def assign_roles(
    turns: list[_Seg], params: IngestParams, names: dict[str, str]
) -> dict[str, tuple[str, str]]:
    """Map each speaker key to (role, rule): metadata names, then label patterns, then heuristic.

    Args:
        turns: merged turns of one transcript.
        params: ingest parameters (label patterns, ``other_share``).
        names: metadata person names -> role.

    Returns:
        ``{speaker_key: (role, rule)}`` with rule ``metadata``, ``pattern`` or ``heuristic``.
    """
    keys = list(dict.fromkeys(t.key for t in turns))
    by_name = name_keys(names)
    out: dict[str, tuple[str, str]] = {}
    for key in keys:
        if key in by_name:
            out[key] = (by_name[key], "metadata")
        elif (role := params.speaker_patterns.role_of(key)) is not None:
            out[key] = (role, "pattern")
    rest = [k for k in keys if k not in out]
    if not rest:
        return out
    words = Counter()
    questions = Counter()
    nturns = Counter()
    for t in turns:
        words[t.key] += sum(len(_WORD.findall(p)) for p in t.paras)
        nturns[t.key] += 1
        questions[t.key] += any(p.rstrip().endswith("?") for p in t.paras)
    if not any(r == INTERVIEWER for r, _ in out.values()):
        q_share = {k: questions[k] / nturns[k] for k in rest}
        best = max(rest, key=lambda k: (q_share[k], -keys.index(k)))
        if q_share[best] == 0:
            best = rest[0]
        out[best] = (INTERVIEWER, "heuristic")
        rest.remove(best)
    side = sum(words[k] for k in keys if out.get(k, ("", ""))[0] != INTERVIEWER)
    for k in rest:
        share = words[k] / side if side else 0.0
        out[k] = (RESPONDENT if share >= params.other_share else OTHER, "heuristic")
    return out


# ----------------------------------------------------------------------------- metadata


def read_metadata(path: Path) -> pd.DataFrame:
    """Read the metadata sheet (.csv, UTF-8 or Windows-1252; or .xlsx) as strings.

    Raises:
        QualevalError: when the file is missing or unreadable.
    """
    path = Path(path)
    if not path.is_file():
        raise QualevalError(f"{path}: metadata file not found; set data.metadata in params.yaml")
    try:
        if path.suffix.lower() in {".xlsx", ".xls"}:
            df = pd.read_excel(path, dtype=str).fillna("")
        else:
            try:
                df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            except UnicodeDecodeError:
                df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise QualevalError(
            f"{path}: cannot read the metadata sheet ({first}); "
            "save it as a comma-separated CSV with a header row"
        ) from None
    return df


def validate_metadata(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Check the metadata table; return it with stripped strings.

    Raises:
        QualevalError: naming the file, line and column, for missing columns, blank
            ids or files, duplicate ids or files, and unparseable dates.
    """
    df = df.copy()
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in ("interview_id", "file") if c not in df.columns]
    if missing:
        raise QualevalError(
            f"{source}: missing column(s) {', '.join(missing)}; the header must "
            "include interview_id and file"
        )
    for c in df.columns:
        df[c] = df[c].astype(str).str.strip()
    problems = []
    for col in ("interview_id", "file"):
        for i in df.index[df[col] == ""]:
            problems.append(f"{source}: line {i + 2}: {col} is empty; fill it in or delete the row")
    for col in ("interview_id", "file"):
        dup = df[df[col].duplicated(keep=False) & (df[col] != "")]
        for value, grp in dup.groupby(col, sort=True):
            lines = ", ".join(str(i + 2) for i in grp.index)
            problems.append(
                f"{source}: lines {lines}: duplicate {col} {value!r}; each interview "
                "needs its own id and file"
            )
    if "interview_date" in df.columns:
        for i, v in df["interview_date"].items():
            if v and pd.isna(pd.to_datetime(v, errors="coerce", format="ISO8601")):
                problems.append(
                    f"{source}: line {i + 2}: interview_date {v!r} is not a date; use YYYY-MM-DD"
                )
    if problems:
        raise QualevalError("\n".join(problems))
    return df


# ----------------------------------------------------------------------------- stage


@dataclass
class IngestResult:
    """Everything the stage produces, as DataFrames."""

    turns: pd.DataFrame
    preamble: pd.DataFrame
    interviews: pd.DataFrame
    rejects: pd.DataFrame
    warnings: list[str]

    def metrics(self) -> dict[str, int]:
        """Counts for ``outputs/metrics/ingest.json`` (no text, no names)."""
        t = self.turns
        resp = t[t["speaker_role"] == RESPONDENT]
        return {
            "interviews": int(self.interviews.shape[0]),
            "rejected_files": int(self.rejects.shape[0]),
            "turns": int(t.shape[0]),
            "respondent_turns": int(resp.shape[0]),
            "words": int(t["n_words"].sum()) if len(t) else 0,
            "respondent_words": int(resp["n_words"].sum()) if len(resp) else 0,
            "warnings": len(self.warnings),
        }


def _ignored(name: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def discover(
    transcripts_dir: Path, metadata: pd.DataFrame, params: IngestParams
) -> tuple[list[tuple[dict, Path]], list[dict]]:
    """Pair metadata rows with files; files and rows that do not pair become rejects."""
    if not transcripts_dir.is_dir():
        raise QualevalError(
            f"{transcripts_dir}: transcripts folder not found; "
            "set data.transcripts_dir in params.yaml"
        )
    on_disk = {
        p.relative_to(transcripts_dir).as_posix(): p
        for p in sorted(transcripts_dir.rglob("*"))
        if p.is_file()
        and not any(_ignored(part, params.ignore) for part in p.relative_to(transcripts_dir).parts)
    }
    pairs, rejects = [], []
    listed = set()
    for row in metadata.to_dict("records"):
        rel = Path(row["file"]).as_posix()
        listed.add(rel)
        if rel not in on_disk:
            rejects.append(
                {
                    "file": rel,
                    "interview_id": row["interview_id"],
                    "reason": "file_missing",
                    "message": f"listed in the metadata but not found in {transcripts_dir}; "
                    "fix the file name or add the transcript",
                }
            )
            continue
        pairs.append((row, on_disk[rel]))
    for rel in sorted(set(on_disk) - listed):
        ext = Path(rel).suffix.lower()
        if ext in params.extensions:
            reason, msg = (
                "no_metadata_row",
                (
                    "no metadata row names this file; add a row "
                    "(interview_id, file, role, region, ...)"
                ),
            )
        else:
            reason, msg = (
                "unknown_extension",
                (
                    f"unsupported file type {ext or '(none)'}; "
                    f"supported: {', '.join(params.extensions)}"
                ),
            )
        rejects.append({"file": rel, "interview_id": "", "reason": reason, "message": msg})
    return pairs, rejects


def ingest_one(
    row: dict, rel: str, data: bytes, params: IngestParams
) -> tuple[list[dict], list[dict], dict, list[str]]:
    """Parse one transcript into turn rows, preamble rows and an interview summary row."""
    names = {
        row.get(c, ""): NAME_COLUMN_ROLES.get(c, OTHER) for c in params.name_columns if row.get(c)
    }
    parsed = parse_transcript(rel, data, params, known_names=names)
    roles = assign_roles(parsed.turns, params, names)
    iid = row["interview_id"]
    turns = []
    for idx, seg in enumerate(parsed.turns):
        text = "\n\n".join(seg.paras)
        role, rule = roles[seg.key]
        turns.append(
            {
                "interview_id": iid,
                "turn_index": idx,
                "speaker_label": seg.label,
                "speaker_role": role,
                "role_rule": rule,
                "text": text,
                "n_words": len(_WORD.findall(text)),
                "source_file": rel,
                "source_unit": parsed.unit,
                "source_start": seg.first,
                "source_end": seg.last,
                "start_s": seg.start,
                "end_s": seg.end,
            }
        )
    pre = []
    if parsed.preamble:
        pre.append(
            {
                "interview_id": iid,
                "text": "\n".join(ln.text.strip() for ln in parsed.preamble),
                "source_file": rel,
                "source_unit": parsed.unit,
                "source_start": parsed.preamble[0].no,
                "source_end": parsed.preamble[-1].no,
            }
        )
    summary = {
        **row,
        "format": parsed.fmt,
        "encoding": parsed.encoding or "",
        "n_turns": len(turns),
        "n_respondent_turns": sum(t["speaker_role"] == RESPONDENT for t in turns),
        "n_words": sum(t["n_words"] for t in turns),
        "has_preamble": bool(pre),
        "n_speakers": len(roles),
    }
    return turns, pre, summary, parsed.warnings


def iter_ingest(
    transcripts_dir: Path, metadata: pd.DataFrame, params: IngestParams, progress: bool = False
) -> Iterator[tuple[str, object]]:
    """Stream ``("turns"|"preamble"|"interview"|"reject"|"warning", payload)`` per file.

    Streaming keeps memory flat for large corpora; :func:`ingest` collects it.
    """
    pairs, rejects = discover(Path(transcripts_dir), metadata, params)
    for rej in rejects:
        yield "reject", rej
    for row, path in tqdm(pairs, desc="ingest", unit="file", disable=not progress, leave=False):
        rel = path.relative_to(transcripts_dir).as_posix()
        try:
            data = path.read_bytes()
            turns, pre, summary, warns = ingest_one(row, rel, data, params)
        except Rejected as exc:
            yield (
                "reject",
                {
                    "file": rel,
                    "interview_id": row["interview_id"],
                    "reason": exc.reason,
                    "message": exc.message,
                },
            )
            continue
        except OSError as exc:
            yield (
                "reject",
                {
                    "file": rel,
                    "interview_id": row["interview_id"],
                    "reason": "unreadable",
                    "message": f"cannot read ({exc.strerror})",
                },
            )
            continue
        for w in warns:
            yield "warning", f"{rel}: {w}"
        yield "turns", turns
        if pre:
            yield "preamble", pre
        yield "interview", summary


def ingest(
    transcripts_dir: Path,
    metadata: pd.DataFrame,
    params: IngestParams,
    source: str = "metadata",
    progress: bool = False,
) -> IngestResult:
    """Run the stage in memory (for tests, notebooks and ``qualeval run``).

    Raises:
        QualevalError: for invalid metadata, a reject under ``strict``, or no usable transcript.
    """
    metadata = validate_metadata(metadata, source)
    turns, pre, interviews, rejects, warnings = [], [], [], [], []
    for kind, payload in iter_ingest(Path(transcripts_dir), metadata, params, progress):
        if kind == "reject":
            _handle_reject(payload, params)
            rejects.append(payload)
        elif kind == "warning":
            log.warning("%s", payload)
            warnings.append(payload)
        elif kind == "turns":
            turns.extend(payload)
        elif kind == "preamble":
            pre.extend(payload)
        else:
            interviews.append(payload)
    if not interviews:
        raise QualevalError(_nothing_ingested(rejects, transcripts_dir))
    return IngestResult(
        turns=pa.Table.from_pylist(turns, schema=TURN_SCHEMA).to_pandas(),
        preamble=pa.Table.from_pylist(pre, schema=PREAMBLE_SCHEMA).to_pandas(),
        interviews=pd.DataFrame(interviews),
        rejects=pd.DataFrame(rejects, columns=REJECT_COLUMNS),
        warnings=warnings,
    )


def _handle_reject(rej: dict, params: IngestParams) -> None:
    msg = f"{rej['file']}: {rej['message']} [{rej['reason']}]"
    if params.strict:
        raise QualevalError(
            msg + " (ingest.strict is true, so the run stops; "
            "set it to false to skip rejected files)"
        )
    log.warning("rejected %s", msg)


def _nothing_ingested(rejects: list[dict], where: Path) -> str:
    head = "; ".join(f"{r['file']}: {r['reason']}" for r in rejects[:10])
    more = f" (and {len(rejects) - 10} more)" if len(rejects) > 10 else ""
    return (
        f"{where}: no transcript could be ingested. {head}{more}. "
        "Check data.transcripts_dir and data.metadata in params.yaml"
    )


def write_outputs(
    result: IngestResult,
    turns_path: Path,
    preamble_path: Path,
    interviews_path: Path,
    rejects_path: Path,
    metrics_path: Path | None,
    row_group_size: int = 100_000,
) -> None:
    """Write every table all-or-nothing (temporary files renamed at the end)."""
    targets = {
        "turns_raw": turns_path,
        "preamble": preamble_path,
        "interviews_raw": interviews_path,
        "ingest_rejects": rejects_path,
    }
    if metrics_path is not None:
        targets["ingest_metrics"] = metrics_path
    with atomic_files(targets) as tmp:
        table = pa.Table.from_pandas(result.turns, schema=TURN_SCHEMA, preserve_index=False)
        pq.write_table(table, tmp["turns_raw"], row_group_size=row_group_size)
        pq.write_table(
            pa.Table.from_pandas(result.preamble, schema=PREAMBLE_SCHEMA, preserve_index=False),
            tmp["preamble"],
        )
        result.interviews.to_parquet(tmp["interviews_raw"], index=False)
        result.rejects.to_csv(tmp["ingest_rejects"], index=False, lineterminator="\n")
        if metrics_path is not None:
            write_json(tmp["ingest_metrics"], result.metrics())


def run_stage(
    params_path: Path | None,
    transcripts: Path,
    metadata_path: Path,
    turns: Path,
    preamble: Path,
    interviews: Path,
    rejects: Path,
    metrics: Path | None,
) -> IngestResult:
    """Load params and metadata, ingest, write outputs; shared by ``main`` and ``qualeval run``."""
    params = load_params(params_path)
    t0 = time.perf_counter()
    meta = read_metadata(metadata_path)
    result = ingest(transcripts, meta, params.ingest, source=str(metadata_path), progress=True)
    write_outputs(
        result, turns, preamble, interviews, rejects, metrics, params.ingest.row_group_size
    )
    m = result.metrics()
    log.info(
        "ingested %d interviews (%d turns, %d words), rejected %d file(s) in %.2f s",
        m["interviews"],
        m["turns"],
        m["words"],
        m["rejected_files"],
        time.perf_counter() - t0,
    )
    return result


def main(
    transcripts: Path = typer.Option(..., help="folder of transcripts"),
    metadata: Path = typer.Option(..., help="metadata sheet (.csv or .xlsx)"),
    turns: Path = typer.Option(..., help="output: turns table (.parquet, private)"),
    preamble: Path = typer.Option(..., help="output: preamble table (.parquet, private)"),
    interviews: Path = typer.Option(..., help="output: interviews table (.parquet, private)"),
    rejects: Path = typer.Option(..., help="output: rejected files (.csv, private)"),
    metrics: Path = typer.Option(None, help="output: counts as JSON (safe, DVC metrics)"),
    params: Path = typer.Option(Path("params.yaml"), help="parameters file"),
) -> None:
    """Parse transcripts into the turns table."""
    run_stage(params, transcripts, metadata, turns, preamble, interviews, rejects, metrics)


if __name__ == "__main__":
    from pipeline.entry import run_typer

    run_typer(main)
