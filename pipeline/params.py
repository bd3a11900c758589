"""Validated run parameters (``params.yaml``): one pydantic model per stage block.

Every model forbids unknown keys, so a typo in ``params.yaml`` is an error that names the
file and the field instead of a silently ignored setting.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import QualevalError
from pipeline.io import read_yaml


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataParams(_Block):
    """Where the evaluation's raw inputs live (relative to the project root)."""

    transcripts_dir: Path = Path("transcripts_sample/transcripts")
    metadata: Path = Path("transcripts_sample/metadata.csv")


class CodebookParams(_Block):
    """Which codebook to apply."""

    path: Path = Path("codebook/codebook.yaml")


class SpeakerPatterns(_Block):
    """Regular expressions (full match, case-insensitive) that map speaker labels to roles."""

    interviewer: list[str] = Field(
        default_factory=lambda: [
            r"interviewer\s*\d*",
            r"int",
            r"i",
            r"q",
            r"question",
            r"facilitator",
            r"moderator",
            r"researcher",
            r"evaluator",
        ]
    )
    respondent: list[str] = Field(
        default_factory=lambda: [
            r"respondent\s*\d*",
            r"resp\s*\d*",
            r"r\s*\d*",
            r"a\s*\d*",
            r"answer",
            r"interviewee\s*\d*",
            r"participant\s*\d*",
            r"p\s*\d+",
        ]
    )
    other: list[str] = Field(
        default_factory=lambda: [
            r"note[- ]?taker",
            r"observer",
            r"unknown( speaker)?",
            r"speaker\s*\d+",
            r"inaudible",
        ]
    )

    def role_of(self, key: str) -> str | None:
        """The role whose patterns fully match ``key`` (interviewer first), or None."""
        for role in ("interviewer", "respondent", "other"):
            if any(re.fullmatch(p, key, re.I) for p in getattr(self, role)):
                return role
        return None

    @field_validator("interviewer", "respondent", "other")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        for pat in value:
            try:
                re.compile(pat)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pat!r}: {exc}") from None
        return value


class IngestParams(_Block):
    """Settings of the ingest stage (see ``docs/data-contracts.md``)."""

    extensions: list[str] = Field(default_factory=lambda: [".txt", ".md", ".docx", ".vtt", ".srt"])
    ignore: list[str] = Field(
        default_factory=lambda: ["README*", "readme*", ".*", "~$*", "*.csv", "*.xlsx", "*.json*"],
        description="glob patterns of files in the transcripts folder that are not transcripts",
    )
    strict: bool = Field(False, description="stop the run on the first rejected file")
    speaker_patterns: SpeakerPatterns = Field(default_factory=SpeakerPatterns)
    min_label_repeats: int = Field(
        2, ge=1, description="a label matching no pattern must occur this often to count"
    )
    other_share: float = Field(
        0.1,
        ge=0,
        le=1,
        description="heuristic: a non-interviewer speaker with less than this share of the "
        "non-interviewer words is 'other', not a respondent",
    )
    fallback_encoding: str = "cp1252"
    name_columns: list[str] = Field(
        default_factory=lambda: ["interviewer", "interviewee", "respondent"],
        description="metadata columns that hold people's names (used to resolve speakers, "
        "never copied to shared outputs)",
    )
    row_group_size: int = Field(100_000, ge=1, description="turn rows per parquet row group")

    @field_validator("extensions")
    @classmethod
    def _dotted(cls, value: list[str]) -> list[str]:
        return [v.lower() if v.startswith(".") else f".{v.lower()}" for v in value]

    @field_validator("fallback_encoding")
    @classmethod
    def _known_codec(cls, value: str) -> str:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
        return value


class Params(_Block):
    """The whole ``params.yaml``."""

    data: DataParams = Field(default_factory=DataParams)
    codebook: CodebookParams = Field(default_factory=CodebookParams)
    ingest: IngestParams = Field(default_factory=IngestParams)


def format_validation_error(source: str, exc: ValidationError) -> str:
    """Render pydantic errors as ``file: a.b[3].c: message`` lines."""
    lines = []
    for err in exc.errors():
        loc = ""
        for part in err["loc"]:
            loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key; remove it or check its spelling"
        lines.append(f"{source}: {loc or '(top level)'}: {msg}")
    return "\n".join(lines)


def load_params(path: Path | None) -> Params:
    """Read and validate ``params.yaml``; a missing path gives the defaults.

    Raises:
        QualevalError: when the file cannot be read or does not validate.
    """
    if path is None:
        return Params()
    path = Path(path)
    raw = read_yaml(path, "parameters file", "pass --params or create it")
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise QualevalError(f"{path}: expected a mapping of stage blocks at the top level")
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        raise QualevalError(format_validation_error(str(path), exc)) from None
