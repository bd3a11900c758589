"""The second line of defence: identifiers nobody listed, left in anonymised text.

Shared by the leak gate (every shareable output) and the anonymise stage (the anonymised
transcripts, so the review file lists them and the report can count them).

The leak gate proper only knows what the key, the register and the review decisions list.
This scan looks at the same normalised texts (pseudonyms blanked, allow-listed phrases
blanked) for what an unknown identifier looks like, with the recognisers the anonymise stage
uses:

- **failing kinds** (``verify.residual_fail``; default all of them): email addresses, phone
  numbers, postcodes, National Insurance and NHS numbers (checksum), social handles
  (``@jsmith``), and people named by a listed given name and a surname whose score reaches
  ``verify.person_score`` (high confidence);
- **warnings**: other capitalised word runs not at a sentence start, not common words and
  not allow-listed ("Okafor-Lindqvist", "Skem"); counted per file, listed only in the
  private report.

Only counts reach the metrics; the strings go to the private report.
"""

from __future__ import annotations

import csv
import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

FAIL_KINDS = ("email", "phone", "postcode", "ni_number", "nhs_number", "handle", "person")
_HANDLE = re.compile(r"(?<![\w.@/])@[A-Za-z_][A-Za-z0-9_.]{2,29}(?<!\.)\b(?![@/]|\.[A-Za-z]{2})")
# "@" words that are code, not people: CSS at-rules, doc-comment tags, decorators
NOT_HANDLES = frozenset(
    """
    media keyframes page import font-face supports charset namespace layer container
    property counter-style document viewport see param returns return type typedef license
    author example deprecated since version private public override todo property
    staticmethod classmethod dataclass
    """.split()
)
_NHS = re.compile(r"(?<![\d\w])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d\w])")
# Words that are names in a key but ordinary English far more often (beyond the given-name
# recogniser's ambiguous list and the stop words); each is matched only as spelled.
COMMON_WORDS = frozenset(
    """
    reading demand sandy hope will grace word bath brook mark wells sale street green hill
    wood field park bank hall church castle bridge chase lane march may june august summer
    white black brown young king rose lily ivy holly dawn faith joy amber crystal pearl ruby
    victoria chelsea ford hull derby deal battle bury bolton cross long little
    """.split()
)


@functools.lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Every word the case rule treats as common: the list above, stop words, ambiguous names."""
    from pipeline.recognisers.gazetteers import STOP_WORDS
    from pipeline.recognisers.names import FirstNameRecogniser as F

    return COMMON_WORDS | STOP_WORDS | F.AMBIGUOUS | F.INITIAL_AMBIGUOUS


_CAPITALISED = re.compile(
    r"(?<![\w\[])(?:[A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)*)(?: [A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)*)*"
)
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“(|>*#\-]\s*|\n)$")


# only lines that can hold a match go to the slower recognisers: these need a digit
_NEEDS_DIGIT = frozenset({"phone", "postcode", "ni_number"})
_DIGIT_LINE = re.compile(r"^.*\d.*$", re.M)


def _at_windows(text: str, width: int = 320) -> list[str]:
    """The text around each "@" on its line (an address is far shorter than ``width``).

    The email pattern backtracks badly on long lines of code, so it only sees these windows.
    """
    out, last = [], -1
    for m in re.finditer("@", text):
        if m.start() <= last:
            continue
        lo = max(0, m.start() - width, text.rfind("\n", 0, m.start()) + 1)
        hi = text.find("\n", m.start())
        hi = min(m.start() + width, len(text) if hi < 0 else hi)
        out.append(text[lo:hi])
        last = hi
    return out


def _phone_like(text: str, start: int, found: str) -> bool:
    """False for numbers in data: decimals ("0.0661764705"), zero country codes ("0005-0010").

    Also false for a run of mostly one- and two-digit numbers ("0 10 20 0 30 60": a chart's
    axis in a PDF's text, a table row): nobody groups a phone number that way.
    """
    digits = re.sub(r"\D", "", found)
    if start > 0 and text[start - 1] in ".,":
        return False
    groups = re.findall(r"\d+", found)
    if len(groups) >= 3 and 2 * sum(len(g) <= 2 for g in groups) > len(groups):
        return False
    if digits.startswith("00") and (len(digits) < 3 or digits[2] == "0"):
        return False
    return not (digits.startswith("0") and not digits.startswith("00") and len(digits) < 10)


_RUN_BEFORE = re.compile(r"\d[ \t]+$")
_RUN_AFTER = re.compile(r"^[ \t]+\d+[ \t]+\d")  # two more numbers: "... 5919 2 weeks" is prose


def _in_number_run(text: str, m: re.Match[str]) -> bool:
    """Whether the match is three numbers of a longer run (a table row in a PDF's text).

    "Benefits 4052 572 477 374 1155 657": cells of a row, which a 4,300-interview report's
    counts make look like an NHS number (1 in 11 pass the checksum by chance). A person's
    number is written on its own, not between other numbers: a number before it, or two
    after it, make a run.
    """
    before = text[max(0, m.start() - 4) : m.start()]
    return bool(_RUN_BEFORE.search(before) or _RUN_AFTER.match(text[m.end() : m.end() + 24]))


def nhs_checksum_ok(digits: str) -> bool:
    """True when the 10-digit ``digits`` pass the NHS number's modulus-11 check."""
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


@functools.lru_cache(maxsize=1)
def _recognisers() -> dict[str, Any]:
    from pipeline.recognisers.names import FirstNameRecogniser
    from pipeline.recognisers.patterns import (
        EmailRecogniser,
        NinoRecogniser,
        PhoneRecogniser,
        PostcodeRecogniser,
    )

    return {
        "email": EmailRecogniser(),
        "phone": PhoneRecogniser(),
        "postcode": PostcodeRecogniser(),
        "ni_number": NinoRecogniser(),
        "person": FirstNameRecogniser(),
    }


# identifiers qualeval derives from ids (REFI-QDA GUIDs): hex, never a person's number
_GUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)


def find_risks(text: str, person_score: float) -> list[tuple[str, str]]:
    """``(kind, string)`` for every failing-kind identifier in ``text`` (see the module)."""
    if "-" in text:
        text = _GUID.sub(" ", text)
    found: list[tuple[str, str]] = []
    digit_lines = "\n".join(_DIGIT_LINE.findall(text))
    for kind, rec in _recognisers().items():
        if kind == "email":
            chunk = "\n".join(_at_windows(text))
        else:
            chunk = digit_lines if kind in _NEEDS_DIGIT else text
        for d in rec.analyse(chunk):
            if kind == "phone" and not _phone_like(chunk, d.start, d.text):
                continue
            if kind != "person" or (d.score >= person_score and " " in d.text.strip()):
                found.append((kind, d.text))
    if "@" in text:
        found += [
            ("handle", m.group())
            for m in _HANDLE.finditer(text)
            if m.group()[1:].lower() not in NOT_HANDLES
        ]
    for m in _NHS.finditer(digit_lines):  # a number never spans a line: its lines suffice
        if nhs_checksum_ok("".join(m.groups())) and not _in_number_run(digit_lines, m):
            found.append(("nhs_number", m.group()))
    return found


# capitalised words that name no one: the calendar, nationalities and languages, and what
# people say while thinking ("Erm", "Oh"); listed as unknown names they bury the real ones
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_LANGUAGES = frozenset(
    """
    arabic bengali cantonese farsi gujarati hindi mandarin pashto punjabi sign spanish swahili
    tigrinya urdu european asian african caribbean latin eastern western
    """.split()
)
_INTERJECTIONS = frozenset("erm er um umm uh ah oh ooh eh hmm mm mhm yeah yep god gosh".split())
# months that are also given names stay suspicious unless the name rule says otherwise
_NAME_MONTHS = frozenset({"may", "june", "august"})


@functools.lru_cache(maxsize=1)
def ordinary_words() -> frozenset[str]:
    """Words a capitalised run may be made of without naming anyone (case-folded)."""
    from pipeline.recognisers.legal import DEMONYMS
    from pipeline.recognisers.patterns import MONTHS

    calendar = {m.casefold() for m in MONTHS} - _NAME_MONTHS
    calendar |= {*_WEEKDAYS, *(d + "s" for d in _WEEKDAYS)}
    demonyms = {w.casefold() for d in DEMONYMS for w in d.split()}
    return common_words() | calendar | demonyms | _LANGUAGES | _INTERJECTIONS


def _is_ordinary(word: str, ordinary: frozenset[str]) -> bool:
    """An ordinary word, or a contraction, possessive or lower-case compound of one."""
    w = word.casefold().replace("’", "'")
    if w in ordinary:
        return True
    if "'" in w:  # "that's", "isn't", "friday's": what comes before the apostrophe decides
        return w.endswith("n't") or w.split("'")[0] in ordinary
    # "Turkish-speaking", "Council-run": an ordinary word, then words written in lower case
    first, _, rest = word.partition("-")
    return bool(rest) and first.casefold() in ordinary and rest.islower()


def capitalised_names(text: str, ordinary: frozenset[str] | None = None) -> list[str]:
    """Capitalised word runs not at a sentence start and not made only of ordinary words.

    ``ordinary``: the case-folded ordinary words (default :func:`ordinary_words`).
    """
    ordinary = ordinary_words() if ordinary is None else ordinary
    out = []
    for m in _CAPITALISED.finditer(text):
        if _SENTENCE_START.search(text[max(0, m.start() - 3) : m.start()]) or m.start() == 0:
            continue
        if all(_is_ordinary(w, ordinary) for w in m.group().split(" ")):
            continue
        out.append(m.group())
    return out


def _cells(text: str) -> list[str]:
    """The distinct cells of a CSV file's text, first seen first (the text if it does not parse).

    Collected as they are read, so a long table is never held as rows of cells.
    """
    try:
        cells = dict.fromkeys(cell.strip() for row in csv.reader(text.splitlines()) for cell in row)
    except csv.Error:
        return [text]
    return list(cells) or [text]


@dataclass
class ResidualScan:
    """What the residual scan found, per file; :meth:`metrics` gives counts only."""

    fail_kinds: tuple[str, ...] = FAIL_KINDS
    person_score: float = 0.85
    known: set[str] = field(default_factory=set)
    #: words that are ordinary here beyond :func:`ordinary_words` (case-folded): the words
    #: the corpus also writes in lower case, the codebook's vocabulary
    also_ordinary: frozenset[str] = frozenset()
    risks: dict[str, Counter[tuple[str, str]]] = field(default_factory=lambda: defaultdict(Counter))
    warnings: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def scan(self, rel: str, texts: set[str], known: set[str] = frozenset()) -> None:
        """Scan the distinct normalised ``texts`` of the file ``rel``.

        ``known``: identifiers the gate already reported as leaks in it (not counted twice).
        """
        risks: set[tuple[str, str]] = set()
        names: set[str] = set()
        for text in texts:
            found, capitalised = self.findings(rel, text)
            risks |= found
            names |= capitalised
        self.record(rel, risks, names, known)

    def findings(self, rel: str, text: str) -> tuple[set[tuple[str, str]], set[str]]:
        """What one text of the file ``rel`` holds: ``(kind, string)`` risks and names."""
        names: set[str] = set()
        # a table cell starts like a sentence ("Regional networks" is a code's label)
        for part in _cells(text) if rel.lower().endswith(".csv") else (text,):
            names.update(capitalised_names(part, self._ordinary))  # each distinct cell once
        return set(find_risks(text, self.person_score)), names

    def record(
        self,
        rel: str,
        risks: set[tuple[str, str]],
        names: set[str],
        known: set[str] = frozenset(),
    ) -> None:
        """Count a file's :meth:`findings` (all its texts together), leaks in ``known`` aside."""
        folded = {k.casefold() for k in known}
        for kind, s in risks:
            if s.casefold() not in folded:
                self.risks[rel][(kind, s)] += 1
        for name in names - self.known - set(known):
            self.warnings[rel][name] += 1

    @functools.cached_property
    def _ordinary(self) -> frozenset[str] | None:
        return ordinary_words() | self.also_ordinary if self.also_ordinary else None

    @property
    def failures(self) -> list[tuple[str, str, str]]:
        """``(file, kind, string)`` of every finding of a failing kind."""
        return [
            (rel, kind, s)
            for rel, found in sorted(self.risks.items())
            for kind, s in sorted(found)
            if kind in self.fail_kinds
        ]

    @property
    def passed(self) -> bool:
        """True when no finding is of a failing kind."""
        return not self.failures

    def counts(self) -> dict[str, dict[str, int]]:
        """File -> kind -> number of distinct strings (warnings as ``capitalised_name``)."""
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for rel, found in self.risks.items():
            for kind, n in Counter(k for k, _ in found).items():
                out[rel][kind] = n
        for rel, names in self.warnings.items():
            out[rel]["capitalised_name"] = len(names)
        return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}

    def metrics(self) -> dict[str, Any]:
        """Counts only (safe to publish): totals by kind, failures, warnings, files affected."""
        by_kind = Counter(kind for found in self.risks.values() for kind, _ in found)
        return {
            "residual_failures": len(self.failures),
            "residual_warnings": sum(len(v) for v in self.warnings.values()),
            "residual_by_kind": dict(sorted(by_kind.items())),
            "residual_files_with_findings": len(set(self.risks) | set(self.warnings)),
        }

    def rows(self) -> list[dict[str, str]]:
        """Rows of the private report: every finding with its file and kind."""
        rows = [
            {
                "file": rel,
                "identifier": s,
                "entity_type": kind,
                "pseudonym": "",
                "problem": "residual risk" if kind in self.fail_kinds else "residual warning",
            }
            for rel, found in sorted(self.risks.items())
            for kind, s in sorted(found)
        ]
        rows += [
            {
                "file": rel,
                "identifier": name,
                "entity_type": "capitalised_name",
                "pseudonym": "",
                "problem": "residual warning",
            }
            for rel, names in sorted(self.warnings.items())
            for name in sorted(names)
        ]
        return rows
