"""The stage's tables: the turns, preamble, interviews and rejects rows and their schemas."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from pipeline import catalogue
from pipeline.ingest.parse import ParsedTranscript
from pipeline.ingest.roles import RESPONDENT
from pipeline.ingest.turns import WORD

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
REJECT_COLUMNS = list(catalogue.columns("ingest_rejects"))


def excluded_by_reason(rejects: pd.DataFrame) -> dict[str, int]:
    """Rejects of interviews listed in the metadata (not stray files), counted by reason."""
    listed = rejects[rejects["interview_id"].astype(str) != ""]
    return {str(k): int(v) for k, v in listed["reason"].value_counts().sort_index().items()}


@dataclass
class IngestResult:
    """Everything the stage produces, as DataFrames."""

    turns: pd.DataFrame
    preamble: pd.DataFrame
    interviews: pd.DataFrame
    rejects: pd.DataFrame
    warnings: list[str]
    participants: pd.DataFrame = field(default_factory=pd.DataFrame)

    def metrics(self) -> dict[str, Any]:
        """Counts for ``outputs/metrics/ingest.json`` (no text, no names).

        With surveys or a participants sheet, the counts of each case kind follow.
        """
        t = self.turns
        resp = t[t["speaker_role"] == RESPONDENT]
        return {**self._counts(t, resp), **self._case_counts()}

    def _case_counts(self) -> dict[str, int]:
        iv = self.interviews
        if "case_kind" not in iv.columns:
            return {}
        kinds = iv["case_kind"]
        return {
            "survey_respondents": int((kinds == "survey").sum()),
            "survey_blank_answers": int(iv["n_blank_answers"].sum())
            if "n_blank_answers" in iv.columns
            else 0,
            "focus_groups": int((kinds == "focus_group").sum()),
            "participants": int(self.participants.shape[0]),
        }

    def _counts(self, t: pd.DataFrame, resp: pd.DataFrame) -> dict[str, int]:
        return {
            "interviews": int(self.interviews.shape[0]),
            "rejected_files": int(self.rejects.shape[0]),
            # listed interviews left out (ingest.strict false), reason -> count: the report's
            # methods section states them
            "excluded_by_reason": excluded_by_reason(self.rejects),
            "turns": int(t.shape[0]),
            "respondent_turns": int(resp.shape[0]),
            "words": int(t["n_words"].sum()) if len(t) else 0,
            "respondent_words": int(resp["n_words"].sum()) if len(resp) else 0,
            "warnings": len(self.warnings),
        }


def reject_row(file: str, interview_id: str, reason: str, message: str) -> dict[str, str]:
    """One row of the rejects table."""
    return {"file": file, "interview_id": interview_id, "reason": reason, "message": message}


def turn_rows(
    iid: str, rel: str, parsed: ParsedTranscript, roles: Mapping[str, tuple[str, str]]
) -> list[dict]:
    """One row of the turns table per merged turn of one transcript."""
    rows = []
    for idx, seg in enumerate(parsed.turns):
        text = "\n\n".join(seg.paras)
        role, rule = roles[seg.key]
        rows.append(
            {
                "interview_id": iid,
                "turn_index": idx,
                "speaker_label": seg.label,
                "speaker_role": role,
                "role_rule": rule,
                "text": text,
                "n_words": len(WORD.findall(text)),
                "source_file": rel,
                "source_unit": parsed.unit,
                "source_start": seg.first,
                "source_end": seg.last,
                "start_s": seg.start,
                "end_s": seg.end,
            }
        )
    return rows


def preamble_rows(iid: str, rel: str, parsed: ParsedTranscript) -> list[dict]:
    """The preamble row of one transcript (none when every line belongs to a speaker)."""
    if not parsed.preamble:
        return []
    return [
        {
            "interview_id": iid,
            "text": "\n".join(ln.text.strip() for ln in parsed.preamble),
            "source_file": rel,
            "source_unit": parsed.unit,
            "source_start": parsed.preamble[0].no,
            "source_end": parsed.preamble[-1].no,
        }
    ]


def interview_row(
    row: Mapping[str, str],
    parsed: ParsedTranscript,
    turns: list[dict],
    preamble: list[dict],
    n_speakers: int,
) -> dict:
    """The interviews table's row: the metadata row plus what the transcript yielded."""
    return {
        **row,
        "format": parsed.fmt,
        "encoding": parsed.encoding or "",
        "n_turns": len(turns),
        "n_respondent_turns": sum(t["speaker_role"] == RESPONDENT for t in turns),
        "n_words": sum(t["n_words"] for t in turns),
        "has_preamble": bool(preamble),
        "n_speakers": n_speakers,
    }


def to_frames(
    turns: list[dict],
    preamble: list[dict],
    interviews: list[dict],
    rejects: list[dict],
    warnings: list[str],
) -> IngestResult:
    """Collected rows -> the stage's DataFrames (turns and preamble typed by their schemas)."""
    return IngestResult(
        turns=pa.Table.from_pylist(turns, schema=TURN_SCHEMA).to_pandas(),
        preamble=pa.Table.from_pylist(preamble, schema=PREAMBLE_SCHEMA).to_pandas(),
        interviews=pd.DataFrame(interviews),
        rejects=pd.DataFrame(rejects, columns=REJECT_COLUMNS),
        warnings=warnings,
    )
