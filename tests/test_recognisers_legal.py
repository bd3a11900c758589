"""Opt-in legal recognisers: years, demographics, countries (and the case-number patterns)."""

from __future__ import annotations

import re

import pytest

from pipeline.recognisers.base import DATE, DEMOGRAPHIC, ENTITY_TYPES
from pipeline.recognisers.legal import (
    CASE_NUMBER_PATTERNS,
    LEGAL_RECOGNISERS,
    CountryRecogniser,
    DemographicRecogniser,
    YearRecogniser,
)


def found(recogniser, text: str) -> list[tuple[str, str]]:
    return [(d.text, d.entity_type) for d in recogniser.analyse(text)]


def test_when_listing_legal_recognisers_then_names_are_unique_and_types_are_known():
    names = [cls.name for cls in LEGAL_RECOGNISERS]
    assert names == [
        "case_numbers",
        "years",
        "demographics",
        "countries",
        "world_places",
        "amounts",
        "institutions",
        "durations",
    ]
    for cls in LEGAL_RECOGNISERS:
        assert set(cls.entity_types) <= set(ENTITY_TYPES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("She moved to Hull in 1987.", ["1987"]),
        ("In 2011, the centre closed.", ["2011"]),
        ("2011 was a hard year.", ["2011"]),
        ("We have worked together since 2004", ["2004"]),
        ("the scheme ran between 1998 and 2002", ["1998 and 2002"]),
        ("from 1995-97 he was a governor", ["1995-97"]),
        ("the flood of October 2007 and the drought", ["October 2007"]),
        ("they met at the end of 1979", ["1979"]),
    ],
)
def test_when_year_is_in_date_context_then_years_finds_it(text, expected):
    assert [t for t, _ in found(YearRecogniser(), text)] == expected
    assert all(e == DATE for _, e in found(YearRecogniser(), text))


@pytest.mark.parametrize(
    "text",
    [
        "under the Children Act 1989 the duty is clear",
        "the Licensing Regulations 2005 apply",
        "there were 2012 responses to the survey",
        "a budget of 1999.50 pounds",
        "room 1984 is on the second floor",
        "in 1850 the mill opened",
        "the estate was built in the 1960s",
        "reference 20041 was filed",
    ],
)
def test_when_number_is_not_a_year_in_context_then_years_finds_nothing(text):
    assert found(YearRecogniser(), text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("he is a Polish national living in Leeds", [("Polish national", DEMOGRAPHIC)]),
        ("my neighbours are Somali", [("Somali", DEMOGRAPHIC)]),
        ("a citizen of Ghana who", [("citizen of Ghana", DEMOGRAPHIC)]),
        ("two Sri Lankan citizens", [("Sri Lankan citizens", DEMOGRAPHIC)]),
        ("a Czech Republic national", [("Czech Republic national", DEMOGRAPHIC)]),
        ("she was aged 52 at the time", [("aged 52", DEMOGRAPHIC)]),
        ("at the age of sixty-two he retired", [("age of sixty-two", DEMOGRAPHIC)]),
        ("a 38-year-old carer", [("38-year-old", DEMOGRAPHIC)]),
        ("he is 71 years old", [("71 years old", DEMOGRAPHIC)]),
        ("he worked as a journalist in", [("journalist", DEMOGRAPHIC)]),
        ("she was born in 1958 in Derby", [("1958", DATE)]),
        ("born 1971, she", [("1971", DATE)]),
    ],
)
def test_when_text_has_nationality_or_age_then_demographics_finds_it(text, expected):
    assert found(DemographicRecogniser(), text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the Italian Embassy wrote back",
        "we flew British Airways",
        "the meeting lasted 45 minutes",
        "the page was 12 years out of date",
        "nobody said where they were from",
    ],
)
def test_when_demonym_is_part_of_a_name_or_no_age_then_demographics_finds_nothing(text):
    assert found(DemographicRecogniser(), text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("she grew up in Portugal and Norway", ["Portugal", "Norway"]),
        ("he moved from the Netherlands to Wales", ["Netherlands", "Wales"]),
        ("relatives in Sierra Leone", ["Sierra Leone"]),
        ("a holiday in Turkey", ["Turkey"]),
    ],
)
def test_when_text_has_a_country_then_countries_finds_it(text, expected):
    assert [t for t, _ in found(CountryRecogniser(), text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "we had turkey for lunch",
        "Jordan said he would come",
        "the France Television crew",
        "a chat with Chad about it",
    ],
)
def test_when_country_word_is_a_name_or_lower_case_then_countries_finds_nothing(text):
    assert found(CountryRecogniser(), text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the complaint (no. 40112/09) was lodged", ["40112/09"]),
        ("applications nos. 512/98 and 7731/99", ["512/98", "7731/99"]),
        ("case no. C-77/05, later", ["C-77/05"]),
        ("our reference 88123456", ["88123456"]),
    ],
)
def test_when_text_has_a_case_number_then_case_patterns_find_it(text, expected):
    hits = {m.group("id") for rx, _ in CASE_NUMBER_PATTERNS for m in re.finditer(rx, text)}
    assert sorted(hits) == sorted(expected)


@pytest.mark.parametrize(
    "text",
    ["open 24/7", "on 03/04/2021", "Protocol No. 12 applies", "see No. 7 in the list"],
)
def test_when_text_has_no_case_number_then_case_patterns_find_nothing(text):
    assert not [m for rx, _ in CASE_NUMBER_PATTERNS for m in re.finditer(rx, text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The application (no. 12345/02) was lodged.", ["12345/02"]),
        ("under case number 4471/2019 the court", ["4471/2019"]),
        ("It cost 2,500/month and 3/4 of staff agreed.", []),
    ],
)
def test_when_case_number_present_then_reference_detected(text, expected):
    from pipeline.recognisers.legal import CaseNumberRecogniser

    dets = CaseNumberRecogniser().analyse(text)
    assert [d.text for d in dets] == expected
    assert all(d.entity_type == "reference" for d in dets)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the grant was £250,000 a year", ["£250,000"]),
        ("awarded EUR 1,800 in damages", ["EUR 1,800"]),
        ("paid 4,393 pounds sterling and 292 euros", ["4,393 pounds sterling", "292 euros"]),
        ("about 4 families and 3 councils", []),
    ],
)
def test_when_sum_of_money_then_amount_detected(text, expected):
    from pipeline.recognisers.legal import AmountRecogniser

    assert [d.text for d in AmountRecogniser().analyse(text)] == expected


def test_when_world_city_named_then_place_detected():
    from pipeline.recognisers.legal import WorldPlaceRecogniser

    dets = WorldPlaceRecogniser().analyse("She moved from Ankara to Rotterdam in the spring.")
    assert [d.text for d in dets] == ["Ankara", "Rotterdam"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("appealed to the Stockholm District Court last year", ["Stockholm District Court"]),
        ("the Ruritanian Ministry of Defence replied", ["Ruritanian Ministry of Defence"]),
        ("a contract with Northgate Media Ltd was signed", ["Northgate Media Ltd"]),
        ("The Court said no.", []),
    ],
)
def test_when_named_institution_then_organisation_detected(text, expected):
    from pipeline.recognisers.legal import InstitutionRecogniser

    assert [d.text for d in InstitutionRecogniser().analyse(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sentenced to 14 years’ imprisonment", ["14 years"]),
        ("held for eight days without charge", ["eight days"]),
        ("a 12 year sentence", ["12 year"]),
        ("in 2014 the team met", []),
    ],
)
def test_when_length_of_time_then_duration_detected(text, expected):
    from pipeline.recognisers.legal import DurationRecogniser

    assert [d.text for d in DurationRecogniser().analyse(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("worth approximately GBP 268,000 in all", ["approximately GBP 268,000"]),
        ("an award of 24,952.51 pounds sterling (GBP), which", ["24,952.51 pounds sterling (GBP)"]),
        (
            "claiming 250,000 Swedish kronor (SEK; approximately 27,000 euros).",
            ["250,000 Swedish kronor (SEK; approximately 27,000 euros)"],
        ),
        ("valued at 11.590.000 Turkish Liras (TRL), and", ["11.590.000 Turkish Liras (TRL)"]),
        ("the court awarded TRL 615.478.0000 of compensation", ["TRL 615.478.0000"]),
        (
            "205,000 Turkish liras (TRY) (136,000 euros (EUR) at the time)",
            ["205,000 Turkish liras (TRY)", "136,000 euros (EUR)"],
        ),
        ("over 4 families and some 3 councils", []),
    ],
)
def test_when_sum_has_a_hedge_or_a_currency_code_then_amount_span_includes_them(text, expected):
    from pipeline.recognisers.legal import AmountRecogniser

    assert [d.text for d in AmountRecogniser().analyse(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The applicant, aged sixty three, would not", ["aged sixty three"]),
        ("Fifth, that his age is 49, he is", ["age is 49"]),
        ("the applicant, a primary school teacher in Kars", ["primary school teacher"]),
        ("for the post of a private security guard and", ["private security guard"]),
        ("he was also the Chief Executive Officer of it", ["Chief Executive Officer"]),
        ("she was the primary breadwinner.", ["primary breadwinner"]),
        ("for a Swedish-speaking audience", ["Swedish-speaking"]),
        ("from Sweden to the London-based company", ["London-based"]),
    ],
)
def test_when_age_occupation_or_base_is_stated_then_demographics_finds_it(text, expected):
    assert [t for t, _ in found(DemographicRecogniser(), text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "represented by Ms B. Baysal, a lawyer practising in Istanbul.",
        "Mr J. Smith, a solicitor acting for the applicant",
    ],
)
def test_when_occupation_is_the_representatives_then_demographics_finds_nothing(text):
    assert found(DemographicRecogniser(), text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("produced by the Swedish company Strix Television AB. It", ["Strix Television AB"]),
        (
            "as clarified by the Supreme Court (Högsta domstolen) in",
            ["Supreme Court (Högsta domstolen)"],
        ),
        (
            "led to the Employment Appeal Tribunal (“EAT”). Its",
            ["Employment Appeal Tribunal", "EAT"],
        ),
        ("a hearing.  The Employment Tribunal held a hearing", ["Employment Tribunal"]),
        ("required the Employment Tribunal's notes", ["Employment Tribunal's"]),
        (
            "a legal officer with the Child Poverty Action Group, London",
            ["Child Poverty Action Group"],
        ),
        (
            "from the Çiğli Directorate of Land Registration, the",
            ["Çiğli Directorate of Land Registration"],
        ),
        ("upheld the decision of the Beyoğlu court. This", ["Beyoğlu court"]),
        ("a Lance Corporal in the British army stationed", ["British army"]),
        ("employed to work for Etibank, a State-owned company", ["Etibank"]),
        ("membership of an illegal armed organisation, the Dev-Yol.", ["Dev-Yol"]),
        ("the Chief Executive Officer of Strix Television AB", ["Strix Television AB"]),
        ("outside the Borough of Southwark and", ["Borough of Southwark"]),
    ],
)
def test_when_body_is_named_in_a_judgment_then_institutions_finds_it(text, expected):
    from pipeline.recognisers.legal import InstitutionRecogniser

    assert [d.text for d in InstitutionRecogniser().analyse(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "the case was assigned to the Third Section of the Court. Within that",
        "lodged with the Registry. The Court decided",
        "the Ministry of the Interior replied",
        "their Agent, of the Foreign and Commonwealth Office.",
        "the Benefits Agency refused",
    ],
)
def test_when_body_is_the_courts_own_or_the_states_administration_then_institutions_skips_it(text):
    from pipeline.recognisers.legal import InstitutionRecogniser

    assert InstitutionRecogniser().analyse(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "see Stec and Others v. the United Kingdom [GC], nos. 1/01",
        "no benefit was payable to widowers under United Kingdom law.",
        "Mr Türmen, the judge elected in respect of Turkey, withdrew",
        "the Swedish authorities refused",
    ],
)
def test_when_country_is_the_respondent_state_then_countries_finds_nothing(text):
    assert found(CountryRecogniser(), text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("listed for hearing in the first half of 1993, the", ["first half of 1993"]),
        ("in the second half of 2004", ["second half of 2004"]),
    ],
)
def test_when_half_of_a_year_then_years_span_includes_it(text, expected):
    assert [t for t, _ in found(YearRecogniser(), text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the Supreme Court in the case NJA 2005 p. 884 (see", ["NJA 2005 p. 884"]),
        ("an almost identical case, NJA 2002 p. 314", ["NJA 2002 p. 314"]),
    ],
)
def test_when_law_report_is_cited_then_case_patterns_find_it(text, expected):
    hits = {m.group("id") for rx, _ in CASE_NUMBER_PATTERNS for m in re.finditer(rx, text)}
    assert sorted(hits) == expected


def test_when_world_city_is_named_like_an_office_then_world_places_skips_it():
    from pipeline.recognisers.legal import WorldPlaceRecogniser

    dets = WorldPlaceRecogniser().analyse("his Commanding Officer in Ankara")
    assert [d.text for d in dets] == ["Ankara"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On 3 September 1997, 79 packages of powder", ["79 packages"]),
        ("of over 22,000 ecstasy tablets worth", ["22,000 ecstasy tablets"]),
        ("These consisted of some 50 pages.", ["50 pages"]),
        ("Twenty three hearings were held", ["Twenty three hearings"]),
        ("he was arrested on two unrelated charges", []),
        ("until age 65 whereas a woman could", []),
        ("sentenced to 14 years and fined", []),
        ("between 1995 and 1997 the applicants", []),
    ],
)
def test_when_ten_or_more_things_are_counted_then_amounts_finds_the_count(text, expected):
    from pipeline.recognisers.legal import AmountRecogniser

    assert [d.text for d in AmountRecogniser().analyse(text)] == expected


def test_when_world_places_rebuilt_from_geonames_then_shipped_list_is_up_to_date():
    from pipeline.recognisers.legal import WORLD_PLACES_TXT, render_world_places

    assert render_world_places() == WORLD_PLACES_TXT.read_text(encoding="utf-8")
