"""Transcript bytes -> text: BOM-marked UTF-8/16, UTF-16 without a BOM, UTF-8, else the fallback.

UTF-16 without a byte-order mark (some Windows tools save it) is recognised from its pattern
of zero bytes, decoded and named in a warning, rather than called binary.
"""

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
    head = data[:8192]
    bomless = _utf16_without_bom(head)
    if bomless:
        try:
            return (
                data.decode(bomless),
                bomless,
                f"{bomless.upper()} without a byte-order mark; decoded as such: consider "
                "saving as UTF-8",
            )
        except UnicodeDecodeError as exc:
            raise Rejected(
                "undecodable",
                f"byte {exc.start}: looks like {bomless.upper()} without a byte-order mark but "
                "is not valid; save the file as UTF-8",
            ) from None
    if b"\x00" in head:
        raise Rejected(
            "binary", "the file looks binary, not text; export it as .txt, .docx or .vtt"
        )
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    return _decode_fallback(data, fallback, first_bad)


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when ``head`` looks like BOM-less UTF-16 text, else None.

    Text in a Latin script saved as UTF-16 has a zero byte in nearly every other position (the
    odd ones for little-endian, the even ones for big-endian) and almost none in the others.
    """
    if len(head) < 4 or b"\x00" not in head:
        return None
    even, odd = head[0::2], head[1::2]
    share = {name: part.count(0) / max(len(part), 1) for name, part in (("e", even), ("o", odd))}
    if share["o"] > 0.6 and share["e"] < 0.05:
        return "utf-16-le"
    if share["e"] > 0.6 and share["o"] < 0.05:
        return "utf-16-be"
    return None


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
