"""The report stage's door: build the report and write both packs (all or nothing)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from pipeline.errors import QualevalError
from pipeline.evaluator_files.sections import read_sections, unknown_codes
from pipeline.io import atomic_files, write_json
from pipeline.params import EvaluationParams, Params, load_params
from pipeline.report.build import build_report
from pipeline.report.charts import build_charts
from pipeline.report.inputs import read_inputs
from pipeline.report.model import Inputs, Report, Table
from pipeline.report.packs import commissioner_readme, public_tables, published_csv
from pipeline.report.pdf import Printing, start_pdf
from pipeline.report.render_docx import write_docx
from pipeline.report.render_html import render_html
from pipeline.report.render_md import render_markdown
from pipeline.report.render_xlsx import write_xlsx

log = logging.getLogger(__name__)

#: rows written at a time to a large table's CSV and parquet (one parquet row group each)
BATCH_ROWS = 100_000


def _remove_stale(folder: Path, keep: set[str], pattern: str = "*.csv") -> None:
    """A table (or chart) no longer written must not linger."""
    for stale in folder.glob(pattern):
        if stale.name not in keep:
            stale.unlink()


@dataclass(frozen=True)
class Paths:
    """Where the report stage writes: the commissioner pack, the researcher pack, metrics."""

    tables_dir: Path
    report_md: Path
    report_html: Path
    report_docx: Path
    metrics_path: Path
    analysis_dir: Path | None = None  # the researcher pack's tables (every table whole)
    charts_dir: Path | None = None
    plots: dict[str, Path] = field(default_factory=dict)  # catalogue key -> CSV
    readme: Path | None = None
    report_pdf: Path | None = None


def _targets(paths: Paths, report: Report, public: list[Table], charts: list[Any]) -> dict:
    """Every file the stage writes, by name (all written atomically)."""
    targets: dict[str, Path] = {f"table:{t.key}": paths.tables_dir / f"{t.key}.csv" for t in public}
    targets |= {
        "report_tables_xlsx": paths.tables_dir / "report_tables.xlsx",
        "report_md": Path(paths.report_md),
        "report_html": Path(paths.report_html),
        "report_docx": Path(paths.report_docx),
        "report_metrics": Path(paths.metrics_path),
    }
    if paths.analysis_dir is not None:
        targets |= {f"analysis:{t.key}": paths.analysis_dir / f"{t.key}.csv" for t in report.tables}
        targets |= {
            f"parquet:{t.key}": paths.analysis_dir / f"{t.key}.parquet"
            for t in report.tables
            if t.large
        }
        targets["analysis_xlsx"] = paths.analysis_dir / "analysis_tables.xlsx"
    if paths.charts_dir is not None:
        targets |= {f"chart:{c.key}": paths.charts_dir / c.file_name for c in charts}
        targets["chart_alt"] = paths.charts_dir / "alt_text.json"
    targets |= {f"plot:{k}": Path(v) for k, v in paths.plots.items()}
    if paths.readme is not None:
        targets["readme"] = Path(paths.readme)
    return targets


def _write_csv(frame: pd.DataFrame, path: Path, batch_rows: int = BATCH_ROWS) -> None:
    """``frame`` as CSV, ``batch_rows`` rows at a time (the same bytes as in one go)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        frame.head(0).to_csv(fh, index=False, lineterminator="\n")
        for start in range(0, len(frame), batch_rows):
            part = frame.iloc[start : start + batch_rows]
            part.to_csv(fh, index=False, header=False, lineterminator="\n")


def _write_parquet(frame: pd.DataFrame, path: Path, batch_rows: int = BATCH_ROWS) -> None:
    """``frame`` (text columns) as parquet, one row group per ``batch_rows`` rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(str(c), pa.string()) for c in frame.columns])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, max(len(frame), 1), batch_rows):
            part = frame.iloc[start : start + batch_rows]
            writer.write_table(pa.Table.from_pandas(part, schema=schema, preserve_index=False))


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
    return read_sections(evaluation.sections)


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

    if problems := unknown_codes(params.evaluation, {c.id for c in inputs.codebook.codes}):
        raise QualevalError(
            "params.yaml names codes the codebook does not have; correct each id or remove "
            "it:\n  " + "\n  ".join(problems)
        )
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
    **more: Any,
) -> Report:
    """Build the report and write both packs (all or nothing).

    ``more``: the optional places of :class:`Paths` (``analysis_dir``, ``charts_dir``,
    ``plots``, ``readme``, ``report_pdf``); without them only the commissioner's documents
    and tables are written.
    """
    everything = load_params(params_path)
    params = everything.report
    paths = Paths(tables_dir, report_md, report_html, report_docx, metrics_path, **more)
    started = time.perf_counter()
    if inputs.evaluation is None:
        inputs = with_evaluation(inputs, everything)
    report = build_report(inputs, params)
    public = public_tables(report.tables, params.framework_rows == "interview")
    csvs = [t for t in public if published_csv(t)]
    shown = replace(report, tables=public)
    prevalence = report.table("theme_prevalence").frame
    charts, series = build_charts(prevalence, params.min_cell, stance=report.stance)
    _prepare_folders(paths, report, csvs, charts)
    html = render_html(shown, charts)
    printing = _start_pdf(paths, html)  # printed while the other files are written
    try:
        with atomic_files(_targets(paths, report, csvs, charts)) as tmp:
            _write_tables(tmp, paths, report, csvs)
            _write_charts(tmp, paths, charts, series)
            tmp["report_md"].write_text(render_markdown(shown, charts), encoding="utf-8")
            tmp["report_html"].write_text(html, encoding="utf-8")
            write_docx(shown, tmp["report_docx"], charts)
            if paths.readme is not None:
                text = commissioner_readme(params.min_cell, params.attribution_min_group)
                tmp["readme"].write_text(text, encoding="utf-8")
            metrics = _metrics(report, inputs, started) | {"charts": len(charts)}
            write_json(tmp["report_metrics"], metrics)
    except BaseException:
        if printing is not None:
            printing.cancel()
        raise
    if printing is not None:
        printing.finish()
    m = metrics
    log.info(
        "report: %d tables, %d findings, %d quotes, %d evidence rows, %d charts in %.1f s",
        *(m[k] for k in ("n_tables", "findings", "quotes", "evidence_rows", "charts", "seconds")),
    )
    return report


def _prepare_folders(paths: Paths, report: Report, public: list[Table], charts: list) -> None:
    """The packs' folders made, and what a previous run wrote but this one does not removed."""
    for folder in (paths.tables_dir, paths.analysis_dir, paths.charts_dir):
        if folder is not None:
            Path(folder).mkdir(parents=True, exist_ok=True)
    _remove_stale(Path(paths.tables_dir), {f"{t.key}.csv" for t in public})
    if paths.analysis_dir is not None:
        _remove_stale(Path(paths.analysis_dir), {f"{t.key}.csv" for t in report.tables})
        large = {f"{t.key}.parquet" for t in report.tables if t.large}
        _remove_stale(Path(paths.analysis_dir), large, "*.parquet")
    if paths.charts_dir is not None:
        _remove_stale(Path(paths.charts_dir), {c.file_name for c in charts}, "*.png")


def _write_tables(tmp: dict[str, Path], paths: Paths, report: Report, public: list) -> None:
    """The commissioner's tables, and every table whole for the researcher pack."""
    for t in public:
        _write_csv(t.frame, tmp[f"table:{t.key}"])
    write_xlsx(public, tmp["report_tables_xlsx"])
    if paths.analysis_dir is not None:
        for t in report.tables:
            _write_csv(t.frame, tmp[f"analysis:{t.key}"])
            if t.large:
                _write_parquet(t.frame, tmp[f"parquet:{t.key}"])
        write_xlsx(report.tables, tmp["analysis_xlsx"])


def _write_charts(tmp: dict[str, Path], paths: Paths, charts: list[Any], series: dict) -> None:
    """The chart PNGs, their alt text, and the series as DVC plots."""
    if paths.charts_dir is not None:
        for c in charts:
            tmp[f"chart:{c.key}"].write_bytes(c.png)
        write_json(
            tmp["chart_alt"], {c.file_name: {"title": c.title, "alt": c.alt} for c in charts}
        )
    for key in paths.plots:
        _write_csv(series[key], tmp[f"plot:{key}"])


def _start_pdf(paths: Paths, html: str) -> Printing | None:
    """The PDF of ``html`` started, where a browser is installed (else none lingers)."""
    if paths.report_pdf is None:
        return None
    pdf = Path(paths.report_pdf)
    pdf.unlink(missing_ok=True)
    return start_pdf(html, pdf)


def main(
    interviews: Path = typer.Option(..., help="anonymised interviews (parquet)"),
    segments: Path = typer.Option(..., help="segments (parquet), for quote text"),
    segment_codes: Path = typer.Option(..., help="per-segment codes (parquet)"),
    codebook: Path = typer.Option(..., help="codebook YAML"),
    agreement: Path = typer.Option(None, help="outputs/metrics/coding_agreement.json"),
    ingest_metrics: Path = typer.Option(
        None, help="outputs/metrics/ingest.json: interviews excluded at ingest, by reason"
    ),
    anonymise_residual: Path = typer.Option(None, help="the residual scan's counts (JSON)"),
    turns: Path = typer.Option(None, help="anonymised turns (parquet): anonymisation summary"),
    topics_dir: Path = typer.Option(
        None, help="the topics stage's folder (outputs/topics); omitted: topics not reported"
    ),
    participants: Path = typer.Option(
        None, help="anonymised focus-group participants (parquet): count each participant"
    ),
    stance_interviews: Path = typer.Option(
        None, help="each interview's stance per code (parquet); stated only when reportable"
    ),
    stance_metrics: Path = typer.Option(None, help="stance.json: whether stance is reportable"),
    prevalence: Path = typer.Option(None, help="adjusted prevalence with intervals (parquet)"),
    tables_dir: Path = typer.Option(..., help="commissioner pack: folder for table CSVs, XLSX"),
    report_md: Path = typer.Option(..., help="report to write (.md)"),
    report_html: Path = typer.Option(..., help="report to write (.html)"),
    report_docx: Path = typer.Option(..., help="report to write (.docx)"),
    report_pdf: Path = typer.Option(None, help="report to print from the HTML (.pdf)"),
    readme: Path = typer.Option(None, help="the commissioner pack's README"),
    charts_dir: Path = typer.Option(None, help="folder for the chart PNGs"),
    plot_theme_prevalence: Path = typer.Option(None, help="chart series: by theme (CSV)"),
    plot_group_prevalence: Path = typer.Option(None, help="chart series: by group (CSV)"),
    analysis_dir: Path = typer.Option(None, help="researcher pack: every table whole, with ids"),
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
        anonymise_residual_path=anonymise_residual,
        turns_path=turns,
        pseudonyms=load_params(params).anonymise.pseudonyms,
        topics_dir=topics_dir,
        participants_path=participants,
        stance_path=stance_interviews,
        stance_metrics_path=stance_metrics,
        prevalence_path=prevalence,
    )
    paths = {"tables_dir": tables_dir, "report_md": report_md, "report_html": report_html}
    paths |= {"report_docx": report_docx, "metrics_path": metrics, "analysis_dir": analysis_dir}
    paths |= {"charts_dir": charts_dir, "readme": readme, "report_pdf": report_pdf}
    plots = _given(
        plot_theme_prevalence=plot_theme_prevalence, plot_group_prevalence=plot_group_prevalence
    )
    run_stage(params, inputs, plots=plots, **paths)


def _given(**paths: Path | None) -> dict[str, Path]:
    """The paths given (an option left out is not written)."""
    return {k: v for k, v in paths.items() if v is not None}
