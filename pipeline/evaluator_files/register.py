"""The evaluator's contact register: its file model and reader.

The register (``anonymisation/register.yaml`` by default, pointed at by ``data.register_file``) is
written by the evaluator and lists people, councils, organisations and places known to the
evaluation, with aliases and optionally a chosen pseudonym::

    entities:
      - type: person
        name: Marcus Adeyemi
        aliases: [Marcus, Mr Adeyemi]
      - type: council
        name: North East Lincolnshire Council
        aliases: [North East Lincolnshire, NELC]
        pseudonym: "[Council N]"

It names real people, so in a real project keep it in the private area. The recogniser that
finds its names is :class:`pipeline.recognisers.known.RegisterRecogniser`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.errors import QualevalError
from pipeline.io import read_yaml
from pipeline.params import format_validation_error
from pipeline.recognisers.base import normalise_phrase

TITLES = (
    "Mr",
    "Mrs",
    "Ms",
    "Miss",
    "Mx",
    "Dr",
    "Prof",
    "Professor",
    "Cllr",
    "Councillor",
    "Sir",
    "Dame",
    "Lord",
    "Lady",
    "Baroness",
)
_TITLE_RE = re.compile(r"^(?:(?:%s)\.?\s+)+" % "|".join(TITLES), re.I)


def strip_title(name: str) -> str:
    """``"Councillor Ann Tregenza"`` -> ``"Ann Tregenza"`` (a name that is only a title is kept)."""
    stripped = _TITLE_RE.sub("", name.strip())
    return stripped or name.strip()


class RegisterEntity(BaseModel):
    """One known entity of the register."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["person", "council", "organisation", "place"]
    name: str = Field(min_length=1)
    aliases: list[str] = Field(default_factory=list)
    pseudonym: str | None = None

    @field_validator("name", "aliases", mode="after")
    @classmethod
    def _not_blank(cls, value: str | list[str]) -> str | list[str]:
        values = [value] if isinstance(value, str) else value
        for v in values:
            if not normalise_phrase(v):
                raise ValueError("blank name; write the name or remove the entry")
        return value

    @property
    def key(self) -> str:
        """The canonical key the stage links this entity's mentions by."""
        return f"register:{normalise_phrase(self.name)}"


class Register(BaseModel):
    """The whole register file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entities: list[RegisterEntity] = Field(default_factory=list)


def load_register(path: Path | None) -> list[RegisterEntity]:
    """Read and validate a register file; ``None`` means no register.

    Raises:
        QualevalError: naming the file and the entry when it is malformed.
    """
    if path is None:
        return []
    path = Path(path)
    raw = read_yaml(path, "anonymisation register", "create it or set data.register_file: null")
    if raw is None:
        raise QualevalError(
            f"{path}: empty register; list entities under 'entities:' "
            "or set data.register_file: null"
        )
    if not isinstance(raw, dict):
        raise QualevalError(f"{path}: expected a mapping with an 'entities' list")
    try:
        register = Register.model_validate(raw)
    except ValidationError as exc:
        raise QualevalError(format_validation_error(path.name, exc)) from None
    seen: dict[str, int] = {}
    for i, ent in enumerate(register.entities):
        for phrase in [ent.name, *ent.aliases]:
            key = normalise_phrase(phrase)
            if key in seen and seen[key] != i:
                raise QualevalError(
                    f"{path.name}: entities[{i}] ({ent.name}): {phrase!r} is already listed "
                    f"by entities[{seen[key]}]; keep it in one entry"
                )
            seen[key] = i
    return list(register.entities)
