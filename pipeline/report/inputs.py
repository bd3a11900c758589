"""Reading the report's upstream tables, each checked for the columns the report needs.

Interviews, segments, segment codes, agreement, anonymised turns and the topics folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import catalogue
from pipeline.codebook import load_codebook
from pipeline.errors import QualevalError
from pipeline.io import read_stage_table
from pipeline.params import AnonymiseParams
from pipeline.report.model import Inputs

# The columns the report needs of each upstream table (see docs/data-contracts.md).
INTERVIEW_COLUMNS = ("interview_id",)  # the interviews table's other columns vary
SEGMENT_COLUMNS = catalogue.required("segments", "segment_id", "text")
SEGMENT_CODE_COLUMNS = catalogue.required(
    "segment_codes", "interview_id", "segment_id", "code_id", "score"
)
TURN_COLUMNS = catalogue.required("turns", "text")
STANCE_COLUMNS = catalogue.required("stance_interviews", "interview_id", "code_id", "stance")
PREVALENCE_COLUMNS = catalogue.required(
    "prevalence", "code_id", "interviews_total", "estimate", "lower", "upper", "validated"
)
TOPIC_COLUMNS = catalogue.required(
    "topics",
    "topic_id",
    "label",
    "keywords",
    "n_segments",
    "n_interviews",
    "share",
    "top_code_id",
    "top_code_share",
    "emergent",
)
EMERGENT_REASON_COLUMNS = catalogue.required(
    "emergent_topics", "topic_id", "reason", "basis", "coded_share"
)
TOPIC_QUOTE_COLUMNS = catalogue.required(
    "topic_quotes", "topic_id", "rank", "segment_id", "interview_id", "text"
)
SEGMENT_TOPIC_COLUMNS = catalogue.required(
    "segment_topics", "segment_id", "interview_id", "topic_id"
)


def _read_parquet(path: Path, what: str, columns: Sequence[str], stage: str) -> pd.DataFrame:
    return read_stage_table(path, what, columns, f"the {stage} stage")


_WITHDRAWALS = ("withdrawn_interviews", "withdrawal_passages_struck")


def _anonymised_turns(
    turns_path: Path | None, templates: dict[str, str]
) -> tuple[dict[str, int] | None, pd.DataFrame | None]:
    """Placeholders by type and the turns' speakers (None, None without the turns)."""
    if turns_path is None:
        return None, None
    turns = _read_parquet(turns_path, "anonymised turns", TURN_COLUMNS, "anonymise")
    cols = [c for c in ("interview_id", "turn_index", "speaker", "speaker_role") if c in turns]
    return placeholder_counts(turns, templates), turns[cols] if len(cols) == 4 else None


def _read_json(path: Path | None) -> dict[str, Any]:
    if path is None or not Path(path).is_file():
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise QualevalError(f"{path}: not valid JSON; re-run the stage that writes it") from None
    return data if isinstance(data, dict) else {}


def read_topics(topics_dir: Path) -> dict[str, pd.DataFrame]:
    """Read the topics stage's outputs (see the topics contract in docs/data-contracts.md).

    Required: ``topics.parquet``. Optional: ``emergent_topics.csv`` (the ``reason``),
    ``topic_quotes.parquet`` and ``segment_topics.parquet`` (evidence).

    Raises:
        QualevalError: when the folder or ``topics.parquet`` is missing or malformed.
    """
    topics_dir = Path(topics_dir)
    if not topics_dir.is_dir():
        raise QualevalError(
            f"{topics_dir}: topics folder not found; run the topics stage or leave out --topics-dir"
        )
    out = {
        "topics": _read_parquet(
            topics_dir / "topics.parquet", "topics table", TOPIC_COLUMNS, "topics"
        )
    }
    emergent = topics_dir / "emergent_topics.csv"
    if emergent.is_file():
        df = pd.read_csv(emergent, keep_default_na=False)
        if any(c not in df.columns for c in EMERGENT_REASON_COLUMNS):
            raise QualevalError(
                f"{emergent}: missing one of the columns {', '.join(EMERGENT_REASON_COLUMNS)}; "
                "re-run the topics stage"
            )
        out["emergent"] = df
    for name, cols in (
        ("topic_quotes", TOPIC_QUOTE_COLUMNS),
        ("segment_topics", SEGMENT_TOPIC_COLUMNS),
    ):
        path = topics_dir / f"{name}.parquet"
        if path.is_file():
            out[name] = _read_parquet(path, name.replace("_", " "), cols, "topics")
    return out


def placeholder_counts(turns: pd.DataFrame, pseudonyms: dict[str, str]) -> dict[str, int]:
    """Replacements by entity type, counted as pseudonyms in the anonymised turns' text.

    Each replacement leaves one pseudonym built from its type's template
    (``anonymise.pseudonyms``: ``[Person {n}]``, ``[Council {letter}]``, ``[date]``...), so
    this equals the anonymise stage's ``replacements_by_type`` without depending on its
    metrics file (which carries timings, and would make the report re-run needlessly).
    """
    text = "\n".join(turns["text"].dropna().astype(str))
    out = {}
    for etype, template in sorted(pseudonyms.items()):
        pattern = (
            re.escape(template)
            .replace(re.escape("{n}"), r"\d+")
            .replace(re.escape("{letter}"), "[A-Z]+")
        )
        n = len(re.findall(pattern, text))
        if n:
            out[etype] = n
    return out


def read_inputs(
    interviews_path: Path,
    segments_path: Path,
    segment_codes_path: Path,
    codebook_path: Path,
    *,
    agreement_path: Path | None = None,
    ingest_metrics_path: Path | None = None,
    anonymise_residual_path: Path | None = None,
    turns_path: Path | None = None,
    pseudonyms: dict[str, str] | None = None,
    topics_dir: Path | None = None,
    participants_path: Path | None = None,
    stance_path: Path | None = None,
    stance_metrics_path: Path | None = None,
    prevalence_path: Path | None = None,
) -> Inputs:
    """Read and check every input of the report stage.

    ``turns_path`` (the anonymised turns) and ``pseudonyms`` give the anonymisation summary;
    ``agreement_path`` the coding's agreement with human codes; ``ingest_metrics_path`` the
    interviews excluded at ingest (``excluded_by_reason``) and the withdrawals applied;
    ``anonymise_residual_path`` the anonymise stage's residual-risk scan; ``topics_dir`` the topics;
    ``participants_path`` the anonymised focus-group participants (the turns' speakers then
    let the report count each participant, :mod:`.cases`); ``stance_path`` and
    ``stance_metrics_path`` each interview's stance per code and whether it is reportable;
    ``prevalence_path`` adjusted prevalence estimates with intervals.
    """
    ingest = _read_json(ingest_metrics_path)
    templates = pseudonyms if pseudonyms is not None else AnonymiseParams().pseudonyms
    replacements, speakers = _anonymised_turns(turns_path, templates)
    participants = None
    if participants_path is not None and Path(participants_path).is_file():
        participants = pd.read_parquet(participants_path)
    return Inputs(
        interviews=_read_parquet(
            interviews_path, "anonymised interviews table", INTERVIEW_COLUMNS, "anonymise"
        ),
        segments=_read_parquet(segments_path, "segments table", SEGMENT_COLUMNS, "embed"),
        segment_codes=_read_parquet(
            segment_codes_path, "segment codes", SEGMENT_CODE_COLUMNS, "code"
        ),
        codebook=load_codebook(codebook_path),
        agreement=_read_json(agreement_path),
        excluded=dict(ingest.get("excluded_by_reason") or {}),
        withdrawals={k: int(ingest[k]) for k in _WITHDRAWALS if k in ingest},
        residual=_read_json(anonymise_residual_path) or None,
        replacements=replacements,
        topics=None if topics_dir is None else read_topics(topics_dir),
        pseudonyms=dict(templates),
        speakers=speakers,
        participants=participants,
        stance=_optional_table(stance_path, "stance by interview", STANCE_COLUMNS, "stance"),
        stance_metrics=_read_json(stance_metrics_path),
        prevalence=_optional_table(
            prevalence_path, "adjusted prevalence", PREVALENCE_COLUMNS, "compare"
        ),
    )


def _optional_table(
    path: Path | None, what: str, columns: Sequence[str], stage: str
) -> pd.DataFrame | None:
    """The table at ``path`` (checked), or None when no path is given or the file is absent."""
    if path is None or not Path(path).is_file():
        return None
    return _read_parquet(path, what, columns, stage)
