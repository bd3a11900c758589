"""The non-analytic test: introductions, greetings, contact details and logistics."""

from __future__ import annotations

import pytest

from pipeline.nonanalytic import (
    GENERIC_UNCODED,
    is_nonanalytic,
    nonanalytic_reason,
    uncoded_examples,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[Person 84], I'm assistant director for children and families at [Council C].",
            "self-introduction",
        ),
        ("I am the lead member for children's services.", "self-introduction"),
        ("My role is to oversee the improvement board.", "self-introduction"),
        ("I've been in post for about three years now.", "self-introduction"),
        ("My name's [Person 2] and I look after school improvement.", "self-introduction"),
        ("Sure. So I\u2019m [Person 1], chief executive of [Council A].", "self-introduction"),
        ("Right. [Person 34], regional programme manager for the region.", "self-introduction"),
        ("I've been here since 2009, so coming up four years.", "self-introduction"),
        ("I've been chief executive for six years.", "self-introduction"),
        ("I've had the portfolio just under three years now.", "self-introduction"),
        ("Before that I was an assistant director in [Council DM] for years.", "self-introduction"),
        ("Before this I was twenty-six years in social work.", "self-introduction"),
        ("I'm not a social care professional by background.", "self-introduction"),
        ("Hi, thanks for having me.", "greeting"),
        ("No, I think you've had the lot. Good luck with the report.", "greeting"),
        ("No, I think I've covered it all, really.", "greeting"),
        ("Thank you very much, bye.", "greeting"),
        ("Good morning everyone.", "greeting"),
        ("My email is [email] if you need anything else.", "contact-detail"),
        ("You can reach me on 0161 496 0000 any time.", "contact-detail"),
        ("Just drop me a line afterwards.", "contact-detail"),
        ("Sorry, can you hear me now?", "logistics"),
        ("Is it OK if I record this conversation?", "logistics"),
        ("You're on mute, I think.", "logistics"),
        ("We've got ten minutes left, so let's move on.", "logistics"),
        ("I'll share my screen so you can see the plan.", "logistics"),
    ],
)
def test_when_text_is_non_analytic_then_the_rule_is_named(text, expected):
    assert nonanalytic_reason(text) == expected
    assert is_nonanalytic(text)


@pytest.mark.parametrize(
    "text",
    [
        "The challenge team helped us see what good practice looked like in other councils.",
        "Thanks to the peer review we finally changed how we track children missing education.",
        "The director of children's services was sceptical at first but came round.",
        "I am worried that the funding will stop next year.",
        "Before that I was sceptical about the whole thing.",
        "I was a bit worried before that, I was not sure.",
        "[Person 3], our director of children's services, leads on it day to day.",
        "We wished them good luck with the inspection, and the feedback letter gave them a plan "
        "they could actually use, which mattered far more to the staff than anything we said.",
        "Our manager found the sessions too long, but the content was useful.",
        "It cost a lot, and the recording of outcomes was weak.",
        "",
    ],
)
def test_when_text_is_substantive_then_it_is_not_flagged(text):
    assert nonanalytic_reason(text) is None
    assert not is_nonanalytic(text)


@pytest.mark.parametrize(
    ("codebook_uncoded", "extra"),
    [
        ([], []),
        (["We met on a Monday."], ["We met on a Monday."]),
        ([GENERIC_UNCODED[0], "Bye!"], ["Bye!"]),  # a repeat is kept once, in the generic place
    ],
)
def test_when_codebook_has_uncoded_examples_then_they_join_the_generic_set(codebook_uncoded, extra):
    assert uncoded_examples(codebook_uncoded) == [*GENERIC_UNCODED, *extra]


def test_when_generic_set_read_then_it_covers_each_kind_of_non_analytic_talk():
    text = " ".join(GENERIC_UNCODED).lower()
    for cue in ("hear", "consent", "record", "my job", "email", "question", "thank"):
        assert cue in text
    assert len(set(GENERIC_UNCODED)) == len(GENERIC_UNCODED)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ring the office on [phone] or email [email].", "contact-detail"),  # placeholders only
        ("The [Person 3] team cover two localities.", None),  # a placeholder that is no contact
        ("We share data with health through the portal.", None),
    ],
)
def test_when_contact_placeholders_given_then_a_text_carrying_one_is_a_contact_detail(
    text, expected
):
    from pipeline.nonanalytic import contact_pattern

    contacts = contact_pattern({"email": "[email]", "phone": "[phone]", "person": "[Person {n}]"})
    assert nonanalytic_reason(text, contacts) == expected


def test_when_no_contact_template_then_no_contact_pattern():
    from pipeline.nonanalytic import contact_pattern

    assert contact_pattern({"person": "[Person {n}]"}) is None


def test_when_texts_masked_then_one_flag_per_text():
    from pipeline.nonanalytic import nonanalytic_mask

    texts = ["Hi, thanks for having me.", "Data sharing was the real barrier.", ""]
    assert nonanalytic_mask(texts).tolist() == [True, False, False]
