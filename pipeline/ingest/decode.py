"""Transcript bytes -> text: BOM-marked UTF-8/16, UTF-8, else the fallback (Windows-1252)."""

from __future__ import annotations

import codecs

from pipeline.ingest.rejected import Rejected, empty_file

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes, fallback: str) -> tuple[str, str, str | None]:
    """Decode transcript bytes: BOM-marked UTF-8/16, UTF-8, else ``fallback`` with a warning.

    Returns:
        ``(text, encoding, warning or None)``.

    Raises:
        Rejected: for empty, binary or undecodable input.
    """
    if not data.strip():
        raise empty_file()
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc, None
            except UnicodeDecodeError as exc:
                raise Rejected("undecodable", f"byte {exc.start}: not valid {enc}") from None
    if b"\x00" in data[:8192]:
        raise Rejected(
            "binary", "the file looks binary, not text; export it as .txt, .docx or .vtt"
        )
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    return _decode_fallback(data, fallback, first_bad)


def _decode_fallback(data: bytes, fallback: str, first_bad: int) -> tuple[str, str, str]:
    """Decode with ``fallback``; the warning names the line of the first non-UTF-8 byte."""
    try:
        text = data.decode(fallback)
    except UnicodeDecodeError as exc:
        raise Rejected(
            "undecodable", f"byte {exc.start}: neither UTF-8 nor {fallback}; save the file as UTF-8"
        ) from None
    line = data[:first_bad].count(b"\n") + 1
    return (
        text,
        fallback,
        (
            f"not valid UTF-8 (first at line {line}); decoded as {fallback}: check accented "
            "characters and consider saving as UTF-8"
        ),
    )
