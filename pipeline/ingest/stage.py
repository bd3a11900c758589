"""The ingest stage's door: read params and metadata, run :func:`~.core.ingest`, write outputs."""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import typer

from pipeline.engine import open_engine
from pipeline.evaluator_files.withdrawals import LOG_COLUMNS, apply_withdrawals, read_withdrawals
from pipeline.ingest.core import ingest
from pipeline.ingest.metadata import read_metadata
from pipeline.ingest.participants import read_participants
from pipeline.ingest.survey_folder import folder_surveys
from pipeline.ingest.tables import PREAMBLE_SCHEMA, TURN_SCHEMA, IngestResult
from pipeline.io import atomic_files, write_json
from pipeline.params import DataParams, load_params

log = logging.getLogger(__name__)


def write_outputs(
    result: IngestResult,
    turns_path: Path,
    preamble_path: Path,
    interviews_path: Path,
    rejects_path: Path,
    metrics_path: Path | None,
    row_group_size: int = 100_000,
    participants_path: Path | None = None,
    withdrawals_log: Path | None = None,
    audit: pd.DataFrame | None = None,
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
    if participants_path is not None:
        targets["participants"] = participants_path
    if withdrawals_log is not None:
        targets["withdrawals_log"] = withdrawals_log
    audit = pd.DataFrame(columns=list(LOG_COLUMNS)) if audit is None else audit
    with atomic_files(targets) as tmp:
        if withdrawals_log is not None:
            audit.to_csv(tmp["withdrawals_log"], index=False, lineterminator="\n")
        if participants_path is not None:
            result.participants.to_parquet(tmp["participants"], index=False)
        table = pa.Table.from_pandas(result.turns, schema=TURN_SCHEMA, preserve_index=False)
        pq.write_table(table, tmp["turns_raw"], row_group_size=row_group_size)
        pq.write_table(
            pa.Table.from_pandas(result.preamble, schema=PREAMBLE_SCHEMA, preserve_index=False),
            tmp["preamble"],
        )
        result.interviews.to_parquet(tmp["interviews_raw"], index=False)
        result.rejects.to_csv(tmp["ingest_rejects"], index=False, lineterminator="\n")
        if metrics_path is not None:
            metrics = result.metrics()
            metrics["withdrawn_interviews"] = int((audit["scope"] == "interview").sum())
            metrics["withdrawal_passages_struck"] = int(audit["passages_struck"].sum())
            write_json(tmp["ingest_metrics"], metrics)


def _metadata_and_participants(
    metadata_path: Path, data: DataParams, surveys: bool
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The metadata sheet (empty for a survey-only evaluation) and the participants sheet."""
    if surveys and not Path(metadata_path).is_file():
        log.info("no metadata sheet at %s: surveys only", metadata_path)
        meta = pd.DataFrame({"interview_id": [], "file": []}, dtype=str)
    else:
        meta = read_metadata(metadata_path)
    if data.participants is None:
        return meta, None
    ids = set(meta["interview_id"].astype(str).str.strip())
    return meta, read_participants(data.participants, ids)


def _withdraw(result: IngestResult, path: Path | None) -> tuple[IngestResult, pd.DataFrame]:
    """Apply ``data.withdrawals`` to the tables before anything downstream can see them."""
    ids = set(result.interviews["interview_id"].astype(str)) if len(result.interviews) else set()
    requests = read_withdrawals(path, ids | set(result.rejects["interview_id"].astype(str)))
    if not requests:
        return result, pd.DataFrame(columns=list(LOG_COLUMNS))
    tables = {"turns": result.turns, "preamble": result.preamble}
    tables["interviews"] = result.interviews
    if len(result.participants):
        tables["participants"] = result.participants
    text_cols = {"turns": "text", "preamble": "text"}
    out, audit = apply_withdrawals(tables, requests, text_cols)
    log.info(
        "withdrawals: %d interview(s) withdrawn, %d passage(s) struck (reasons in the private "
        "audit log)",
        int((audit["scope"] == "interview").sum()),
        int(audit["passages_struck"].sum()),
    )
    return dataclasses.replace(
        result,
        turns=out["turns"].reset_index(drop=True),
        preamble=out["preamble"].reset_index(drop=True),
        interviews=out["interviews"].reset_index(drop=True),
        participants=out.get("participants", result.participants),
    ), audit


def run_stage(
    params_path: Path | None,
    transcripts: Path,
    metadata_path: Path,
    turns: Path,
    preamble: Path,
    interviews: Path,
    rejects: Path,
    metrics: Path | None,
    participants: Path | None = None,
    withdrawals_log: Path | None = None,
) -> IngestResult:
    """Load params and metadata, ingest, write outputs; shared by ``main`` and ``qualeval run``.

    ``data.surveys`` and ``data.participants`` of the params file add survey respondents and
    focus-group participants; with surveys, a missing metadata sheet means no transcripts.
    """
    params = load_params(params_path)
    t0 = time.perf_counter()
    surveys = [*params.data.surveys, *folder_surveys(params.data.surveys_dir, params.data.surveys)]
    meta, people = _metadata_and_participants(metadata_path, params.data, bool(surveys))
    with open_engine(params.engine) as engine:
        result = ingest(
            transcripts,
            meta,
            params.ingest,
            source=str(metadata_path),
            progress=True,
            metadata_dir=Path(metadata_path).parent,
            surveys=surveys,
            participants=people,
            engine=engine,
        )
    result, audit = _withdraw(result, params.data.withdrawals)
    write_outputs(
        result,
        turns,
        preamble,
        interviews,
        rejects,
        metrics,
        params.ingest.row_group_size,
        participants,
        withdrawals_log,
        audit,
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
    participants: Path = typer.Option(
        None, help="output: focus-group participants (.parquet, private)"
    ),
    metrics: Path = typer.Option(None, help="output: counts as JSON (safe, DVC metrics)"),
    withdrawals_log: Path = typer.Option(
        None, help="output: private audit log of the withdrawals applied (.csv)"
    ),
    params: Path = typer.Option(None, help="params.yaml (default: ./params.yaml if present)"),
) -> None:
    """Parse transcripts into the turns table."""
    run_stage(
        params,
        transcripts,
        metadata,
        turns,
        preamble,
        interviews,
        rejects,
        metrics,
        participants,
        withdrawals_log,
    )
