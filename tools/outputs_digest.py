"""Digest every file of a run's folders, so two runs (or two versions) can be compared.

Usage: ``python tools/outputs_digest.py outputs private > digest.txt``, then ``diff`` two
digests. Timing fields in metrics JSON (``seconds``, ``*_seconds``, ``*_per_second``,
``seconds_by_*``) are dropped before hashing; ZIP containers (XLSX, DOCX) are hashed by their
members' contents, leaving out the zip timestamps and the core-properties part, which carry
the time of writing rather than the result. Everything else is hashed byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import zipfile
from pathlib import Path

TIMING_KEY = re.compile(r"(^|_)seconds($|_)|per_second")
SKIP_MEMBERS = {"docProps/core.xml"}


def _drop_timings(value: object) -> object:
    if isinstance(value, dict):
        return {k: _drop_timings(v) for k, v in value.items() if not TIMING_KEY.search(k)}
    if isinstance(value, list):
        return [_drop_timings(v) for v in value]
    return value


def file_digest(path: Path) -> str:
    """The SHA-256 of ``path``'s result content (see the module docstring)."""
    data = path.read_bytes()
    if path.suffix == ".json" and path.parent.name == "metrics":
        cleaned = _drop_timings(json.loads(data))
        data = json.dumps(cleaned, sort_keys=True).encode()
    elif zipfile.is_zipfile(path):
        digest = hashlib.sha256()
        with zipfile.ZipFile(path) as zf:
            for name in sorted(zf.namelist()):
                if name not in SKIP_MEMBERS:
                    digest.update(name.encode() + b"\0" + zf.read(name) + b"\0")
        return digest.hexdigest()
    return hashlib.sha256(data).hexdigest()


def main(folders: list[str]) -> int:
    """Print ``digest  folder/relative/path`` for every file under each folder, sorted."""
    for folder in folders:
        root = Path(folder)
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            sys.stdout.write(f"{file_digest(path)}  {root.name}/{path.relative_to(root)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
