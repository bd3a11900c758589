"""Codebook validation: the minimal hand-written form works; every mistake is named."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from pipeline.codebook import MIN_DEFINITION_WORDS, load_codebook, parse_codebook
from pipeline.errors import QualevalError

PARENT = {"id": "benefit", "label": "Benefits", "definition": "Good things from taking part."}
CHILD = {
    "id": "benefit.sharing",
    "label": "Sharing",
    "parent": "benefit",
    "definition": "Councils learn practice from each other and borrow ideas.",
    "keywords": ["share practice"],
}
OTHER = {
    "id": "benefit.trust",
    "label": "Trust",
    "parent": "benefit",
    "definition": "Openness and honest self-assessment between councils.",
    "keywords": ["honest"],
}


def _book(*codes):
    return {"codes": list(codes)}


def _child(**changes):
    return {**CHILD, **changes}


def _pattern(*tokens):
    return _child(patterns=[list(tokens)])


def _error(raw, source="codebook.yaml"):
    with pytest.raises(QualevalError) as err:
        parse_codebook(raw, source)
    return str(err.value)


# (case, raw document, fragments the single error line must contain: file, position and id,
# what is wrong, and the fix)
ERROR_CASES = [
    (
        "duplicate_id",
        _book(PARENT, CHILD, CHILD),
        [
            "codebook.yaml: codes[2] (benefit.sharing).id:",
            "duplicate id, also codes[1]",
            "give each code its own id",
        ],
    ),
    (
        "unknown_parent",
        _book(PARENT, _child(parent="benfit")),
        [
            "codebook.yaml: codes[1] (benefit.sharing).parent:",
            "unknown parent 'benfit'",
            "use the id of a code defined in this file",
            "did you mean 'benefit'?",
        ],
    ),
    (
        "parent_cycle",
        _book({**PARENT, "parent": "benefit.sharing"}, CHILD),
        [
            "codebook.yaml: codes[0] (benefit).parent:",
            "cycle benefit -> benefit.sharing -> benefit",
            "cannot be its own ancestor",
            "change or remove one of these parents",
        ],
    ),
    (
        "self_parent",
        _book(PARENT, _child(parent="benefit.sharing")),
        [
            "codebook.yaml: codes[1] (benefit.sharing).parent:",
            "cycle benefit.sharing -> benefit.sharing",
            "cannot be its own ancestor",
        ],
    ),
    (
        "empty_definition",
        _book(PARENT, _child(definition="  ")),
        [
            "codebook.yaml: codes[1] (benefit.sharing).definition:",
            "must not be empty",
            "write one or two sentences",
        ],
    ),
    (
        "missing_definition",
        _book(PARENT, {k: v for k, v in CHILD.items() if k != "definition"}),
        ["codebook.yaml: codes[1] (benefit.sharing).definition:", "required; add it"],
    ),
    (
        "empty_label",
        _book(PARENT, _child(label="")),
        [
            "codebook.yaml: codes[1] (benefit.sharing).label:",
            "must not be empty",
            "give the code a short name",
        ],
    ),
    (
        "child_definition_too_short",
        _book(PARENT, _child(definition="Sharing practice.")),
        [
            "codebook.yaml: codes[1] (benefit.sharing).definition:",
            "not enough material to code from",
            "has 2 words",
            f"write at least {MIN_DEFINITION_WORDS} words",
        ],
    ),
    (
        "child_without_material",
        _book(PARENT, _child(keywords=[])),
        [
            "codebook.yaml: codes[1] (benefit.sharing):",
            "not enough material to code from",
            "no keywords, examples, include criteria or patterns",
            "add at least one so the coders have something to match",
        ],
    ),
    (
        "bad_id",
        _book(PARENT, _child(id="Benefit Sharing", parent=None)),
        [
            "codebook.yaml: codes[1] (Benefit Sharing).id:",
            "'Benefit Sharing' is not a valid id",
            "use lower-case letters",
        ],
    ),
    (
        "unknown_key",
        _book(PARENT, _child(keywrods=["x"])),
        [
            "codebook.yaml: codes[1] (benefit.sharing).keywrods:",
            "unknown key",
            "check its spelling",
        ],
    ),
    (
        "empty_list_entry",
        _book(PARENT, _child(examples=["  "])),
        ["codebook.yaml: codes[1] (benefit.sharing).examples:", "entry 0 is empty", "remove it"],
    ),
    (
        "yaml_boolean_keyword",
        _book(PARENT, _child(keywords=["share", True])),
        [
            "codebook.yaml: codes[1] (benefit.sharing).keywords:",
            "entry 1 was read by YAML as true",
            "put it in quotes",
        ],
    ),
    (
        "empty_pattern",
        _book(PARENT, _child(patterns=[[]])),
        [
            "codebook.yaml: codes[1] (benefit.sharing).patterns[0]:",
            "empty pattern",
            "list of token maps",
        ],
    ),
    (
        "empty_token_map",
        _book(PARENT, _pattern({})),
        [
            "codebook.yaml: codes[1] (benefit.sharing).patterns[0][0]:",
            "invalid pattern: empty token map",
            "give at least one attribute",
        ],
    ),
    (
        "pattern_not_token_maps",
        _book(PARENT, _child(patterns=["share"])),
        [
            "codebook.yaml: codes[1] (benefit.sharing).patterns[0]:",
            "Input should be a valid list",
            "list of token maps",
        ],
    ),
    (
        "token_not_a_map",
        _book(PARENT, _child(patterns=[["share"]])),
        [
            "codebook.yaml: codes[1] (benefit.sharing).patterns[0][0]:",
            "valid dictionary",
            "list of token maps",
        ],
    ),
    (
        "unknown_token_attribute",
        _book(PARENT, _pattern({"LOWR": "share"})),
        [
            "codebook.yaml: codes[1] (benefit.sharing).patterns[0][0].LOWR:",
            "unknown token attribute 'LOWR'",
            "did you mean 'LOWER'?",
            "use a spaCy Matcher attribute",
        ],
    ),
    (
        "invalid_operator",
        _book(PARENT, _pattern({"LOWER": "share"}, {"OP": "++"})),
        [
            "codebook.yaml: codes[1] (benefit.sharing).patterns[0][1].OP:",
            "invalid operator '++'",
            "use one of !, ?, +, *",
        ],
    ),
    (
        "boolean_attribute_not_boolean",
        _book(PARENT, _pattern({"IS_PUNCT": "yes"})),
        [
            "codebook.yaml: codes[1] (benefit.sharing).patterns[0][0].IS_PUNCT:",
            "takes true or false",
        ],
    ),
    (
        "text_attribute_given_a_list",
        _book(PARENT, _pattern({"LOWER": ["share", "swap"]})),
        [
            "codebook.yaml: codes[1] (benefit.sharing).patterns[0][0].LOWER:",
            "takes text or a predicate map",
            "use {IN: [a, b]}",
        ],
    ),
    (
        "unknown_predicate",
        _book(PARENT, _pattern({"LEMMA": {"INN": ["share"]}})),
        [
            "codebook.yaml: codes[1] (benefit.sharing).patterns[0][0].LEMMA.INN:",
            "unknown predicate 'INN'",
            "did you mean 'IN'?",
        ],
    ),
    (
        "set_predicate_not_a_list",
        _book(PARENT, _pattern({"LEMMA": {"IN": "share"}})),
        [
            "codebook.yaml: codes[1] (benefit.sharing).patterns[0][0].LEMMA.IN:",
            "IN takes a list",
        ],
    ),
    (
        "length_not_a_number",
        _book(PARENT, _pattern({"LENGTH": "long"})),
        [
            "codebook.yaml: codes[1] (benefit.sharing).patterns[0][0].LENGTH:",
            "LENGTH takes a number or a predicate",
        ],
    ),
    (
        "exclude_names_unknown_code_in_parentheses",
        _book(PARENT, _child(exclude=["honest self-assessment (benefit.trst)"]), OTHER),
        [
            "codebook.yaml: codes[1] (benefit.sharing).exclude[0]:",
            "names unknown code 'benefit.trst'",
            "use the id of a code defined in this file, or reword the criterion",
            "did you mean 'benefit.trust'?",
        ],
    ),
    (
        "exclude_names_unknown_bare_dotted_id",
        _book(PARENT, _child(exclude=["see benefit.honesty instead"]), OTHER),
        [
            "codebook.yaml: codes[1] (benefit.sharing).exclude[0]:",
            "names unknown code 'benefit.honesty'",
        ],
    ),
    (
        "bad_colour",
        _book(PARENT, _child(colour="red")),
        ["codebook.yaml: codes[1] (benefit.sharing).colour:", "'red' is not a colour", "#RRGGBB"],
    ),
    (
        "no_codes",
        {"codes": []},
        ["codebook.yaml: codes:", "no codes", "add at least one code"],
    ),
    (
        "not_a_mapping",
        ["a"],
        ["codebook.yaml:", "expected a mapping with a 'codes' list"],
    ),
]


@pytest.mark.parametrize(("case", "raw", "fragments"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_when_codebook_invalid_then_one_line_names_file_position_id_and_fix(case, raw, fragments):
    message = _error(raw)
    assert len(message.splitlines()) == 1, message
    for fragment in fragments:
        assert fragment in message, f"{case}: {fragment!r} not in {message!r}"


def test_when_several_problems_then_all_reported_in_file_order_one_line_each():
    message = _error(
        _book(
            PARENT,
            _child(keywords=[]),
            {**OTHER, "colour": "red"},
            {**OTHER, "id": "benefit.other", "parent": "benfit"},
            OTHER,
        )
    )
    lines = message.splitlines()
    assert len(lines) == 4, message
    assert lines[0].startswith("codebook.yaml: codes[1] (benefit.sharing): not enough material")
    assert lines[1].startswith("codebook.yaml: codes[2] (benefit.trust).colour:")
    assert lines[2].startswith("codebook.yaml: codes[3] (benefit.other).parent: unknown parent")
    assert lines[3].startswith(
        "codebook.yaml: codes[4] (benefit.trust).id: duplicate id, also codes[2]"
    )


def test_when_parent_code_itself_invalid_then_its_children_do_not_report_unknown_parent():
    message = _error(_book({**PARENT, "colour": "blue"}, CHILD, OTHER))
    assert message.splitlines() == [
        "codebook.yaml: codes[0] (benefit).colour: 'blue' is not a colour; use #RRGGBB"
    ]


def test_when_file_name_given_then_every_line_starts_with_it():
    message = _error(_book(PARENT, _child(keywords=[], parent="nope")), source="mine.yaml")
    assert all(
        line.startswith("mine.yaml: codes[1] (benefit.sharing)") for line in message.splitlines()
    )


def test_when_parent_code_has_no_material_then_valid():
    book = parse_codebook(_book({**PARENT, "definition": "Good."}, CHILD), "codebook.yaml")
    assert [c.id for c in book.leaves()] == ["benefit.sharing"]


def test_when_top_level_code_has_no_children_then_no_material_needed():
    book = parse_codebook(_book({**PARENT, "definition": "Good things."}), "codebook.yaml")
    assert [c.id for c in book.leaves()] == ["benefit"]


@pytest.mark.parametrize("material", ["keywords", "examples", "include", "patterns"])
def test_when_child_has_any_one_kind_of_material_then_valid(material):
    value = [[{"LOWER": "share"}]] if material == "patterns" else ["sharing what works"]
    child = {k: v for k, v in CHILD.items() if k != "keywords"} | {material: value}
    assert parse_codebook(_book(PARENT, child), "codebook.yaml").codes[1].id == "benefit.sharing"


def test_when_keyword_repeated_within_a_code_then_kept_once_and_shared_keywords_allowed():
    book = parse_codebook(
        _book(
            PARENT,
            _child(keywords=["share", "Share", "share  practice", "share practice"]),
            {**OTHER, "keywords": ["share"]},
        ),
        "codebook.yaml",
    )
    assert book.by_id()["benefit.sharing"].keywords == ["share", "share practice"]
    assert book.by_id()["benefit.trust"].keywords == ["share"]


VALID_PATTERNS = [
    [{"LOWER": "peer"}, {"LOWER": "challenge"}],
    [{"lower": "peer"}, {"IS_PUNCT": True, "OP": "?"}, {"LEMMA": "review"}],
    [{"LEMMA": {"IN": ["share", "swap"]}}, {"POS": "ADP", "OP": "{0,2}"}, {"TEXT": "ideas"}],
    [{"LOWER": {"REGEX": "^peer"}}, {"OP": "{,3}"}, {"LENGTH": {">=": 3}}, {"OP": "+"}],
    [{"ENT_TYPE": "ORG"}, {"ENT_IOB": "I", "OP": "*"}, {"LIKE_NUM": True, "OP": "{2}"}],
    [{"_": {"is_quote": True}}, {"IS_SENT_START": False, "OP": "!"}, {"OP": "{1,}"}],
    [{"MORPH": {"IS_SUPERSET": ["Number=Plur"]}}, {"NORM": {"FUZZY": "councillor"}}],
]
INVALID_PATTERNS = [
    [{"LOWR": "peer"}],
    [{"LOWER": "peer", "OP": "++"}],
    [{"OP": "{a}"}],
    [{"IS_PUNCT": "yes"}],
    [{"LOWER": ["peer", "review"]}],
    [{"LEMMA": {"INN": ["share"]}}],
    [{"LEMMA": {"IN": "share"}}],
    [{"LENGTH": "long"}],
    [{"ENT_IOB": "X"}],
    [{"_": "quote"}],
    [{"LOWER": None}],
]


@pytest.mark.parametrize("pattern", VALID_PATTERNS)
def test_when_valid_spacy_pattern_then_accepted(pattern):
    book = parse_codebook(_book(PARENT, _child(patterns=[pattern])), "codebook.yaml")
    assert book.codes[1].patterns == [pattern]


@pytest.mark.parametrize(
    ("pattern", "valid"),
    [(p, True) for p in VALID_PATTERNS] + [(p, False) for p in INVALID_PATTERNS],
)
def test_when_pattern_checked_then_verdict_agrees_with_spacys_own_schema(pattern, valid):
    schemas = pytest.importorskip("spacy.schemas")
    assert (not schemas.validate_token_pattern(pattern)) is valid
    try:
        parse_codebook(_book(PARENT, _child(patterns=[pattern])), "codebook.yaml")
        ours = True
    except QualevalError:
        ours = False
    assert ours is valid


def test_when_codebook_module_imported_then_spacy_is_not():
    code = "import sys, pipeline.codebook; sys.exit('spacy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_when_exclusion_mentions_abbreviations_files_or_plain_words_then_not_taken_for_codes():
    child = _child(exclude=["e.g. anything in report.pdf (see notes) (ofsted) i.e. not this"])
    assert (
        parse_codebook(_book(PARENT, child), "codebook.yaml").excluded_codes("benefit.sharing")
        == []
    )


def test_when_exclusion_names_codes_then_excluded_codes_lists_them():
    child = _child(
        exclude=["honesty (benefit.trust)", "general benefits (benefit)", "benefit.trust"]
    )
    book = parse_codebook(_book(PARENT, child, OTHER), "codebook.yaml")
    assert book.excluded_codes("benefit.sharing") == ["benefit.trust", "benefit"]


def test_when_version_written_as_unquoted_number_then_read_as_text():
    book = parse_codebook({"version": 1.1, **_book(PARENT, CHILD)}, "codebook.yaml")
    assert book.version == "1.1"


# A user's own codebook, in the minimal hand-written form, for a different evaluation.
LIBRARY_CODEBOOK = """\
name: Library service review
version: 2
codes:
  - id: access
    label: Getting to the library
    definition: What helps or stops residents using the library service.
  - id: access.opening_hours
    label: Opening hours
    parent: access
    definition: Whether the library is open when people can actually come in.
    include: [closing early, weekend or evening opening]
    exclude: [getting there by bus (access.travel)]
    examples: ["it shuts at five, so I can never go after work"]
  - id: access.travel
    label: Travel and transport
    parent: access
    definition: How easy it is to reach the branch by bus, car, bike or on foot.
    keywords: [bus, parking, too far, no buses]
  - id: experience
    label: Experience of the service
    definition: What people say about using the library once they are there.
  - id: experience.staff_help
    label: Help from staff
    parent: experience
    definition: Staff helping visitors find books, use computers or fill in forms.
    keywords: [librarian, staff, helpful]
    examples: ["the librarian sat with me and sorted out my bus pass form"]
  - id: experience.digital
    label: Computers and wifi
    parent: experience
    definition: Public computers, printing and wifi, and whether they work.
    patterns:
      - [{LOWER: wifi}]
      - [{LEMMA: {IN: [computer, printer]}}, {LOWER: be, OP: "?"}, {LOWER: broken}]
    memo: Added after the pilot interviews.
    colour: "#3366cc"
"""


def test_when_users_own_minimal_codebook_then_loads_with_no_code_change(tmp_path):
    path = tmp_path / "library.yaml"
    path.write_text(LIBRARY_CODEBOOK, encoding="utf-8")
    book = load_codebook(path)
    assert book.version == "2"
    assert [c.id for c in book.leaves()] == [
        "access.opening_hours",
        "access.travel",
        "experience.staff_help",
        "experience.digital",
    ]
    assert [c.id for c in book.children("access")] == ["access.opening_hours", "access.travel"]
    assert book.children("access.travel") == []
    assert book.excluded_codes("access.opening_hours") == ["access.travel"]
    assert book.material("access.opening_hours") == (
        "Opening hours: Whether the library is open when people can actually come in.\n"
        "Includes: closing early; weekend or evening opening\n"
        "Examples: it shuts at five, so I can never go after work"
    )
    assert book.material("access.travel") == (
        "Travel and transport: How easy it is to reach the branch by bus, car, bike or on foot."
    )
    assert "getting there by bus" not in book.material("access.opening_hours")


def test_when_users_codebook_has_a_typo_then_error_names_their_file(tmp_path):
    path = tmp_path / "library.yaml"
    path.write_text(LIBRARY_CODEBOOK.replace("parent: experience\n", "parent: experiance\n", 1))
    with pytest.raises(
        QualevalError,
        match=r"^library\.yaml: codes\[4\] \(experience\.staff_help\)"
        r"\.parent: unknown parent 'experiance'.*did you mean 'experience'",
    ):
        load_codebook(path)


@pytest.mark.parametrize("method", ["material", "children", "excluded_codes"])
def test_when_unknown_code_id_asked_for_then_key_error_names_it(method):
    book = parse_codebook(_book(PARENT, CHILD), "codebook.yaml")
    with pytest.raises(KeyError, match=r"benefit\.nope"):
        getattr(book, method)("benefit.nope")


def test_when_sample_codebook_loaded_then_six_parents_and_25_to_35_children(root):
    book = load_codebook(root / "codebook" / "codebook.yaml")
    parents = [c.id for c in book.codes if not c.parent]
    assert parents == [
        "benefit",
        "challenge",
        "impact",
        "value_for_money",
        "sustainability",
        "recommendation",
    ]
    assert 25 <= len(book.leaves()) <= 35
    assert book.version == "1.2"


def test_when_sample_codebook_loaded_then_every_child_has_18_distinct_examples(root):
    book = load_codebook(root / "codebook" / "codebook.yaml")
    for code in book.leaves():
        assert len(set(code.examples)) == 18, code.id
        assert code.examples[0] in book.material(code.id)
    assert book.excluded_codes("benefit.sharing_practice") == ["benefit.reciprocal_learning"]


def test_when_sample_codebook_read_as_plain_yaml_then_examples_are_strings(root):
    raw = yaml.safe_load((root / "codebook" / "codebook.yaml").read_text(encoding="utf-8"))
    for code in raw["codes"]:
        assert all(isinstance(x, str) for x in code.get("examples", [])), code["id"]


def test_when_codebook_not_yaml_then_line_named(tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text("codes:\n  - id: a\n   label: [x\n")
    with pytest.raises(QualevalError, match=r"codebook.yaml: line \d+: not valid YAML"):
        load_codebook(path)


@pytest.mark.parametrize(
    ("uncoded", "message"),
    [
        (["fine", "  "], r"codebook.yaml: uncoded: .*entry 1 is empty; remove it"),
        ("just text", r"codebook.yaml: uncoded: .*valid list"),
    ],
)
def test_when_uncoded_material_malformed_then_error_names_field(uncoded, message):
    with pytest.raises(QualevalError, match=message):
        parse_codebook({"uncoded": uncoded, **_book(PARENT, CHILD)}, "codebook.yaml")


def test_when_uncoded_material_given_then_whitespace_normalised():
    book = parse_codebook({"uncoded": ["Yes,   I can\nhear you."], **_book(PARENT, CHILD)}, "x")
    assert book.uncoded == ["Yes, I can hear you."]


def test_when_codebook_read_then_vocabulary_has_its_words_in_lower_case():
    book = parse_codebook(
        {
            "codes": [
                {
                    "id": "access",
                    "label": "Access",
                    "definition": "Childcare and transport barriers to using the hub.",
                    "examples": ["Childcare was the biggest barrier."],
                }
            ]
        },
        "codebook.yaml",
    )
    assert {"childcare", "barrier", "access", "transport"} <= book.vocabulary()
