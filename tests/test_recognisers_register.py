"""Register, known-people and review recognisers; register validation errors."""

from __future__ import annotations

import pytest

from pipeline.errors import QualevalError
from pipeline.recognisers.register import (
    KnownPeopleRecogniser,
    RegisterEntity,
    RegisterRecogniser,
    ReviewRecogniser,
    load_register,
    strip_title,
)


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


def test_when_register_names_appear_then_detected_with_register_key():
    rec = RegisterRecogniser(
        [RegisterEntity(type="person", name="Councillor Ann Lee", aliases=["Annie"])]
    )
    dets = rec.analyse("Councillor Ann Lee, Ann Lee and Annie; annual annie.")
    assert [d.text for d in dets] == ["Councillor Ann Lee", "Ann Lee", "Annie"]
    assert {d.canonical for d in dets} == {"register:councillor ann lee"}
    assert all(d.recogniser == "register" and d.score == 1.0 for d in dets)


def test_when_speakers_known_then_full_and_unique_part_names_found():
    rec = KnownPeopleRecogniser(["Dev Mistry", "Dev Sahota", "Gemma Lyle", "HELEN"])
    found = [(d.text, d.canonical) for d in rec.analyse("Dev said Gemma and Mistry met Helen.")]
    assert ("Gemma", "person:gemma lyle") in found
    assert ("Mistry", "person:dev mistry") in found
    assert ("Helen", "person:helen") in found
    assert not any(text == "Dev" for text, _ in found)  # two Devs: ambiguous


def test_when_review_adds_identifiers_then_found_literally_or_as_phrases():
    rec = ReviewRecogniser([("Tresco", "place"), ("ref: AB/123", "organisation")])
    assert [d.text for d in rec.analyse("Tresco (ref: AB/123) and tresco")] == [
        "Tresco",
        "ref: AB/123",
    ]


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
