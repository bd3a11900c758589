"""Leak gate: fail if any identifier known to the key or register appears under ``outputs/``.

Every file is scanned in the form a reader would see it: tables cell by cell (parquet,
CSV, XLSX), documents paragraph by paragraph (DOCX), web pages and notebooks with HTML
entities and JSON escapes decoded. Matching is case-sensitive and whole-word ("Ann" does
not match "Annual" or "planning"). A file that cannot be read also fails the gate, unless
its extension is listed in ``verify.skip_extensions``.

One exemption: a web page's inlined copy of the plotly.js library that the installed plotly
package ships (byte-identical, so it holds no data; interactive charts embed it to work
offline) is not scanned, because the library's own code contains words such as "Sue" or
"Norfolk" (locale and country names). Every other part of the page, chart data included, is.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import typer

from pipeline import catalogue
from pipeline.errors import QualevalError
from pipeline.io import atomic_files, write_json
from pipeline.params import load_params
from pipeline.text import placeholder_pattern

log = logging.getLogger(__name__)

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
    ".svg",
    ".ipynb",
    ".js",
    ".css",
    ".log",
}
_WORD = re.compile(r"\w+")


class IdentifierFinder:
    """Case-sensitive, whole-word search for many identifiers at once.

    Identifiers are bucketed by their first word, so a text is scanned once, word by word,
    and only identifiers starting with that word are compared.
    """

    def __init__(
        self, identifiers: Iterable[str], placeholders: re.Pattern[str] | None = None
    ) -> None:
        """Index the identifiers (blank and one-character ones are ignored).

        Args:
            identifiers: the strings to find.
            placeholders: the pattern of the pseudonym templates (default: built-in ones).
        """
        self.placeholders = placeholders or placeholder_pattern()
        self.by_first: dict[str, list[str]] = defaultdict(list)
        self.other: list[str] = []
        self.count = 0
        for ident in sorted(set(identifiers), key=lambda s: (-len(s), s)):
            ident = ident.strip()
            if len(ident) < 2:
                continue
            self.count += 1
            m = _WORD.match(ident)
            if m:
                self.by_first[m.group()].append(ident)
            else:
                self.other.append(ident)

    def find_outside_pseudonyms(
        self, text: str, pseudonyms: set[str], allowed: Any = None
    ) -> list[str]:
        """Like :meth:`find`, ignoring the key's own pseudonyms ("DI" in "[Council DI]")."""
        if pseudonyms:
            found = self.placeholders.finditer(text)
            spans = [m.span() for m in found if m.group() in pseudonyms]
            if spans:
                text = _blank(text, spans)
        return self.find(text, allowed)

    def find(self, text: str, allowed: Any = None) -> list[str]:
        """Identifiers that occur in ``text`` as whole words (each listed once).

        Args:
            text: the text to search.
            allowed: an optional :class:`~pipeline.recognisers.base.PhraseIndex` of
                allow-listed phrases; an identifier inside one ("West" in "North West") is
                not a leak.
        """
        found: set[str] = set()
        spans = [(s, e) for s, e, _ in allowed.finditer(text)] if allowed is not None else []
        if spans:
            return [
                ident
                for ident in self.find(_blank(text, spans))
                if not any(ident == text[s:e] for s, e in spans)
            ]
        covered = 0
        for m in _WORD.finditer(text):
            cands = self.by_first.get(m.group())
            pos = m.start()
            if not cands or pos < covered:
                continue
            if pos > 0 and _is_word(text[pos - 1]):
                continue
            for ident in cands:  # longest first: report "Ann Lee", not also "Ann"
                if text.startswith(ident, pos):
                    end = pos + len(ident)
                    if end >= len(text) or not _is_word(text[end]) or not _is_word(ident[-1]):
                        found.add(ident)
                        covered = end
                        break
        for ident in self.other:
            start = text.find(ident)
            while start >= 0:
                end = start + len(ident)
                before_ok = start == 0 or not _is_word(text[start - 1])
                after_ok = end >= len(text) or not _is_word(text[end])
                if before_ok and after_ok:
                    found.add(ident)
                    break
                start = text.find(ident, start + 1)
        return sorted(found)


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the given spans replaced by spaces (offsets kept)."""
    chars = list(text)
    for s, e in spans:
        chars[s:e] = " " * (e - s)
    return "".join(chars)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


# --- readers -----------------------------------------------------------------------------


class Unreadable(Exception):
    """A file the gate cannot read (so cannot vouch for)."""


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


def extract_texts(path: Path) -> Iterator[str]:
    """The texts a reader of ``path`` would see (several views of one file may be yielded).

    Raises:
        Unreadable: when the file's type is unknown or it cannot be parsed.
    """
    ext = path.suffix.lower()
    if ext == ".parquet":
        try:
            df = pd.read_parquet(path)
        except Exception as exc:  # any parquet failure: cannot vouch for it
            raise Unreadable(f"not a readable parquet file ({type(exc).__name__})") from None
        yield "\n".join(map(str, df.columns))
        for col in df.columns:
            yield "\n".join(df[col].dropna().astype(str))
        return
    if ext == ".npy":
        import numpy as np

        try:
            array = np.load(path, allow_pickle=False)
        except (ValueError, OSError):
            raise Unreadable("not a plain numpy array (pickled objects are refused)") from None
        if array.dtype.kind in "US":
            yield "\n".join(map(str, array.ravel()))
        return  # numbers (embeddings) hold no text
    if ext in (".docx", ".xlsx", ".pptx"):
        yield from _office_texts(path, ext)
        return
    if ext not in TEXT_EXTENSIONS:
        raise Unreadable(f"cannot scan {ext or 'this'} files")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Unreadable("not UTF-8 text") from None
    if ext in (".html", ".htm"):
        text = strip_vendored_scripts(text)
    yield text
    if ext in (".html", ".htm", ".xml", ".svg", ".ipynb", ".md"):
        yield html.unescape(re.sub(r"<[^>]+>", " ", text))
        yield html.unescape(text)
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


def _office_texts(path: Path, ext: str) -> Iterator[str]:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise Unreadable(f"not a valid {ext} file") from None
    with zf:
        for name in sorted(zf.namelist()):
            if name.endswith((".xml", ".rels")):
                xml = zf.read(name).decode("utf-8", errors="replace")
                yield html.unescape(re.sub(r"<[^>]+>", " ", xml))
    if ext == ".docx":
        import docx

        document = docx.Document(str(path))
        yield "\n".join(p.text for p in document.paragraphs)
        for table in document.tables:
            yield "\n".join(cell.text for row in table.rows for cell in row.cells)
    elif ext == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for ws in wb.worksheets:
                yield ws.title
                for row in ws.iter_rows(values_only=True):
                    yield "\n".join(str(v) for v in row if v is not None)
        finally:
            wb.close()


# --- the gate ----------------------------------------------------------------------------


@dataclass
class VerifyResult:
    """What the gate found."""

    files: list[str] = field(default_factory=list)
    leaks: list[dict[str, str]] = field(default_factory=list)
    unreadable: list[dict[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    identifiers: int = 0

    @property
    def passed(self) -> bool:
        """True when nothing leaked and every file could be read."""
        return not self.leaks and not self.unreadable

    def metrics(self) -> dict[str, Any]:
        """Counts only (no identifiers): safe to publish."""
        return {
            "files_scanned": len(self.files),
            "files_skipped": len(self.skipped),
            "identifiers_checked": self.identifiers,
            "leaks": len(self.leaks),
            "unreadable_files": len(self.unreadable),
            "passed": self.passed,
        }


def identifiers_from(
    key: dict[str, Any],
    register: Iterable[Any] = (),
    additions: Iterable[tuple[str, str]] = (),
    allow: Iterable[str] = (),
) -> dict[str, str]:
    """Identifier -> entity type: key variants (dates excepted), register names, added ones.

    Specific dates are left out: once replaced they are not identifying, and the coarsened
    form ("March 2024") is kept on purpose.
    """
    from pipeline.recognisers.base import normalise_phrase

    allowed = {normalise_phrase(a) for a in allow}
    out: dict[str, str] = {}
    for ent in key.get("entities", []):
        if ent.get("entity_type") == "date":
            continue
        for variant in ent.get("variants", []):
            out.setdefault(variant, ent.get("entity_type", ""))
    for speaker in key.get("speakers", []):  # names used as speaker labels
        out.setdefault(speaker["label"], "person")
    for ent in register:
        for name in [ent.name, *ent.aliases]:
            out.setdefault(name, ent.type)
    for text, etype in additions:
        if etype != "date":
            out.setdefault(text, etype)
    return {k: v for k, v in out.items() if normalise_phrase(k) not in allowed}


def verify(
    outputs: Path,
    identifiers: dict[str, str],
    skip_extensions: Iterable[str] = (),
    allow: Iterable[str] = (),
    pseudonyms: Iterable[str] = (),
    placeholders: re.Pattern[str] | None = None,
) -> VerifyResult:
    """Scan every file under ``outputs`` for the identifiers (not counting allowed phrases).

    The key's own ``pseudonyms`` are found with ``placeholders`` (the pattern of the pseudonym
    templates) and not counted ("DI" in "[Council DI]").
    """
    from pipeline.recognisers.base import PhraseEntry, PhraseIndex, normalise_phrase

    allowed = PhraseIndex()
    for phrase in sorted({normalise_phrase(a) for a in allow} - {""}):
        allowed.add(phrase, PhraseEntry("", None, 1.0))
    outputs = Path(outputs)
    if not outputs.is_dir():
        raise QualevalError(f"{outputs}: outputs folder not found; run the pipeline first")
    skip = {e.lower() if e.startswith(".") else f".{e.lower()}" for e in skip_extensions}
    finder = IdentifierFinder(identifiers, placeholders)
    pseudo_set = set(pseudonyms)
    result = VerifyResult(identifiers=finder.count)
    for path in sorted(p for p in outputs.rglob("*") if p.is_file()):
        rel = path.as_posix()
        if path.name.startswith(".") and path.name.endswith(".tmp"):
            continue  # another stage's temporary file mid-write
        if path.suffix.lower() in skip:
            result.skipped.append(rel)
            continue
        result.files.append(rel)
        found: set[str] = set()
        try:
            for text in extract_texts(path):
                found.update(
                    finder.find_outside_pseudonyms(
                        text, pseudo_set, allowed if len(allowed) else None
                    )
                )
        except Unreadable as exc:
            result.unreadable.append({"file": rel, "reason": str(exc)})
            continue
        for ident in sorted(found):
            result.leaks.append(
                {"file": rel, "identifier": ident, "entity_type": identifiers.get(ident, "")}
            )
    return result


def run_stage(
    params_path: Path | None,
    outputs: Path,
    key_path: Path,
    *,
    register_path: Path | None,
    decisions_path: Path | None,
    allow_path: Path | None,
    report: Path,
    metrics: Path,
) -> VerifyResult:
    """Load the key and register, scan ``outputs``, write the report; fail on any leak.

    Raises:
        QualevalError: listing file and identifier for every leak (or unreadable file).
    """
    from pipeline.evaluator_files.allow_list import allow_terms
    from pipeline.evaluator_files.decisions import read_decisions
    from pipeline.evaluator_files.register import load_register
    from pipeline.keyfile import read_key

    params = load_params(params_path)
    key = read_key(key_path)
    register = load_register(register_path)
    decisions = read_decisions(decisions_path)
    p = params.anonymise
    allow = allow_terms(allow_path, p.allow, decisions, p.default_allow_list)  # as in anonymise
    idents = identifiers_from(key, register, decisions.add, allow)
    pseudonyms = {e.get("pseudonym", "") for e in key.get("entities", [])}
    placeholders = placeholder_pattern(params.anonymise.pseudonyms)
    result = verify(outputs, idents, params.verify.skip_extensions, allow, pseudonyms, placeholders)
    rows = [{**leak, "problem": "leak"} for leak in result.leaks] + [
        {"file": u["file"], "identifier": "", "entity_type": "", "problem": u["reason"]}
        for u in result.unreadable
    ]
    with atomic_files({"verify_report": report, "verify_metrics": metrics}) as tmp:
        pd.DataFrame(rows, columns=list(catalogue.columns("verify_report"))).to_csv(
            tmp["verify_report"], index=False, lineterminator="\n"
        )
        write_json(tmp["verify_metrics"], result.metrics())
    if not result.passed:
        lines = [
            f"  {leak['file']}: {leak['identifier']!r} ({leak['entity_type']})"
            for leak in result.leaks
        ]
        lines += [f"  {u['file']}: {u['reason']}" for u in result.unreadable]
        raise QualevalError(
            f"leak gate failed: {len(result.leaks)} identifier(s) and "
            f"{len(result.unreadable)} unreadable file(s) under {outputs}/:\n"
            + "\n".join(lines)
            + "\nRemove or regenerate those files from anonymised data (or record a review "
            "decision if a term is not identifying); details in " + str(report)
        )
    log.info(
        "leak gate passed: %d files, %d identifiers checked, none found",
        len(result.files),
        result.identifiers,
    )
    return result


def main(
    outputs: Path = typer.Option(Path("outputs"), help="folder to scan"),
    key: Path = typer.Option(Path("private/anonymisation_key.json"), help="pseudonym key"),
    register: Path = typer.Option(None, help="anonymisation register (YAML)"),
    decisions: Path = typer.Option(None, help="review decisions (CSV)"),
    allow_list: Path = typer.Option(None, help="allow-list (text)"),
    report: Path = typer.Option(Path("private/verify_report.csv"), help="private leak report"),
    metrics: Path = typer.Option(Path("outputs/metrics/verify.json"), help="metrics JSON"),
    params: Path = typer.Option(None, help="params.yaml"),
) -> None:
    """Leak gate: fail if an identifier known to the key or register is under outputs/."""
    from pipeline.io import optional_path

    run_stage(
        params,
        outputs,
        key,
        register_path=optional_path(register),
        decisions_path=optional_path(decisions),
        allow_path=optional_path(allow_list),
        report=report,
        metrics=metrics,
    )


if __name__ == "__main__":
    from pipeline.entry import run_typer

    run_typer(main)
