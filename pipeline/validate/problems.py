"""What the input check collects (:class:`Problems`) and what it checks (:class:`RunSpec`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import QualevalError


@dataclass
class Problems:
    """Problems found, by the file (or setting) they belong to, in the order found."""

    by_file: dict[str, list[str]] = field(default_factory=dict)
    checked: int = 0

    def add(self, where: str | Path, message: str) -> None:
        """Record one problem of ``where``."""
        self.by_file.setdefault(str(where), []).append(message)

    def attempt(self, where: str | Path, check: Callable[[], object]) -> object | None:
        """Run ``check``; a :class:`QualevalError` it raises becomes problems of ``where``."""
        self.checked += 1
        try:
            return check()
        except QualevalError as exc:
            for line in str(exc).splitlines():
                line = line.strip()
                prefix = f"{where}: "
                self.add(where, line.removeprefix(prefix) if line.startswith(prefix) else line)
            return None
        except Exception as exc:  # a library's error on a damaged file: still one line
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            self.add(where, f"cannot be read ({type(exc).__name__}: {first}); check the file")
            return None

    def __len__(self) -> int:
        """How many problems."""
        return sum(len(v) for v in self.by_file.values())

    def message(self) -> str:
        """One error: the count, then each file and its problems, indented."""
        lines = [f"{len(self)} problem(s) in the inputs; nothing was written:"]
        for where, problems in self.by_file.items():
            lines.append(f"  {where}:")
            lines += [f"    {p}" for p in problems]
        return "\n".join(lines)

    def raise_if_any(self) -> None:
        """Raise every problem at once.

        Raises:
            QualevalError: when any problem was found.
        """
        if self:
            raise QualevalError(self.message())


@dataclass(frozen=True)
class RunSpec:
    """Everything a run reads and writes, and which of it came from flags.

    Attributes:
        params: the params file (None: built-in defaults).
        transcripts: the transcripts folder.
        metadata: the metadata sheet.
        codebook: the codebook YAML.
        outputs: the shareable folder.
        private: the private folder.
        files: ``data.<field>`` -> the evaluator file this run uses (None: unset).
        flags: option names given on the command line (``transcripts``, ``out`` ...), so a
            problem is blamed on the flag rather than on params.yaml.
    """

    params: Path | None
    transcripts: Path
    metadata: Path
    codebook: Path
    outputs: Path
    private: Path
    files: tuple[tuple[str, Path | None], ...] = ()
    flags: frozenset[str] = frozenset()

    def origin(self, flag: str, setting: str) -> str:
        """How to name where a value came from: ``--flag`` or ``setting in params.yaml``."""
        if flag in self.flags:
            return f"--{flag}"
        return f"{setting} in {self.params.name if self.params else 'params.yaml'}"

    def name(self, flag: str, plain: str) -> str:
        """``--flag`` when the value came from the command line, else ``plain``."""
        return f"--{flag}" if flag in self.flags else plain
