"""What every transcript reader yields: numbered units, some with a speaker from markup."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Line:
    """One unit of a source: a text line, a docx paragraph or a subtitle cue."""

    no: int
    text: str
    label: str | None = None  # a speaker given by markup (voice tag, bold run)
    start: float | None = None
    end: float | None = None


@dataclass
class Units:
    """What a reader yields for one file.

    Attributes:
        lines: the file's units, in order.
        unit: what a unit is (``line``, ``paragraph`` or ``cue``; the ``source_unit`` column).
        fmt: the format (the ``format`` column of the interviews table).
        encoding: the text encoding, ``None`` for binary formats.
        warnings: problems worth telling the evaluator that did not stop the read.
        blocks: the units are speaker blocks (Otter.ai, Teams .docx, Word tables): labels
            come only from the readers' markup, never from ``Name:`` prefixes in the text,
            and consecutive blocks by one speaker join into one paragraph (with one space).
    """

    lines: list[Line]
    unit: str
    fmt: str
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    blocks: bool = False
