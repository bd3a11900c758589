"""Register, known-people and review recognisers."""

from __future__ import annotations

from pipeline.evaluator_files.register import RegisterEntity
from pipeline.recognisers.known import (
    KnownPeopleRecogniser,
    RegisterRecogniser,
    ReviewRecogniser,
)


def test_when_register_names_appear_in_any_case_then_detected_with_register_key():
    rec = RegisterRecogniser(
        [RegisterEntity(type="person", name="Councillor Ann Lee", aliases=["Annie"])]
    )
    dets = rec.analyse("Councillor Ann Lee, Ann Lee and Annie; annual annie.")
    # a person's name that is no common word is found in lower case too ("annie")
    assert [d.text for d in dets] == ["Councillor Ann Lee", "Ann Lee", "Annie", "annie"]
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
