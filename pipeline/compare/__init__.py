"""Compare stage: honest agreement, counts with intervals, the review sheet; coder vs coder.

* :mod:`~pipeline.compare.core`: :func:`compare`, two codings of the same turns code by code;
* :mod:`~pipeline.compare.honest`: the basis agreement is measured on (never turns whose
  human codes the machine learned) and coding density;
* :mod:`~pipeline.compare.prevalence`: interviews per code, adjusted, with 95% intervals;
* :mod:`~pipeline.compare.sheet`: the review sheet (one row per turn, a proposed batch);
* :mod:`~pipeline.compare.coders`: two human coders compared (``qualeval compare-coders``);
* :mod:`~pipeline.compare.stage`: :func:`run_stage` and the typer entry :func:`main`.
"""

from pipeline.compare.coders import compare_coders, krippendorff_alpha_binary
from pipeline.compare.core import PER_CODE_COLUMNS, agreement_summary, compare, per_code_agreement
from pipeline.compare.honest import density, honest_agreement, honest_basis, machine_coding
from pipeline.compare.prevalence import PREVALENCE_COLUMNS, prevalence
from pipeline.compare.sheet import propose_batch, review_sheet, turn_uncertainty, write_review_xlsx
from pipeline.compare.stage import main, run_stage

__all__ = [
    "PER_CODE_COLUMNS",
    "PREVALENCE_COLUMNS",
    "agreement_summary",
    "compare",
    "compare_coders",
    "density",
    "honest_agreement",
    "honest_basis",
    "krippendorff_alpha_binary",
    "machine_coding",
    "main",
    "per_code_agreement",
    "prevalence",
    "propose_batch",
    "review_sheet",
    "run_stage",
    "turn_uncertainty",
    "write_review_xlsx",
]
