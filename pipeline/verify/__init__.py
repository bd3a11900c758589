"""Leak gate: fail if an identifier appears under ``outputs/``, however it is disguised.

Every file, hidden ones included, and every file *name* is scanned in the form a reader
would see it (:mod:`.readers`: tables, the XML inside Office and REFI-QDA zips, PDF and PNG
text), normalised before comparing (:mod:`.normalise`: escapes and entities decoded, NFKC,
zero-width and white space collapsed, formula strings joined) and matched case-insensitively
with an ambiguity rule for common words (:mod:`.finder`). A residual-risk scan
(:mod:`pipeline.recognisers.residual`) looks for identifiers nobody listed. An unknown file
type fails safe. See ADR 0018.
"""

from pipeline.recognisers.residual import ResidualScan, nhs_checksum_ok
from pipeline.verify.finder import IdentifierFinder, is_case_sensitive
from pipeline.verify.gate import VerifyResult, entries_from, identifiers_from, verify
from pipeline.verify.normalise import views
from pipeline.verify.readers import (
    TEXT_EXTENSIONS,
    Unreadable,
    extract_texts,
    strip_vendored_scripts,
)
from pipeline.verify.stage import main, run_stage

__all__ = [
    "TEXT_EXTENSIONS",
    "IdentifierFinder",
    "ResidualScan",
    "Unreadable",
    "VerifyResult",
    "entries_from",
    "extract_texts",
    "identifiers_from",
    "is_case_sensitive",
    "main",
    "nhs_checksum_ok",
    "run_stage",
    "strip_vendored_scripts",
    "verify",
    "views",
]
