"""Anonymise stage: turns -> consistent pseudonyms, a private key, a review file and metrics.

Layers (ADR 0006): recognisers (:mod:`pipeline.recognisers.registry`) find candidate
identifiers; the allow-list and review decisions filter them; overlaps are resolved by
trust tier, then length, then the order in ``anonymise.recognisers`` (:mod:`.detect`);
mentions are linked into entities (same span, same name, register/speaker/council keys,
first names and surnames to the one full name they belong to); every occurrence of a
detected name is then replaced (propagation, :mod:`.link`); entities get pseudonyms
numbered by first appearance (:mod:`.pseudonymise`); :mod:`.tables` builds the outputs.

:func:`anonymise` (:mod:`.core`) is pure (DataFrames in, DataFrames out); :func:`main`
(:mod:`.stage`) does the file I/O. The evaluator's files (register, decisions, allow-list,
gold) are read by :mod:`pipeline.evaluator_files`.
"""

from pipeline.anonymise.core import AnonymiseResult, anonymise
from pipeline.anonymise.stage import main, run_stage
from pipeline.anonymise.tables import (
    MENTION_COLUMNS,
    REVIEW_COLUMNS,
    safe_interviews,
    score_against_gold,
)
from pipeline.evaluator_files.allow_list import read_allow_list
from pipeline.evaluator_files.decisions import Decisions, parse_decisions, read_decisions
from pipeline.evaluator_files.gold import read_gold

__all__ = [
    "MENTION_COLUMNS",
    "REVIEW_COLUMNS",
    "AnonymiseResult",
    "Decisions",
    "anonymise",
    "main",
    "parse_decisions",
    "read_allow_list",
    "read_decisions",
    "read_gold",
    "run_stage",
    "safe_interviews",
    "score_against_gold",
]
