r"""What the leak gate compares: text decoded and normalised the way a reader would see it.

A name can be hidden from a plain substring search in many ways that a human reader (or a
browser, a spreadsheet, a search engine) sees straight through. :func:`views` turns one raw
text into the few normalised forms the gate searches (ADR 0018):

- HTML/XML character references (``&#x41;``, ``&amp;``; twice, for double-escaped text) and
  JSON/JavaScript escapes (``\\u0041``, ``\\x41``, ``\\/``) are decoded everywhere;
- Unicode NFKC (``ﬁ`` -> ``fi``, full-width letters, NFD accents recomposed);
- zero-width characters and soft hyphens removed; every run of white space (no-break
  spaces, line and paragraph breaks, tabs, double spaces) collapsed to one space;
- markup tags removed twice: joined (``An<b>n</b>`` -> ``Ann``) and spaced (cells apart);
- string literals of spreadsheet formulas concatenated (``="Jo"&"hn"`` -> ``John``).

Case is left alone here; :mod:`pipeline.verify.finder` folds it, with the ambiguity rules.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator

ZERO_WIDTH = re.compile("[\u00ad\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff]")
_SPACE = re.compile(r"[\s\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
_TAG = re.compile(r"<[^<>]{0,2000}>")
_U_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\u\{([0-9a-fA-F]{1,6})\}|\\x([0-9a-fA-F]{2})|\\/")
_FORMULA = re.compile(r'"((?:[^"]|"")*)"(?:\s*[&,+]\s*(?:[A-Z]+\()?\s*"(?:[^"]|"")*"\)?)+')
_LITERAL = re.compile(r'"((?:[^"]|"")*)"')
_CHAR_CALL = re.compile(r"(?:CHAR|UNICHAR)\((\d{1,6})\)", re.IGNORECASE)


def decode_escapes(text: str) -> str:
    r"""``text`` with JSON/JavaScript ``\\u`` and ``\\x`` escapes decoded (surrogates joined)."""
    if "\\" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        code = m.group(1) or m.group(2) or m.group(3)
        return "/" if code is None else chr(int(code, 16))

    decoded = _U_ESCAPE.sub(one, text)
    try:  # join surrogate pairs ("\ud83d\ude00") into one character
        return decoded.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        return decoded


def unescape_markup(text: str) -> str:
    """HTML/XML character references decoded, twice (``&amp;#65;`` is ``A`` to a browser)."""
    if "&" not in text:
        return text
    return html.unescape(html.unescape(text))


def collapse(text: str) -> str:
    """NFKC, zero-width characters removed, every run of white space one space."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        text = ZERO_WIDTH.sub("", text)
    return _SPACE.sub(" ", text)


def formula_texts(text: str) -> list[str]:
    """The strings spreadsheet formulas build from literals: ``="Jo"&"hn"`` -> ``John``."""
    if '"' not in text:
        return []
    text = _CHAR_CALL.sub(lambda m: '"' + chr(int(m.group(1))) + '"', text)
    return [
        "".join(lit.replace('""', '"') for lit in _LITERAL.findall(m.group()))
        for m in _FORMULA.finditer(text)
    ]


def views(raw: str, markup: bool = True) -> Iterator[str]:
    """The normalised forms of ``raw`` the gate searches (each a complete reading of it).

    Args:
        raw: the text as stored.
        markup: also yield the forms with tags removed (any text may hold markup).
    """
    decoded = unescape_markup(decode_escapes(unescape_markup(raw)))
    yield collapse(decoded)
    if markup and "<" in decoded:
        yield collapse(_TAG.sub("", decoded))
        yield collapse(_TAG.sub(" ", decoded))
    formulas = formula_texts(decoded)
    if formulas:
        yield collapse("\n".join(formulas))


_HSPACE = re.compile(r"[^\S\n]+|[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_STYLE = re.compile(r"<style\b.*?</style>", re.IGNORECASE | re.DOTALL)
_HEX_COLOUR = re.compile(r"#[0-9A-Fa-f]{3,8}\b")


def line_view(raw: str) -> str:
    """The residual scan's reading: decoded and NFKC like :func:`views`, cells kept apart.

    Tags and cells become line breaks (so neighbouring numbers never join into a "phone
    number"); style sheets and colour codes are dropped.
    """
    text = unescape_markup(decode_escapes(unescape_markup(raw)))
    if "<" in text:
        text = _TAG.sub("\n", _STYLE.sub("\n", text))
    text = _HEX_COLOUR.sub(" ", text)
    if not text.isascii():
        text = ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text))
    return tidy_lines(text)


# line breaks other than "\n" that str.splitlines also breaks at
_NOT_NEWLINE_SPACE = re.compile(r"[^\S\n]+")  # = _HSPACE: its second class is white space too
_OTHER_BREAK = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def tidy_lines(text: str) -> str:
    """``text``'s lines, each with white space runs made one space and stripped.

    Where a newline is the only line break, in a few passes over the whole text rather than a
    regex call per line (the same text: no other white space run crosses a line, and a
    line's edges then hold at most one space).
    """
    if _OTHER_BREAK.search(text):
        return "\n".join(_HSPACE.sub(" ", line).strip() for line in text.splitlines())
    if text.endswith("\n"):  # splitlines ends the last line there
        text = text[:-1]
    text = _NOT_NEWLINE_SPACE.sub(" ", text).replace(" \n", "\n").replace("\n ", "\n")
    return text.strip(" ")


def name_view(relative_path: str) -> str:
    """A file's path as words: separators and punctuation between name parts become spaces."""
    return collapse(re.sub(r"[/\\_.+\-]+", " ", relative_path))
