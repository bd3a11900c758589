"""The gate's core: scan every file under ``outputs/`` (and every file name) for known identifiers.

Nothing is exempt but the gate's own metrics file (deleted and rewritten by this run, so a
stale verdict never counts) and what :data:`DECLARED_IGNORES` names (nothing today: even the
outputs' ``.gitignore`` files are read). Hidden and temporary files are
scanned like any other; a file that cannot be read fails the gate unless its extension is
listed in ``verify.skip_extensions``. Leaks are recorded with the key entry's pseudonym so that
messages can name the entry without printing the identifier.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.errors import QualevalError
from pipeline.forked import forked_map
from pipeline.recognisers.residual import ResidualScan
from pipeline.verify.finder import IdentifierFinder
from pipeline.verify.normalise import line_view, name_view, views
from pipeline.verify.readers import Unreadable, extract_texts

# Files the gate does not read, by name (none: a name can hide in any file).
DECLARED_IGNORES: frozenset[str] = frozenset()
FILE_NAME = "(file name)"


@dataclass
class VerifyResult:
    """What the gate found."""

    files: list[str] = field(default_factory=list)
    leaks: list[dict[str, str]] = field(default_factory=list)
    unreadable: list[dict[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    identifiers: int = 0
    residual: Any = None

    @property
    def passed(self) -> bool:
        """True when nothing leaked, every file could be read and the residual scan passed."""
        residual_ok = self.residual is None or self.residual.passed
        return not self.leaks and not self.unreadable and residual_ok

    def metrics(self) -> dict[str, Any]:
        """Counts only (no identifiers): safe to publish."""
        out = {
            "files_scanned": len(self.files),
            "files_skipped": len(self.skipped),
            "identifiers_checked": self.identifiers,
            "leaks": len(self.leaks),
            "leaks_in_file_names": sum(leak["where"] == FILE_NAME for leak in self.leaks),
            "unreadable_files": len(self.unreadable),
            "passed": self.passed,
        }
        if self.residual is not None:
            out.update(self.residual.metrics())
        return out


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
    return {k: v[0] for k, v in entries_from(key, register, additions, allow).items()}


def entries_from(
    key: dict[str, Any],
    register: Iterable[Any] = (),
    additions: Iterable[tuple[str, str]] = (),
    allow: Iterable[str] = (),
) -> dict[str, tuple[str, str]]:
    """Identifier -> (entity type, label): the label names the entry without the identifier.

    The label is the key entry's pseudonym ("[Person 3]"), else "register entry N" or
    "review decision N" (numbered from 1 in file order).
    """
    from pipeline.recognisers.base import normalise_phrase

    allowed = {normalise_phrase(a) for a in allow}
    out: dict[str, tuple[str, str]] = {}
    for ent in key.get("entities", []):
        if ent.get("entity_type") == "date":
            continue
        label = ent.get("pseudonym") or "key entry"
        for variant in ent.get("variants", []):
            out.setdefault(variant, (ent.get("entity_type", ""), label))
    for speaker in key.get("speakers", []):  # names used as speaker labels
        out.setdefault(speaker["label"], ("person", speaker.get("pseudonym") or "speaker"))
    for i, ent in enumerate(register, 1):
        for name in [ent.name, *ent.aliases]:
            out.setdefault(name, (ent.type, f"register entry {i}"))
    for i, (text, etype) in enumerate(additions, 1):
        if etype != "date":
            out.setdefault(text, (etype, f"review decision {i}"))
    return {k: v for k, v in out.items() if normalise_phrase(k) not in allowed}


def _allowed_index(allow: Iterable[str]) -> Any:
    from pipeline.recognisers.base import PhraseEntry, PhraseIndex, normalise_phrase

    allowed = PhraseIndex()
    for phrase in sorted({normalise_phrase(a) for a in allow} - {""}):
        allowed.add(phrase, PhraseEntry("", None, 1.0))
    return allowed if len(allowed) else None


def scanned_files(outputs: Path, ignore: Iterable[Path] = ()) -> list[Path]:
    """Every file under ``outputs`` the gate reads: hidden ones too, declared ignores aside."""
    skip = {Path(p).resolve() for p in ignore}
    return sorted(
        p
        for p in Path(outputs).rglob("*")
        if (p.is_file() or p.is_symlink())
        and p.name not in DECLARED_IGNORES
        and p.resolve() not in skip
    )


def _scan_file(
    path: Path,
    finder: IdentifierFinder,
    pseudonyms: set[str],
    allowed: Any,
    residual: ResidualScan | None,
) -> tuple[set[str], set[tuple[str, str]], set[str]]:
    """The identifiers in a file's views, and its residual findings (risks, names).

    A file's texts are read one at a time (a table's column, a zip's member) and each
    distinct view, pseudonyms and allowed phrases blanked, is searched once (remembered by
    its digest, not kept).
    """
    if path.is_symlink():
        raise Unreadable("a link (the gate does not follow links)")
    found: set[str] = set()
    risks: set[tuple[str, str]] = set()
    names: set[str] = set()
    seen: set[bytes] = set()
    rel = path.as_posix()
    for raw in extract_texts(path):
        for view in views(raw):
            text = finder.blank(view, pseudonyms, allowed)
            if _first_time(b"v", text, seen):
                found.update(finder.find(text))
        if residual is not None:
            text = finder.blank(line_view(raw), pseudonyms, allowed)
            if _first_time(b"l", text, seen):
                more, capitalised = residual.findings(rel, text)
                risks |= more
                names |= capitalised
    return found, risks, names


def _first_time(kind: bytes, text: str, seen: set[bytes]) -> bool:
    """True the first time ``text`` (of this kind) is seen; remembered by its digest."""
    digest = kind + hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest()
    if digest in seen:
        return False
    seen.add(digest)
    return True


def verify(
    outputs: Path,
    identifiers: dict[str, Any],
    skip_extensions: Iterable[str] = (),
    allow: Iterable[str] = (),
    pseudonyms: Iterable[str] = (),
    placeholders: re.Pattern[str] | None = None,
    ignore: Iterable[Path] = (),
    residual: ResidualScan | None = None,
) -> VerifyResult:
    """Scan every file (and every file's name) under ``outputs`` for the identifiers.

    Args:
        outputs: the shareable folder.
        identifiers: identifier -> entity type, or -> (entity type, label) as
            :func:`entries_from` gives.
        skip_extensions: file types not to read (``verify.skip_extensions``).
        allow: allow-listed phrases (an identifier inside one is not a leak).
        pseudonyms: the key's own pseudonyms, found with ``placeholders`` and not counted
            ("DI" in "[Council DI]").
        placeholders: the pattern of the pseudonym templates.
        ignore: paths not to read (the gate's own metrics file).
        residual: the residual-risk scan to run over the same texts, if any.
    """
    outputs = Path(outputs)
    if not outputs.is_dir():
        raise QualevalError(f"{outputs}: outputs folder not found; run the pipeline first")
    entries = {k: v if isinstance(v, tuple) else (v, "") for k, v in identifiers.items()}
    skip = {e.lower() if e.startswith(".") else f".{e.lower()}" for e in skip_extensions}
    finder = IdentifierFinder(entries, placeholders)
    pseudo_set, allowed = set(pseudonyms), _allowed_index(allow)
    result = VerifyResult(identifiers=finder.count, residual=residual)

    def record(rel: str, where: str, found: Iterable[str]) -> None:
        for ident in sorted(set(found)):
            etype, label = entries[ident]
            result.leaks.append(
                {"file": rel, "identifier": ident, "entity_type": etype, "pseudonym": label}
                | {"where": where}
            )

    paths = scanned_files(outputs, ignore)
    read = [p for p in paths if p.suffix.lower() not in skip]
    scans = dict(zip(read, _scan_files(read, finder, pseudo_set, allowed, residual)))
    for path in paths:
        rel = path.as_posix()
        record(rel, FILE_NAME, finder.find(name_view(path.relative_to(outputs).as_posix())))
        if path not in scans:
            result.skipped.append(rel)
            continue
        result.files.append(rel)
        status, scan = scans[path]
        if status == "unreadable":
            result.unreadable.append({"file": rel, "reason": scan})
            continue
        found, risks, names = scan
        record(rel, "content", found)
        if residual is not None:
            residual.record(rel, risks, names, found)
    return result


# what the forked scanners read (set before they fork, so nothing is pickled but the paths)
_SCANNING: tuple[IdentifierFinder, set[str], Any, ResidualScan | None] | None = None


def _scan_files(
    paths: list[Path],
    finder: IdentifierFinder,
    pseudonyms: set[str],
    allowed: Any,
    residual: ResidualScan | None,
) -> list[tuple[str, Any]]:
    """:func:`_scan_file` of each path, the files spread over every core (ADR 0044).

    Each is ``("ok", (found, risks, names))`` or ``("unreadable", reason)``, in path order;
    a file's findings do not depend on the process that read it or on the other files.
    """
    global _SCANNING
    if residual is not None:
        _ = residual._ordinary  # the ordinary-word list built once here, not in every worker
    _SCANNING = (finder, pseudonyms, allowed, residual)
    try:
        return forked_map(_scan_one, paths, inherit=True)
    finally:
        _SCANNING = None


def _scan_one(path: Path) -> tuple[str, Any]:
    """One file's :func:`_scan_file` with the context :func:`_scan_files` set."""
    if _SCANNING is None:
        raise RuntimeError("_scan_one runs only inside _scan_files")
    try:
        return "ok", _scan_file(path, *_SCANNING)
    except Unreadable as exc:
        return "unreadable", str(exc)
