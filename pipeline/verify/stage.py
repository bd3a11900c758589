"""The verify stage's door: load the key and evaluator files, scan, write the reports, fail loud.

Messages and logs name the file and the key entry's pseudonym (``[Person 3]``,
``register entry 4``), never the identifier; the identifiers go only to the private report.
A previous run's verdict (``metrics/verify.json``) is removed before the scan, so a stale
``passed: true`` can never stand for this run.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
import typer

from pipeline import catalogue
from pipeline.errors import QualevalError
from pipeline.heap import frozen_heap
from pipeline.io import atomic_files, write_json
from pipeline.params import Params, load_params
from pipeline.recognisers.residual import ResidualScan
from pipeline.text import placeholder_pattern
from pipeline.verify.disclosure_check import DisclosureResult, check_pack
from pipeline.verify.gate import FILE_NAME, VerifyResult, entries_from, verify

log = logging.getLogger(__name__)


def _report_rows(result: VerifyResult) -> list[dict[str, str]]:
    rows = [
        {k: leak[k] for k in ("file", "identifier", "entity_type", "pseudonym")}
        | {"problem": "leak in file name" if leak["where"] == FILE_NAME else "leak"}
        for leak in result.leaks
    ]
    rows += [
        {"file": u["file"], "identifier": "", "entity_type": "", "pseudonym": ""}
        | {"problem": u["reason"]}
        for u in result.unreadable
    ]
    if result.residual is not None:
        rows += result.residual.rows()
    return rows


def failure_message(result: VerifyResult, outputs: Path, report: Path) -> str:
    """The gate's error: files, pseudonyms and kinds only (no identifier is ever printed)."""
    lines = []
    for leak in result.leaks:
        where = leak["file"]
        if leak["where"] == FILE_NAME:
            where = f"a file or folder name under {outputs}/"
        lines.append(f"  {where}: {leak['pseudonym']} ({leak['entity_type']})")
    lines += [f"  {u['file']}: unreadable: {u['reason']}" for u in result.unreadable]
    residual = result.residual.failures if result.residual is not None else []
    kinds: dict[tuple[str, str], int] = {}
    for rel, kind, _ in residual:
        kinds[(rel, kind)] = kinds.get((rel, kind), 0) + 1
    lines += [f"  {rel}: {n} unreplaced {kind}(s)" for (rel, kind), n in sorted(kinds.items())]
    return (
        f"leak gate failed: {len(result.leaks)} known identifier(s), "
        f"{len(result.unreadable)} unreadable file(s) and {len(residual)} unlisted "
        f"identifier(s) under {outputs}/:\n"
        + "\n".join(lines)
        + "\nRemove or regenerate those files from anonymised data (add a missed identifier "
        "to the register or the review decisions, or allow-list a term that is not "
        f"identifying); the strings are listed only in the private report {report}"
    )


def _read(key: str, outputs: Path) -> pd.DataFrame | None:
    path = catalogue.artefact(key).path(outputs, outputs)
    return pd.read_parquet(path) if path.is_file() else None


def disclosure(outputs: Path, params: Params) -> DisclosureResult:
    """The disclosure check of the commissioner pack under ``outputs`` (ADR 0023)."""
    r = params.report
    pack = catalogue.artefact("report_md").path(outputs, outputs).parent
    return check_pack(
        pack,
        k=r.min_cell,
        k_attribution=r.attribution_min_group,
        attribution=r.attribution,
        interviews=_read("interviews", outputs),
        segments=_read("segments", outputs),
        participants=_read("participants_safe", outputs),
    )


def disclosure_message(found: DisclosureResult, report: Path) -> str:
    """The check's error: every table and cell that breaks the rule, and what to do."""
    lines = [f"  {v}" for v in found.violations]
    return (
        f"disclosure check failed: {len(found.violations)} published cell(s) or file(s) of "
        "the commissioner pack break the rule (groups of at least report.min_cell, "
        "attributions of at least report.attribution_min_group, no segment or interview "
        "id):\n" + "\n".join(lines) + "\nRegenerate the pack with the report stage (it "
        "suppresses such cells), merge small groups (report.role_groups), or move the file "
        f"to outputs/analysis/; the list is also in {report}"
    )


def _write_results(
    result: VerifyResult, found: DisclosureResult, report: Path, metrics: Path
) -> None:
    """The private report (leaks and disclosure breaches) and the metrics, atomically."""
    rows = _report_rows(result) + [
        {"file": v.table, "identifier": "", "entity_type": "disclosure", "pseudonym": ""}
        | {"problem": f"row '{v.row}', column '{v.column}': {v.problem}"}
        for v in found.violations
    ]
    with atomic_files({"verify_report": report, "verify_metrics": metrics}) as tmp:
        pd.DataFrame(rows, columns=list(catalogue.columns("verify_report"))).to_csv(
            tmp["verify_report"], index=False, lineterminator="\n"
        )
        passed = result.passed and not found.violations
        write_json(
            tmp["verify_metrics"],
            result.metrics() | {"passed": passed, "disclosure": found.metrics()},
        )


@frozen_heap()  # the gate's phrase indexes over the key and gazetteers are long-lived
def run_stage(
    params_path: Path | None,
    outputs: Path,
    key_path: Path,
    *,
    register_path: Path | None,
    decisions_path: Path | None,
    allow_path: Path | None,
    report: Path,
    metrics: Path,
) -> VerifyResult:
    """Load the key and register, scan ``outputs``, write the report; fail on any leak.

    Raises:
        QualevalError: naming file and pseudonym for every leak (or unreadable file).
    """
    from pipeline.evaluator_files.allow_list import allow_terms
    from pipeline.evaluator_files.decisions import read_decisions
    from pipeline.evaluator_files.register import load_register
    from pipeline.keyfile import read_key

    Path(metrics).unlink(missing_ok=True)  # a stale verdict must never stand for this run
    params = load_params(params_path)
    key = read_key(key_path)
    register = load_register(register_path)
    decisions = read_decisions(decisions_path)
    p, v = params.anonymise, params.verify
    allow = allow_terms(allow_path, p.allow, decisions, p.default_allow_list)  # as in anonymise
    entries = entries_from(key, register, decisions.add, allow)
    pseudonyms = {e.get("pseudonym", "") for e in key.get("entities", [])}
    residual = (
        ResidualScan(tuple(v.residual_fail), v.person_score, set(allow)) if v.residual else None
    )
    result = verify(
        outputs,
        entries,
        v.skip_extensions,
        allow,
        pseudonyms,
        placeholder_pattern(p.pseudonyms),
        ignore=[metrics],
        residual=residual,
    )
    found = disclosure(Path(outputs), params)
    _write_results(result, found, report, metrics)
    if not result.passed:
        raise QualevalError(failure_message(result, outputs, report))
    if found.violations:
        raise QualevalError(disclosure_message(found, report))
    warnings = result.metrics().get("residual_warnings", 0)
    log.info(
        "leak gate passed: %d files, %d identifiers checked, none found; %d capitalised "
        "name(s) nobody listed (warnings, in the private report)",
        len(result.files),
        result.identifiers,
        warnings,
    )
    log.info("disclosure check passed: %s", found.metrics())
    return result


def main(
    outputs: Path = typer.Option(Path("outputs"), help="folder to scan"),
    key: Path = typer.Option(Path("private/anonymisation_key.json"), help="pseudonym key"),
    register: Path = typer.Option(None, help="anonymisation register (YAML)"),
    decisions: Path = typer.Option(None, help="review decisions (CSV)"),
    allow_list: Path = typer.Option(None, help="allow-list (text)"),
    report: Path = typer.Option(Path("private/verify_report.csv"), help="private leak report"),
    metrics: Path = typer.Option(Path("outputs/metrics/verify.json"), help="metrics JSON"),
    params: Path = typer.Option(None, help="params.yaml"),
) -> None:
    """Leak gate: fail if an identifier known to the key or register is under outputs/."""
    from pipeline.io import optional_path

    run_stage(
        params,
        outputs,
        key,
        register_path=optional_path(register),
        decisions_path=optional_path(decisions),
        allow_path=optional_path(allow_list),
        report=report,
        metrics=metrics,
    )
