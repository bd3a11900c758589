"""What the trained coders share: the code-list check (the label matrix is in agreement).

:mod:`pipeline.coding.supervised` and :mod:`pipeline.coding.finetuned` both import this
module, so neither needs the other for it.
"""

from __future__ import annotations

from collections.abc import Sequence


def check_codes(codes: Sequence[str]) -> list[str]:
    """The code list as a list; ``ValueError`` when it is empty or has a duplicate."""
    if not codes:
        raise ValueError("codes: empty")
    if len(set(codes)) != len(codes):
        raise ValueError("codes: duplicated code")
    return list(codes)
