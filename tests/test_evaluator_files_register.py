"""The register reader: validation errors, loading, and title stripping."""

from __future__ import annotations

import pytest

from pipeline.errors import QualevalError
from pipeline.evaluator_files.register import load_register, strip_title


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty register"),
        ("entities:\n  - {type: persn, name: A B}\n", r"entities\[0\]\.type"),
        ("entities:\n  - {type: person, name: ''}\n", r"entities\[0\]\.name"),
        (
            "entities:\n  - {type: person, name: A B, colour: red}\n",
            r"entities\[0\]\.colour: unknown key",
        ),
        (
            "entities:\n  - {type: person, name: A B}\n"
            "  - {type: person, name: C, aliases: [a b]}\n",
            r"entities\[1\] \(C\): 'a b' is already listed by entities\[0\]",
        ),
        ("entities: [\n", "not valid YAML"),
        ("- just a list\n", "expected a mapping"),
    ],
)
def test_when_register_malformed_then_error_names_entry_and_field(tmp_path, content, message):
    path = tmp_path / "register.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(QualevalError, match=message):
        load_register(path)


def test_when_register_valid_then_entities_load(tmp_path):
    path = tmp_path / "register.yaml"
    path.write_text(
        "entities:\n  - {type: council, name: Rivertown Council, aliases: [Rivertown]}\n"
    )
    (ent,) = load_register(path)
    assert ent.type == "council" and ent.aliases == ["Rivertown"]


@pytest.mark.parametrize(
    ("name", "bare"),
    [
        ("Councillor Ann Lee", "Ann Lee"),
        ("Mr. Smith", "Smith"),
        ("Cllr Dr Khan", "Khan"),
        ("Lord", "Lord"),
    ],
)
def test_when_title_stripped_then_name_remains(name, bare):
    assert strip_title(name) == bare
