"""The anonymise stage's door: read the inputs, run :func:`~.core.anonymise`, write outputs."""

from __future__ import annotations

import csv
import io
import logging
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from pipeline.anonymise.core import AnonymiseResult, anonymise
from pipeline.anonymise.detect import phrase_ngrams
from pipeline.anonymise.tables import safe_participants, score_against_gold
from pipeline.codebook import load_codebook
from pipeline.engine import open_engine
from pipeline.errors import QualevalError
from pipeline.evaluator_files.allow_list import allow_terms
from pipeline.evaluator_files.decisions import read_decisions
from pipeline.evaluator_files.gold import read_gold
from pipeline.evaluator_files.register import load_register
from pipeline.io import atomic_files, optional_path, write_json
from pipeline.keyfile import SECRET_ENV, dumps_key, private_bytes
from pipeline.lazy_imports import import_spacy_without_torch
from pipeline.params import AnonymiseParams, Params, load_params
from pipeline.recognisers import registry

log = logging.getLogger(__name__)


def _csv_text(df: pd.DataFrame) -> str:
    buf = io.StringIO()
    df.to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    return buf.getvalue()


def _read_turns(turns_path: Path, interviews_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    for path in (turns_path, interviews_path):
        if not Path(path).is_file():
            raise QualevalError(f"{path}: not found; run the ingest stage first")
    return pd.read_parquet(turns_path), pd.read_parquet(interviews_path)


def run_stage(
    params_path: Path | None,
    turns_path: Path,
    interviews_path: Path,
    *,
    register_path: Path | None,
    decisions_path: Path | None,
    allow_path: Path | None,
    gold_path: Path | None,
    out_turns: Path,
    out_interviews: Path,
    key_path: Path,
    review_path: Path,
    mentions_path: Path,
    metrics_path: Path,
    gold_report: Path | None = None,
    progress: bool = True,
    participants: tuple[Path | None, Path | None] = (None, None),
    codebook_path: Path | None = None,
    residual_path: Path | None = None,
) -> AnonymiseResult:
    """Read inputs, anonymise, write every output (``participants``: in and out paths).

    The codebook (``codebook_path``), when given, lends its words as common vocabulary.
    ``residual_path`` gets the residual scan's counts (no timings: the report reads them).
    """
    params = load_params(params_path)
    p = params.anonymise
    registry.check_names(p.recognisers)
    register, decisions, allow = _evaluator_files(p, register_path, decisions_path, allow_path)
    gold = read_gold(gold_path) if gold_path else None
    turns, interviews = _read_turns(turns_path, interviews_path)
    nlp = None if params.engine.kind == "dask" else _load_nlp(p)  # workers load their own
    started = time.perf_counter()
    result = _anonymise(
        turns, interviews, params, (register, decisions, allow), nlp, progress, codebook_path
    )
    secret = os.environ.get(SECRET_ENV) or None
    metrics, leaks = _metrics(result, turns, gold, secret)
    targets = {
        "turns": out_turns,
        "interviews": out_interviews,
        "anonymisation_key": key_path,
        "anonymisation_review": review_path,
        "anonymisation_mentions": mentions_path,
        "anonymise_metrics": metrics_path,
    }
    if leaks is not None and gold_report is not None:
        targets["anonymisation_gold_leaks"] = gold_report
    if residual_path is not None:
        targets["anonymise_residual"] = residual_path
    people = _participants(participants, turns, result, p.metadata_columns, targets)
    _write_outputs(targets, result, metrics, secret, leaks, people)
    _log_summary(metrics, time.perf_counter() - started)
    return result


def _anonymise(
    turns: pd.DataFrame,
    interviews: pd.DataFrame,
    params: Params,
    evaluator: tuple[Any, Any, Any],
    nlp: Any,
    progress: bool,
    codebook_path: Path | None,
) -> AnonymiseResult:
    """:func:`anonymise` on the engine of ``params`` (``evaluator``: register, decisions, allow)."""
    register, decisions, allow = evaluator
    with open_engine(params.engine) as engine:
        return anonymise(
            turns,
            interviews,
            params.anonymise,
            register=register,
            decisions=decisions,
            allow=allow,
            name_columns=params.ingest.name_columns,
            nlp=nlp,
            progress=progress,
            engine=engine,
            **_codebook_terms(codebook_path),
        )


def _load_nlp(p: AnonymiseParams) -> Any:
    """The spaCy pipeline when the ``ner`` recogniser is on, else None."""
    if "ner" not in p.recognisers:
        return None
    from pipeline.recognisers.ner import load_pipeline  # imports spaCy

    return load_pipeline(p.ner_model)


def _import_spacy(params_path: Path | None) -> None:
    """Import spaCy, without torch when the NER pipeline has no PyTorch layers (ADR 0048).

    For the stage's own process only (:func:`main`): thinc's torch support is then never needed.
    """
    p = load_params(params_path).anonymise
    from pipeline.recognisers.ner import has_torch_layers

    if "ner" in p.recognisers and not has_torch_layers(p.ner_model):
        import_spacy_without_torch()


def _participants(
    paths: tuple[Path | None, Path | None],
    turns: pd.DataFrame,
    result: AnonymiseResult,
    columns: list[str],
    targets: dict[str, Path],
) -> pd.DataFrame:
    """The shareable participants table (empty without ingest's); adds its target."""
    path, out = paths
    if out is not None:
        targets["participants_safe"] = out
    raw = pd.read_parquet(path) if path is not None and Path(path).is_file() else pd.DataFrame()
    if raw.empty:
        raw = pd.DataFrame(columns=["interview_id", "speaker_label", "n_turns", "n_words"])
    return safe_participants(raw, turns, result.turns, columns)


def _evaluator_files(
    p: AnonymiseParams,
    register_path: Path | None,
    decisions_path: Path | None,
    allow_path: Path | None,
) -> tuple[list[Any], Any, list[str]]:
    """The register, the review decisions and every allowed term (with the built-in list)."""
    decisions = read_decisions(decisions_path)
    allow = allow_terms(allow_path, p.allow, decisions, p.default_allow_list)
    return load_register(register_path), decisions, allow


def _codebook_terms(codebook_path: Path | None) -> dict[str, frozenset[str]]:
    """The codebook's words and its own proper-noun terms (none without a codebook)."""
    if not codebook_path:
        return {"vocabulary": frozenset(), "codebook_phrases": frozenset()}
    book = load_codebook(codebook_path)
    return {"vocabulary": book.vocabulary(), "codebook_phrases": phrase_ngrams(book.own_texts())}


def _metrics(
    result: AnonymiseResult,
    turns: pd.DataFrame,
    gold: list[dict[str, Any]] | None,
    secret: str | None,
) -> tuple[dict[str, Any], pd.DataFrame | None]:
    """The stage's metrics, with the gold scores and surviving gold identifiers if any."""
    metrics: dict[str, Any] = dict(result.stats)
    metrics["words_per_second"] = round(result.stats["words"] / max(result.stats["seconds"], 1e-9))
    leaks = None
    if gold is not None:
        gold_metrics, leaks = score_against_gold(turns, result.turns, gold)
        metrics["gold"] = gold_metrics
    metrics["key_encrypted"] = bool(secret)
    return metrics, leaks


def _write_outputs(
    targets: dict[str, Path],
    result: AnonymiseResult,
    metrics: dict[str, Any],
    secret: str | None,
    leaks: pd.DataFrame | None,
    people: pd.DataFrame | None = None,
) -> None:
    """Write the outputs named in ``targets`` (artefact keys), all or nothing."""
    with atomic_files(targets) as tmp:
        if "participants_safe" in tmp and people is not None:
            people.to_parquet(tmp["participants_safe"], index=False)
        result.turns.to_parquet(tmp["turns"], index=False)
        result.interviews.to_parquet(tmp["interviews"], index=False)
        tmp["anonymisation_key"].write_text(dumps_key(result.key, secret), encoding="utf-8")
        # names with their context: encrypted like the key when a secret is set
        review = _csv_text(result.review).encode("utf-8")
        tmp["anonymisation_review"].write_bytes(private_bytes(review, secret))
        mentions = io.BytesIO()
        result.mentions.to_parquet(mentions, index=False)
        tmp["anonymisation_mentions"].write_bytes(private_bytes(mentions.getvalue(), secret))
        write_json(tmp["anonymise_metrics"], metrics)
        if "anonymise_residual" in tmp:
            write_json(tmp["anonymise_residual"], metrics["residual"])
        if "anonymisation_gold_leaks" in tmp and leaks is not None:
            tmp["anonymisation_gold_leaks"].write_text(_csv_text(leaks), encoding="utf-8")


def _log_summary(metrics: dict[str, Any], seconds: float) -> None:
    log.info(
        "anonymised %d turns (%d words): %d entities, %d replacements in %.1f s (%d words/s)",
        metrics["turns"],
        metrics["words"],
        metrics["entities"],
        metrics["replacements"],
        seconds,
        metrics["words_per_second"],
    )
    if "gold" in metrics:
        log.info(
            "sample gold: leak rate %.4f, over-redaction %.4f",
            metrics["gold"]["leak_rate"],
            metrics["gold"]["over_redaction"],
        )


def main(
    turns: Path = typer.Option(..., help="private turns table from ingest"),
    interviews: Path = typer.Option(..., help="private interviews table from ingest"),
    register: Path = typer.Option(None, help="anonymisation register (YAML)"),
    decisions: Path = typer.Option(None, help="review decisions (CSV)"),
    allow_list: Path = typer.Option(None, help="terms never to replace (text, one per line)"),
    gold: Path = typer.Option(None, help="gold PII (JSONL) for leak metrics"),
    out_turns: Path = typer.Option(..., help="safe anonymised turns (parquet)"),
    out_interviews: Path = typer.Option(..., help="safe interviews table (parquet)"),
    key: Path = typer.Option(..., help="private pseudonym key (JSON)"),
    review: Path = typer.Option(..., help="private review file (CSV)"),
    mentions: Path = typer.Option(..., help="private mentions table (parquet)"),
    metrics: Path = typer.Option(..., help="metrics JSON"),
    residual: Path = typer.Option(None, help="the residual scan's counts (JSON, no timings)"),
    gold_report: Path = typer.Option(None, help="private list of gold identifiers that survived"),
    participants: Path = typer.Option(None, help="private focus-group participants (parquet)"),
    out_participants: Path = typer.Option(None, help="safe participants table (parquet)"),
    codebook: Path = typer.Option(None, help="the codebook (its words are not names)"),
    params: Path = typer.Option(None, help="params.yaml"),
) -> None:
    """Anonymise the turns: pseudonyms, private key, review file, metrics."""
    _import_spacy(params)
    run_stage(
        params,
        turns,
        interviews,
        register_path=optional_path(register),
        decisions_path=optional_path(decisions),
        allow_path=optional_path(allow_list),
        gold_path=optional_path(gold),
        out_turns=out_turns,
        out_interviews=out_interviews,
        key_path=key,
        review_path=review,
        mentions_path=mentions,
        metrics_path=metrics,
        gold_report=gold_report,
        participants=(participants, out_participants),
        codebook_path=optional_path(codebook),
        residual_path=optional_path(residual),
    )
