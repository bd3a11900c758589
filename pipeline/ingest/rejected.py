"""The one exception of the ingest stage: a transcript that cannot be ingested."""

from __future__ import annotations


class Rejected(Exception):
    """A transcript that cannot be ingested; recorded in the rejects table."""

    def __init__(self, reason: str, message: str) -> None:
        """Keep a short machine-readable reason and a human message."""
        super().__init__(message)
        self.reason = reason
        self.message = message


def empty_file() -> Rejected:
    """The rejection of a file with no bytes (or only whitespace)."""
    return Rejected("empty", "the file is empty; remove it or export the transcript again")
