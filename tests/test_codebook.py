"""Codebook validation: the minimal hand-written form works; every mistake is named."""

from __future__ import annotations

import pytest

from pipeline.codebook import load_codebook, parse_codebook
from pipeline.errors import QualevalError

PARENT = {"id": "benefit", "label": "Benefits", "definition": "Good things."}
CHILD = {
    "id": "benefit.sharing",
    "label": "Sharing",
    "parent": "benefit",
    "definition": "Sharing practice.",
    "keywords": ["share"],
}


def _book(*codes):
    return {"codes": list(codes)}


ERROR_CASES = [
    (
        "duplicate_id",
        _book(PARENT, CHILD, CHILD),
        "codebook.yaml: codes[2] (benefit.sharing).id: duplicate id, also codes[1]",
    ),
    (
        "unknown_parent",
        _book(PARENT, {**CHILD, "parent": "benfit"}),
        "codebook.yaml: codes[1] (benefit.sharing).parent: unknown parent 'benfit'",
    ),
    (
        "cycle",
        _book({**PARENT, "parent": "benefit.sharing"}, CHILD),
        "cycle benefit -> benefit.sharing -> benefit",
    ),
    (
        "empty_definition",
        _book(PARENT, {**CHILD, "definition": "  "}),
        "codebook.yaml: codes[1] (benefit.sharing).definition: Value error, must not be empty",
    ),
    (
        "missing_definition",
        _book(PARENT, {k: v for k, v in CHILD.items() if k != "definition"}),
        "codebook.yaml: codes[1] (benefit.sharing).definition: required; add it",
    ),
    (
        "child_without_material",
        _book(PARENT, {**CHILD, "keywords": []}),
        "codebook.yaml: codes[1] (benefit.sharing): not enough material to code from",
    ),
    (
        "bad_id",
        _book(PARENT, {**CHILD, "id": "Benefit Sharing"}),
        "codebook.yaml: codes[1] (Benefit Sharing).id: Value error, "
        "'Benefit Sharing' is not a valid id",
    ),
    (
        "unknown_key",
        _book(PARENT, {**CHILD, "keywrods": ["x"]}),
        "codebook.yaml: codes[1] (benefit.sharing).keywrods: unknown key",
    ),
    (
        "empty_pattern",
        _book(PARENT, {**CHILD, "patterns": [[]]}),
        "codebook.yaml: codes[1] (benefit.sharing).patterns: Value error, pattern 0 is empty",
    ),
    (
        "pattern_not_token_maps",
        _book(PARENT, {**CHILD, "patterns": ["share"]}),
        "codebook.yaml: codes[1] (benefit.sharing).patterns[0]: Input should be a valid list",
    ),
    ("no_codes", {"codes": []}, "codebook.yaml: codes: List should have at least 1 item"),
    ("not_a_mapping", ["a"], "expected a mapping with a 'codes' list"),
    ("bad_colour", _book(PARENT, {**CHILD, "colour": "red"}), "'red' is not a colour"),
]


@pytest.mark.parametrize(("case", "raw", "message"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_when_codebook_invalid_then_error_names_file_position_id_and_fix(case, raw, message):
    with pytest.raises(QualevalError) as err:
        parse_codebook(raw, "codebook.yaml")
    assert message in str(err.value)


def test_when_minimal_hand_written_codebook_then_valid(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(
        "codes:\n"
        "  - id: access\n    label: Access\n    definition: Getting to the service.\n"
        "  - id: access.transport\n    label: Transport\n    parent: access\n"
        "    definition: Travel to appointments.\n    examples: [the bus never comes]\n"
    )
    book = load_codebook(path)
    assert [c.id for c in book.leaves()] == ["access.transport"]
    assert book.by_id()["access.transport"].examples == ["the bus never comes"]


def test_when_sample_codebook_loaded_then_six_parents_and_25_to_35_children(root):
    book = load_codebook(root / "codebook" / "codebook.yaml")
    parents = [c.id for c in book.codes if not c.parent]
    assert parents == [
        "benefit",
        "challenge",
        "impact",
        "value_for_money",
        "sustainability",
        "recommendation",
    ]
    assert 25 <= len(book.leaves()) <= 35


def test_when_codebook_not_yaml_then_line_named(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text("codes:\n  - id: a\n   label: [x\n")
    with pytest.raises(QualevalError, match=r"codebook.yaml: line \d+: not valid YAML"):
        load_codebook(path)
