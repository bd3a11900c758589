"""What carries no analytic content: one module for the coders, the topics stage and quotes.

Two complementary tests of the same idea (greetings, consent, self-introductions, logistics,
contact details, wrap-up):

1. **By meaning** (:data:`GENERIC_UNCODED`, :func:`uncoded_examples`): qualeval ships a generic
   set of such turns, written for interviews in general (not taken from any transcript or
   tuned on one evaluation). The code stage compares each turn with it (a turn closer to these
   than to any code's material is left uncoded; ADR 0016); a codebook's own ``uncoded``
   examples are added to it, never replace it.
2. **By pattern** (:func:`nonanalytic_reason`, :func:`is_nonanalytic`): regular expressions
   over the text alone (no model), grouped by the reason they give, so a decision can be
   explained ("self-introduction"); the report never quotes such text.

Pattern rules:

- ``self-introduction``: the speaker says who they are, what their job is or was ("I'm assistant
  director for children at [Council C]", "[Person 34], regional programme manager for ...",
  "my role is ...", "I've been in post since ...", "before that I was ...", "I've had the
  portfolio ...").
- ``greeting``: a short turn that is only a greeting, thanks or goodbye ("Hi, thanks for having
  me.", "Thank you, bye."), or a short farewell ("No, I think you've had the lot. Good luck with
  the report.").
- ``contact-detail``: an email address, a phone number, a URL, or an offer to send one's
  details ("my email is ...", "drop me a line").
- ``logistics``: the interview's own mechanics: recording, consent, hearing each other,
  screens, time left ("can you hear me", "is it OK if I record", "we've got ten minutes").

Short texts are judged as a whole; a rule that only fits short turns (greetings) is applied
only when the text has at most ``GREETING_MAX_WORDS`` words, so a substantive answer that
opens with "Thanks" is not lost. On anonymised text the rules see only the placeholders of
contact details (``[email]``, ``[phone]``, ``[url]``): pass :func:`contact_pattern`'s regex as
``contacts`` and a text carrying one is a ``contact-detail`` too. The topics stage drops such
segments from topic modelling and the code stage leaves them out of a turn's evidence
(ADR 0031); the report never quotes them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np

from pipeline.text import placeholder_pattern

GREETING_MAX_WORDS = 12

_FLAGS = re.IGNORECASE

_ROLES = (
    r"(?:director|manager|lead|leader|officer|member|head|chief|coordinator|co-ordinator|"
    r"adviser|advisor|consultant|councillor|commissioner|worker|practitioner|principal|deputy|"
    r"assistant|executive|chair|trustee|volunteer|holder)"
)
_SELF_INTRO = re.compile(
    r"\bI(?:'m| am) (?:\[[^\]]+\],? )?(?:the |a |an |one of |currently |now |our )?"
    rf"(?:\w+ ){{0,3}}{_ROLES}\b"
    r"|\bmy (?:role|job|title|remit|post|position|portfolio|host employer|employer) "
    r"(?:is|was|here|as|involves|covers)\b"
    r"|\bI(?:'ve| have) (?:been|worked) (?:in (?:this|the|my) (?:role|post|job)|"
    r"in post|here (?:for|since)|at \[[^\]]+\] for|a [\w ]{1,30} for)\b"
    rf"|\bI(?:'ve| have) been (?:the |a |an )?(?:\w+ ){{0,2}}{_ROLES}s? (?:here )?(?:for|since)\b"
    r"|\bI(?:'ve| have) had (?:the|this|my) (?:portfolio|role|post|job)\b"
    r"|\bbefore (?:that|this|I was elected),? I (?:was|worked) (?:(?:in|at) \[|\w+(?:-\w+)? years\b"
    rf"|(?:a |an |the )?(?:\w+ ){{0,3}}(?:{_ROLES}|dcs)\b)"
    r"|\bI(?:'m| am) hosted by\b|\bby background\b|\bI came up through\b"
    rf"|^\W*(?:\w+\W+){{0,4}}\[[^\]]+\], (?!(?:our|my|his|her|their|your) )"
    rf"(?:the |a |an )?(?:\w+ ){{0,3}}{_ROLES}s? "
    r"(?:of|for|at|in)\b"
    r"|\bmy name(?:'s| is)\b",
    _FLAGS,
)
_GREETING = re.compile(
    r"^\W*(?:(?:hi|hello|hiya|hey|morning|good (?:morning|afternoon|evening)|thanks?|"
    r"thank you(?: (?:very|so) much)?|cheers|bye|goodbye|see you|lovely|great|no problem|"
    r"you're welcome|nice to (?:meet|see) you|for having me|for inviting me|"
    r"for your time|everyone|all|again|then|both)\W*)+$",
    _FLAGS,
)
_CONTACT = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.-]+"
    r"|\b(?:https?://|www\.)\S+"
    r"|(?:\+44\s?|\b0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}\b"
    r"|\bmy (?:email|e-mail|number|phone|mobile|contact details?)(?: address)? (?:is|was)\b"
    r"|\b(?:drop|send) me (?:a line|an email|an e-mail)\b",
    _FLAGS,
)
_LOGISTICS = re.compile(
    r"\bcan you (?:hear|see) me\b|\b(?:you're|you are) on mute\b|\bunmute\b"
    r"|\bshare (?:my|your) screen\b|\b(?:is it|are you) (?:ok|okay|alright|happy)"
    r"(?: with| for)?(?: me| us)? (?:if (?:I|we) )?(?:to )?record"
    r"|\b(?:start|stop)(?:ed)? (?:the )?recording\b|\bconsent form\b"
    r"|\bwe(?:'ve| have) got (?:about |another )?\w+ minutes\b"
    r"|\b(?:my|the) (?:connection|internet|wifi|wi-fi) (?:is|keeps|dropped)\b"
    r"|\byou(?:'re| are) breaking up\b",
    _FLAGS,
)

#: the interview's close: wishing luck, nothing more to add (judged on short texts only)
_FAREWELL = re.compile(
    r"\bgood luck with\b|\bI think (?:I've|I have|you've|you have) (?:talked enough|had (?:the "
    r"lot|my soapbox|everything)|covered (?:it all|everything))\b|\bthat's (?:everything|all) "
    r"I (?:wanted|want|had) to say\b",
    _FLAGS,
)
FAREWELL_MAX_WORDS = 25

RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("self-introduction", _SELF_INTRO),
    ("contact-detail", _CONTACT),
    ("logistics", _LOGISTICS),
)


#: the anonymisation's entity types whose placeholders mark a contact detail
CONTACT_TYPES = ("email", "phone", "url")


def contact_pattern(pseudonyms: Mapping[str, str]) -> re.Pattern[str] | None:
    """The regex of the contact placeholders of ``anonymise.pseudonyms`` (None: no template)."""
    templates = {k: v for k, v in pseudonyms.items() if k in CONTACT_TYPES}
    return placeholder_pattern(templates) if templates else None


def nonanalytic_reason(text: str, contacts: re.Pattern[str] | None = None) -> str | None:
    """Why ``text`` is non-analytic (a rule's name, see the module docstring), or ``None``.

    Args:
        text: a turn, a segment or a candidate quote (anonymised or not; placeholders such as
            ``[Council C]`` are fine).
        contacts: the contact placeholders' regex (:func:`contact_pattern`); a text that
            carries one is a ``contact-detail``.

    Returns:
        ``"self-introduction"``, ``"greeting"``, ``"contact-detail"`` or ``"logistics"``;
        ``None`` when no rule fits, i.e. the text may be analytic.
    """
    s = " ".join(str(text).replace("\u2019", "'").split())
    if not s:
        return None
    n_words = len(s.split())
    if n_words <= GREETING_MAX_WORDS and _GREETING.match(s):
        return "greeting"
    if n_words <= FAREWELL_MAX_WORDS and _FAREWELL.search(s):
        return "greeting"
    for name, pattern in RULES:
        if pattern.search(s):
            return name
    if contacts is not None and contacts.search(s):
        return "contact-detail"
    return None


def nonanalytic_mask(
    texts: Sequence[str],
    contacts: re.Pattern[str] | None = None,
    reasons: frozenset[str] | None = None,
) -> np.ndarray:
    """One bool per text: True where a rule of :func:`nonanalytic_reason` fits it.

    ``reasons``: only these rules count (None: every rule).
    """
    found = (nonanalytic_reason(t, contacts) for t in texts)
    return np.array([r is not None and (reasons is None or r in reasons) for r in found], bool)


def is_nonanalytic(text: str) -> bool:
    """True when ``text`` is an introduction, greeting, contact detail or logistics line."""
    return nonanalytic_reason(text) is not None


GENERIC_UNCODED: tuple[str, ...] = (
    # sound checks, greetings
    "Hi, yes, I can hear you fine. Can you hear me okay?",
    "Sorry, you cut out there for a moment. Could you repeat the question?",
    "Good morning, thanks for having me. Just give me a second to get my notes.",
    "Sorry, can you say that again? The connection isn't great.",
    "I'm fine thanks, how are you?",
    # consent and anonymity
    "Yes, that's fine, you can record this. I've read the information sheet and signed the "
    "consent form.",
    "Yes, happy to take part and happy for you to record it.",
    "Can I just check, is this anonymous? Will my name be in the report?",
    # self-introductions and background
    "I'm a manager in the service and I've been in this role for about three years, before "
    "that I worked in a similar team.",
    "My job title is coordinator; I've worked here for six years and I manage a small team.",
    "I'm a parent of two, my youngest is eighteen months and my eldest has just started school.",
    "I've been involved since the start, mostly attending the meetings and keeping in touch "
    "with the team.",
    "I live about ten minutes away and I've lived in the area most of my life.",
    # clarification requests
    "Do you mean the whole programme, or just the part I was involved in?",
    "Just so I answer the right thing, what do you mean by that exactly?",
    "Sorry, I've lost my train of thought. What was the question again?",
    # logistics and small talk
    "Sure, no problem. Is it okay if I finish at half past? I've got another meeting.",
    "Can we pause for a second? Someone is at the door.",
    "It was on a Tuesday afternoon, at the centre, and it lasted about an hour.",
    "Oh gosh, it's been a busy week, the weather's been awful and the kids have been off school.",
    "Yeah, go on. Fire away.",
    "Mm-hm. Yeah. Okay.",
    "That's right, yes.",
    # contact details and wrap-up
    "If you need anything else you can email me or ring me on my mobile.",
    "My email is on the signature at the bottom, feel free to drop me a line.",
    "Yes, I'd be happy to see the report when it's finished.",
    "No, I think that's everything I wanted to say. Thanks for asking.",
    "Not really, I think I've covered it all. Good luck with the rest of the evaluation.",
    "You're welcome, it's been nice talking to you. Take care.",
    "Thank you, that's really kind. Bye for now.",
)


def uncoded_examples(codebook_uncoded: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The built-in generic set followed by a codebook's own ``uncoded`` examples (no repeats)."""
    return list(dict.fromkeys([*GENERIC_UNCODED, *codebook_uncoded]))
