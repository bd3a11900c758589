"""Readers: every file type qualeval writes, opened the way a reader would see it.

:func:`extract_texts` yields the raw texts of a file (several views may be yielded); the gate
normalises each (:mod:`pipeline.verify.normalise`). Zip containers (``.docx``, ``.xlsx``,
``.pptx``, ``.qdpx``, ``.zip``) are read member by member with the same readers, so the XML
of a Word document, a workbook's shared strings and formulas and a REFI-QDA project's
sources are all scanned. PNG text chunks (``tEXt``/``iTXt``/``zTXt``: titles, alt text,
metadata) and JPEG comment/EXIF/XMP segments are read; pixels are not (qualeval writes no
text into pixels). A PDF (the report's print copy) is read with pypdf: every page's text,
the document information and XMP metadata, bookmarks, link targets and annotation contents.
Any other type, or a file that does not parse, is :class:`Unreadable`: the gate cannot
vouch for it, so it fails (fail safe).

One exemption: a web page's inlined copy of the plotly.js library that the installed plotly
package ships (byte-identical, so it holds no data) is not scanned, because the library's own
code contains words such as "Sue" or "Norfolk". Every other part of the page is.
"""

from __future__ import annotations

import base64
import binascii
import functools
import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

TEXT_EXTENSIONS = {
    "",
    ".csv",
    ".tsv",
    ".txt",
    ".md",
    ".json",
    ".jsonl",
    ".yaml",
    ".yml",
    ".html",
    ".htm",
    ".xml",
    ".rels",
    ".svg",
    ".ipynb",
    ".js",
    ".css",
    ".log",
    ".tmp",
    ".qde",
    ".qdc",
    ".gitignore",
}
ZIP_EXTENSIONS = {".docx", ".xlsx", ".pptx", ".qdpx", ".zip", ".odt", ".ods"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MAX_DEPTH = 3


class Unreadable(Exception):
    """A file the gate cannot read (so cannot vouch for)."""


def extract_texts(path: Path) -> Iterator[str]:
    """The texts a reader of ``path`` would see (several views of one file may be yielded).

    Raises:
        Unreadable: when the file's type is unknown or it cannot be parsed.
    """
    yield from extract_bytes(Path(path).name, Path(path).read_bytes())


def extract_bytes(name: str, data: bytes, depth: int = 0) -> Iterator[str]:
    """The texts of a file called ``name`` holding ``data`` (see :func:`extract_texts`)."""
    ext = PurePosixPath(name).suffix.lower()
    if ext == ".parquet":
        yield from _parquet_texts(data)
    elif ext == ".npy":
        yield from _npy_texts(data)
    elif ext in ZIP_EXTENSIONS:
        yield from _zip_texts(data, ext, depth)
    elif ext == ".png" or data.startswith(_PNG_SIGNATURE):
        yield from png_texts(data)
    elif ext in (".jpg", ".jpeg") or data.startswith(b"\xff\xd8"):
        yield from jpeg_texts(data)
    elif ext == ".pdf":
        yield from _pdf_texts(data)
    elif ext in TEXT_EXTENSIONS:
        yield from _text_texts(data, ext)
    else:
        raise Unreadable(f"cannot scan {ext or 'this'} files")


def _parquet_texts(data: bytes) -> Iterator[str]:
    """A table's column names, then each text column's values, one column in memory at a time.

    The columns are those pandas reads (index columns aside), each read as pandas reads it in
    the whole table; a table whose column labels are not distinct strings is read whole.
    """
    try:
        columns, read = _parquet_columns(data)
    except Exception as exc:  # any parquet failure: cannot vouch for it
        raise Unreadable(f"not a readable parquet file ({type(exc).__name__})") from None
    yield "\n".join(map(str, columns))
    for col in columns:
        try:
            series = read(col)
        except Exception as exc:
            raise Unreadable(f"not a readable parquet file ({type(exc).__name__})") from None
        if series.dtype.kind in "biufcmM":  # numbers and timestamps hold no text
            continue
        values = series.dropna()
        if len(values) and _is_number_vector(values.iloc[0]):
            continue  # embeddings stored as lists of floats
        yield "\n".join(values.astype(str))


def _parquet_columns(data: bytes) -> tuple[list[Any], Any]:
    """The column labels of a parquet table and a reader of one column (a pandas Series)."""
    import pandas as pd
    import pyarrow.parquet as pq

    empty = pq.ParquetFile(io.BytesIO(data)).schema_arrow.empty_table().to_pandas()
    columns = list(empty.columns)
    if isinstance(empty.columns, pd.MultiIndex) or not all(isinstance(c, str) for c in columns):
        columns = []  # unusual labels: read the whole table once, as pandas does
    if len(set(columns)) != len(columns) or not columns:
        df = pd.read_parquet(io.BytesIO(data))
        return list(df.columns), lambda col: df[col]
    return columns, lambda col: pd.read_parquet(io.BytesIO(data), columns=[col])[col]


def _is_number_vector(value: Any) -> bool:
    import numpy as np

    if isinstance(value, np.ndarray):
        return value.dtype.kind in "biuf"
    return isinstance(value, (list, tuple)) and all(isinstance(v, (int, float)) for v in value)


def _npy_texts(data: bytes) -> Iterator[str]:
    import numpy as np

    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError):
        raise Unreadable("not a plain numpy array (pickled objects are refused)") from None
    if array.dtype.kind in "US":
        yield "\n".join(map(str, array.ravel()))


def _zip_texts(data: bytes, ext: str, depth: int) -> Iterator[str]:
    if depth >= _MAX_DEPTH:
        raise Unreadable("archive nested too deep")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise Unreadable(f"not a valid {ext} file") from None
    with zf:
        names = sorted(n for n in zf.namelist() if not n.endswith("/"))
        yield "\n".join(names)
        for member in names:
            try:
                if member.lower().endswith((".xml", ".rels")):
                    yield from office_xml_texts(_decode(zf.read(member)))
                else:
                    yield from extract_bytes(member, zf.read(member), depth + 1)
            except Unreadable as exc:
                raise Unreadable(f"{member} inside it: {exc}") from None


_TAG = re.compile(r"<[^<>]{0,2000}>")
_ALT_ATTR = re.compile(r"""\b(?:descr|title|alt|tooltip)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def office_xml_texts(xml: str) -> Iterator[str]:
    """The text of an XML part of an Office or REFI-QDA zip, and its alt-text attributes.

    Tags are removed twice, joined and as line breaks, so a name split over runs is whole.
    Other attributes (cell references, style names) are structure, not text.
    """
    yield _TAG.sub("", xml)
    yield _TAG.sub("\n", xml)
    alts = [a or b for a, b in _ALT_ATTR.findall(xml)]
    if alts:
        yield "\n".join(alts)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable("not UTF-8 XML") from None


def png_texts(data: bytes) -> Iterator[str]:
    """The text chunks of a PNG image (titles, descriptions, alt text, software metadata)."""
    if not data.startswith(_PNG_SIGNATURE):
        raise Unreadable("not a valid PNG image")
    pos, seen_end = len(_PNG_SIGNATURE), False
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if len(body) < length:
            break
        pos += 12 + length
        if kind == b"IEND":
            seen_end = True
            break
        if kind in (b"tEXt", b"zTXt", b"iTXt"):
            yield _png_chunk_text(kind, body)
    if not seen_end:
        raise Unreadable("truncated PNG image")


def jpeg_texts(data: bytes) -> Iterator[str]:
    """The comment and application segments of a JPEG image (EXIF, XMP: titles, authors)."""
    if not data.startswith(b"\xff\xd8"):
        raise Unreadable("not a valid JPEG image")
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise Unreadable("damaged JPEG image")
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: pixels follow, no more metadata
            return
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:
            yield data[pos + 4 : pos + 2 + length].decode("latin-1")
        pos += 2 + length
    raise Unreadable("truncated JPEG image")


def _png_chunk_text(kind: bytes, body: bytes) -> str:
    keyword, _, rest = body.partition(b"\0")
    try:
        if kind == b"tEXt":
            value = rest.decode("latin-1")
        elif kind == b"zTXt":
            value = zlib.decompress(rest[1:]).decode("latin-1")
        else:  # iTXt: flag, method, language\0, translated keyword\0, text
            flag, rest = rest[0], rest[2:]
            _lang, _, rest = rest.partition(b"\0")
            translated, _, text = rest.partition(b"\0")
            value = translated.decode("utf-8") + "\n"
            value += (zlib.decompress(text) if flag else text).decode("utf-8")
    except (zlib.error, UnicodeDecodeError, IndexError):
        raise Unreadable("damaged PNG text chunk") from None
    return keyword.decode("latin-1") + "\n" + value


def _pdf_texts(data: bytes) -> Iterator[str]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Unreadable("encrypted PDF: the gate cannot read it")
        texts = _pdf_page_texts(data)
        texts += _pdf_metadata_texts(reader)
        for page in reader.pages:
            texts += _pdf_annotation_texts(page)
    except Unreadable:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise Unreadable(f"damaged PDF ({type(exc).__name__})") from None
    yield from texts


def _pdf_page_texts(data: bytes) -> list[str]:
    """Every page's text, read by PDFium (the same words as pypdf's, ~14x faster).

    pypdf's pure-Python content-stream parser took 2.7 s of CPU for the sample's 47-page
    report; ligatures come out expanded ("findings", not "ﬁndings"), as NFKC makes them.
    """
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise Unreadable(f"damaged PDF ({exc})") from None
    try:
        return [_page_text(doc[i]) for i in range(len(doc))]
    finally:
        doc.close()


def _page_text(page: Any) -> str:
    textpage = page.get_textpage()
    try:
        return textpage.get_text_range()
    finally:
        textpage.close()
        page.close()


def _pdf_metadata_texts(reader: Any) -> list[str]:
    """Document information values, XMP metadata and bookmark titles: text no page shows."""
    texts = [str(value) for value in (reader.metadata or {}).values()]
    xmp = reader.trailer["/Root"].get("/Metadata")
    if xmp is not None:
        texts.append(_decode(xmp.get_object().get_data()))

    def titles(outline: Any) -> Iterator[str]:
        for item in outline:
            if isinstance(item, list):
                yield from titles(item)
            else:
                yield str(item.get("/Title", ""))

    texts += list(titles(reader.outline))
    return texts


def _pdf_annotation_texts(page: Any) -> list[str]:
    """Link targets and annotation contents of one page (a mailto: link is text too)."""
    texts = []
    for ref in page.get("/Annots") or []:
        annot = ref.get_object()
        texts += [str(annot.get(key, "")) for key in ("/Contents", "/T", "/TU")]
        action = annot.get("/A")
        if action is not None:
            texts.append(str(action.get_object().get("/URI", "")))
    return [t for t in texts if t]


def _text_texts(data: bytes, ext: str) -> Iterator[str]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable("not UTF-8 text") from None
    if ext in (".html", ".htm"):
        text = strip_vendored_scripts(text)
    text, images = _inline_images(text)
    yield text
    for image in images:  # an embedded chart's own text chunks (titles, alt text)
        yield from extract_bytes(
            "inline.png" if image.startswith(_PNG_SIGNATURE) else "inline.jpg", image
        )
    if ext in (".json", ".ipynb"):
        try:
            yield "\n".join(_json_strings(json.loads(text)))
        except json.JSONDecodeError:
            pass
    if ext == ".jsonl":
        for line in text.splitlines():
            try:
                yield "\n".join(_json_strings(json.loads(line)))
            except json.JSONDecodeError:
                continue


# an image inlined as a data URI (notebook and report charts): its base64 payload is pixels,
# not text, so it is read as the image it is rather than scanned as letters
_DATA_URI = re.compile(r"data:image/(?:png|jpe?g);base64,([A-Za-z0-9+/=\\n]+)")


def _inline_images(text: str) -> tuple[str, list[bytes]]:
    """``text`` with inline base64 images cut out, and those images' bytes."""
    images: list[bytes] = []

    def cut(match: re.Match[str]) -> str:
        payload = match.group(1).replace("\\n", "").replace("\n", "")
        try:
            images.append(base64.b64decode(payload, validate=False))
        except (binascii.Error, ValueError):
            raise Unreadable("damaged inline image") from None
        return "data:image;base64,"

    return _DATA_URI.sub(cut, text), images


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v)


@functools.lru_cache(maxsize=1)
def _vendored_scripts() -> tuple[str, ...]:
    """Third-party libraries that HTML outputs inline verbatim (they hold no data)."""
    try:
        from plotly.offline import get_plotlyjs
    except ImportError:  # plotly not installed: nothing is exempt
        return ()
    return (get_plotlyjs(),)


def strip_vendored_scripts(text: str) -> str:
    """``text`` without exact copies of the installed plotly.js library."""
    for lib in _vendored_scripts():
        if lib and lib in text:
            text = text.replace(lib, " ")
    return text
