"""Code stage: apply the codebook to respondent turns, with scores, methods and evidence.

Coders (each a small class with ``name`` and ``score(...)``): :class:`KeywordCoder` and
:class:`SemanticCoder` (:mod:`pipeline.coding.coders`), and
:class:`pipeline.coding.supervised.SupervisedCoder` when human codes are given for training
(optionally with :class:`pipeline.coding.finetuned.FineTunedCoder` as a member).

* :mod:`~pipeline.coding.scoring`: turn-level decision scores and the decision rule;
* :mod:`~pipeline.coding.calibration`: F1 over threshold grids and cross-fitting;
* :mod:`~pipeline.coding.placement`: codes placed on segments, methods, evidence, roll-up;
* :mod:`~pipeline.coding.core`: :func:`code_segments`, the pure core;
* :mod:`~pipeline.coding.stage`: :func:`run_stage` and the typer entry :func:`main`.

The supervised and fine-tuned coders are imported only when used (scikit-learn and torch are
slow to import), so they are not re-exported here.
"""

from pipeline.coding.calibration import (
    best_on_grid,
    cross_fit_thresholds,
    f1_curve,
    fit_thresholds,
    interview_folds,
)
from pipeline.coding.coders import KeywordCoder, SemanticCoder, cached_encoder, normalise
from pipeline.coding.core import CodingResult, code_segments, index_turns
from pipeline.coding.placement import SEGMENT_CODE_COLUMNS, TURN_CODE_COLUMNS, rollup
from pipeline.coding.scoring import (
    competition,
    decide,
    pool_turns,
    standardise,
    turn_matrix_scores,
    turn_scores,
)
from pipeline.coding.stage import main, read_codes_for_calibration, run_stage

__all__ = [
    "SEGMENT_CODE_COLUMNS",
    "TURN_CODE_COLUMNS",
    "CodingResult",
    "KeywordCoder",
    "SemanticCoder",
    "best_on_grid",
    "cached_encoder",
    "code_segments",
    "competition",
    "cross_fit_thresholds",
    "decide",
    "f1_curve",
    "fit_thresholds",
    "index_turns",
    "interview_folds",
    "main",
    "normalise",
    "pool_turns",
    "read_codes_for_calibration",
    "rollup",
    "run_stage",
    "standardise",
    "turn_matrix_scores",
    "turn_scores",
]
