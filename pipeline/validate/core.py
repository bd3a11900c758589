"""The up-front input check: every problem of every input, grouped by file, in one error."""

from __future__ import annotations

import logging

from pipeline.params import Params, load_params
from pipeline.validate.corpus import check_corpus
from pipeline.validate.files import (
    check_codebook,
    check_evaluator_files,
    check_models,
    check_sections,
)
from pipeline.validate.folders import check_folders
from pipeline.validate.problems import Problems, RunSpec

log = logging.getLogger(__name__)

__all__ = ["Problems", "RunSpec", "check_inputs"]


def _params(spec: RunSpec, problems: Problems) -> Params | None:
    where = spec.params if spec.params is not None else "params"
    got = problems.attempt(where, lambda: load_params(spec.params))
    return got if isinstance(got, Params) else None


def check_inputs(spec: RunSpec) -> Problems:
    """Check every input of a run; return the problems (empty when all is well).

    The params come first: without valid params the other checks cannot know their
    settings, so they use the built-in defaults and their findings are still reported.
    """
    problems = Problems()
    params = _params(spec, problems) or Params()
    check_folders(spec, problems)
    codes = check_codebook(spec, problems)
    check_corpus(spec, params, problems)
    check_evaluator_files(spec, params, problems, codes)
    check_sections(spec, params, problems, codes)
    check_models(params, problems)
    log.info(
        "input check: %d check(s), %d problem(s) in %d file(s)",
        problems.checked,
        len(problems),
        len(problems.by_file),
    )
    return problems
