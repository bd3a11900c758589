"""The words the c-TF-IDF step sees: cleaned text, stop words, the CountVectorizer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sklearn.feature_extraction.text import CountVectorizer

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
# what clean_text leaves where it cut something out: punctuation, so a phrase ends there
CUT = " ; "
# punctuation that ends a phrase (a hyphen inside a word, "looked-after", does not)
PHRASE_BREAK = re.compile(
    '[.,;:!?()\\[\\]{}"\u201c\u201d\u2026/|]|\\s[-\u2013\u2014]+\\s|[\u2013\u2014]'
)
_BOUNDARY = "\x00"


def clean_text(text: str, placeholders: re.Pattern[str] | None = None) -> str:
    """Text for c-TF-IDF: lower case, no placeholders, no filler phrases, no possessive 's.

    ``placeholders`` is the pattern of the run's pseudonym templates (default: the built-in
    ones); bracketed notes such as "[laughs]" are dropped as well. Each cut leaves
    :data:`CUT`, a phrase boundary for :class:`PhraseVectorizer`.
    """
    text = str(text).replace("’", "'").replace("‘", "'")
    # what is cut ends a phrase: "the training, you know, budget" has no "training budget"
    text = (placeholders or placeholder_pattern()).sub(CUT, text)
    text = BRACKETED.sub(CUT, text).lower()
    text = _FILLER_RE.sub(CUT, text)
    text = _POSSESSIVE.sub("", text)
    text = _CONTRACTION.sub(CUT, text)
    return re.sub(r"\s+", " ", text).strip(" ;")


def stop_words(extra: Sequence[str] = ()) -> list[str]:
    """The English stop words of sklearn, transcript fillers, placeholder words, ``extra``."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = set(ENGLISH_STOP_WORDS) | set(FILLER_WORDS) | set(PLACEHOLDER_WORDS)
    words |= {w.lower() for w in extra}
    return sorted(words)


def _phrase_grams(run: list[str], low: int, high: int) -> list[str]:
    """The ``low``- to ``high``-word n-grams of one run of adjacent content words."""
    return [
        " ".join(run[i : i + n])
        for n in range(low, min(high, len(run)) + 1)
        for i in range(len(run) - n + 1)
    ]


class PhraseVectorizer(CountVectorizer):
    """A CountVectorizer whose n-grams are phrases of the text, not of its content words.

    sklearn drops the stop words and then joins what is left, so "from time to time" gives
    "time time" and "ahead of everybody" gives "ahead everybody": keyphrases no one said,
    which then label topics. Here a stop word or punctuation ends a phrase (as in RAKE and
    KeyBERT's candidate phrases) and n-grams are taken within phrases; single words are the
    same as sklearn's.
    """

    def build_tokenizer(self) -> Any:
        """Words, with a boundary token wherever punctuation ends a phrase."""
        word = re.compile(self.token_pattern)

        def tokenize(doc: str) -> list[str]:
            tokens: list[str] = []
            for i, piece in enumerate(PHRASE_BREAK.split(doc)):
                if i:
                    tokens.append(_BOUNDARY)
                tokens.extend(word.findall(piece))
            return tokens

        return tokenize

    def _word_ngrams(self, tokens: list[str], stop_words: Any = None) -> list[str]:
        """N-grams within the runs of adjacent content words."""
        stops = stop_words or frozenset()
        low, high = self.ngram_range
        grams: list[str] = []
        run: list[str] = []
        for token in [*tokens, _BOUNDARY]:
            if token == _BOUNDARY or token in stops:
                grams.extend(_phrase_grams(run, low, high))
                run = []
            else:
                run.append(token)
        return grams


def make_vectorizer(params: TopicsParams, n_topics: int | None = None) -> Any:
    """The CountVectorizer of the c-TF-IDF step, built from ``params``."""
    min_df = params.min_df
    if n_topics is not None and isinstance(min_df, int):
        # BERTopic fits the vectoriser on one document per topic
        min_df = max(1, min(min_df, n_topics - 1))
    return PhraseVectorizer(
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
