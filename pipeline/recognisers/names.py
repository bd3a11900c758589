"""Given names: people mentioned by first name ("Priya said") or full name ("Sanjay Lloyd-Evans").

:class:`FirstNameRecogniser` looks every capitalised (or all-capitals) word up in a
hand-compiled list of about 2,500 given names in common use in the UK
(``data/first_names.txt``). A listed name followed by one or two surname-like words is a
full name (score 0.85); a listed name on its own is a first name (score 0.7).

Names that are also ordinary words, months or places (``AMBIGUOUS``: "Will", "May", "Grace",
"Victoria") count on their own only in a person context: after "with", "told", "thanks",
"hi" and the like, before "said", "asked", "who", or as "Grace's team". A name after a title
("Mr", "Cllr": :class:`~pipeline.recognisers.gazetteers.TitledNameRecogniser` finds those), after
"St" or "Queen", or before a place or organisation head ("Victoria Street", "Mary Seacole
House", "Guy's Hospital") is not detected. A trailing possessive "'s" is left outside the span.

The recogniser is token based (one precompiled regex over capitalised words and set lookups),
needs no spaCy ``Doc`` and runs at about two million words a second.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pipeline.recognisers.base import PERSON, Detection, Recogniser, words_where
from pipeline.recognisers.gazetteers import (
    STOP_WORDS,
    TITLES,
    previous_word,
    sentence_initial,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc

NAMES_FILE = Path(__file__).parent / "data" / "first_names.txt"
COMMON_WORD_NAMES_FILE = Path(__file__).parent / "data" / "common_word_names.txt"
NICKNAMES_FILE = Path(__file__).parent / "data" / "nicknames.tsv"

# Upper- and lower-case letters of Latin-1 and Latin Extended-A/B (regex character classes).
_EXTENDED = [chr(c) for c in range(0xC0, 0x250)]
_UP = "A-Z" + "".join(c for c in _EXTENDED if c.isupper())
_LOW = "a-z" + "".join(c for c in _EXTENDED if c.islower())
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})

# A word with a capital initial (the only words that can start a name).
_CAP_WORD = re.compile(rf"(?<![\w'’-])[{_UP}](?:[\w'’-]*[^\W_])?")
# The next word after spaces; a trailing "." is kept to tell initials and sentence ends apart.
_NEXT_WORD = re.compile(r"[ \t\u00a0]+([^\W\d_](?:[\w'’-]*[^\W_])?\.?)")
_SURNAME_TITLE_CASE = re.compile(
    rf"(?:(?:al|el)-)?(?:Mc|Mac|O['’]|D['’]|Fitz|De|Di|Da|Du|Le|La|Van|Von)?"
    rf"[{_UP}][{_LOW}]+(?:[-'’][{_UP}][{_LOW}]*)*"
)
_SURNAME_UPPER = re.compile(rf"[{_UP}][{_UP}'’-]*[{_UP}]")
_INITIAL = re.compile(rf"[{_UP}]\.?")
_WORD_BEFORE = re.compile(r"\w+$")
_FOLLOWING = re.compile(r"[ \t\u00a0]+([^\W_](?:[\w'’.-]*[^\W_])?)")


def _key(word: str) -> str:
    """The lookup key of a word: NFKC, straight apostrophes, case-folded."""
    if word.isascii():
        return word.lower()
    return unicodedata.normalize("NFKC", word).translate(_APOSTROPHES).casefold()


def _next_word(text: str, end: int) -> str | None:
    """The word directly after ``end`` (only spaces between), without copying ``text``."""
    m = _FOLLOWING.match(text, end)
    return m.group(1) if m else None


def _strip_accents(key: str) -> str:
    decomposed = unicodedata.normalize("NFKD", key)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


@functools.cache
def common_word_names() -> frozenset[str]:
    """Given names that are also common English words (``data/common_word_names.txt``)."""
    lines = COMMON_WORD_NAMES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines if not line.startswith("#") for w in line.split())


@functools.cache
def nicknames() -> dict[str, frozenset[str]]:
    """Short forms by formal first name (``data/nicknames.tsv``), lower case."""
    out: dict[str, frozenset[str]] = {}
    for line in NICKNAMES_FILE.read_text(encoding="utf-8").splitlines()[1:]:
        if line.startswith("#") or "\t" not in line:
            continue
        formal, forms = line.split("\t", 1)
        out[formal.strip()] = frozenset(forms.split())
    return out


# what follows a sentence-initial common-word name that makes it a person ("Will said")
_VOCATIVE = re.compile(r"[ \t]*,")


def common_word_person_ok(text: str, start: int, end: int, known: bool = False) -> bool:
    """Whether a one-word name at ``text[start:end]`` may be a person, by its context.

    Names that are also common words (:func:`common_word_names`: "Hope", "Will", "Mark") are
    a person only when capitalised and either inside a sentence ("and Hope rang", "told
    Will") or, at a sentence start, followed by a speech verb, a possessive, a comma or a
    capitalised word ("Hope said", "Will's team", "Mark, can you", "Will Hughes"): "Hope
    that helps", "Will you send it?" and "mark the register" stay. Other names always may.
    With ``known`` (the interview names a person with this first name: "Mark Ibbotson"), a
    sentence start also counts unless a function word follows ("Mark came back" goes,
    "Mark my words" stays).
    """
    word = text[start:end]
    key = _key(word.removesuffix("'s").removesuffix("’s"))
    if key not in common_word_names():
        return True
    if not word[:1].isupper():
        return False
    if not sentence_initial(text, start):
        return True
    if text[end : end + 2] in ("'s", "’s") or _VOCATIVE.match(text, end):
        return True
    nxt = _next_word(text, end)
    if nxt is None:
        return False
    if known and nxt.casefold() not in STOP_WORDS:
        return True
    return nxt[:1].isupper() or nxt.casefold() in FirstNameRecogniser.FOLLOWING_CUES


class FirstNameRecogniser(Recogniser):
    """People named by a listed given name, alone ("Priya") or with a surname ("Priya Shah").

    A listed name with a capital initial (or in capitals: "DARREN") followed by one or two
    surname-like words ("Lloyd-Evans", "O'Neill", "McDonald", "da Silva", an initial between)
    gives one detection scoring ``SCORE_FULL``; a listed name alone scores ``SCORE_SINGLE``.
    See the module docstring and the class constants for what is left out.

    Attributes:
        AMBIGUOUS: listed names that are also ordinary words, months or places; alone, they
            count only in a person context (``PRECEDING_CUES``, ``FOLLOWING_CUES``,
            ``POSSESSED``), and never as the first word of a sentence before a lower-case word
            other than a speech verb ("Mark my words", "Will you come?", "Grace period").
        MONTHS: the ambiguous names that are months; they need a stronger context ("told
            May", "May said"; not "to May", "May's").
        INITIAL_AMBIGUOUS: names that are ordinary words only at the start of a sentence
            ("Precious little", "Sally forth"); elsewhere they count like any other name.
        HEADS: words after a name that make it part of a place or organisation name.
        NOT_SURNAMES: capitalised words that are never taken as a surname.
        BLOCKERS: words before a name that make it part of another name (titles, "St").
        NOT_PEOPLE: two-word names of places, brands and things ("Milton Keynes").
    """

    name: ClassVar[str] = "first_names"
    entity_types: ClassVar[tuple[str, ...]] = (PERSON,)
    score: ClassVar[float] = 0.7
    SCORE_FULL: ClassVar[float] = 0.85
    SCORE_SINGLE: ClassVar[float] = 0.7
    MAX_SURNAMES: ClassVar[int] = 2

    AMBIGUOUS: ClassVar[frozenset[str]] = _words(
        """
        will bill mark frank rob pat guy don drew miles norman hunter christian grant dean glen
        max lance gene herb norm rich ed
        may june april jan
        grace hope joy faith patience prudence honor liberty harmony melody destiny blessing
        rose summer autumn dawn sunny amber ruby ivy holly lily jade iris daisy poppy heather
        violet olive pearl primrose willow eve
        victoria chelsea india jordan devon aston ashton clifton carlton milton everton chester
        beverley sheldon tyrone mali milan marina roman danish ion nana
        """
    )
    MONTHS: ClassVar[frozenset[str]] = _words("may june april jan")
    INITIAL_AMBIGUOUS: ClassVar[frozenset[str]] = _words("precious bonnie sally rocky kitty gabby")

    PRECEDING_CUES: ClassVar[frozenset[str]] = _words(
        """
        with to from asked ask asking told tell telling called call named thanks thank cheers hi
        hello hey dear met emailed email rang ring phoned phone texted text cc said says
        """
    )
    # cues that also hold for the month names ("told May", not "to May")
    STRONG_PRECEDING_CUES: ClassVar[frozenset[str]] = _words(
        "asked ask told tell called named thanks thank cheers hi hello hey dear emailed rang "
        "phoned texted cc"
    )
    GREETINGS: ClassVar[frozenset[str]] = _words("thanks thank cheers hi hello hey dear morning")
    FOLLOWING_CUES: ClassVar[frozenset[str]] = _words(
        """
        said says told asked asks thinks thought reckons reckoned wrote emailed rang phoned
        texted mentioned explained replied suggested agreed wants wanted
        """
    )
    POSSESSED: ClassVar[frozenset[str]] = _words(
        """
        team view views idea point role job manager boss line office desk email emails phone
        number mum dad mother father husband wife partner son daughter kids children family
        sister brother friend colleague colleagues house car name birthday leaving retirement
        caseload diary question comment comments input feedback opinion work
        """
    )
    HEADS: ClassVar[frozenset[str]] = _words(
        """
        council councils county city borough district street road avenue close crescent drive
        way gardens terrace square place park grove mews bridge station line gate court
        estate house lodge manor tower towers building buildings centre center hospital
        infirmary surgery clinic practice school primary academy college university nursery
        infants juniors institute trust foundation charity group team board partnership services
        service department office unit ltd limited plc llp inc company associates network
        alliance forum project programme fund club society association union church chapel
        cathedral mosque temple gurdwara synagogue wing theatre library museum gallery stadium
        arena hotel inn arms tavern valley vale heights embankment dock docks wharf quay harbour
        airport barracks prison campus
        """
    )
    # heads that also count in lower case ("the Victoria line", "Mary Seacole centre")
    LOWER_CASE_HEADS: ClassVar[frozenset[str]] = _words(
        "street road avenue park centre center school primary academy college house hospital "
        "estate station council trust line bridge"
    )
    NOT_SURNAMES: ClassVar[frozenset[str]] = (
        STOP_WORDS
        | HEADS
        | frozenset(t.casefold() for t in TITLES)
        | _words(
            """
            january february march april may june july august september october november
            december jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday
            thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
            i i'm i've i'd i'll ok okay yes yeah yep no nope thanks sorry please hi hello um
            erm er uh ah oh mm hmm right like actually basically obviously so anyway
            mum dad nan nana gran grandma grandad auntie aunty uncle god allah christ jesus
            christmas easter eid diwali ramadan hanukkah covid zoom teams
            english british scottish welsh irish cornish european asian african caribbean
            catholic christian muslim jewish hindu sikh anglican methodist baptist
            aid action care support plus ofsted government parliament nhs mayor chair chairman
            chief executive director manager officer lead head leader deputy assistant senior
            social worker workers report review strategy policy plan act bill framework scheme
            period phase stage level year years week term children children's childrens
            community family families youth health education housing
            """
        )
    )
    # after a month name, words that make it a date or an event ("May Day", "April Fools")
    NOT_SURNAMES_AFTER_MONTH: ClassVar[frozenset[str]] = _words(
        "day bank holiday half fools fair elections election budget meeting half-term"
    )
    BLOCKERS: ClassVar[frozenset[str]] = frozenset(t.casefold() for t in TITLES) | _words(
        "st saint queen king prince princess royal county isle mount lake loch port fort big"
    )
    DETERMINERS: ClassVar[frozenset[str]] = _words("the a an")
    PARTICLES: ClassVar[frozenset[str]] = _words(
        "de da das dos di del della du van von der den le la bin binti ibn al el ap ter ten"
    )
    NOT_PEOPLE: ClassVar[frozenset[str]] = frozenset(
        {
            "milton keynes", "robin hood", "jack russell", "morgan stanley", "harvey nichols",
            "aston villa", "aston martin", "taylor wimpey", "ben nevis", "elizabeth line",
            "victoria line", "victoria cross",
        }
    )  # fmt: skip

    _names: ClassVar[frozenset[str] | None] = None

    @classmethod
    def names(cls) -> frozenset[str]:
        """The keys of the listed names, read from ``NAMES_FILE`` once per process."""
        if FirstNameRecogniser._names is None:
            lines = NAMES_FILE.read_text(encoding="utf-8").splitlines()
            FirstNameRecogniser._names = frozenset(
                _key(line.strip()) for line in lines if line.strip() and not line.startswith("#")
            )
        return FirstNameRecogniser._names

    def __init__(self) -> None:
        """Load the name list (cached on the class)."""
        self._known = self.names()
        self._plain = self._known | {_strip_accents(k) for k in self._known if not k.isascii()}

    def is_name(self, word: str) -> bool:
        """True when ``word`` (any case) is a listed name, with or without its accents.

        Hyphenated names count when every part is listed ("Mary-Jane", "Jean-Luc").
        """
        return self._lookup(_key(word))

    def _lookup(self, key: str) -> bool:
        if key in self._known:
            return True
        if not key.isascii() and _strip_accents(key) in self._plain:
            return True
        if "-" in key:
            parts = key.split("-")
            return all(p in self._known for p in parts if p) and len(parts) > 1
        return False

    def _is_name_word(self, word: str) -> bool:
        """Whether a capitalised word is a listed name (a possessive "'s" aside)."""
        if len(word) > 2 and word[-2] in "'’" and word[-1] in "sS":
            word = word[:-2]
        return self._lookup(_key(word))

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find people named by a listed given name in ``text``."""
        found: list[Detection] = []
        skip_until = 0
        last_person_end = -1
        for m in words_where(_CAP_WORD, text, self._is_name_word):
            start = m.start()
            if start < skip_until:
                continue
            word = m.group()
            end = m.end()
            possessive = len(word) > 2 and word[-2] in "'’" and word[-1] in "sS"
            if possessive:
                word, end = word[:-2], end - 2
            key = _key(word)
            if not self._lookup(key):
                continue
            upper = word.isupper()
            ambiguous = key in self.AMBIGUOUS
            span_end, surnames, after, ends_possessive = self._extend(
                text, end, possessive, upper, key
            )
            skip_until = span_end
            if self._blocked(text, start, span_end, after, ends_possessive):
                continue
            if surnames:
                found.append(self.detection(text, start, span_end, PERSON, self.SCORE_FULL))
                last_person_end = span_end
                continue
            if upper and len(word) <= 3:
                continue  # "MO", "SAM", "ADA": acronyms as often as names
            if self._lone_ok(text, start, end, key, possessive, ambiguous, last_person_end):
                found.append(self.detection(text, start, end, PERSON, self.SCORE_SINGLE))
                last_person_end = end
        if self._LOWER_CUE_QUICK.search(text):
            found.extend(self._lower_case_names(text))
        return found

    # a cue before a lower-case name ("spoke to priyanka", "asked dominic", "thanks sarah")
    LOWER_PRECEDING: ClassVar[re.Pattern[str]] = re.compile(
        r"(?:\b(?:spoke|speak|speaking|talked|talk|talking|chatted|said|went)[ \t]+(?:to|with)"
        r"|\b(?:asked|told|rang|phoned|emailed|texted|messaged|thanks|thank|cheers|hi|hiya"
        r"|named|called|met))[ \t]+$",
        re.I,
    )
    _LOWER_CUE_QUICK: ClassVar[re.Pattern[str]] = re.compile(r"(?<![A-Za-z])[a-z]")
    _LOWER_WORD: ClassVar[re.Pattern[str]] = re.compile(r"(?<![\w'’-])[a-z][a-z]{2,}(?![\w'’-])")
    SCORE_LOWER: ClassVar[float] = 0.7

    def _lower_case_names(self, text: str) -> list[Detection]:
        """Listed names written in lower case, in a strong person context only.

        "i spoke to priyanka", "dominic said no": transcription tools that write everything
        in lower case. Names that are common words ("will", "hope": see
        :func:`common_word_names`) and function words never count; the cue must be right
        before ("asked", "spoke to") or a speech verb right after ("said", "thinks").
        """
        out = []
        common = common_word_names()

        def listed(key: str) -> bool:
            return not (
                key in common or key in STOP_WORDS or key in self.AMBIGUOUS or not self._lookup(key)
            )

        for m in words_where(self._LOWER_WORD, text, listed):
            key = m.group()
            if not listed(key):
                continue
            before = text[max(0, m.start() - 24) : m.start()]
            nxt = _next_word(text, m.end())
            cue_after = nxt is not None and nxt.casefold() in self.FOLLOWING_CUES
            if cue_after or self.LOWER_PRECEDING.search(before):
                out.append(self.detection(text, m.start(), m.end(), PERSON, self.SCORE_LOWER))
        return out

    def _extend(
        self, text: str, end: int, possessive: bool, upper: bool, key: str
    ) -> tuple[int, int, str | None, bool]:
        """Take up to ``MAX_SURNAMES`` surname-like words after a first name ending at ``end``.

        Returns the end of the name, the number of surnames taken, the word after the name
        (None if none or after punctuation) and whether the name ends with a possessive.
        """
        ambiguous = key in self.AMBIGUOUS
        name_end, count, pos, pending = end, 0, end, False
        ended = possessive
        while not ended and count < self.MAX_SURNAMES:
            m = _NEXT_WORD.match(text, pos)
            if m is None:
                break
            word = m.group(1)
            ws = m.start(1)
            stop = word.endswith(".")
            core = word.rstrip(".")
            poss = len(core) > 2 and core[-2] in "'’" and core[-1] in "sS"
            if poss:
                core = core[:-2]
            if count == 0 and not pending and not poss and _INITIAL.fullmatch(word):
                pending, pos = True, m.end()  # a middle initial: "John F. Kennedy"
                continue
            if not stop and not poss and core in self.PARTICLES:
                pos = m.end()  # "Maria da Silva", "Jan van der Berg"
                continue
            if not self._surname_ok(core, upper, key, ambiguous):
                break
            count += 1
            name_end = ws + len(core)
            pos = m.end()
            ended = stop or poss
            possessive = poss
        after_at = name_end + 2 if possessive else name_end
        if text[after_at : after_at + 1] == ".":
            return name_end, count, None, possessive
        return name_end, count, _next_word(text, after_at), possessive

    def _surname_ok(self, core: str, upper: bool, key: str, ambiguous: bool) -> bool:
        if upper:
            if not _SURNAME_UPPER.fullmatch(core):
                return False
        elif not _SURNAME_TITLE_CASE.fullmatch(core):
            return False
        skey = _key(core)
        if skey in self.NOT_SURNAMES:
            return False
        if key in self.MONTHS and skey in self.NOT_SURNAMES_AFTER_MONTH:
            return False
        # "In May Priya said", "Will Sanjay come?": an ambiguous word before a listed name
        return not (ambiguous and self._lookup(skey))

    def _blocked(self, text: str, start: int, end: int, after: str | None, poss: bool) -> bool:
        """True when the name is part of a titled name, a place or an organisation name."""
        prev = previous_word(text, start)
        if prev and prev[0].casefold() in self.BLOCKERS:
            return True
        if after:
            head = _key(after.rstrip("."))
            if head.endswith("'s"):
                head = head[:-2]
            if head in self.HEADS and (after[:1].isupper() or head in self.LOWER_CASE_HEADS):
                if after[:1].isupper() or not poss:
                    return True
        words = text[start:end].split()
        if len(words) >= 2 and _key(f"{words[0]} {words[1]}") in self.NOT_PEOPLE:
            return True
        return False

    def _lone_ok(
        self,
        text: str,
        start: int,
        end: int,
        key: str,
        possessive: bool,
        ambiguous: bool,
        last_person_end: int,
    ) -> bool:
        """True when a listed name standing alone at ``text[start:end]`` is a person."""
        prev = previous_word(text, start)
        if prev and prev[0].casefold() in self.DETERMINERS:
            return False  # "the Victoria", "a Jack"
        initial = sentence_initial(text, start)
        nxt = None if possessive else _next_word(text, end)
        if not ambiguous:
            if key in self.INITIAL_AMBIGUOUS and initial and nxt and nxt[:1].islower():
                return nxt.casefold() in self.FOLLOWING_CUES
            return True
        return self._person_context(text, start, end, key, possessive, initial, last_person_end)

    def _person_context(
        self,
        text: str,
        start: int,
        end: int,
        key: str,
        possessive: bool,
        initial: bool,
        last_person_end: int,
    ) -> bool:
        """True when an ambiguous name alone reads as a person ("told Will", "Grace said")."""
        month = key in self.MONTHS
        prev = previous_word(text, start)
        if prev is None:  # "Thanks, Will"
            i = start
            while i > 0 and text[i - 1] in " \t":
                i -= 1
            if i > 0 and text[i - 1] == ",":
                before = _WORD_BEFORE.search(text, max(0, i - 20), i - 1)
                if before and before.group().casefold() in self.GREETINGS:
                    return True
        else:
            word, pos = prev[0].casefold(), prev[1]
            cues = self.STRONG_PRECEDING_CUES if month else self.PRECEDING_CUES
            if word in cues:
                return True
            if word in ("and", "or") and last_person_end >= 0:
                return not text[last_person_end:pos].strip()  # "Priya and Will"
        if possessive:
            owned = _next_word(text, end + 2)
            return not month and owned is not None and owned.casefold() in self.POSSESSED
        nxt = _next_word(text, end)
        if nxt is None:
            return False
        nkey = nxt.casefold()
        if nkey in self.FOLLOWING_CUES:
            return True
        return nkey == "who" and not month and not initial
