"""Surveys found in a folder (``data.surveys_dir``), each described from its own columns.

An evaluator drops a consultation or survey export into the folder and runs the pipeline with
no settings to write. Each ``.csv``/``.xlsx`` becomes a :class:`~pipeline.params.SurveyParams`:

- the **id column** is the first whose name is ``respondent_id``, ``respondent``,
  ``response_id`` or ``id`` (any case, spaces or underscores), otherwise the first column;
- the **answer columns** are those whose header is a question (ends with ``?``) or whose
  non-blank answers are mostly (the median) at least :data:`MIN_ANSWER_WORDS` words;
- every other column is an **attribute** of the respondent (like a metadata column).

Case ids are prefixed with the file's stem (``consultation-R17``), so two surveys never clash.
A survey listed in ``data.surveys`` keeps its own description and is not read twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from pipeline.errors import QualevalError
from pipeline.metadata_sheet import read_sheet
from pipeline.params import SurveyParams

log = logging.getLogger(__name__)

MIN_ANSWER_WORDS = 6
ID_NAMES = ("respondent_id", "respondent", "response_id", "id")
SUFFIXES = (".csv", ".xlsx")


def _key(name: str) -> str:
    return re.sub(r"[\s_-]+", "_", str(name).strip().lower())


def _is_answer_column(name: str, values: pd.Series) -> bool:
    if str(name).strip().endswith("?"):
        return True
    words = values[values.str.strip() != ""].str.split().str.len()
    return bool(len(words)) and float(words.median()) >= MIN_ANSWER_WORDS


def describe_survey(path: Path) -> SurveyParams:
    """The survey description of one file, found from its columns.

    Raises:
        QualevalError: when the file has no answer column (naming it, with what to do).
    """
    df, _ = read_sheet(path, None, "survey")
    columns = [str(c) for c in df.columns]
    keys = {_key(c): c for c in columns}
    id_column = next((keys[k] for k in ID_NAMES if k in keys), columns[0] if columns else "")
    rest = [c for c in columns if c != id_column]
    text = [c for c in rest if _is_answer_column(c, df[c].astype(str))]
    if not text:
        raise QualevalError(
            f"{path}: no answer column found (none has a question as its header or mostly "
            f"answers of {MIN_ANSWER_WORDS}+ words); describe the survey under data.surveys "
            "in params.yaml (path, id_column, text_columns), or move it out of the folder"
        )
    attributes = [c for c in rest if c not in text]
    return SurveyParams(
        path=Path(path),
        id_column=id_column,
        text_columns=text,
        attribute_columns=attributes,
        id_prefix=f"{Path(path).stem}-",
    )


def folder_surveys(folder: Path | None, listed: Sequence[SurveyParams] = ()) -> list[SurveyParams]:
    """Every survey file in ``folder`` (sorted by name) not already in ``listed``."""
    if folder is None or not Path(folder).is_dir():
        return []
    known = {Path(s.path).resolve() for s in listed}
    files = sorted(
        p for p in Path(folder).iterdir() if p.suffix.lower() in SUFFIXES and p.is_file()
    )
    found = [describe_survey(p) for p in files if p.resolve() not in known]
    for spec in found:
        log.info(
            "survey %s: id %s, %d answer column(s), %d attribute(s)",
            spec.path.name,
            spec.id_column,
            len(spec.text_columns),
            len(spec.attribute_columns),
        )
    return found
