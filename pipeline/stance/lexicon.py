"""The stance lexicon: VADER's word list, adapted to evaluation interviews about services.

VADER (the ``vaderSentiment`` package, MIT licence) ships a hand-rated lexicon of about 7,500
words and emoticons with a rule set for negation ("not good"), intensifiers ("really good"),
capitals and exclamation marks. Two things go wrong when it reads evaluation interviews:

- **Service names read as praise.** "data *sharing*", "parenting *support*", "early *help*",
  "the *trust*" (an NHS trust), "peer *challenge*": the words that name the aspect are rated
  as sentiment. :data:`SERVICE_WORDS` and every word of the codebook's labels (the names of
  the aspects) are removed from the lexicon, so naming a topic is never a view of it.
- **Evaluative phrases of the genre are missing.** "it worked well", "didn't land", "a
  struggle", "invaluable", "stretched", "falls apart", "sits in a drawer". :data:`PHRASES`
  lists them as regular expressions with a valence on VADER's scale (-4 to 4); each match is
  replaced by a placeholder word carrying that valence, so VADER's own negation and
  intensifier rules still apply around it ("it never really worked well"). :data:`WORDS`
  adds single words in the same way.

Hedges ("too early to say", "I'd love to say yes, but") are not views: :data:`HEDGES` marks
a clause as non-committal. :data:`MIXED` phrases ("mixed, honestly", "on the one hand")
count towards both poles.

The lists are general to evaluation interviews of public services and were written before
the method was measured; ``stance.extra_cues`` adds an evaluation's own phrases.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

# words that name services, roles and topics in public-service evaluations, never a view
SERVICE_WORDS = frozenset(
    """
    support supports supported supporting help helps helping care cares caring trust trusts
    share shares sharing shared benefit benefits health healthy wellbeing protection protect
    safeguarding improvement improvements improve advice challenge challenges challenged
    challenging peer peers partner partners partnership partnerships child children family
    families parent parents parenting start play feeding justice welfare assistance
    agreement agreements legal excel word teams laughs laughing laugh
    """.split()
)

# spoken fillers VADER rates as sentiment ("honestly", "like", "yeah", "kind of", "pretty")
FILLERS = frozenset("honestly yeah yep like well pretty kind sure please fair huge".split())

# words of the codebook's labels that are views, not aspects: never masked
EVALUATIVE_LABEL_WORDS = frozenset(
    """
    good better best bad worse worst poor great improved effective ineffective successful
    positive negative strong weak difficult difficulty problem problems useful valuable
    """.split()
)

# (pattern, valence): evaluative phrases VADER lacks or misreads; matched on lower-case text
PHRASES: tuple[tuple[str, float], ...] = (
    # working, landing, making a difference
    (
        r"\b(?:it |that |this |which )?(?:really |actually )?work(?:s|ed|ing)? "
        r"(?:really |very )?well\b",
        2.5,
    ),
    (r"\bwhen it works,? it (?:really )?works\b", 2.0),
    (r"\b(?:it|that|this|which)(?:'s| is| has been)? (?:really |actually )?working\b", 1.8),
    (r"\b(?:is|was|it's|that's) (?:the |what )?(?:really )?work(?:s|ed|ing)\b", 1.2),
    (
        r"\b(?:didn't|did not|doesn't|does not|don't|do not|never|won't|isn't|is not|wasn't|"
        r"was not|not) (?:really |quite |always )?(?:work|working|worked|land|landed|help|helped|"
        r"helping)\b",
        -2.2,
    ),
    (
        r"\bmade (?:a |such a |all the )?(?:massive |huge |big |real |great |real |"
        r"enormous )?difference\b",
        2.2,
    ),
    (
        r"\bmak(?:e|es|ing) (?:a |such a |all the )?(?:massive |huge |big |real |great |"
        r"enormous )?difference\b",
        2.0,
    ),
    (
        r"\bhas (?:helped|worked)\b|\bit helped\b|\bthat helped\b"
        r"|\bhelped (?:a lot|loads|hugely)\b",
        2.0,
    ),
    (
        r"\b(?:a |the )?(?:best|favourite) (?:thing|bit|part)s?\b|\bone of the (?:better|best) "
        r"(?:bits|things|parts)\b",
        2.5,
    ),
    # wishes name a lack: "I'd love to be able to see", "it would help"
    (
        r"\b(?:i'd|i would|we'd|we would) (?:really )?(?:love|like) (?:to|a|it if|some|more|the)\b"
        r"|\b(?:it |that )?would (?:really )?(?:help|be (?:good|nice|great|helpful|useful))\b"
        r"|\bwhat (?:we|they|i) (?:really )?need is\b|\bwe need (?:more|a|some|to)\b",
        -1.0,
    ),
    (
        r"\b(?:much |a lot |loads |far |so much )?better than (?:it was|before|ours|we had|"
        r"the old)\b",
        1.8,
    ),
    (r"\b(?:got|getting|gets|is getting) (?:a lot |much |loads |a bit )?better\b", 1.8),
    (r"\b(?:has |have )?(?:really )?(?:improved|improving)\b", 1.5),
    (r"\bcame on (?:loads|a lot)\b|\bcome on loads\b", 2.0),
    (r"\bworth (?:it|a lot|keeping|something|doing)\b", 2.0),
    (r"\bgenuinely useful\b|\breally useful\b|\bhugely useful\b", 2.3),
    (r"\ba (?:real )?(?:godsend|lifeline|game[- ]changer)\b", 3.0),
    (
        r"\b(?:fair enough|to be fair|to be honest|if i'm honest|if i am honest|i'm not gonna lie|"
        r"not gonna lie|i'll be honest)\b",
        0.0,
    ),
    (r"\bif you're lucky\b|\bif we're lucky\b", -1.5),
    (r"\bwaiting (?:on|for)\b", -1.2),
    (
        r"\b(?:doesn't|does not|don't|do not|can't|cannot) (?:really )?tell (?:you|us|me) "
        r"(?:if|whether|"
        r"anything|much)[^.;]*",
        -1.6,
    ),
    (r"\bin a good way\b", 1.8),
    (r"\b(?:a |the )?positive\b", 1.5),
    (r"\bon balance,? yes\b|\bbroadly positive\b", 1.8),
    (r"\bgoes a long way\b|\bpaid off\b|\bpays off\b", 2.0),
    (r"\bfeel(?:s|t)? (?:listened to|heard|valued|part of something)\b", 2.0),
    (r"\b(?:don't|do not|never) take (?:that|it|this) away\b", 2.5),
    (r"\bkeep (?:the|it|that|this|them|going|doing)\b|\bprotect (?:it|the|that)\b", 1.2),
    # problems, pressure, failure
    (r"\b(?:a |such a |real )?struggle\b|\bstruggl(?:e|es|ed|ing)\b", -2.0),
    (r"\b(?:over)?stretched\b|\bstretch(?:ed)? thin\b|\bshort[- ]staffed\b|\bunderstaffed\b", -2.0),
    (
        r"\bfall(?:s|ing)? apart\b|\bfalls? down\b"
        r"|\bfall(?:s|ing)? through (?:the )?(?:gap|gaps|net|cracks)\b",
        -2.3,
    ),
    (r"\b(?:a )?black hole\b|\bsits? in a (?:drawer|pile|file)\b|\bgone quiet\b", -2.0),
    (r"\b(?:a |the )?(?:real |big |huge |massive )?(?:gap|gaps)\b", -1.2),
    (
        r"\bwaiting (?:list|lists|times?)\b|\bthe wait is\b"
        r"|\bwait(?:ed|ing)? (?:\w+ )?(?:days|months|weeks|ages|years)\b",
        -1.5,
    ),
    (
        r"\bdon't talk to each other\b|\bdoesn't talk to\b|\bdon't really talk\b|\bdon't talk\b",
        -2.0,
    ),
    (
        r"\b(?:can't|cannot|couldn't|can not) (?:really |even |always )?"
        r"(?:see|get|recruit|afford|find|fill|share|access|"
        r"log in|plan|keep|cope)\b",
        -1.6,
    ),
    (
        r"\bno (?:time|money|capacity|budget|funding|one|idea|access|system)\b|\bnobody (?:knows|"
        r"tells|asks|asked|told|said|has)\b|\bno-one (?:knows|tells|asks|asked)\b",
        -1.6,
    ),
    (
        r"\bnot (?:enough|sure|clear|joined up)\b"
        r"|\bnot (?:much|great|ideal|brilliant|good enough)\b",
        -1.6,
    ),
    (
        r"\b(?:a )?(?:big|huge|massive|real) ask\b|\btoo (?:much|many|long|slow|soft|gentle|"
        r"nice|easy|late)\b",
        -1.4,
    ),
    (r"\b(?:at risk|under threat|on the line|in doubt|up in the air)\b", -2.0),
    (
        r"\b(?:cut|cuts|cutting|slashed|reduced|reduces|runs out|ran out|run out|ends in"
        r"|comes? to an end|"
        r"goes? first|will go|would go|dried up)\b",
        -1.5,
    ),
    (
        r"\b(?:vacan(?:cy|cies)|off (?:sick|with stress)|long-term sick|burn(?:t|ed) out|"
        r"exhausted|tired|caseloads? (?:are|is) (?:huge|massive|high))\b",
        -1.6,
    ),
    (r"\bgoing through the motions\b|\bthrough the motions\b|\bon paper\b|\btick[- ]box\b", -1.8),
    (r"\bout of date\b|\bdon't match\b|\bdidn't match\b|\breinvent(?:ing)?\b|\bpatchy\b", -1.6),
    (r"\b(?:the )?weak(?:est)? (?:part|bit|spot|link)\b|\bnot (?:robust|rigorous)\b", -2.0),
    (
        r"\bhit and miss\b|\bthe hard bit\b|\bthe hardest\b|\bharder\b|\bhard to\b|"
        r"\bhardest part\b|\bwasted (?:morning|day|time)\b",
        -1.4,
    ),
    (
        r"\b(?:no|never|nothing) (?:fixed|changed|happened|sorted)\b|\band then nothing\b|"
        r"\bnothing (?:at all|for them|to refer)\b",
        -2.0,
    ),
    (r"\bthere's nothing\b|\bthere isn't (?:a lot|much|anything)\b|\bnot really\b", -1.6),
    (r"\bstill (?:waiting|can't|don't|not|no|sitting)\b|\bit's always with\b", -1.6),
    (r"\bsore point\b|\bgripe\b|\bmoan\b|\bworr(?:y|ied|ying|ies)\b|\bnervous\b|\banxiety\b", -1.6),
    # recommendations: asking to fix something names a failing
    (
        r"\b(?:sort(?:ed)? out|sort (?:the|that)|get (?:the |it |that )?\w+(?: \w+)? sorted|"
        r"fix(?:ed)? (?:the|it|that))\b",
        -1.5,
    ),
    (r"\bthe best part of\b|\bfor the best\b|\bas best (?:i|we) can\b", 0.0),
    (r"\b(?:have|has) (?:dropped|fallen|gone down|got worse)\b|\bdropped off\b", -1.5),
    (
        r"\bshould(?:n't| not)? have to\b|\bit should just\b"
        r"|\bneeds? (?:sorting|fixing|to change)\b",
        -1.6,
    ),
)

# single words VADER lacks or rates off-genre, with their valence
WORDS: Mapping[str, float] = {
    "invaluable": 2.8,
    "frustrating": -2.0,
    "frustrated": -2.0,
    "frustration": -2.0,
    "stretched": -2.0,
    "overwhelmed": -2.2,
    "nightmare": -2.6,
    "daft": -1.2,
    "duplicating": -1.5,
    "duplication": -1.5,
    "siloed": -1.6,
    "fragmented": -1.8,
    "fragile": -1.5,
    "inconsistent": -1.5,
    "underprepared": -1.8,
    "unprepared": -1.8,
    "confusing": -1.8,
    "confusion": -1.6,
    "stigma": -1.5,
    "isolated": -1.5,
    "stressful": -2.0,
    "shame": -1.2,
    "awkward": -1.3,
    "rough": -1.3,
    "scary": -1.5,
    "glue": 2.0,
    "brilliant": 3.0,
    "lovely": 2.3,
    "valuable": 2.0,
    "useful": 1.8,
    "helpful": 1.8,
    "supportive": 2.0,
    "franker": 1.5,
    "frank": 1.0,
    "honest": 1.2,
    "candid": 1.2,
    "improving": 1.5,
    "improved": 1.5,
    "easier": 1.5,
    "calmer": 1.5,
    "sorted": 1.0,
    "settled": 1.2,
    "thriving": 2.5,
    "stuck": -1.5,
    "cut": -1.2,
    "shortage": -1.8,
    "short": -0.8,
    "late": -0.8,
    "slow": -1.2,
    "lost": -1.2,
    "lose": -1.2,
    "wary": -1.0,
    "soft": -0.5,
}

# non-committal clauses: no view either way
HEDGES = (
    r"\btoo early\b|\bearly days\b|\bit's early\b|\bask me (?:again )?in\b|\bnot yet\b"
    r"|\bhard to say\b|\btime will tell\b|\bi (?:don't|do not) know\b|\bcan't (?:say|tell)\b"
    r"|\bcouldn't (?:say|tell)\b|\bcan't point to\b|\bi'd (?:love|like) to (?:say|think)\b"
    r"|\bi (?:hope|would hope|'d hope)\b|\bwould that have happened anyway\b"
)

# both poles at once
MIXED = (
    r"\bmixed(?: feelings| bag| picture| views)?\b|\bon the one hand\b|\bswings and roundabouts\b"
    r"|\bpros and cons\b|\bgood and bad\b|\bups and downs\b|\bless than you'd think\b"
    r"|\bit depends\b|\bin some ways\b"
)

# how an interviewer's question frames its answer: asking after difficulties, costs, what
# to change; or after benefits, what worked, what someone gained
QUESTION_NEGATIVE = (
    r"\bdifficult(?:y|ies)\b|\bchallenges\b|\bproblems?\b|\bbarriers?\b|\bconcerns?\b"
    r"|\bworr(?:y|ies|ied)\b|\b(?:gets?|got|getting) in the way\b"
    r"|\bnot (?:worked|working|gone|going) (?:so |as )?well\b"
    r"|\bless (?:happy|well|good)\b|\bhardest\b|\bfrustrat\w*|\bdownsides?\b"
    r"|\bweak(?:er|est|ness)\b"
    r"|\bcosts?\b|\bgaps?\b|\bmissing\b|\bnot so \w+|\bstruggl\w*|\bpressures?\b|\brisks?\b"
    r"|\bwrong\b|\b(?:would|could|should) you (?:change|do differently|improve)\b"
    r"|\bchange one thing\b"
    r"|\bmagic wand\b|\bdo differently\b|\bwhat would (?:make it|you change)\b"
)
QUESTION_POSITIVE = (
    r"\bgood bits\b|\bbenefits?\b|\bget out of\b|\bgot out of\b|\btake away\b|\bworked well\b"
    r"|\bworking well\b|\bstrengths?\b|\bpositives?\b|\bgone well\b|\bwhat helped\b"
    r"|\bbest (?:thing|bit|part)\b|\bproud\b|\bsuccess(?:es|ful)?\b"
)

_PLACEHOLDER = "qvcue{:d}"
COMPOUND_CACHE = 65536  # clauses remembered: a turn's clauses recur while its codes are scored


def _compile(patterns: Iterable[tuple[str, float]]) -> list[tuple[re.Pattern[str], float]]:
    return [(re.compile(p), float(v)) for p, v in patterns]


@functools.lru_cache(maxsize=1)
def _base_analyzer() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


class Lexicon:
    """VADER with the aspect words removed and the genre's phrases and words added.

    Args:
        masked: words that name the aspects (the codebook's label words); removed from the
            lexicon along with :data:`SERVICE_WORDS`.
        extra_cues: an evaluation's own phrases (regular expressions) with a valence.
    """

    def __init__(self, masked: Iterable[str] = (), extra_cues: Mapping[str, float] | None = None):
        """Build the analyzer (VADER's lexicon is copied, never changed in place)."""
        import copy

        self.analyzer = copy.copy(_base_analyzer())
        lexicon = dict(self.analyzer.lexicon)
        for word in SERVICE_WORDS | FILLERS | {w.lower() for w in masked}:
            lexicon.pop(word, None)
        lexicon.update(WORDS)
        cues = list(PHRASES) + sorted((extra_cues or {}).items())
        self.phrases = _compile(cues)
        for i, (_, valence) in enumerate(self.phrases):
            lexicon[_PLACEHOLDER.format(i)] = valence
        self.analyzer.lexicon = lexicon
        self.hedges = re.compile(HEDGES)
        self.question_negative = re.compile(QUESTION_NEGATIVE)
        self.question_positive = re.compile(QUESTION_POSITIVE)
        self.mixed = re.compile(MIXED)
        # a clause is scored once per code its turn carries: half the calls repeat a clause
        self.compound = functools.lru_cache(maxsize=COMPOUND_CACHE)(self._compound)

    def substitute(self, text: str) -> str:
        """Lower-case ``text`` with each phrase cue replaced by its placeholder word."""
        out = text.lower().replace("\u2019", "'").replace("\u2018", "'")
        for i, (pattern, _) in enumerate(self.phrases):
            out = pattern.sub(f" {_PLACEHOLDER.format(i)} ", out)
        return out

    def _compound(self, text: str) -> float:
        """VADER's normalised score (-1 to 1) of ``text`` after :meth:`substitute`.

        Called as ``compound`` (remembered for the last :data:`COMPOUND_CACHE` texts).
        """
        return float(self.analyzer.polarity_scores(self.substitute(text))["compound"])

    def is_hedge(self, text: str) -> bool:
        """Whether the clause is non-committal ("too early to say")."""
        return self.hedges.search(text.lower().replace("\u2019", "'")) is not None

    def is_mixed(self, text: str) -> bool:
        """Whether the clause says the view is mixed."""
        return self.mixed.search(text.lower().replace("\u2019", "'")) is not None

    def question_frame(self, question: str) -> float:
        """How a question frames its answer: -1 (asks after problems), 1 (after benefits), 0."""
        q = question.lower().replace("\u2019", "'")
        neg = self.question_negative.search(q) is not None
        pos = self.question_positive.search(q) is not None
        return float(pos) - float(neg)
