"""The metadata sheet, as the ingest stage reads it (see :mod:`pipeline.metadata_sheet`).

The reading and the checks live in a shared module so that the up-front input check
(:mod:`pipeline.validate`) reads the sheet exactly as ingest does.
"""

from __future__ import annotations

from pipeline.metadata_sheet import read_metadata, validate_metadata

__all__ = ["read_metadata", "validate_metadata"]
