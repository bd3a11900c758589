"""The report stage's door: build the report and write every output (all or nothing)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import typer

from pipeline.errors import QualevalError
from pipeline.io import atomic_files, write_json
from pipeline.params import EvaluationParams, Params, load_params
from pipeline.report.build import build_report
from pipeline.report.inputs import read_inputs
from pipeline.report.model import Inputs, Report
from pipeline.report.render_docx import write_docx
from pipeline.report.render_html import render_html
from pipeline.report.render_md import render_markdown
from pipeline.report.render_xlsx import write_xlsx

log = logging.getLogger(__name__)


def _remove_stale_csvs(tables_dir: Path, report: Report) -> None:
    """A table no longer written must not linger."""
    for stale in tables_dir.glob("*.csv"):
        if stale.stem not in {t.key for t in report.tables}:
            stale.unlink()


def _document_quotes(report: Report) -> list[str]:
    """Every quote printed in the report: the chapters' and the emergent topics table's."""
    out = [b.quote.text for s in report.document for b in s.blocks if b.quote is not None]
    topics = report.table("emergent_topics").frame
    return out + [q for q in topics.get("quote", []) if q]


def _metrics(report: Report, inputs: Inputs, started: float) -> dict[str, Any]:
    return {
        "tables": {t.key: len(t.frame) for t in report.tables},
        "n_tables": len(report.tables),
        "findings": sum(len(t.findings) for t in report.themes),
        "summary_quotes": sum(len(t.quotes) for t in report.themes),
        "sections": len(report.document),
        "document_quotes": len(quoted := _document_quotes(report)),
        "document_quotes_distinct": len(set(quoted)),
        "quotes": len(report.table("quotes_bank").frame),
        "evidence_rows": len(report.evidence),
        "topics": inputs.topics is not None,
        "seconds": round(time.perf_counter() - started, 3),
    }


def evaluator_sections(evaluation: EvaluationParams) -> dict[str, str]:
    """The evaluator's Markdown files named in ``evaluation.sections``, read as text.

    Raises:
        QualevalError: when a named file is missing or not UTF-8 text.
    """
    out = {}
    for place, path in evaluation.sections.named().items():
        field = f"evaluation.sections.{place.replace('theme:', 'themes.')}"
        try:
            out[place] = Path(path).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            raise QualevalError(
                f"{path}: not found ({field} in params.yaml); write the section there or "
                "remove the entry"
            ) from None
        except UnicodeDecodeError:
            raise QualevalError(f"{path}: not UTF-8 text ({field}); save it as UTF-8") from None
    return out


def provenance(params: Params) -> dict[str, str]:
    """Qualeval's version, the params hash and the models' identities, for the methodology."""
    import hashlib
    from importlib import metadata

    try:
        version = metadata.version("qualeval")
    except metadata.PackageNotFoundError:
        version = "unknown"
    digest = hashlib.sha256(params.model_dump_json().encode("utf-8")).hexdigest()[:12]
    return {
        "qualeval version": version,
        "Parameters (hash of the validated params.yaml)": digest,
        "Sentence encoder": str(params.embed.model or "all-MiniLM-L6-v2 (packaged)"),
        "Named-entity model (anonymisation)": str(params.anonymise.ner_model),
        "Coders": ", ".join(params.code.coders),
    }


def with_evaluation(inputs: Inputs, params: Params) -> Inputs:
    """``inputs`` with the evaluation block, its Markdown sections and the provenance."""
    from dataclasses import replace

    return replace(
        inputs,
        evaluation=params.evaluation,
        sections=evaluator_sections(params.evaluation),
        provenance=provenance(params),
    )


def run_stage(
    params_path: Path | None,
    inputs: Inputs,
    *,
    tables_dir: Path,
    report_md: Path,
    report_html: Path,
    report_docx: Path,
    metrics_path: Path,
) -> Report:
    """Build the report and write every output (all or nothing)."""
    everything = load_params(params_path)
    params = everything.report
    started = time.perf_counter()
    if inputs.evaluation is None:
        inputs = with_evaluation(inputs, everything)
    report = build_report(inputs, params)
    tables_dir = Path(tables_dir)
    tables_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_csvs(tables_dir, report)
    targets = {f"table:{t.key}": tables_dir / f"{t.key}.csv" for t in report.tables}
    targets |= {
        "report_tables_xlsx": tables_dir / "report_tables.xlsx",
        "report_md": Path(report_md),
        "report_html": Path(report_html),
        "report_docx": Path(report_docx),
        "report_metrics": Path(metrics_path),
    }
    with atomic_files(targets) as tmp:
        for t in report.tables:
            t.frame.to_csv(tmp[f"table:{t.key}"], index=False, lineterminator="\n")
        write_xlsx(report.tables, tmp["report_tables_xlsx"])
        tmp["report_md"].write_text(render_markdown(report), encoding="utf-8")
        tmp["report_html"].write_text(render_html(report), encoding="utf-8")
        write_docx(report, tmp["report_docx"])
        metrics = _metrics(report, inputs, started)
        write_json(tmp["report_metrics"], metrics)
    log.info(
        "report: %d tables, %d findings, %d quotes, %d evidence rows in %.1f s",
        metrics["n_tables"],
        metrics["findings"],
        metrics["quotes"],
        metrics["evidence_rows"],
        metrics["seconds"],
    )
    return report


def main(
    interviews: Path = typer.Option(..., help="anonymised interviews (parquet)"),
    segments: Path = typer.Option(..., help="segments (parquet), for quote text"),
    segment_codes: Path = typer.Option(..., help="per-segment codes (parquet)"),
    codebook: Path = typer.Option(..., help="codebook YAML"),
    agreement: Path = typer.Option(None, help="outputs/metrics/coding_agreement.json"),
    ingest_metrics: Path = typer.Option(
        None, help="outputs/metrics/ingest.json: interviews excluded at ingest, by reason"
    ),
    turns: Path = typer.Option(
        None, help="anonymised turns (parquet), for the anonymisation summary"
    ),
    topics_dir: Path = typer.Option(
        None, help="the topics stage's folder (outputs/topics); omitted: topics not reported"
    ),
    participants: Path = typer.Option(
        None, help="anonymised focus-group participants (parquet): count each participant"
    ),
    stance_interviews: Path = typer.Option(
        None, help="each interview's stance per code (parquet); stated only when reportable"
    ),
    stance_metrics: Path = typer.Option(
        None, help="outputs/metrics/stance.json: whether stance is reportable"
    ),
    prevalence: Path = typer.Option(
        None, help="adjusted prevalence with intervals (parquet, compare stage)"
    ),
    tables_dir: Path = typer.Option(..., help="folder for the table CSVs and the XLSX"),
    report_md: Path = typer.Option(..., help="report to write (.md)"),
    report_html: Path = typer.Option(..., help="report to write (.html)"),
    report_docx: Path = typer.Option(..., help="report to write (.docx)"),
    metrics: Path = typer.Option(..., help="metrics JSON"),
    params: Path = typer.Option(None, help="params.yaml"),
) -> None:
    """Build the evaluation report: tables, XLSX, and the Markdown, HTML and Word summary."""
    inputs = read_inputs(
        interviews,
        segments,
        segment_codes,
        codebook,
        agreement_path=agreement,
        ingest_metrics_path=ingest_metrics,
        turns_path=turns,
        pseudonyms=load_params(params).anonymise.pseudonyms,
        topics_dir=topics_dir,
        participants_path=participants,
        stance_path=stance_interviews,
        stance_metrics_path=stance_metrics,
        prevalence_path=prevalence,
    )
    run_stage(
        params,
        inputs,
        tables_dir=tables_dir,
        report_md=report_md,
        report_html=report_html,
        report_docx=report_docx,
        metrics_path=metrics,
    )
