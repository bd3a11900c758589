"""Given-name recogniser (names.py) and its hand-compiled list (data/first_names.txt)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from pipeline.recognisers.base import PERSON
from pipeline.recognisers.names import NAMES_FILE, FirstNameRecogniser

DATA = Path(__file__).resolve().parents[1] / "pipeline" / "recognisers" / "data"


@pytest.fixture(scope="module")
def names() -> FirstNameRecogniser:
    return FirstNameRecogniser()


def spans(recogniser, text):
    return [(d.start, d.end, d.text, d.score) for d in recogniser.analyse(text)]


def at(text, part, score, nth=0):
    """The expected ``(start, end, text, score)`` of the ``nth`` occurrence of ``part``."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return (start, start + len(part), part, score)


FULL = FirstNameRecogniser.SCORE_FULL
SINGLE = FirstNameRecogniser.SCORE_SINGLE


# --- positives ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We rang Sanjay Patel about the budget.", [("Sanjay Patel", FULL)]),
        ("The report went to Bethan Lloyd-Evans last week.", [("Bethan Lloyd-Evans", FULL)]),
        ("I think Siobhan O'Neill chaired it.", [("Siobhan O'Neill", FULL)]),
        ("I think Siobhan O’Neill chaired it.", [("Siobhan O’Neill", FULL)]),
        ("Then Callum McDonald joined the call.", [("Callum McDonald", FULL)]),
        ("Ask Mary Ann Hughes, she knows.", [("Mary Ann Hughes", FULL)]),
        ("It was Maria da Silva from finance.", [("Maria da Silva", FULL)]),
        ("We invited John F. Kennedy to speak.", [("John F. Kennedy", FULL)]),
        ("KEVIN BRADSHAW signed the form.", [("KEVIN BRADSHAW", FULL)]),
        ("Oluwaseun Adeyemi-Cole leads on that.", [("Oluwaseun Adeyemi-Cole", FULL)]),
        ("Will Brennan said it was fine.", [("Will Brennan", FULL)]),
        ("I spoke to Priya yesterday.", [("Priya", SINGLE)]),
        ("Honestly, Gurpreet was brilliant with the families.", [("Gurpreet", SINGLE)]),
        ("The new lead is Agnieszka, who started in the spring.", [("Agnieszka", SINGLE)]),
        ("Kwame", [("Kwame", SINGLE)]),
        ("DARREN was the one who phoned.", [("DARREN", SINGLE)]),
        ("Zoë said she would chase it.", [("Zoë", SINGLE)]),
        ("I know Siân from the forum.", [("Siân", SINGLE)]),
        ("Aoife and Niamh ran the sessions.", [("Aoife", SINGLE), ("Niamh", SINGLE)]),
        ("We passed it to Seán before the deadline.", [("Seán", SINGLE)]),
        ("Chloé Renée Martin came along.", [("Chloé Renée Martin", FULL)]),
        ("José was very helpful.", [("José", SINGLE)]),
        ("Joël came too.", [("Joël", SINGLE)]),  # an accent the list lacks
        ("Mary-Jane covered the rota.", [("Mary-Jane", SINGLE)]),
        ("Debbie and Phil did most of it.", [("Debbie", SINGLE), ("Phil", SINGLE)]),
        ("I think Precious was off sick.", [("Precious", SINGLE)]),
        ("Bob says it needs more money.", [("Bob", SINGLE)]),
    ],
)
def test_when_listed_name_then_person_detected(names, text, expected):
    found = names.analyse(text)
    assert spans(names, text) == [at(text, part, score) for part, score in expected]
    assert all(d.entity_type == PERSON and d.recogniser == "first_names" for d in found)


@pytest.mark.parametrize(
    ("text", "part", "score"),
    [
        ("Last year Tunde Bakare took over.", "Tunde Bakare", FULL),
        ("We asked Harpreet what she thought.", "Harpreet", SINGLE),
        ("I met Imran Hussain at the depot.", "Imran Hussain", FULL),
        ("The team under Tomasz Nowak grew.", "Tomasz Nowak", FULL),
    ],
)
def test_when_name_mid_sentence_then_exact_span(names, text, part, score):
    assert spans(names, text) == [at(text, part, score)]


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("Priya's team handled it.", "Priya"),
        ("That was Priya’s idea.", "Priya"),
        ("Sanjay Patel's view was clear.", "Sanjay Patel"),
    ],
)
def test_when_possessive_then_s_left_outside(names, text, part):
    found = names.analyse(text)
    assert [(d.start, d.end) for d in found] == [at(text, part, 0)[:2]]


# --- ambiguous names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I told Will about the audit.", ["Will"]),
        ("Thanks, Grace.", ["Grace"]),
        ("Hi Dawn, it's me.", ["Dawn"]),
        ("We worked with Hope on the bid.", ["Hope"]),
        ("Grace said no.", ["Grace"]),
        ("May said the panel was full.", ["May"]),
        ("I asked June and she agreed.", ["June"]),
        ("Priya and Will went together.", ["Priya", "Will"]),
        ("Grace's point was fair.", ["Grace"]),
        ("The person from Ruby who runs the hub.", ["Ruby"]),
    ],
)
def test_when_ambiguous_name_in_person_context_then_detected(names, text, expected):
    assert spans(names, text) == [at(text, part, SINGLE) for part in expected]


@pytest.mark.parametrize(
    "text",
    [
        "Will you come?",
        "It starts in May.",
        "Mark my words, it will be cut.",
        "Grace period is three months.",
        "There is a grace period.",
        "We hope Faith and Hope survive the cuts.",
        "From April to June we paused visits.",
        "in April and May",
        "May's elections changed everything.",
        "Rob the budget to pay for it?",
        "Summer holidays were hard.",
        "We flagged it as Amber last quarter.",
        "Frank conversations were needed.",
        "India has a different model.",
        "May Day bank holiday.",
        "Precious little has changed.",
    ],
)
def test_when_ambiguous_name_without_context_then_nothing(names, text):
    assert names.analyse(text) == []


# --- other negatives --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Mr Smith was not there.",
        "Mr John Smith was not there.",
        "Cllr Ann Tregenza asked a question.",
        "Dr. Priya Shah is the lead.",
        "She works on Victoria Street.",
        "We met at Alexandra Park.",
        "The office is in Christopher House.",
        "Our kids go to St George's Primary.",
        "St Mary's was full.",
        "They took him to Guy's Hospital.",
        "The Mary Seacole centre closed.",
        "Queen Elizabeth Hospital in Woolwich.",
        "Go via King's Cross.",
        "Milton Keynes is growing.",
        "Milton Keynes Council agreed.",
        "We took the Victoria line.",
        "The Roman Catholic school.",
        "It was the Victoria that closed.",
        "Ask SAM or ADA about it.",  # short capitals: acronyms as often as names
        "the priya and sanjay files",  # lower case: not a proper noun
    ],
)
def test_when_title_place_or_organisation_then_nothing(names, text):
    assert names.analyse(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I saw Emma Monday morning.", ["Emma"]),  # a weekday is not a surname
        ("In May Priya said yes.", ["Priya"]),  # a month before a name is not a first name
        ("I think Darren Yeah was it.", ["Darren"]),
        ("Will Sanjay come?", ["Sanjay"]),
        ("Sanjay Council officers", []),  # a head after the name: part of a larger name
    ],
)
def test_when_capitalised_non_surname_follows_then_first_name_only(names, text, expected):
    assert [d.text for d in names.analyse(text)] == expected


# --- the list ---------------------------------------------------------------------------------


def test_when_list_loaded_then_sorted_unique_nfc_and_sized():
    lines = [line for line in NAMES_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    header = [line for line in lines if line.startswith("#")]
    entries = [line for line in lines if not line.startswith("#")]
    assert header and "hand-compiled" in " ".join(header)
    assert 1500 <= len(entries) <= 2600
    assert len(set(entries)) == len(entries)
    assert all(e == unicodedata.normalize("NFC", e) and e == e.strip() for e in entries)
    assert all(e[:1].isupper() for e in entries)
    key = [(unicodedata.normalize("NFKD", e).casefold(), e) for e in entries]
    assert key == sorted(key)


@pytest.mark.parametrize(
    "name",
    [
        "Priya", "Sanjay", "Imran", "Nadia", "Ravi", "Sunita", "Raj", "Dev", "Jas", "Harpreet",
        "Gurpreet", "Precious", "Chidi", "Oluwaseun", "Kwame", "Abena", "Tunde", "Agnieszka",
        "Tomasz", "Bernie", "Jackie", "Kath", "Debbie", "Jo", "Mike", "Sue", "Phil", "Steve",
        "Ray", "Bob", "Jim", "Pat", "Di", "Viv", "Mo", "Nick", "Sam", "Liz", "Beth", "Zoë",
        "Chloé", "Renée", "José", "Siân", "Seán", "Aoife", "Niamh",
    ],
)  # fmt: skip
def test_when_common_name_then_listed(names, name):
    assert names.is_name(name)


def test_when_ambiguous_sets_then_all_listed():
    known = FirstNameRecogniser.names()
    cls = FirstNameRecogniser
    assert cls.AMBIGUOUS <= known
    assert cls.INITIAL_AMBIGUOUS <= known
    assert cls.MONTHS <= cls.AMBIGUOUS


def test_when_recogniser_built_twice_then_list_read_once():
    assert FirstNameRecogniser().names() is FirstNameRecogniser().names()


def test_when_data_folder_then_list_shipped():
    assert (DATA / "first_names.txt") == NAMES_FILE
