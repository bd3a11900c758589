"""What the evaluator writes into the report: the ``evaluation`` block's files and code ids.

The Markdown sections (``evaluation.sections``) are read the one way, and the code ids the
block names (research questions, theme sections) are matched to the codebook. The report
stage uses both; the input check runs both up front, so a missing section or a misspelt id
is reported before the heavy stages run rather than after them.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from pathlib import Path

from pipeline.errors import QualevalError
from pipeline.params import EvaluationParams, EvaluatorSections


def section_field(place: str) -> str:
    """The params field that names a section (``theme:x`` -> ``evaluation.sections.themes.x``)."""
    return f"evaluation.sections.{place.replace('theme:', 'themes.')}"


def read_section(path: Path, place: str) -> str:
    """The text of the section file ``path`` named for ``place``, stripped.

    Raises:
        QualevalError: naming the file, its params field and what to do, when it is missing,
            a folder, unreadable or not UTF-8 text.
    """
    field = section_field(place)
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise QualevalError(
            f"{path}: not found ({field} in params.yaml); write the section there or "
            "remove the entry"
        ) from None
    except IsADirectoryError:
        raise QualevalError(f"{path}: a folder, not a Markdown file ({field})") from None
    except UnicodeDecodeError:
        raise QualevalError(f"{path}: not UTF-8 text ({field}); save it as UTF-8") from None
    except OSError as exc:
        raise QualevalError(
            f"{path}: cannot be read ({exc.strerror}; {field}); check its permissions"
        ) from None


def read_sections(sections: EvaluatorSections) -> dict[str, str]:
    """Every section file named, read (:func:`read_section`), keyed as ``named()`` keys it."""
    return {place: read_section(path, place) for place, path in sections.named().items()}


def unknown_codes(evaluation: EvaluationParams, code_ids: Collection[str]) -> list[str]:
    """Every code the evaluation block names that the codebook lacks, with where it is named.

    A research question's codes and a theme section's id are matched to the codebook: a
    misspelt id would otherwise drop silently out of the answer to its question.
    """
    named = [
        (f"evaluation.research_questions[{i}].codes", c)
        for i, rq in enumerate(evaluation.research_questions)
        for c in rq.codes
    ]
    named += [("evaluation.sections.themes", t) for t in evaluation.sections.themes]
    ids = sorted(code_ids)
    out = []
    for where, c in named:
        if c not in code_ids:
            close = difflib.get_close_matches(c, ids, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            out.append(f"{where}: {c!r} is not a code of the codebook{hint}")
    return out
