"""Stance stage: how each coded segment and turn views the aspect its code names.

Not general sentiment: "the training was excellent but the funding ran out" is positive
towards a training code. Offline and rule-based (ADR 0015):

* :mod:`~pipeline.stance.lexicon`: VADER's lexicon with aspect words masked and the
  evaluative phrases of evaluation interviews added;
* :mod:`~pipeline.stance.polarity`: clause-level positive and negative evidence, contrast
  and hedges, and the decision rule;
* :mod:`~pipeline.stance.aspect`: which of a turn's sentences speak about the code (code
  centroids from the ``embed_codebook`` stage's vectors), and the codebook's valence priors;
* :mod:`~pipeline.stance.core`: :class:`StanceModel` and :func:`stance_tables`, the pure core;
* :mod:`~pipeline.stance.evaluation`: accuracy and macro-F1 against a stance gold;
* :mod:`~pipeline.stance.stage`: :func:`run_stage` and the typer entry :func:`main`.
"""

from pipeline.stance.core import (
    STANCES,
    StanceModel,
    StanceResult,
    counts,
    interview_stance,
    stance_tables,
)
from pipeline.stance.evaluation import score_against_gold
from pipeline.stance.stage import main, run_stage

__all__ = [
    "STANCES",
    "StanceModel",
    "StanceResult",
    "counts",
    "interview_stance",
    "main",
    "run_stage",
    "score_against_gold",
    "stance_tables",
]
