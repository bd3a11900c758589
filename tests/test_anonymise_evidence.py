"""The evidence rules of the anonymise stage (pipeline.anonymise.evidence), one by one."""

from __future__ import annotations

import pytest

from pipeline.anonymise import evidence
from pipeline.anonymise.link import Mention
from pipeline.recognisers.base import COUNCIL, PERSON, PLACE, Detection


def det(text: str, part: str, etype: str, source: str = "places") -> Detection:
    start = text.index(part)
    return Detection(start, start + len(part), etype, source, 0.9, part)


@pytest.mark.parametrize(
    ("text", "person", "expected"),
    [
        ("Adaeze Okafor-Lindqvist runs it.", "Adaeze", "Adaeze Okafor-Lindqvist"),
        ("Adaeze Council met.", "Adaeze", "Adaeze"),  # a head word, not a surname
        ("Adaeze Ofsted came.", "Adaeze", "Adaeze"),  # an allowed term
        ("Adaeze and Priya", "Adaeze", "Adaeze"),
    ],
)
def test_when_a_lone_first_name_is_followed_by_a_surname_then_it_is_widened(text, person, expected):
    rows = [[det(text, person, PERSON, "speakers")]]
    evidence.extend_surnames([text], rows, {"ofsted"})
    assert rows[0][0].text == expected


@pytest.mark.parametrize(
    ("text", "place", "nickname"),
    [
        ("out towards Skem, Skelmersdale, mostly", "Skelmersdale", "Skem"),
        ("in Skelmersdale (Skem) mostly", "Skelmersdale", "Skem"),
        ("out towards Wigan, Skelmersdale", "Skelmersdale", None),  # other letters
        ("and Skel, Skelmersdale", "Skelmersdale", None),  # the corpus writes "skel" in lower case
    ],
)
def test_when_a_short_word_next_to_a_place_shares_its_start_then_it_is_its_nickname(
    text, place, nickname
):
    rows = [[det(text, place, PLACE)]]
    evidence.place_nicknames([text], rows, set(), {"skel"})
    added = [d for d in rows[0] if d.recogniser == evidence.SOURCE]
    assert [d.text for d in added] == ([nickname] if nickname else [])
    assert all(d.canonical == "name:skelmersdale" for d in added)  # linked to the place


@pytest.mark.parametrize(
    ("text", "place", "etype", "added"),
    [
        ("children of Thetford or Brinnington are", "Thetford", PLACE, ["Brinnington"]),
        ("we cover Wigan and Tyldesley", "Wigan", COUNCIL, ["Tyldesley"]),
        ("Wigan and Simon went", "Wigan", COUNCIL, []),  # a given name: a person
        ("Wigan and Ofsted", "Wigan", COUNCIL, []),  # allowed
        ("in Wigan and Thursdays", "Wigan", COUNCIL, []),  # a day
        ("Wigan and Hope", "Wigan", COUNCIL, []),  # the corpus writes "hope" in lower case
    ],
)
def test_when_an_unknown_word_is_coordinated_with_a_place_then_it_is_a_place(
    text, place, etype, added
):
    rows = [[det(text, place, etype)]]
    evidence.coordinated_places([text], rows, {"ofsted"}, {"hope"})
    assert [d.text for d in rows[0] if d.recogniser == evidence.SOURCE] == added


@pytest.mark.parametrize(
    ("text", "street", "expected"),
    [
        ("She lives at 14 Acacia Road now", "Acacia Road", "14 Acacia Road"),
        ("Number 7a Mill Lane", "Mill Lane", "Number 7a Mill Lane"),
        ("Flat 3, Eaves Lane", "Eaves Lane", "Flat 3, Eaves Lane"),
        ("about £14 Acacia Road", "Acacia Road", "Acacia Road"),
        ("the Acacia Estate", "Acacia Estate", "Acacia Estate"),  # not a street
    ],
)
def test_when_a_house_number_precedes_a_street_then_the_address_is_one_mention(
    text, street, expected
):
    mentions = [Mention(0, det(text, street, PLACE, "facilities"))]
    evidence.extend_house_numbers([text], mentions)
    assert mentions[0].det.text == expected


def test_when_a_formal_first_name_is_known_then_its_short_forms_map_to_it():
    forms = evidence.nickname_forms({"gareth", "rebecca"})
    assert forms["gaz"] == {"gareth"} and forms["bex"] == {"rebecca"}
    assert "jo" not in forms  # nobody called Joanne, Joanna or Josephine is known


def test_when_one_surface_has_two_types_in_an_interview_then_the_better_evidence_wins():
    from pipeline.anonymise.link import UnionFind

    texts = ["I told Grace.", "We met in Grace."]
    m1 = Mention(0, det(texts[0], "Grace", PERSON, "first_names"), key="first:I1:grace")
    m2 = Mention(1, det(texts[1], "Grace", PLACE, "ner"), key="name:grace")
    uf = UnionFind()
    uf.find(m1.key), uf.find(m2.key)
    evidence.one_type_per_surface([m1, m2], uf, ["I1", "I1"])
    assert m2.det.entity_type == PERSON and uf.find(m2.key) == uf.find(m1.key)
