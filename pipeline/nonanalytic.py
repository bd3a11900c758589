"""Is a piece of interview text non-analytic (introduction, greeting, contact detail, logistics)?

One pure, pattern-based test shared by the stages that must not treat such text as evidence:
the report never quotes it, and the coding and topics stages can leave it uncoded. The rules
are regular expressions over the text alone (no model), grouped by the reason they give, so a
decision can be explained ("self-introduction") and the table of cases in
``tests/test_nonanalytic.py`` documents what each rule catches and what it leaves alone.

Rules:

- ``self-introduction``: the speaker says who they are or what their job is ("I'm assistant
  director for children at [Council C]", "my role is ...", "I've been in post since ...").
- ``greeting``: a short turn that is only a greeting, thanks or goodbye ("Hi, thanks for having
  me.", "Thank you, bye.").
- ``contact-detail``: an email address, a phone number, a URL, or an offer to send one's
  details ("my email is ...", "drop me a line").
- ``logistics``: the interview's own mechanics: recording, consent, hearing each other,
  screens, time left ("can you hear me", "is it OK if I record", "we've got ten minutes").

Short texts are judged as a whole; a rule that only fits short turns (greetings) is applied
only when the text has at most ``GREETING_MAX_WORDS`` words, so a substantive answer that
opens with "Thanks" is not lost.
"""

from __future__ import annotations

import re

GREETING_MAX_WORDS = 12

_FLAGS = re.IGNORECASE

_SELF_INTRO = re.compile(
    r"\bI(?:'m| am) (?:the |a |an |one of |currently |now )?"
    r"(?:\w+ ){0,3}(?:director|manager|lead|leader|officer|member|head|chief|coordinator|"
    r"co-ordinator|adviser|advisor|consultant|councillor|commissioner|worker|practitioner|"
    r"principal|deputy|assistant|executive|chair|trustee|volunteer)\b"
    r"|\bmy (?:role|job|title|remit|post|position) (?:is|was|here|as|involves|covers)\b"
    r"|\bI(?:'ve| have) (?:been|worked) (?:in (?:this|the|my) (?:role|post|job)|"
    r"in post|here for|at \[[^\]]+\] for|a [\w ]{1,30} for)\b"
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

RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("self-introduction", _SELF_INTRO),
    ("contact-detail", _CONTACT),
    ("logistics", _LOGISTICS),
)


def nonanalytic_reason(text: str) -> str | None:
    """Why ``text`` is non-analytic (a rule's name, see the module docstring), or ``None``.

    Args:
        text: a turn, a segment or a candidate quote (anonymised or not; placeholders such as
            ``[Council C]`` are fine).

    Returns:
        ``"self-introduction"``, ``"greeting"``, ``"contact-detail"`` or ``"logistics"``;
        ``None`` when no rule fits, i.e. the text may be analytic.
    """
    s = " ".join(str(text).split())
    if not s:
        return None
    if len(s.split()) <= GREETING_MAX_WORDS and _GREETING.match(s):
        return "greeting"
    for name, pattern in RULES:
        if pattern.search(s):
            return name
    return None


def is_nonanalytic(text: str) -> bool:
    """True when ``text`` is an introduction, greeting, contact detail or logistics line."""
    return nonanalytic_reason(text) is not None
