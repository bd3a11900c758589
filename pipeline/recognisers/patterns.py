"""Pattern recognisers: emails, URLs, phone numbers (written and spoken), postcodes, NINOs, dates.

Every recogniser here is regex based (plus the ``phonenumbers`` library for written phone
numbers, run only on digit runs that could be one), imports nothing heavy and compiles its
expressions once, at import. They are written for British interview transcripts: dates as
people say them ("the 11th to the 13th of March", "Monday the 11th"), phone numbers dictated
as words ("oh one six three two, nine six oh, ..."), UK postcodes and National Insurance
numbers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

import phonenumbers

from pipeline.recognisers.base import (
    DATE,
    EMAIL,
    NINO,
    PHONE,
    POSTCODE,
    REFERENCE,
    URL,
    Detection,
    PatternRecogniser,
    Recogniser,
)

if TYPE_CHECKING:
    from spacy.tokens import Doc

# Horizontal white space only: a detection never runs across a line break.
_SP = r"[^\S\r\n]"
_DIGIT = re.compile(r"\d")
_HAS_SPACE = re.compile(r"\s")
_SPACES = re.compile(r"\s+")

# --- email ----------------------------------------------------------------------------------

_EMAIL_CHARS = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_EMAIL_LOCAL = rf"[A-Za-z0-9_](?:{_EMAIL_CHARS}*[A-Za-z0-9_])?(?:\.{_EMAIL_CHARS}+)*"
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"


class EmailRecogniser(PatternRecogniser):
    """Email addresses, including dotted names and plus-addressing.

    Finds ``firstname.lastname@council.gov.uk`` and ``j.smith+survey@example.org``. The match
    ends at the last letter of the top-level domain, so trailing punctuation ("...gov.uk.")
    stays outside. The canonical form is the lower-cased address.
    """

    name: ClassVar[str] = "email"
    tier: ClassVar[int] = 0
    entity_types: ClassVar[tuple[str, ...]] = (EMAIL,)
    score: ClassVar[float] = 0.95
    patterns: ClassVar[tuple[tuple[str, float], ...]] = (
        (rf"(?<![\w.+@-])(?P<id>{_EMAIL_LOCAL}@{_DOMAIN})(?![\w@-]|\.[A-Za-z0-9])", 0.95),
    )

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find email addresses in ``text`` (canonical: the address lower-cased)."""
        if "@" not in text:
            return []
        return [
            Detection(d.start, d.end, d.entity_type, d.recogniser, d.score, d.text, d.text.lower())
            for d in super().analyse(text, doc)
        ]


# --- URL ------------------------------------------------------------------------------------

# Top-level domains accepted for bare domains (no scheme, no "www."), so that "and/or" or a
# file name is not taken for a web address.
_TLDS = (
    "uk|com|org|net|gov|edu|int|eu|io|co|info|biz|me|scot|wales|cymru|london|ie|us|ca|au|nz|"
    "de|fr|nl|be|es|it|se|no|dk|fi|ch|at|pl|pt|in|za|app|dev|ai|tv|online|site|blog|news|"
    # link shorteners' domains ("bit.ly/3xYz", "goo.gl/...", "is.gd/...", "rb.gy/...")
    "ly|gl|gd|gy|cc|to|gle|link|page"
)
_URL_RE = re.compile(
    rf"""
    (?<![\w@./:+-])
    (?:
        https?://[^\s<>"'`]+                                            # scheme
      | www\.[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:[/?\#:][^\s<>"'`]*)?   # www.
      | (?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+(?:{_TLDS})/[^\s<>"'`]*  # with a path
      | (?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+                  # UK public and
        (?:gov|org|nhs|sch|ltd|plc|net|mod|mil|ac|co|police)\.uk         # company domains
        (?![\w@-]|\.[A-Za-z0-9])
    )
    """,
    re.I | re.X,
)
_URL_TRAILING = ".,;:!?'\"’”)]}>*"
_URL_QUICK = re.compile(r"://|www\.|\.[A-Za-z]{2,}(?:/|\.uk)", re.I)


class UrlRecogniser(Recogniser):
    """Web addresses: ``http(s)://`` URLs, bare ``www.`` domains and bare domains with a path.

    Also bare UK public-sector and company domains without a path ("northlincs.gov.uk",
    "example.co.uk"). Email addresses are not matched (a domain right after "@" is skipped),
    and trailing punctuation is left outside the match (a closing bracket only when the URL
    has no matching opening one). The canonical form is the lower-cased URL without scheme.
    """

    name: ClassVar[str] = "url"
    tier: ClassVar[int] = 0
    entity_types: ClassVar[tuple[str, ...]] = (URL,)
    score: ClassVar[float] = 0.9

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find web addresses in ``text``."""
        if not _URL_QUICK.search(text):
            return []
        found = []
        for m in _URL_RE.finditer(text):
            start, end = m.span()
            end = _trim_url(text, start, end)
            surface = text[start:end]
            low = surface.lower()
            if low.startswith(("http://", "https://")):
                if end - start <= len("https://"):
                    continue
                score = 0.95
            elif low.startswith("www."):
                score = 0.9
            elif "/" in surface:
                score = 0.8
            else:
                score = 0.7
            canonical = low.split("://", 1)[1] if "://" in low else low
            canonical = canonical.rstrip("/")
            found.append(self.detection(text, start, end, URL, score, canonical))
        return found


def _trim_url(text: str, start: int, end: int) -> int:
    """Move ``end`` back over trailing punctuation (and unbalanced closing brackets)."""
    while end > start and text[end - 1] in _URL_TRAILING:
        ch = text[end - 1]
        pairs = {")": "(", "]": "[", "}": "{"}
        if ch in pairs:
            span = text[start:end]
            if span.count(pairs[ch]) >= span.count(ch):
                break
        end -= 1
    return end


# --- spoken and obfuscated addresses -------------------------------------------------------

# a spoken or bracketed "dot" ("jo dot marsh", "barnsley [dot] gov") or a written "."
_SPOKEN_DOT = rf"(?:{_SP}*[\[({{<]{_SP}*dot{_SP}*[\])}}>]{_SP}*|{_SP}+dot{_SP}+)"
_ANY_DOT = rf"(?:{_SPOKEN_DOT}|\.)"
_SPOKEN_AT = rf"(?:{_SP}*[\[({{<]{_SP}*at{_SP}*[\])}}>]{_SP}*|{_SP}+at{_SP}+|{_SP}*@{_SP}*)"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_LOCAL_SEP = rf"(?:{_ANY_DOT}|{_SP}+(?:underscore|dash|hyphen){_SP}+|[_-])"
# top-level domains (and UK second levels) people say: the last label of a spoken domain
_SPOKEN_TLDS = frozenset(
    "uk com org net gov co ac nhs sch ie eu info io me scot wales police edu mod ltd plc".split()
)
_SPOKEN_DOMAIN = re.compile(
    rf"(?<![\w@.-])(?:(?:https?{_SP}*(?::|colon){_SP}*(?:/|slash|{_SP})*)?www{_ANY_DOT})?"
    rf"{_LABEL}(?:{_ANY_DOT}{_LABEL})+(?:{_SP}*(?:/|slash){_SP}*{_LABEL})*",
    re.I,
)
_SPOKEN_LOCAL = re.compile(
    rf"(?<![\w.@-])({_LABEL}(?:{_LOCAL_SEP}{_LABEL}){{0,3}}){_SPOKEN_AT}$", re.I
)
_SPOKEN_DOT_RE = re.compile(_SPOKEN_DOT, re.I)
_SPOKEN_QUICK_ADDR = re.compile(r"\bdot\b|\[\s*dot\s*\]|\(\s*dot\s*\)", re.I)
# words before "at" that make it a preposition, not an address ("look at bbc dot co dot uk")
_NOT_LOCAL = frozenset(
    "look looked looking email emailed mail write contact find check go went online us me "
    "them him her it is was be are were site website page".split()
)


class SpokenAddressRecogniser(Recogniser):
    """Email and web addresses spoken or obfuscated: "jo dot marsh at steps dot org dot uk".

    Also bracketed forms written to dodge spam filters ("tmorgan [at] barnsley [dot] gov [dot]
    uk", "a.khan (at) leeds (dot) ac (dot) uk") and spoken web addresses ("www dot
    littlesteps dot org dot uk", "kent dot gov dot uk slash early help"). A domain needs at
    least one spoken or bracketed "dot", two or more labels, and a last label people say
    as a top-level domain (uk, com, org, gov...); its registrable part must not be a
    function word ("the dot com boom"). With a local part and "at" before it, it is an
    email, otherwise a web address. Written addresses are the email and url recognisers'.
    """

    name: ClassVar[str] = "spoken_address"
    tier: ClassVar[int] = 0
    entity_types: ClassVar[tuple[str, ...]] = (EMAIL, URL)
    score: ClassVar[float] = 0.85

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find spoken and obfuscated addresses in ``text``."""
        if not _SPOKEN_QUICK_ADDR.search(text):
            return []
        found = []
        for m in _SPOKEN_DOMAIN.finditer(text):
            span = self._domain_span(text, m.start(), m.end())
            if span is None:
                continue
            start, end = span
            local = _SPOKEN_LOCAL.search(text, max(0, start - 80), start)
            etype = URL
            if local and local.group(1).lower() not in _NOT_LOCAL:
                start, etype = local.start(), EMAIL
            canonical = _canonical_address(text[start:end])
            found.append(self.detection(text, start, end, etype, self.score, canonical))
        return found

    @staticmethod
    def _domain_span(text: str, start: int, end: int) -> tuple[int, int] | None:
        """The span up to the last top-level label, or None when it is not an address."""
        labels = [(p.start(), p.end()) for p in re.finditer(_LABEL, text[start:end], re.I)]
        labels = [(start + a, start + b) for a, b in labels]
        labels = [(a, b) for a, b in labels if text[a:b].lower() not in _SEPARATOR_WORDS]
        words = [text[a:b].lower() for a, b in labels]
        last = max((i for i, w in enumerate(words) if w in _SPOKEN_TLDS), default=-1)
        if last < 1:
            return None
        end = labels[last][1]
        if not _SPOKEN_DOT_RE.search(text, start, end):
            return None
        first = 1 if words[0] == "www" or words[0].startswith("http") else 0
        name = [w for w in words[first:last] if w not in _SPOKEN_TLDS]
        if not name or name[-1] in _STOPWORDS_ADDR or words[first] in _STOPWORDS_ADDR:
            return None
        return start, end


_SEPARATOR_WORDS = frozenset({"dot", "slash", "colon"})
_STOPWORDS_ADDR = frozenset("the a an and or of on in at to it this that is was dot com".split())


def _canonical_address(surface: str) -> str:
    """The address written out: "jo dot marsh at x dot org" -> "jo.marsh@x.org"."""
    s = re.sub(rf"{_SPOKEN_AT}", "@", surface, count=1, flags=re.I)
    s = _SPOKEN_DOT_RE.sub(".", s)
    s = re.sub(rf"{_SP}+(?:underscore){_SP}+", "_", s, flags=re.I)
    s = re.sub(rf"{_SP}+(?:dash|hyphen){_SP}+", "-", s, flags=re.I)
    return re.sub(r"\s+", "", s).lower()


# --- social media handles -------------------------------------------------------------------

_HANDLE = re.compile(
    r"(?<![\w@./])@(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{2,30}(?![\w@]|\.[A-Za-z0-9])"
)
# chat-app mentions that name nobody
_NOT_HANDLES = frozenset({"@here", "@everyone", "@channel", "@all"})


class HandleRecogniser(Recogniser):
    """Social media handles: "I'm @jsmith on Twitter", "follow @LittleStepsCIC".

    An "@" not inside an email address, then 2-30 letters, digits or underscores with at
    least one letter ("@10" is a time, "@here" a chat mention). Typed as a web address
    (``[url]``); the canonical form is the handle in lower case.
    """

    name: ClassVar[str] = "handles"
    tier: ClassVar[int] = 0
    entity_types: ClassVar[tuple[str, ...]] = (URL,)
    score: ClassVar[float] = 0.85

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find social media handles in ``text``."""
        if "@" not in text:
            return []
        return [
            self.detection(text, m.start(), m.end(), URL, self.score, m.group().lower())
            for m in _HANDLE.finditer(text)
            if m.group().lower() not in _NOT_HANDLES
        ]


# --- NHS numbers ----------------------------------------------------------------------------

_NHS = re.compile(r"(?<![\w£$€.,/+-])(\d{3})([ \t-]?)(\d{3})\2(\d{4})(?![\w£$€%]|[.,/-]\d)")


def nhs_checksum_ok(digits: str) -> bool:
    """The NHS number modulus 11 check: weights 10..2 on the first nine digits."""
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


class NhsNumberRecogniser(Recogniser):
    """NHS numbers: ten digits, grouped 3-3-4 ("943 476 5919") or not, with a valid checksum.

    The modulus 11 check digit rejects nine in ten random ten-digit numbers, and money,
    decimals and digit runs inside longer numbers are not matched. Typed as a reference
    number (``[reference]``); the canonical form is the ten digits.
    """

    name: ClassVar[str] = "nhs_numbers"
    tier: ClassVar[int] = 0
    entity_types: ClassVar[tuple[str, ...]] = (REFERENCE,)
    score: ClassVar[float] = 0.85

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find NHS numbers in ``text``."""
        if not _DIGIT.search(text):
            return []
        found = []
        for m in _NHS.finditer(text):
            digits = m.group(1) + m.group(3) + m.group(4)
            if nhs_checksum_ok(digits):
                found.append(self.detection(text, m.start(), m.end(), REFERENCE, None, digits))
        return found


# --- phone (written) ------------------------------------------------------------------------

# A run of at least 7 digits, with at most 3 separators (space, dot, hyphen, bracket) between
# consecutive digits, optionally after "+" or "(" - the cheap gate before phonenumbers runs.
_PHONE_GATE = re.compile(
    r"(?<![\w£$€+])(?:\+[^\S\r\n]?|\()?\d(?:[ \t.()\u2010-\u2013-]{0,3}\d){6,}"
)
_PHONE_DATEISH = re.compile(
    r"(?:19|20)\d\d\s*[-\u2013/]\s*(?:(?:19|20)?\d\d)(?:\s*[-\u2013/]\s*\d\d)?", re.A
)


class PhoneRecogniser(Recogniser):
    """Written UK and international phone numbers, found with ``phonenumbers``.

    A precompiled regex first looks for a run of seven or more digits; only those windows
    (usually none) go to ``phonenumbers.PhoneNumberMatcher`` (region GB, leniency POSSIBLE),
    and its offsets are mapped back. Because POSSIBLE accepts almost any digit run, a match is
    kept only when it looks like a phone number: national numbers start with the trunk "0"
    and have 10 or 11 digits ("01632 960418", "020 7946 0581", "07700 900 362"); international
    ones start with "+" or "00" ("+44 (0)20 7946 0732", "+1 415 555 2671"). Years, money,
    percentages, date ranges and counts are not matched. The canonical form is E.164.
    """

    name: ClassVar[str] = "phone"
    tier: ClassVar[int] = 0
    entity_types: ClassVar[tuple[str, ...]] = (PHONE,)
    score: ClassVar[float] = 0.85
    gate: ClassVar[re.Pattern[str]] = _PHONE_GATE
    region: ClassVar[str] = "GB"

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find written phone numbers in ``text``."""
        found: list[Detection] = []
        for gm in self.gate.finditer(text):
            base = gm.start()
            window = gm.group()
            for pm in phonenumbers.PhoneNumberMatcher(
                window, self.region, leniency=phonenumbers.Leniency.POSSIBLE
            ):
                start, end = base + pm.start, base + pm.end
                score = self._check(text, start, end, pm.raw_string)
                if score is None:
                    continue
                canonical = phonenumbers.format_number(
                    pm.number, phonenumbers.PhoneNumberFormat.E164
                )
                found.append(self.detection(text, start, end, PHONE, score, canonical))
        return found

    def _check(self, text: str, start: int, end: int, raw: str) -> float | None:
        """The score to keep a matched number with, or None when it is not a phone number."""
        digits = "".join(c for c in raw if c.isdigit())
        before = text[max(0, start - 2) : start].rstrip()[-1:]
        after = text[end : end + 2].lstrip()[:1]
        if (before and before in "£$€#") or (after and after in "%£$€"):
            return None
        if _PHONE_DATEISH.fullmatch(raw.strip()):
            return None
        if raw.startswith("+") or digits.startswith("00"):
            return self.score if 8 <= len(digits) <= 17 else None
        if not digits.startswith("0") or not 10 <= len(digits) <= 12:
            return None
        if raw[1:2] in (".", ","):  # "0.1234...": a decimal, not a trunk prefix
            return None
        return self.score


# --- phone (spoken) -------------------------------------------------------------------------

_SPOKEN_DIGITS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "nought": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
_DIGIT_WORD = r"(?:zero|one|oh|o|nought|two|three|four|five|six|seven|eight|nine)"
_SPOKEN_TOKEN = rf"(?:(?:double|triple){_SP}*-?{_SP}*{_DIGIT_WORD}|{_DIGIT_WORD}|hundred|thousand)"
_SPOKEN_SEP = r"(?:[^\S\r\n]|[,\u2013-])+"
_ZERO_WORD = r"(?:zero|oh|o|nought)"
# A run starts with a spoken zero (UK numbers start with the trunk "0") or with "plus".
_SPOKEN_RUN = re.compile(
    rf"\b(?:plus{_SP}+{_SPOKEN_TOKEN}|(?:double|triple){_SP}*-?{_SP}*{_ZERO_WORD}|{_ZERO_WORD})"
    rf"(?:{_SPOKEN_SEP}{_SPOKEN_TOKEN}){{2,}}\b(?!['’])",
    re.I,
)
_SPOKEN_TOKENS = re.compile(rf"\b(?:plus|double|triple|hundred|thousand|{_DIGIT_WORD})\b", re.I)
_SPOKEN_QUICK = re.compile(r"\b(?:oh|o|zero|nought|plus)\b", re.I)


class SpokenPhoneRecogniser(Recogniser):
    """Phone numbers dictated as words in transcripts.

    Examples: "oh one six three two, nine six oh, four seven three", "oh seven seven double
    oh, nine hundred, four one seven", "oh two oh, seven nine four six, oh four three two".
    A run of digit words (zero/oh/o/nought, one to nine, "double X", "triple X", "hundred",
    "thousand") separated by spaces, commas or hyphens is expanded to digits ("double oh" is
    "00", "nine hundred" is "900"); it is a phone number when it has at least nine digits,
    starts with "0" (or is said after "plus") and uses at least three different digits. So
    "one or two of them", "nine hundred children" and "one, two, three things" are not
    matched. The span runs from the first digit word (or "plus") to the last; the canonical
    form is the digit string in E.164 where it parses.
    """

    name: ClassVar[str] = "spoken_phone"
    tier: ClassVar[int] = 0
    entity_types: ClassVar[tuple[str, ...]] = (PHONE,)
    score: ClassVar[float] = 0.8
    min_digits: ClassVar[int] = 9

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find spoken phone numbers in ``text``."""
        if not _SPOKEN_QUICK.search(text):
            return []
        found = []
        for m in _SPOKEN_RUN.finditer(text):
            digits = _expand_spoken(m.group())
            plus = m.group()[:4].lower() == "plus"
            if len(digits) < self.min_digits or len(digits) > 15:
                continue
            if not (plus or digits.startswith("0")) or len(set(digits)) < 3:
                continue
            number = ("+" if plus else "") + digits
            try:
                parsed = phonenumbers.parse(number, "GB")
                canonical = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
            except phonenumbers.NumberParseException:
                canonical = number
            found.append(self.detection(text, m.start(), m.end(), PHONE, self.score, canonical))
        return found


def _expand_spoken(run: str) -> str:
    """The digits a run of spoken digit words stands for ("double oh, nine hundred" -> "00900")."""
    out: list[str] = []
    repeat = 1
    for tok in _SPOKEN_TOKENS.findall(run.lower()):
        if tok == "plus":
            continue
        if tok == "double":
            repeat = 2
        elif tok == "triple":
            repeat = 3
        elif tok == "hundred":
            out.append("00" if out else "100")
        elif tok == "thousand":
            out.append("000" if out else "1000")
        else:
            out.append(_SPOKEN_DIGITS[tok] * repeat)
            repeat = 1
    return "".join(out)


# --- postcode -------------------------------------------------------------------------------

_OUTWARD = (
    r"(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])"
)
_INWARD = r"[0-9][ABD-HJLNP-UW-Z]{2}"


class PostcodeRecogniser(PatternRecogniser):
    """Full UK postcodes, and outward codes alone right after the word "postcode".

    Uses the canonical postcode pattern (valid letters in each position, "GIR 0AA"), case
    insensitively: "DN31 1HU", "SW1A 2AA", "M1 1AE", "b33 8th". Postcodes not written in
    capitals must be all lower case with a space between the halves ("M62 3rd" is a road),
    and score lower. An outward code alone ("DN31") is matched only after "postcode" ("their
    postcode is DN31"). The canonical form is the postcode in capitals with one space.
    """

    name: ClassVar[str] = "postcode"
    tier: ClassVar[int] = 0
    entity_types: ClassVar[tuple[str, ...]] = (POSTCODE,)
    score: ClassVar[float] = 0.85
    flags: ClassVar[int] = re.I
    patterns: ClassVar[tuple[tuple[str, float], ...]] = (
        (rf"(?<![\w-])(?P<id>{_OUTWARD}{_SP}?{_INWARD}|GIR{_SP}?0AA)(?![\w-])", 0.85),
        (
            rf"\bpost{_SP}?codes?(?:{_SP}+(?:area|district|sector))?"
            rf"(?:{_SP}+(?:is|was|of|in)|{_SP}*:)?{_SP}+(?P<id>{_OUTWARD})(?![\w-])"
            rf"(?!{_SP}?{_INWARD}(?![\w-]))",
            0.6,
        ),
    )

    def validate(self, match: re.Match[str], text: str, score: float) -> float | None:
        """Keep capitalised postcodes; others need a space between the halves and score lower."""
        code = match.group("id")
        if code.isupper() or match.start("id") > match.start():  # outward code after "postcode"
            return score
        if not code.islower() or not _HAS_SPACE.search(code):
            return None
        return min(score, 0.6)

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find postcodes in ``text`` (canonical: capitals, one space)."""
        out = []
        for d in super().analyse(text, doc):
            code = _SPACES.sub("", d.text).upper()
            canonical = f"{code[:-3]} {code[-3:]}" if len(code) >= 5 else code
            out.append(
                Detection(d.start, d.end, d.entity_type, d.recogniser, d.score, d.text, canonical)
            )
        return sorted(out)


# --- National Insurance number --------------------------------------------------------------

_NINO_INVALID_PREFIXES = frozenset({"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"})


class NinoRecogniser(PatternRecogniser):
    """National Insurance numbers: ``QQ 12 34 56 C`` or ``QQ123456C``.

    Applies the official prefix rules: the first letter is not D, F, I, Q, U or V; the second
    is not D, F, I, O, Q, U or V; the prefixes BG, GB, NK, KN, TN, NT and ZZ are not used;
    the suffix is A to D. Numbers not written in capitals must be written without spaces.
    The canonical form is the number in capitals without spaces.
    """

    name: ClassVar[str] = "nino"
    tier: ClassVar[int] = 0
    entity_types: ClassVar[tuple[str, ...]] = (NINO,)
    score: ClassVar[float] = 0.9
    flags: ClassVar[int] = re.I
    patterns: ClassVar[tuple[tuple[str, float], ...]] = (
        (
            rf"(?<![\w-])(?P<id>[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]{_SP}?\d\d{_SP}?\d\d"
            rf"{_SP}?\d\d{_SP}?[A-D])(?![\w-])",
            0.9,
        ),
    )

    def validate(self, match: re.Match[str], text: str, score: float) -> float | None:
        """Drop invalid prefixes and spaced numbers not in capitals."""
        code = match.group("id")
        if code[:2].upper() in _NINO_INVALID_PREFIXES:
            return None
        if not code.isupper() and _HAS_SPACE.search(code):
            return None
        return score

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find National Insurance numbers in ``text`` (canonical: capitals, no spaces)."""
        return [
            Detection(
                d.start,
                d.end,
                d.entity_type,
                d.recogniser,
                d.score,
                d.text,
                _SPACES.sub("", d.text).upper(),
            )
            for d in super().analyse(text, doc)
        ]


# --- dates ----------------------------------------------------------------------------------

MONTHS: tuple[str, ...] = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH_KEYS: dict[str, int] = {}
for _i, _m in enumerate(MONTHS, 1):
    _MONTH_KEYS[_m.lower()] = _i
    _MONTH_KEYS[_m[:3].lower()] = _i
_MONTH_KEYS["sept"] = 9


def _cap_or_upper(word: str) -> str:
    return f"(?:{word}|{word.upper()})"


_MONTH = "(?:%s)" % "|".join(
    [_cap_or_upper(m) for m in MONTHS]
    + [_cap_or_upper(m[:3]) for m in MONTHS if m != "May"]
    + [_cap_or_upper("Sept")]
)
_WEEKDAY = "(?:%s)" % "|".join(
    _cap_or_upper(d)
    for d in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
)
_DAYNUM = r"(?:3[01]|[12][0-9]|0?[1-9])"
_ORD = rf"{_DAYNUM}(?:st|nd|rd|th|ST|ND|RD|TH)"
_UNITS = "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth"
_WORD_ORD_LOWER = (
    rf"(?:twenty[- ](?:{_UNITS})|thirty[- ]first|{_UNITS}|tenth|eleventh|twelfth|thirteenth|"
    r"fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth)"
)
_WORD_ORD = rf"(?i:{_WORD_ORD_LOWER})"
_YEAR = r"(?:19|20)\d\d(?![\d,]\d|\w)"
_THE = rf"(?:[Tt]he|THE){_SP}+"
_RANGE = rf"(?:{_SP}*(?:-|\u2013|\u2014){_SP}*|{_SP}+(?:to|till|until|through|and|or){_SP}+)"
_END = r"(?![\w'’])"

# Day first, with a month: "26th of February", "11th to the 13th of March", "Tuesday 14 March".
_DATE_DAY_MONTH = re.compile(
    rf"""
    (?<![\w/.£$€-])
    (?=[0-9EFMNSTWefnst])  # fail fast: a digit, a weekday or a word ordinal starts here
    (?P<wd>{_WEEKDAY},?{_SP}+(?:{_THE})?)?
    (?P<d1>{_ORD}|{_WORD_ORD}|{_DAYNUM})
    (?:{_RANGE}(?:{_THE})?(?P<d2>{_ORD}|{_WORD_ORD}|{_DAYNUM}))?
    (?:{_SP}+(?:of|OF))?{_SP}+(?P<mon>{_MONTH})(?!\w)
    (?:,?{_SP}+(?P<year>{_YEAR}))?
    """,
    re.X,
)
# Month first: "March 12, 2023", "March 12th", "March the 12th", "Tuesday, March 14th 2023".
_DATE_MONTH_DAY = re.compile(
    rf"""
    (?<![\w/.-])
    (?=[ADFJMNOSTW])  # fail fast: a weekday or a month starts here
    (?P<wd>{_WEEKDAY},?{_SP}+)?
    (?P<mon>{_MONTH}),?{_SP}+  # "January, the 14th" too
    (?:{_THE}(?P<d1>{_ORD}|{_WORD_ORD})(?!\w)
      | (?P<d2>{_ORD})(?!\w)
      | (?P<d3>{_DAYNUM}),?(?={_SP}+{_YEAR})
    )
    (?:,?{_SP}+(?P<year>{_YEAR}))?
    """,
    re.X,
)
# A weekday and a bare ordinal: "Monday the 11th", "Tuesday 30th".
_DATE_WEEKDAY_ORD = re.compile(rf"(?<!\w)(?P<wd>{_WEEKDAY}),?{_SP}+(?:{_THE})?(?P<d1>{_ORD}){_END}")
# A range of bare ordinals with at least one "the": "4th to the 6th", "the 4th-6th".
_DATE_ORD_RANGE = re.compile(
    rf"(?<![\w/.-])(?P<the>{_THE})?(?P<d1>{_ORD}){_RANGE}(?P<the2>{_THE})?(?P<d2>{_ORD}){_END}"
)
# "the 14th" alone.
_DATE_THE_ORD = re.compile(rf"(?<![\w-]){_THE}(?P<d1>{_ORD}){_END}")
# Numeric: 12/03/2023, 12.03.23, 12-03-2023 (four-digit year only), 2023-03-12.
_DATE_NUMERIC = re.compile(
    r"(?<![\w/.:,-])(?:(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
    r"|(?P<a2>\d{1,2})-(?P<b2>\d{1,2})-(?P<y2>(?:19|20)\d\d)"
    r"|(?P<iy>(?:19|20)\d\d)-(?P<im>\d\d)-(?P<iday>\d\d))(?!\w|[/.:-]\d)"
)
# What follows a bare ordinal that makes it not a date ("the 21st century", "the 3rd tier").
_AFTER_ORD = re.compile(
    rf"(?:{_SP}*(?:/|,|&|-|\u2013|{_SP}(?:and|or|to|and{_SP}+the|or{_SP}+the|to{_SP}+the))"
    rf"{_SP}*(?:{_ORD}|{_WORD_ORD}))*(?:{_SP}+|-)(?P<word>[A-Za-z]+)"
)
ORDINAL_STOP_WORDS: frozenset[str] = frozenset(
    """
    century centuries millennium time times floor floors storey birthday anniversary
    anniversaries quarter quarters tier tiers place places round rounds year years
    generation generations percentile percentiles edition editions amendment amendments
    grade grades row rows one ones person people option options point points step steps
    stage stages phase phases level levels week weeks day days month months term terms
    wave waves iteration iterations version versions draft drafts attempt attempts go goes
    session sessions meeting meetings visit visits interview interviews workshop workshops
    cohort cohorts class form group groups team teams line lines item items question
    questions priority priorities choice choices largest biggest highest lowest smallest
    most least best worst last busiest poorest richest oldest youngest fastest slowest
    greatest worse better child children son daughter floor element principle pillar
    strand theme themes objective objectives outcome outcomes recommendation
    recommendations report reports party parties hand division league position
    rank ranking
    """.split()
)
# "of" after a bare ordinal, not followed by "the month" (or "this/next/last month").
_OF_NOT_MONTH = re.compile(rf"{_SP}+of{_SP}+(?!(?:the|this|that|next|last){_SP}+month\b)", re.I)
_MONTH_QUICK = re.compile(rf"\b{_MONTH}(?!\w)")


class DateRecogniser(Recogniser):
    """Specific dates as British transcripts say and write them.

    Covers "26th of February", "31st of March 2014", "11th to the 13th of March", "Monday the
    11th", "the 14th", "4th to the 6th", "12 March 2023", "March 12, 2023", "Tuesday 14 March",
    "the first of March", and numeric forms "12/03/2023", "12.03.23", "2023-03-12" (day
    first unless that is impossible). A month alone ("in January"), a year alone ("in 2014")
    or a month and year ("March 2014") is not a specific date and is not matched. A bare "the
    Nth" (N from 1 to 31) is a date unless a word such as "century", "time", "tier" or
    "quarter" follows (see :data:`ORDINAL_STOP_WORDS`). Month names must be capitalised (so
    "may" and "march" the verbs are not months).

    The canonical form of each detection is the coarsened date (month and year where known,
    "March 2014"; the month alone, "February"; None without a month, "the 14th"), so the stage
    can coarsen dates instead of redacting them. Dates with a month score 0.85, a weekday and
    day 0.75, bare ordinals 0.6.
    """

    name: ClassVar[str] = "date"
    entity_types: ClassVar[tuple[str, ...]] = (DATE,)
    score: ClassVar[float] = 0.85
    bare_score: ClassVar[float] = 0.6
    weekday_score: ClassVar[float] = 0.75

    def analyse(self, text: str, doc: Doc | None = None) -> list[Detection]:
        """Find dates in ``text``; overlapping candidates keep the best (score, then length)."""
        cands: list[tuple[float, int, int, str | None]] = []
        if _MONTH_QUICK.search(text):
            for rx in (_DATE_DAY_MONTH, _DATE_MONTH_DAY):
                for m in rx.finditer(text):
                    canonical = _coarse(m.group("mon"), m.group("year"))
                    cands.append((self.score, m.start(), m.end(), canonical))
        if not _DIGIT.search(text):
            return self._resolve(text, cands)
        for m in _DATE_NUMERIC.finditer(text):
            hit = _numeric_date(m)
            if hit is not None:
                cands.append((self.score, m.start(), m.end(), hit))
        for m in _DATE_WEEKDAY_ORD.finditer(text):
            if not _ordinal_is_not_date(text, m.end()):
                cands.append((self.weekday_score, m.start(), m.end(), None))
        for m in _DATE_ORD_RANGE.finditer(text):
            if (m.group("the") or m.group("the2")) and not _ordinal_is_not_date(text, m.end()):
                cands.append((self.bare_score, m.start("d1"), m.end(), None))
        for m in _DATE_THE_ORD.finditer(text):
            if not _ordinal_is_not_date(text, m.end()):
                cands.append((self.bare_score, m.start(), m.end(), None))
        return self._resolve(text, cands)

    def _resolve(
        self, text: str, cands: list[tuple[float, int, int, str | None]]
    ) -> list[Detection]:
        """Keep non-overlapping candidates, best score first, then longest, then earliest."""
        cands.sort(key=lambda c: (-c[0], c[1] - c[2], c[1]))
        kept: list[tuple[float, int, int, str | None]] = []
        for cand in cands:
            _, start, end, _ = cand
            if all(end <= k[1] or start >= k[2] for k in kept):
                kept.append(cand)
        kept.sort(key=lambda c: c[1])
        return [self.detection(text, s, e, DATE, sc, can) for sc, s, e, can in kept]


def _coarse(month: str | None, year: str | None) -> str | None:
    """The coarsened form of a date: "March 2014", "February" or None."""
    if not month:
        return None
    number = _MONTH_KEYS.get(month.rstrip(".").lower())
    if number is None:
        return None
    name = MONTHS[number - 1]
    return f"{name} {year}" if year else name


def _numeric_date(m: re.Match[str]) -> str | None:
    """The coarsened form of a numeric date, or None when it is not a valid date."""
    if m.group("iy"):
        year, month, day = int(m.group("iy")), int(m.group("im")), int(m.group("iday"))
    else:
        a = int(m.group("a") or m.group("a2"))
        b = int(m.group("b") or m.group("b2"))
        ys = m.group("y") or m.group("y2")
        year = int(ys)
        if len(ys) == 2:
            year += 2000 if year < 50 else 1900
        day, month = a, b
        if month > 12 and m.group("sep") == "/" and day <= 12:  # US order, unambiguous
            day, month = b, a
    if not (1 <= month <= 12 and 1 <= day <= 31) or not 1900 <= year <= 2099:
        return None
    return f"{MONTHS[month - 1]} {year}"


def _ordinal_is_not_date(text: str, end: int) -> bool:
    """True when a bare ordinal is not a date.

    That is when the word after it (past any listed ordinals) is a stop word ("the 3rd
    tier"), or when "of" follows but not "of the month" ("the 3rd of the councils").
    """
    m = _AFTER_ORD.match(text, end)
    if m and m.group("word").lower() in ORDINAL_STOP_WORDS:
        return True
    return bool(_OF_NOT_MONTH.match(text, end))
