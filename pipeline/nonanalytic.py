"""What carries no analytic content, for any evaluation: qualeval's built-in "uncoded" set.

Every interview has turns no codebook codes: greetings and sound checks, consent, the
interviewee introducing themselves, logistics, contact details, wrap-up and clarification
requests. An evaluator's codebook rarely lists them (``uncoded`` is optional), so qualeval
ships a generic set, written for interviews in general (not taken from any transcript or
tuned on one evaluation). The coders compare each turn with it (a turn closer to these than
to any code's material is left uncoded; ADR 0016); the codebook's own ``uncoded`` examples,
when it has them, are added to it, never replace it.
"""

from __future__ import annotations

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
