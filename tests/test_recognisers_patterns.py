"""Pattern recognisers: emails, URLs, phones (written and spoken), postcodes, NINOs, dates."""

from __future__ import annotations

import time

import pytest

from pipeline.recognisers.base import DATE, EMAIL, NINO, PHONE, POSTCODE, URL, Recogniser
from pipeline.recognisers.patterns import (
    DateRecogniser,
    EmailRecogniser,
    NinoRecogniser,
    PhoneRecogniser,
    PostcodeRecogniser,
    SpokenPhoneRecogniser,
    UrlRecogniser,
)

ALL = (
    EmailRecogniser,
    UrlRecogniser,
    PhoneRecogniser,
    SpokenPhoneRecogniser,
    PostcodeRecogniser,
    NinoRecogniser,
    DateRecogniser,
)


def texts(recogniser: Recogniser, text: str) -> list[str]:
    return [d.text for d in recogniser.analyse(text)]


# --- email ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to firstname.lastname@council.gov.uk.", ["firstname.lastname@council.gov.uk"]),
        ("j.smith+survey@example.org, thanks", ["j.smith+survey@example.org"]),
        ("(mary_o'neill@nhs.net)", ["mary_o'neill@nhs.net"]),
        ("Email: A.Khan@NorthLincs.gov.uk!", ["A.Khan@NorthLincs.gov.uk"]),
        ("a@b.co and c.d@e-f.org.uk", ["a@b.co", "c.d@e-f.org.uk"]),
    ],
)
def test_when_text_has_an_email_then_email_recogniser_finds_it(text, expected):
    assert texts(EmailRecogniser(), text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "we met @ the town hall",
        "the handle @northlincs on social media",
        "an address like name@localhost",
        "no email here at all",
    ],
)
def test_when_text_has_no_email_then_email_recogniser_finds_nothing(text):
    assert texts(EmailRecogniser(), text) == []


def test_when_email_differs_in_case_then_canonical_is_lower_case():
    (d,) = EmailRecogniser().analyse("J.Smith@Council.gov.uk")
    assert d.entity_type == EMAIL
    assert d.canonical == "j.smith@council.gov.uk"


# --- URL ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "see https://www.northlincs.gov.uk/peer-review.",
            ["https://www.northlincs.gov.uk/peer-review"],
        ),
        ("http://example.com/a?b=1&c=2, then", ["http://example.com/a?b=1&c=2"]),
        ("(www.lga.gov.uk)", ["www.lga.gov.uk"]),
        ("it's on northlincs.gov.uk/peer-review now", ["northlincs.gov.uk/peer-review"]),
        ("go to northlincs.gov.uk.", ["northlincs.gov.uk"]),
        (
            "the page (https://en.wikipedia.org/wiki/Grimsby_(town)).",
            ["https://en.wikipedia.org/wiki/Grimsby_(town)"],
        ),
        ("www.example.com; and", ["www.example.com"]),
    ],
)
def test_when_text_has_a_url_then_url_recogniser_finds_it(text, expected):
    assert texts(UrlRecogniser(), text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "email firstname.lastname@council.gov.uk please",
        "a.khan@www.council.gov.uk",
        "and/or either/or",
        "e.g. the report, i.e. the final one",
        "the figure was 3.5/10",
        "we used report.docx and notes.txt",
    ],
)
def test_when_text_has_no_url_then_url_recogniser_finds_nothing(text):
    assert texts(UrlRecogniser(), text) == []


# --- phone (written) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ring 01632 960418 today", ["01632 960418"]),
        ("ring 01632 960 285.", ["01632 960 285"]),
        ("on 020 7946 0581 or", ["020 7946 0581"]),
        ("mobile 07700 900362", ["07700 900362"]),
        ("mobile 07700 900 362, evenings", ["07700 900 362"]),
        ("call +44 (0)20 7946 0732", ["+44 (0)20 7946 0732"]),
        ("US office +1 415 555 2671.", ["+1 415 555 2671"]),
        ("(020) 7946 0581", ["(020) 7946 0581"]),
        ("020-7946-0581", ["020-7946-0581"]),
        ("01632 960418 or 07700 900362", ["01632 960418", "07700 900362"]),
    ],
)
def test_when_text_has_a_phone_number_then_phone_recogniser_finds_it(text, expected):
    assert texts(PhoneRecogniser(), text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "back in 2014 we started",
        "a budget of £250,000 over 3 years",
        "up 45% on last year, 12.5 per cent",
        "the programme ran 2019-2021",
        "from 2019 to 2021 and 2022 2023",
        "around 1,200 children and 1 200 000 pounds",
        "on 12/03/2023 and 2023-03-12",
        "scores of 10 20 30 40",
        "pi is 3.14159265",
        "budget line 1234567",
        "£2500000",
    ],
)
def test_when_text_has_numbers_but_no_phone_then_phone_recogniser_finds_nothing(text):
    assert texts(PhoneRecogniser(), text) == []


def test_when_the_same_number_is_spaced_differently_then_canonical_is_the_same():
    found = PhoneRecogniser().analyse("07700 900362 or 07700 900 362")
    assert {d.entity_type for d in found} == {PHONE}
    assert {d.canonical for d in found} == {"+447700900362"}


# --- phone (spoken) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "it's oh one six three two, nine six oh, four seven three.",
            ["oh one six three two, nine six oh, four seven three"],
        ),
        (
            "Yeah, oh seven seven double oh, nine hundred, four one seven. Thanks.",
            ["oh seven seven double oh, nine hundred, four one seven"],
        ),
        (
            "my mobile is oh seven seven hundred, nine hundred, two three eight",
            ["oh seven seven hundred, nine hundred, two three eight"],
        ),
        (
            "Oh two oh, seven nine four six, oh four three two",
            ["Oh two oh, seven nine four six, oh four three two"],
        ),
        (
            "zero one six three two - nine six zero - four one eight",
            ["zero one six three two - nine six zero - four one eight"],
        ),
        (
            "plus four four, seven seven double oh, nine oh oh, three six two",
            ["plus four four, seven seven double oh, nine oh oh, three six two"],
        ),
    ],
)
def test_when_a_phone_number_is_dictated_then_spoken_phone_recogniser_finds_it(text, expected):
    assert texts(SpokenPhoneRecogniser(), text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "one or two of them came along",
        "we met two or three times",
        "there are nine hundred children in care",
        "one, two, three things I'd say",
        "one two three four five six seven eight nine ten",
        "oh, oh, oh, oh, oh, oh, oh, oh, oh, oh",
        "oh one of them said at seven o'clock",
        "oh six months, maybe two or three",
    ],
)
def test_when_speech_has_number_words_but_no_phone_then_spoken_phone_finds_nothing(text):
    assert texts(SpokenPhoneRecogniser(), text) == []


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("oh seven seven double oh, nine hundred, three six two", "+447700900362"),
        ("oh one six three two, nine six oh, four seven three", "+441632960473"),
        ("oh seven seven hundred, nine hundred, two three eight", "+447700900238"),
        ("nought two oh, seven nine four six, oh four three two", "+442079460432"),
        ("oh one triple six, two oh one, double five", "+44166620155"),
    ],
)
def test_when_a_spoken_number_is_found_then_canonical_is_its_digits(text, canonical):
    (d,) = SpokenPhoneRecogniser().analyse(text)
    assert d.entity_type == PHONE
    assert d.canonical == canonical


# --- postcode -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("at DN31 1HU.", ["DN31 1HU"]),
        ("SW1A 2AA, London", ["SW1A 2AA"]),
        ("M1 1AE and EC1A 1BB", ["M1 1AE", "EC1A 1BB"]),
        ("it's b33 8th I think", ["b33 8th"]),
        ("DN311HU", ["DN311HU"]),
        ("the postcode is DN31", ["DN31"]),
        ("postcode: LS1", ["LS1"]),
        ("GIR 0AA", ["GIR 0AA"]),
    ],
)
def test_when_text_has_a_postcode_then_postcode_recogniser_finds_it(text, expected):
    assert texts(PostcodeRecogniser(), text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the DN31 area",
        "up the M1 and the A180",
        "the M62 3rd junction",
        "a covid19 3rd wave",
        "QV1 1AA",  # Q is not a valid first letter
        "dn311hu",  # lower case without the space is not clearly a postcode
        "the postcode is a problem",
    ],
)
def test_when_text_has_no_postcode_then_postcode_recogniser_finds_nothing(text):
    assert texts(PostcodeRecogniser(), text) == []


def test_when_postcodes_are_written_differently_then_canonical_is_the_same():
    found = PostcodeRecogniser().analyse("DN31 1HU, dn31 1hu and DN311HU")
    assert {d.entity_type for d in found} == {POSTCODE}
    assert {d.canonical for d in found} == {"DN31 1HU"}


# --- National Insurance number --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NI number AB 12 34 56 C.", ["AB 12 34 56 C"]),
        ("AB123456C", ["AB123456C"]),
        ("it was ce123456d", ["ce123456d"]),
        ("JZ 98 76 54 A and ZY123456B", ["JZ 98 76 54 A", "ZY123456B"]),
    ],
)
def test_when_text_has_a_nino_then_nino_recogniser_finds_it(text, expected):
    assert texts(NinoRecogniser(), text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "QQ 12 34 56 C",  # Q is never a first letter (QQ is HMRC's example prefix)
        "DA123456A",  # D is not a valid first letter
        "AO123456A",  # O is not a valid second letter
        "BG123456A",
        "GB123456A",
        "NK123456A",
        "KN123456A",
        "TN123456A",
        "NT123456A",
        "ZZ123456A",
        "AB123456E",  # suffix must be A-D
        "AB1234567C",
        "be 12 13 14 a",  # spaced, not in capitals
    ],
)
def test_when_text_has_no_valid_nino_then_nino_recogniser_finds_nothing(text):
    assert texts(NinoRecogniser(), text) == []


def test_when_a_spaced_nino_is_found_then_canonical_has_no_spaces():
    (d,) = NinoRecogniser().analyse("AB 12 34 56 C")
    assert d.entity_type == NINO
    assert d.canonical == "AB123456C"


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "canonical"),
    [
        ("on the 26th of February we", "26th of February", "February"),
        ("by the 31st of March 2014.", "31st of March 2014", "March 2014"),
        ("the 11th to the 13th of March", "11th to the 13th of March", "March"),
        ("14th to the 16th of November", "14th to the 16th of November", "November"),
        ("from the 4th to the 6th we", "4th to the 6th", None),
        ("the week of the 18th of February", "18th of February", "February"),
        ("on Monday the 11th, we", "Monday the 11th", None),
        ("Tuesday the 30th", "Tuesday the 30th", None),
        ("on the 14th", "the 14th", None),
        ("by the 19th, hopefully", "the 19th", None),
        ("The 15th was busy", "The 15th", None),
        ("from 12 March 2023", "12 March 2023", "March 2023"),
        ("from March 12, 2023 on", "March 12, 2023", "March 2023"),
        ("dated 12/03/2023.", "12/03/2023", "March 2023"),
        ("dated 12.03.23.", "12.03.23", "March 2023"),
        ("dated 2023-03-12", "2023-03-12", "March 2023"),
        ("on Tuesday 14 March at", "Tuesday 14 March", "March"),
        ("on 14 March at", "14 March", "March"),
        ("the first of March", "first of March", "March"),
        ("on the twenty-first of June 2022", "twenty-first of June 2022", "June 2022"),
        ("March the 3rd", "March the 3rd", "March"),
        ("In January, the 14th I think", "January, the 14th", "January"),
        ("from 11-13 Sept 2019", "11-13 Sept 2019", "September 2019"),
        ("on Wednesday, 5th April", "Wednesday, 5th April", "April"),
        ("on 03/25/2023", "03/25/2023", "March 2023"),
        ("the 1st, 2nd and 3rd", "the 1st", None),
        ("the 14th of the month", "the 14th", None),
        ("THE 14TH OF MARCH", "14TH OF MARCH", "March"),
        ("the 14th and the 15th of March", "14th and the 15th of March", "March"),
        ("between 10 and 12 March", "10 and 12 March", "March"),
        ("Friday 13th", "Friday 13th", None),
    ],
)
def test_when_text_has_a_specific_date_then_date_recogniser_finds_one_span(
    text, expected, canonical
):
    found = DateRecogniser().analyse(text)
    assert [d.text for d in found][:1] == [expected]
    assert found[0].canonical == canonical
    assert found[0].entity_type == DATE


@pytest.mark.parametrize(
    "text",
    [
        "in January we started",
        "back in 2014",
        "in March 2014",
        "in the 21st century",
        "for the 5th time",
        "the 3rd tier of support",
        "in the 1st quarter",
        "the 2nd/3rd quarter",
        "the 1st and 2nd floors",
        "in the fourth quarter",
        "the 2nd largest council",
        "the 2nd-largest council",
        "we may march on",
        "May I ask",
        "the 40th anniversary",
        "the 14 councils",
        "version 3.10.12.1",
        "it's 12/13 of them",
        "in May 25 people came",
        "the 3rd of the councils we visited",
        "the 2nd of them",
        "the 14th-century church",
        "the 32nd",
        "from the 1st to the 3rd quarter",
    ],
)
def test_when_text_has_no_specific_date_then_date_recogniser_finds_nothing(text):
    assert texts(DateRecogniser(), text) == []


@pytest.mark.parametrize(
    ("text", "score"),
    [("26th of February", 0.85), ("Monday the 11th", 0.75), ("the 14th", 0.6)],
)
def test_when_a_date_is_less_specific_then_it_scores_lower(text, score):
    (d,) = DateRecogniser().analyse(text)
    assert d.score == pytest.approx(score)


# --- all recognisers ------------------------------------------------------------------------

SAMPLE = (
    "Interviewer: Thanks, Sam. So on the 26th of February you met at DN31 1HU? "
    "Respondent: Yes, and I emailed firstname.lastname@council.gov.uk, rang 01632 960418, "
    "or oh seven seven double oh, nine hundred, four one seven. See northlincs.gov.uk/peer-review "
    "and my NI number is AB 12 34 56 C."
)


@pytest.mark.parametrize("cls", ALL)
def test_when_a_recogniser_detects_then_detection_carries_its_name_and_a_score(cls):
    recogniser = cls()
    found = recogniser.analyse(SAMPLE)
    assert found, cls.name
    for d in found:
        assert d.recogniser == cls.name
        assert 0 < d.score <= 1
        assert d.entity_type in cls.entity_types
        assert SAMPLE[d.start : d.end] == d.text


def test_when_recognisers_are_listed_then_names_are_the_registered_ones():
    assert [c.name for c in ALL] == [
        "email",
        "url",
        "phone",
        "spoken_phone",
        "postcode",
        "nino",
        "date",
    ]
    assert {t for c in ALL for t in c.entity_types} == {EMAIL, URL, PHONE, POSTCODE, NINO, DATE}


PLAIN = (
    "So I think the main thing for us was getting the partnership working properly. "
    "We had one or two people who were really keen, and the team said that, you know, "
    "the board had maybe two or three meetings about it in January and then again later on. "
    "Oh, it took a while, but overall the peer review was helpful and we'd do it again. "
)


def test_when_ordinary_text_has_no_identifiers_then_recognisers_are_fast_and_find_nothing():
    text = PLAIN * (5000 // len(PLAIN.split()) + 1)
    recognisers = [cls() for cls in ALL]
    began = time.perf_counter()
    found = [d for r in recognisers for d in r.analyse(text)]
    assert time.perf_counter() - began < 5
    assert found == []


# --- spoken addresses, handles, NHS numbers, short links ------------------------------------


@pytest.mark.parametrize(
    ("text", "expected", "etype"),
    [
        (
            "It's jo dot marsh at littlestepscic dot org dot uk.",
            "jo dot marsh at littlestepscic dot org dot uk",
            EMAIL,
        ),
        (
            "tmorgan [at] barnsley [dot] gov [dot] uk",
            "tmorgan [at] barnsley [dot] gov [dot] uk",
            EMAIL,
        ),
        ("a.khan (at) leeds (dot) ac (dot) uk", "a.khan (at) leeds (dot) ac (dot) uk", EMAIL),
        ("sam underscore lee at gmail dot com", "sam underscore lee at gmail dot com", EMAIL),
        ("J DOT SMITH AT KENT DOT GOV DOT UK", "J DOT SMITH AT KENT DOT GOV DOT UK", EMAIL),
        ("go to www dot littlesteps dot org dot uk", "www dot littlesteps dot org dot uk", URL),
        ("look at kent dot gov dot uk", "kent dot gov dot uk", URL),
    ],
)
def test_when_an_address_is_spoken_then_spoken_address_finds_it(text, expected, etype):
    from pipeline.recognisers.patterns import SpokenAddressRecogniser

    found = SpokenAddressRecogniser().analyse(text)
    assert [(d.text, d.entity_type) for d in found] == [(expected, etype)]


@pytest.mark.parametrize(
    "text", ["the dot com boom", "on the dot at nine", "dot dot dot", "we met at the hub"]
)
def test_when_speech_says_dot_but_no_address_then_spoken_address_finds_nothing(text):
    from pipeline.recognisers.patterns import SpokenAddressRecogniser

    assert SpokenAddressRecogniser().analyse(text) == []


def test_when_spoken_email_found_then_canonical_is_the_written_address():
    from pipeline.recognisers.patterns import SpokenAddressRecogniser

    (d,) = SpokenAddressRecogniser().analyse("jo dot marsh at littlestepscic dot org dot uk")
    assert d.canonical == "jo.marsh@littlestepscic.org.uk"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm @jsmith on Twitter", ["@jsmith"]),
        ("follow @LittleStepsCIC.", ["@LittleStepsCIC"]),
        ("meet @ 10", []),
        ("@10 pm", []),
        ("x@y.com", []),
        ("@here folks", []),
    ],
)
def test_when_text_has_a_handle_then_handles_finds_it(text, expected):
    from pipeline.recognisers.patterns import HandleRecogniser

    assert texts(HandleRecogniser(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NHS number 943 476 5919 ok", ["943 476 5919"]),
        ("9434765919", ["9434765919"]),
        ("943-476-5919", ["943-476-5919"]),
        ("943 476 5918", []),  # wrong check digit
        ("£943 476 5919", []),
        ("1111111111", []),
        ("943 4765919", []),  # mixed grouping
    ],
)
def test_when_text_has_an_nhs_number_then_only_valid_checksums_found(text, expected):
    from pipeline.recognisers.patterns import NhsNumberRecogniser

    assert texts(NhsNumberRecogniser(), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see bit.ly/3xYzAb now", ["bit.ly/3xYzAb"]),
        ("tinyurl.com/abc123", ["tinyurl.com/abc123"]),
        ("forms.gle/abcd12", ["forms.gle/abcd12"]),
    ],
)
def test_when_text_has_a_short_link_then_url_finds_it(text, expected):
    assert texts(UrlRecogniser(), text) == expected
