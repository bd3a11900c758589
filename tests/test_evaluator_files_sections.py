"""Tests for pipeline.evaluator_files.sections: the evaluator's Markdown sections, read one way."""

from __future__ import annotations

import pytest

from pipeline.errors import QualevalError
from pipeline.evaluator_files.sections import read_section, read_sections, section_field
from pipeline.params import EvaluatorSections


@pytest.mark.parametrize(
    ("place", "field"),
    [
        ("recommendations", "evaluation.sections.recommendations"),
        ("theme:benefit", "evaluation.sections.themes.benefit"),
    ],
)
def test_when_place_given_then_its_params_field_is_named(place, field):
    assert section_field(place) == field


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (None, r"not found \(evaluation\.sections\.discussion in params\.yaml\); write"),
        ("folder", r"a folder, not a Markdown file \(evaluation\.sections\.discussion\)"),
        (b"\xff\xfe", r"not UTF-8 text \(evaluation\.sections\.discussion\); save it as UTF-8"),
    ],
)
def test_when_section_file_is_bad_then_error_names_file_field_and_fix(tmp_path, make, message):
    path = tmp_path / "discussion.md"
    if make == "folder":
        path.mkdir()
    elif make is not None:
        path.write_bytes(make)
    with pytest.raises(QualevalError, match=rf"discussion\.md: {message}"):
        read_section(path, "discussion")


def test_when_sections_named_then_each_is_read_stripped_under_its_place(tmp_path):
    (tmp_path / "a.md").write_text("\n  Our view.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("On benefits.", encoding="utf-8")
    sections = EvaluatorSections(
        discussion=tmp_path / "a.md", themes={"benefit": tmp_path / "b.md"}
    )
    assert read_sections(sections) == {"discussion": "Our view.", "theme:benefit": "On benefits."}
