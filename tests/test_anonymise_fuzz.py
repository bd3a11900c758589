"""A fuzz corpus for the anonymise core: planted identifiers must go, probe terms must stay.

Each case is one interview (a few respondent turns) with what the evaluator knows about it
(speakers, register entries). ``planted`` strings must not survive anywhere in the
anonymised turns (whole word, any case; ``re:`` marks a regular expression); ``probes``
must survive as often as they occur (exact spelling). The cases cover every detection class
of issue 14: lower-case and nickname forms of known people, surnames after a replaced first
name, spoken and obfuscated addresses, NHS numbers, handles, short links, house numbers,
local place nicknames; and the precision side: common-word names, acronyms, software,
codebook terms, one type per surface form, two people never merged.

The statistical NER model is left out (fast unit tests); ``benchmarks/bench_fuzz.py``
runs the same table with it and reports the rates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd
import pytest

from pipeline import anonymise as A
from pipeline.anonymise.detect import phrase_ngrams
from pipeline.evaluator_files.allow_list import default_allow_list
from pipeline.evaluator_files.register import RegisterEntity
from pipeline.params import AnonymiseParams


@dataclass(frozen=True)
class Case:
    """One interview of the fuzz corpus."""

    name: str
    klass: str
    turns: tuple[str, ...]
    planted: tuple[str, ...] = ()
    probes: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    register: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    vocabulary: tuple[str, ...] = ()
    one_pseudonym: tuple[str, ...] = field(default=())


def _reg(kind: str, name: str, *aliases: str) -> tuple[str, str, tuple[str, ...]]:
    return (kind, name, aliases)


CASES: tuple[Case, ...] = (
    # --- recall: known names in any case ----------------------------------------------------
    Case(
        "lower-case speaker name",
        "case",
        ("i spoke to sarah about it and sarah agreed.", "SARAH said the same."),
        planted=("sarah",),
        speakers=("Sarah Jones",),
    ),
    Case(
        "lower-case register name",
        "case",
        ("gareth thinks it's fine, honestly.", "I asked gareth lewis again."),
        planted=("gareth", "lewis"),
        register=(_reg("person", "Gareth Lewis"),),
    ),
    Case(
        "lower-case unknown name with a person cue",
        "case",
        ("i spoke to priyanka on monday", "and then dominic said no"),
        planted=("priyanka", "dominic"),
    ),
    Case(
        "lower-case register alias",
        "case",
        ("we went out to skem last week", "Skem is where the new hub is."),
        planted=("skem",),
        register=(_reg("place", "Skelmersdale", "skem"),),
    ),
    # --- recall: contact details --------------------------------------------------------------
    Case(
        "spoken email",
        "address",
        ("It's jo dot marsh at littlestepscic dot org dot uk, she'll find me.",),
        planted=("marsh", "littlestepscic", "jo dot marsh"),
    ),
    Case(
        "spoken council email",
        "address",
        ("Email me, j dot smith at kent dot gov dot uk.",),
        planted=("j dot smith", "kent dot gov"),
    ),
    Case(
        "bracketed email",
        "address",
        ("Write to tmorgan [at] barnsley [dot] gov [dot] uk for the forms.",),
        planted=("tmorgan", "barnsley"),
    ),
    Case(
        "spoken email with underscore",
        "address",
        ("It's sam underscore okoro at gmail dot com.",),
        planted=("okoro",),
    ),
    Case(
        "spoken web address",
        "address",
        ("Have a look at www dot littlestepsdads dot org dot uk.",),
        planted=("littlestepsdads",),
        probes=("Have a look at",),
    ),
    Case(
        "NHS number spaced",
        "nhs",
        ("Her NHS number is 943 476 5919 if that helps.",),
        planted=("943 476 5919", "5919"),
        probes=("NHS number",),
    ),
    Case(
        "NHS number run together",
        "nhs",
        ("The number on the letter was 4010232137.",),
        planted=("4010232137",),
    ),
    Case(
        "social handle",
        "handle",
        ("I'm @jsmith on Twitter, and the group is @OakfieldDads.",),
        planted=("@jsmith", "jsmith", "OakfieldDads"),
        probes=("Twitter",),
    ),
    Case(
        "short link",
        "url",
        ("The form is at bit.ly/3xYzAb or forms.gle/Qw3rTy9.",),
        planted=("3xYzAb", "Qw3rTy9"),
    ),
    # --- recall: addresses and places ---------------------------------------------------------
    Case(
        "house number with street",
        "house",
        ("She lives at 14 Acacia Road, near the school.", "Number 7a Mill Lane too."),
        planted=("14 Acacia Road", "re:\\b14 \\[", "Acacia", "re:\\b7a \\["),
    ),
    Case(
        "local place nickname next to its place",
        "place_nickname",
        (
            "We work around Preston and out towards Skem, Skelmersdale, mostly.",
            "Skem has nothing for dads.",
        ),
        planted=("Skem", "Skelmersdale"),
    ),
    Case(
        "unknown place coordinated with a known one",
        "place_coordination",
        (
            "The children of Thetford or Brinnington are no better off.",
            "We cover Wigan and Tyldesley.",
        ),
        planted=("Brinnington", "Tyldesley"),
        probes=("The children of",),
    ),
    # --- recall: linked people ----------------------------------------------------------------
    Case(
        "double-barrelled surname after a known first name",
        "surname",
        ("Adaeze Okafor-Lindqvist runs it now.", "Okafor-Lindqvist is great."),
        planted=("Okafor-Lindqvist", "Okafor", "Lindqvist"),
        speakers=("Adaeze",),
    ),
    Case(
        "surname after a register first name",
        "surname",
        ("Then Marcus Wetherell-Price took over the group.",),
        planted=("Wetherell-Price",),
        register=(_reg("person", "Marcus Adeyemi", "Marcus"),),
    ),
    Case(
        "common-word first name of a person named in full",
        "common_word",
        ("Mark Ibbotson went to the review.", "Mark came back with ideas.", "Mark my words."),
        planted=("Ibbotson", "re:Mark came"),
        probes=("Mark my words",),
    ),
    Case(
        "nickname of a speaker",
        "nickname",
        ("Gaz said it was fine.", "I told Gaz to ring."),
        planted=("Gaz",),
        speakers=("Gareth Evans",),
    ),
    Case(
        "nickname of a register person",
        "nickname",
        ("Jo runs the dads group.", "Ask Sue, she knows."),
        planted=("Jo", "Sue"),
        register=(_reg("person", "Joanne Platt"), _reg("person", "Susan Bainbridge")),
    ),
    Case(
        "nickname of a full name found in the text",
        "nickname",
        ("Rebecca Holt set it up.", "Bex does the admin, and Bex is brilliant."),
        planted=("Bex", "Rebecca", "Holt"),
    ),
    Case(
        "names in capitals and after a greeting",
        "case",
        ("THANKS PRIYANKA, and DOMINIC SAID the same.", "hiya dominic, it's me"),
        planted=("priyanka", "dominic"),
        speakers=("Priyanka Desai", "Dominic Rowe"),
    ),
    Case(
        "short forms of register people in speech",
        "nickname",
        ("Liz and Tom ran the session.", "Tom said Liz's notes are on Teams."),
        planted=("Liz", "Tom"),
        probes=("Teams",),
        register=(_reg("person", "Elizabeth Carver"), _reg("person", "Thomas Wright")),
    ),
    Case(
        "addresses mid-sentence with punctuation",
        "address",
        (
            "Send it to r dot patel at bolton dot gov dot uk, or ring.",
            "Her number (NHS) was 401-023-2137; the form's at tinyurl.com/fh-form.",
        ),
        planted=("patel", "bolton dot gov", "401-023-2137", "fh-form"),
        probes=("NHS",),
    ),
    # --- precision: common words ----------------------------------------------------------------
    Case(
        "common words that are names",
        "common_word",
        (
            "Demand rose sharply in the winter.",
            "Hope that helps.",
            "Sandy soil drains well, so the garden works.",
            "Will came up in the meeting, as a question of goodwill.",
            "Mark my words, it will get worse.",
            "It's by the brook, near the grace and favour houses.",
        ),
        probes=("Demand", "Hope", "Sandy", "Will", "Mark", "brook", "grace"),
    ),
    Case(
        "common-word names of known people need a person context",
        "common_word",
        (
            "Hope that helps. Hope said she would come.",
            "Will you send it? I hope so. Will Hughes did.",
            "We mark the register, and Mark rang.",
        ),
        probes=("Hope that helps", "I hope so", "Will you send it", "We mark the register"),
        planted=("Hughes", "re:Hope said", "re:Mark rang"),
        speakers=("Hope Williams", "Will Hughes", "Mark Daly"),
    ),
    Case(
        "acronyms and software",
        "acronym",
        (
            "The MASH and the ICO both asked, and the DBS check took weeks.",
            "DfE and the ICB fund it, and the GP surgery refers.",
            "We use Word and Excel, Teams for calls, and Facebook for the group.",
        ),
        probes=(
            "MASH",
            "ICO",
            "DBS",
            "DfE",
            "ICB",
            "GP surgery",
            "Word",
            "Excel",
            "Teams",
            "Facebook",
        ),
    ),
    Case(
        "the codebook's own terms",
        "codebook",
        (
            "The Improvement Adviser came in March.",
            "Parent Champions ran the stall, with Community Connectors.",
        ),
        probes=("Improvement Adviser", "Parent Champions", "Community Connectors"),
        vocabulary=("Visits by the Improvement Adviser, Parent Champions or Community Connectors",),
    ),
    Case(
        "one entity type per surface form",
        "consistency",
        ("I told Grace about it.", "Grace said yes, and Grace's team came.", "We met in Grace."),
        planted=("Grace",),
        one_pseudonym=("Grace",),
    ),
    Case(
        "two people never merged on one shared token",
        "consistency",
        ("Brook Adeyemi chairs it.", "Mark Brook came too.", "Brook Adeyemi agreed."),
        planted=("Adeyemi", "re:Mark Brook"),
        speakers=("Brook Adeyemi", "Mark Brook"),
    ),
)

RECOGNISERS = [r for r in AnonymiseParams().recognisers if r != "ner"]


def _turns(case: Case) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for i, text in enumerate(case.turns):
        rows.append(
            {
                "interview_id": "FZ01",
                "turn_index": i,
                "speaker_label": "Respondent",
                "speaker_role": "respondent",
                "role_rule": "pattern",
                "text": text,
                "n_words": len(text.split()),
                "source_file": "fz01.txt",
                "start_s": None,
                "end_s": None,
            }
        )
    interviews = pd.DataFrame({"interview_id": ["FZ01"], "role": ["x"]})
    for i, person in enumerate(case.speakers):
        interviews[f"name_{i}"] = person
    return pd.DataFrame(rows), interviews


def run_case(case: Case, nlp=None, recognisers: list[str] | None = None) -> list[str]:
    """The anonymised turns of one case."""
    turns, interviews = _turns(case)
    register = [RegisterEntity(type=k, name=n, aliases=list(a)) for k, n, a in case.register]
    people_columns = [f"name_{i}" for i in range(len(case.speakers))]
    params = AnonymiseParams(recognisers=recognisers or RECOGNISERS)
    result = A.anonymise(
        turns,
        interviews,
        params,
        register=register,
        allow=default_allow_list(),
        name_columns=people_columns,
        nlp=nlp,
        progress=False,
        codebook_phrases=phrase_ngrams(case.vocabulary),
    )
    return result.turns["text"].tolist()


def survivors(case: Case, out: list[str]) -> list[str]:
    """Planted identifiers still in the output."""
    text = "\n".join(out)
    left = []
    for p in case.planted:
        rx = p[3:] if p.startswith("re:") else rf"(?<!\w){re.escape(p)}(?!\w)"
        flags = 0 if p.startswith("re:") else re.I
        if re.search(rx, text, flags):
            left.append(p)
    return left


def lost_probes(case: Case, out: list[str]) -> list[str]:
    """Probe terms removed (fewer occurrences after than before)."""
    before, after = "\n".join(case.turns), "\n".join(out)
    return [p for p in case.probes if after.count(p) < before.count(p)]


def pseudonyms_of(case: Case, out: list[str], surface: str) -> set[str]:
    """The pseudonyms that stand where ``surface`` stood in the input (same turn, same slot)."""
    found = set()
    for before, after in zip(case.turns, out):
        if surface in before:
            found |= set(re.findall(r"\[[A-Z][a-z]+ \w+\]", after))
    return found


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_when_fuzz_case_anonymised_then_planted_go_and_probes_stay(case):
    out = run_case(case)
    assert survivors(case, out) == [], out
    assert lost_probes(case, out) == [], out
    for surface in case.one_pseudonym:
        kinds = {p.split()[0] for p in pseudonyms_of(case, out, surface)}
        assert len(kinds) <= 1, out


def test_when_two_people_share_a_token_then_they_keep_two_pseudonyms():
    case = next(c for c in CASES if c.name.startswith("two people"))
    first = [re.match(r"\[Person \d+\]", o).group() for o in run_case(case)]
    assert first[0] != first[1]
    assert first[0] == first[2]


def test_when_corpus_is_run_then_every_class_is_covered():
    classes = {c.klass for c in CASES}
    assert {"case", "address", "nhs", "handle", "url", "house", "surname", "nickname"} <= classes
    assert {"common_word", "acronym", "codebook", "consistency", "place_nickname"} <= classes
    assert "place_coordination" in classes


def test_when_codebook_terms_are_collected_then_examples_and_lower_case_words_do_not_count():
    from pipeline.codebook import Codebook

    book = Codebook.model_validate(
        {
            "name": "Test",
            "codes": [
                {
                    "id": "support",
                    "label": "Support from the Improvement Adviser",
                    "definition": "Help and grant funding from DfE.",
                    "examples": ["Priya Shah from Oakfield helped."],
                }
            ],
        }
    )
    phrases = phrase_ngrams(book.own_texts())
    assert {"improvement adviser", "dfe"} <= phrases
    assert not {"grant", "priya", "oakfield"} & phrases
