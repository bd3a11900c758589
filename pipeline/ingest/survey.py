"""Open-ended survey responses (``data.surveys``): one row per respondent becomes a case.

Each free-text column is one respondent turn, preceded by its question (the column header,
or ``questions``) as an interviewer turn labelled ``Question``; the other listed columns are
the case's attributes, like metadata columns. A blank answer gives no turn (and no question
turn); it is counted in the case's ``n_blank_answers``. A respondent who left every answer
blank is not a case: the row is recorded in the rejects table (reason ``no_answers``) and
does not count in any denominator. Turns have ``source_unit`` ``cell``: ``source_start`` and
``source_end`` are the spreadsheet line (1 = the header, so a question's line is 1).
"""

from __future__ import annotations

import logging

import pandas as pd

from pipeline.errors import QualevalError
from pipeline.ingest.roles import INTERVIEWER, RESPONDENT
from pipeline.ingest.tables import reject_row
from pipeline.ingest.turns import WORD
from pipeline.metadata_sheet import read_sheet
from pipeline.params import SurveyParams

log = logging.getLogger(__name__)

QUESTION_LABEL, RESPONDENT_LABEL = "Question", "Respondent"
SURVEY = "survey"


def check_survey(df: pd.DataFrame, spec: SurveyParams) -> pd.DataFrame:
    """Check the columns and ids of one survey; return it with stripped strings.

    Raises:
        QualevalError: naming the file, the line and the column of every problem.
    """
    df = df.copy()
    df.columns = [str(c).strip() for c in df.columns]
    src = str(spec.path)
    wanted = [spec.id_column, *spec.text_columns, *spec.attribute_columns]
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        raise QualevalError(
            f"{src}: column(s) {', '.join(missing)} not found (data.surveys); the header has "
            f"{', '.join(df.columns)}"
        )
    for c in wanted:
        df[c] = df[c].astype(str).str.strip()
    ids = df[spec.id_column]
    problems = [
        f"{src}: line {i + 2}: {spec.id_column} is empty; give every respondent an id"
        for i in df.index[ids == ""]
    ]
    dup = df[ids.duplicated(keep=False) & (ids != "")]
    for value, grp in dup.groupby(spec.id_column, sort=True):
        lines = ", ".join(str(i + 2) for i in grp.index)
        problems.append(f"{src}: lines {lines}: duplicate {spec.id_column} {value!r}")
    if problems:
        raise QualevalError("\n".join(problems))
    return df


def _turn(iid: str, idx: int, role: str, text: str, rel: str, line: int) -> dict:
    label = QUESTION_LABEL if role == INTERVIEWER else RESPONDENT_LABEL
    return {
        "interview_id": iid,
        "turn_index": idx,
        "speaker_label": label,
        "speaker_role": role,
        "role_rule": SURVEY,
        "text": text,
        "n_words": len(WORD.findall(text)),
        "source_file": rel,
        "source_unit": "cell",
        "source_start": line,
        "source_end": line,
        "start_s": None,
        "end_s": None,
    }


def survey_case(row: dict, line: int, spec: SurveyParams, rel: str) -> tuple[list[dict], int]:
    """One respondent's turns (question, answer, ...) and the number of blank answers."""
    iid = spec.id_prefix + row[spec.id_column]
    turns: list[dict] = []
    blank = 0
    for col in spec.text_columns:
        answer = row[col]
        if not answer:
            blank += 1
            continue
        question = spec.questions.get(col, col)
        turns.append(_turn(iid, len(turns), INTERVIEWER, question, rel, 1))
        turns.append(_turn(iid, len(turns), RESPONDENT, answer, rel, line))
    return turns, blank


def case_row(
    row: dict, spec: SurveyParams, rel: str, encoding: str, turns: list[dict], blank: int
) -> dict:
    """The interviews table's row of one respondent: id, attributes, then the counts."""
    return {
        "interview_id": spec.id_prefix + row[spec.id_column],
        "file": rel,
        **{c: row[c] for c in spec.attribute_columns},
        "case_kind": SURVEY,
        "format": spec.path.suffix.lower().lstrip("."),
        "encoding": encoding,
        "n_turns": len(turns),
        "n_respondent_turns": sum(t["speaker_role"] == RESPONDENT for t in turns),
        "n_words": sum(t["n_words"] for t in turns),
        "has_preamble": False,
        "n_speakers": 2 if turns else 0,
        "n_blank_answers": blank,
    }


def iter_survey(spec: SurveyParams) -> list[tuple[str, object]]:
    """``("turns"|"interview"|"reject", payload)`` for every respondent of one survey.

    Raises:
        QualevalError: when the file cannot be read or its columns or ids are wrong.
    """
    raw, encoding = read_sheet(spec.path, spec.sheet, "survey file")
    df = check_survey(raw, spec)
    rel = spec.path.as_posix()
    out: list[tuple[str, object]] = []
    n_blank = 0
    for i, row in zip(df.index, df.to_dict("records"), strict=True):
        turns, blank = survey_case(row, i + 2, spec, rel)
        n_blank += blank
        iid = spec.id_prefix + row[spec.id_column]
        if not turns:
            message = f"line {i + 2}: every answer is blank; the respondent is not counted"
            out.append(("reject", reject_row(rel, iid, "no_answers", message)))
            continue
        out.append(("turns", turns))
        out.append(("interview", case_row(row, spec, rel, encoding, turns, blank)))
    log.info("survey %s: %d respondent(s), %d blank answer(s) (no turn)", rel, len(df), n_blank)
    return out
