"""The words the c-TF-IDF step sees: cleaned text, stop words, the CountVectorizer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pipeline.params import TopicsParams
from pipeline.text import BRACKETED, placeholder_pattern

# Spoken-transcript fillers. Phrases are cut from the text before the vectoriser sees it (a
# stop-word list only removes single tokens); single words join sklearn's English stop words.
FILLER_PHRASES = (
    "you know",
    "i mean",
    "sort of",
    "kind of",
    "a bit",
    "a lot",
    "you see",
    "i suppose",
    "i guess",
    "to be honest",
    "at the end of the day",
    "in terms of",
)
FILLER_WORDS = (
    "er",
    "erm",
    "um",
    "umm",
    "uh",
    "uhm",
    "ah",
    "oh",
    "mm",
    "mmm",
    "hmm",
    "yeah",
    "yep",
    "yes",
    "okay",
    "ok",
    "like",
    "right",
    "well",
    "just",
    "really",
    "actually",
    "basically",
    "literally",
    "obviously",
    "honestly",
    "frankly",
    "think",
    "thought",
    "know",
    "mean",
    "sort",
    "kind",
    "lot",
    "lots",
    "bit",
    "thing",
    "things",
    "stuff",
    "quite",
    "pretty",
    "got",
    "get",
    "getting",
    "going",
    "gonna",
    "wanna",
    "say",
    "said",
    "saying",
    "way",
    "did",
    "does",
    "doing",
    "want",
    "came",
    "come",
    "bloody",
    "maybe",
    "probably",
    "certainly",
    "definitely",
    "absolutely",
    "course",
    "good",
    "great",
    "little",
    "sorry",
    "thank",
    "thanks",
    "cheers",
    "bye",
    "hello",
    "hi",
    "ha",
    "haha",
    "don't",
    "doesn't",
    "didn't",
    "isn't",
    "wasn't",
    "weren't",
    "aren't",
    "can't",
    "couldn't",
    "wouldn't",
    "shouldn't",
    "won't",
    "haven't",
    "hasn't",
    "hadn't",
    "it's",
    "that's",
    "there's",
    "here's",
    "what's",
    "who's",
    "let's",
    "we're",
    "we've",
    "we'd",
    "we'll",
    "i'm",
    "i've",
    "i'd",
    "i'll",
    "you're",
    "you've",
    "you'd",
    "you'll",
    "they're",
    "they've",
    "they'd",
    "they'll",
    "he's",
    "she's",
)
# Words of the anonymisation placeholders ("[Person 3]", "[Council B]", "[NI number]"): the
# bracketed placeholders are cut from the text, and the words are stop words as well, so a
# topic's keywords never show a placeholder as a word.
PLACEHOLDER_WORDS = (
    "person",
    "people's",
    "council",
    "councils",
    "place",
    "organisation",
    "organization",
    "email",
    "phone",
    "postcode",
    "ni",
    "number",
    "url",
    "date",
    "reference",
    "demographic",
    "amount",
)
_FILLER_RE = re.compile(
    r"\b(?:"
    + "|".join(re.escape(p) for p in sorted(FILLER_PHRASES, key=len, reverse=True))
    + r")\b"
)
_POSSESSIVE = re.compile(r"(?<=\w)'s\b")
# contractions ("we've", "I'll", "didn't") say nothing about a topic: cut whole
_CONTRACTION = re.compile(r"\b[^\W\d_]+'(?:ve|ll|d|re|m|t)\b")
# words of two or more letters, with an inner apostrophe ("don't"); no digits
TOKEN_PATTERN = r"(?u)\b(?:[^\W\d_]+'[^\W\d_]+|[^\W\d_]{2,})\b"


def clean_text(text: str, placeholders: re.Pattern[str] | None = None) -> str:
    """Text for c-TF-IDF: lower case, no placeholders, no filler phrases, no possessive 's.

    ``placeholders`` is the pattern of the run's pseudonym templates (default: the built-in
    ones); bracketed notes such as "[laughs]" are dropped as well.
    """
    text = str(text).replace("’", "'").replace("‘", "'")
    text = (placeholders or placeholder_pattern()).sub(" ", text)
    text = BRACKETED.sub(" ", text).lower()
    text = _FILLER_RE.sub(" ", text)
    text = _POSSESSIVE.sub("", text)
    text = _CONTRACTION.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()


def stop_words(extra: Sequence[str] = ()) -> list[str]:
    """The English stop words of sklearn, transcript fillers, placeholder words, ``extra``."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = set(ENGLISH_STOP_WORDS) | set(FILLER_WORDS) | set(PLACEHOLDER_WORDS)
    words |= {w.lower() for w in extra}
    return sorted(words)


def make_vectorizer(params: TopicsParams, n_topics: int | None = None) -> Any:
    """The CountVectorizer of the c-TF-IDF step, built from ``params``."""
    from sklearn.feature_extraction.text import CountVectorizer

    min_df = params.min_df
    if n_topics is not None and isinstance(min_df, int):
        # BERTopic fits the vectoriser on one document per topic
        min_df = max(1, min(min_df, n_topics - 1))
    return CountVectorizer(
        lowercase=True,
        token_pattern=TOKEN_PATTERN,
        stop_words=stop_words(params.extra_stop_words),
        ngram_range=tuple(params.ngram_range),
        min_df=min_df,
    )


def doc_terms(docs: Sequence[str], params: TopicsParams) -> list[set[str]]:
    """The vectoriser's terms (words and n-grams) of each cleaned document."""
    analyse = make_vectorizer(params).build_analyzer()
    return [set(analyse(d)) for d in docs]


def content_words(docs: Sequence[str], params: TopicsParams) -> list[int]:
    """Each cleaned document's number of content words (single words, stop words gone)."""
    one = params.model_copy(update={"ngram_range": (1, 1)})
    analyse = make_vectorizer(one).build_analyzer()
    return [len(analyse(d)) for d in docs]
