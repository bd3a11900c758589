"""Focus groups: the participants sheet (``data.participants``), one row per participant.

Columns ``interview_id`` and ``speaker`` (the label as written in the transcript, e.g.
``Respondent 2``, ``Speaker 3`` or a name), then any attributes (role, region, ...). A listed
speaker is a respondent (``role_rule`` ``metadata`` for a name, ``participants`` for a
generic label); an interview with two or more listed
participants is a focus group (``case_kind`` ``focus_group`` in the interviews table, with
``n_participants``). The participants table (private) keeps each participant's attributes
and what they said (``n_turns``, ``n_words``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.errors import QualevalError
from pipeline.ingest.labels import is_numbered_label, speaker_key
from pipeline.ingest.roles import RESPONDENT
from pipeline.metadata_sheet import read_sheet
from pipeline.params import IngestParams

REQUIRED = ("interview_id", "speaker")
COUNT_COLUMNS = ("interview_id", "speaker_label", "n_turns", "n_words")
FOCUS_GROUP, INTERVIEW = "focus_group", "interview"


def read_participants(path: Path, interview_ids: set[str]) -> pd.DataFrame:
    """Read and check the participants sheet.

    Raises:
        QualevalError: naming the file, line and column of every problem (missing columns,
            blank cells, a speaker listed twice, an interview the metadata does not list).
    """
    df, _ = read_sheet(Path(path), None, "participants sheet")
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise QualevalError(
            f"{path}: missing column(s) {', '.join(missing)}; the participants sheet needs "
            "interview_id, speaker (the label in the transcript), then attributes"
        )
    clash = sorted(set(df.columns) & {"speaker_label", "n_turns", "n_words"})
    if clash:
        raise QualevalError(f"{path}: column(s) {', '.join(clash)} are reserved; rename them")
    df = df.apply(lambda col: col.astype(str).str.strip())
    problems = []
    for col in REQUIRED:
        problems += [f"{path}: line {i + 2}: {col} is empty" for i in df.index[df[col] == ""]]
    keys = df["interview_id"] + "\0" + df["speaker"].map(speaker_key)
    for i in df.index[keys.duplicated() & (df["speaker"] != "")]:
        problems.append(f"{path}: line {i + 2}: speaker {df.at[i, 'speaker']!r} listed twice")
    for i in df.index[~df["interview_id"].isin(interview_ids) & (df["interview_id"] != "")]:
        problems.append(
            f"{path}: line {i + 2}: interview_id {df.at[i, 'interview_id']!r} is not in the "
            "metadata sheet"
        )
    if problems:
        raise QualevalError("\n".join(problems))
    return df


def participant_names(participants: pd.DataFrame | None, iid: str) -> dict[str, str]:
    """The listed speakers of one interview -> respondent (for role assignment)."""
    if participants is None:
        return {}
    mine = participants.loc[participants["interview_id"] == iid, "speaker"]
    return dict.fromkeys(mine, RESPONDENT)


def mark_generic_labels(turns: list[dict], names: dict[str, str], params: IngestParams) -> None:
    """Give sheet-listed generic labels (``Respondent 2``, ``Speaker 3``) the rule ``participants``.

    A listed name (``Helen Marsh``) keeps ``metadata``, so anonymise still treats it as a
    person's name; a generic label is not one (in place).
    """
    generic = {
        speaker_key(n)
        for n in names
        if params.speaker_patterns.role_of(speaker_key(n)) is not None or is_numbered_label(n)
    }
    for t in turns:
        if t["role_rule"] == "metadata" and speaker_key(t["speaker_label"]) in generic:
            t["role_rule"] = "participants"


def participant_rows(
    participants: pd.DataFrame | None, iid: str, turns: list[dict]
) -> tuple[list[dict], list[str]]:
    """Each listed participant of one interview with counts, and warnings for the unheard."""
    if participants is None:
        return [], []
    mine = participants[participants["interview_id"] == iid]
    rows, warnings = [], []
    for rec in mine.to_dict("records"):
        key = speaker_key(rec["speaker"])
        said = [t for t in turns if speaker_key(t["speaker_label"]) == key]
        if not said:
            warnings.append(f"participant {rec['speaker']!r} is listed but has no turn")
        attrs = {k: v for k, v in rec.items() if k not in REQUIRED}
        rows.append(
            {
                "interview_id": iid,
                "speaker_label": rec["speaker"],
                "n_turns": len(said),
                "n_words": sum(t["n_words"] for t in said),
                **attrs,
            }
        )
    return rows, warnings


def case_columns(n_listed: int) -> dict[str, object]:
    """``case_kind`` and ``n_participants`` of a transcript given its listed participants."""
    return {
        "case_kind": FOCUS_GROUP if n_listed >= 2 else INTERVIEW,
        "n_participants": n_listed,
    }


def participants_frame(rows: list[dict]) -> pd.DataFrame:
    """The participants table (the count columns first, even when empty)."""
    df = pd.DataFrame(rows)
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COUNT_COLUMNS}).astype(
            {"interview_id": str, "speaker_label": str, "n_turns": "int64", "n_words": "int64"}
        )
    return df
