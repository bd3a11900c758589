"""An evaluator's Markdown as blocks the HTML and Word writers can lay out.

The Markdown report includes the file verbatim; HTML and Word need its structure. Only
what evaluators write in a report section is read: ``#`` headings, paragraphs (lines joined),
``-``/``*``/``+`` bullets, ``1.`` numbered items and ``>`` quotes. Inline ``**bold**``,
``*emphasis*`` and ``code`` marks are dropped from the text (kept as words).
"""

from __future__ import annotations

import re
from typing import Any

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_QUOTE = re.compile(r"^\s*>\s?(.*)$")
_INLINE = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)|`")


def plain(text: str) -> str:
    """``text`` without inline emphasis marks, whitespace collapsed."""
    return " ".join(_INLINE.sub("", text).split())


def parse_markdown(text: str) -> list[tuple[str, Any, int]]:
    """The ``(kind, text, level)`` blocks of ``text``.

    Kinds: ``heading`` (level 1-6), ``paragraph``, ``quote``, and ``bullets``/``numbered``
    (text: the list of items); a list item's continuation lines join it.
    """
    out: list[tuple[str, str, int]] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            out.append(("paragraph", plain(" ".join(para)), 0))
            para.clear()

    for line in str(text).splitlines():
        if not line.strip():
            flush()
            continue
        for kind, pattern in (
            ("heading", _HEADING),
            ("bullet", _BULLET),
            ("numbered", _NUMBERED),
            ("quote", _QUOTE),
        ):
            m = pattern.match(line)
            if m:
                flush()
                level = len(m.group(1)) if kind == "heading" else 0
                out.append((kind, plain(m.group(2 if kind == "heading" else 1)), level))
                break
        else:
            if (
                out
                and out[-1][0] in ("bullet", "numbered", "quote")
                and not para
                and line.startswith((" ", "\t"))
            ):
                kind, prev, level = out.pop()
                out.append((kind, plain(f"{prev} {line}"), level))
            else:
                para.append(line)
    flush()
    return _grouped(out)


def _grouped(blocks: list[tuple[str, str, int]]) -> list[tuple[str, Any, int]]:
    """Consecutive ``bullet`` (``numbered``) items as one ``bullets`` (``numbered``) list."""
    out: list[tuple[str, Any, int]] = []
    for kind, text, level in blocks:
        if kind in ("bullet", "numbered"):
            name = "bullets" if kind == "bullet" else "numbered"
            if out and out[-1][0] == name:
                out[-1][1].append(text)
            else:
                out.append((name, [text], 0))
        else:
            out.append((kind, text, level))
    return out
