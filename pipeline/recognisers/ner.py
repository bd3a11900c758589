"""Statistical NER: a spaCy pipeline (ours, shipped in ``pipeline/models/``, or any installed one).

The model is loaded once per process (:func:`load_pipeline` caches it); the stage runs
``nlp.pipe`` over all texts in batches and hands each ``Doc`` to :class:`SpacyNerRecogniser`.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any, ClassVar

from pipeline.errors import QualevalError
from pipeline.recognisers.base import (
    ORGANISATION,
    PERSON,
    PLACE,
    Detection,
    Recogniser,
    RecogniserContext,
)

log = logging.getLogger(__name__)

DEFAULT_LABELS = {"PERSON": PERSON, "PER": PERSON, "ORG": ORGANISATION, "LOC": PLACE}
_UNUSED = (
    "tagger",
    "parser",
    "attribute_ruler",
    "lemmatizer",
    "senter",
    "textcat",
    "morphologizer",
)


PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the installed ``pipeline`` package


def resolve_model(name_or_path: str) -> Path:
    """The folder ``anonymise.ner_model`` names, from the current folder or the package.

    A path that exists from the current folder (or an absolute one) is used as given. A
    relative one that does not is looked up in the installed package, so the shipped model
    is found from any folder: ``pipeline/models/ner_en_qualeval`` next to the package, or
    ``models/ner_en_qualeval`` (the older spelling) inside it.
    """
    path = Path(name_or_path)
    if path.exists() or path.is_absolute():
        return path
    bases = [PACKAGE_DIR.parent] if path.parts[:1] == ("pipeline",) else [PACKAGE_DIR]
    for base in bases:
        if (base / path / "meta.json").is_file():
            return base / path
    return path


#: Words in a spaCy pipeline's ``config.cfg`` that mean it has PyTorch layers.
TORCH_MARKERS = (
    "spacy-transformers",
    "spacy_transformers",
    "curated-transformers",
    "curated_transformers",
    "PyTorchWrapper",
)


def has_torch_layers(name_or_path: str) -> bool:
    """Whether the pipeline ``anonymise.ner_model`` names may need torch (thinc's PyTorch layers).

    True for an installed package name or a folder without ``config.cfg`` (nothing to read,
    so nothing is assumed), and for a config that names a transformer or PyTorch layer.
    """
    config = resolve_model(name_or_path) / "config.cfg"
    if not config.is_file():
        return True
    text = config.read_text(encoding="utf-8", errors="replace")
    return any(marker in text for marker in TORCH_MARKERS)


@functools.lru_cache(maxsize=4)
def load_pipeline(name_or_path: str) -> Any:
    """Load a spaCy pipeline by folder or installed package name, keeping only what NER needs.

    A relative folder not found from the current folder is looked up in the installed
    package (:func:`resolve_model`).

    Raises:
        QualevalError: when the folder or package does not exist or is not a spaCy pipeline.
    """
    import spacy

    path = resolve_model(name_or_path)
    looks_like_path = path.exists() or "/" in name_or_path or name_or_path.startswith(".")
    if looks_like_path and not (path / "meta.json").is_file():
        raise QualevalError(
            f"anonymise.ner_model: {name_or_path}: no spaCy pipeline there (no meta.json); "
            "run `make train-ner`, or name an installed pipeline such as en_core_web_lg"
        )
    try:
        nlp = spacy.load(path if looks_like_path else name_or_path, exclude=list(_UNUSED))
    except OSError:
        raise QualevalError(
            f"anonymise.ner_model: {name_or_path}: not an installed spaCy pipeline or a "
            "folder; install it (pip install ...) or point to pipeline/models/ner_en_qualeval"
        ) from None
    if "ner" not in nlp.pipe_names:
        raise QualevalError(f"anonymise.ner_model: {name_or_path}: the pipeline has no 'ner'")
    log.info("NER model %s (%s)", nlp.meta.get("name"), ", ".join(nlp.pipe_names))
    return nlp


class SpacyNerRecogniser(Recogniser):
    """Entities from a spaCy NER component, mapped to qualeval's types by ``ner_labels``.

    spaCy's greedy NER gives no per-entity probability, so every entity gets the class score
    (as Presidio's spaCy recogniser does); precision is managed by the allow-list, the review
    loop and the type-specific recognisers that run before it.
    """

    name: ClassVar[str] = "ner"
    entity_types: ClassVar[tuple[str, ...]] = (PERSON, ORGANISATION, PLACE)
    score: ClassVar[float] = 0.85
    needs_doc: ClassVar[bool] = True
    tier: ClassVar[int] = 2
    trusted: ClassVar[bool] = False

    def __init__(self, labels: dict[str, str] | None = None) -> None:
        """Map model labels to entity types (labels not listed are ignored)."""
        self.labels = dict(DEFAULT_LABELS if labels is None else labels)

    @classmethod
    def from_context(cls, context: RecogniserContext) -> SpacyNerRecogniser:
        """Build with the label map from ``options['ner']['labels']``."""
        return cls(context.options.get(cls.name, {}).get("labels"))

    def analyse(self, text: str, doc: Any = None) -> list[Detection]:
        """Entities of ``doc`` (the stage's ``nlp.pipe`` output for ``text``)."""
        if doc is None:
            return []
        found = []
        for ent in doc.ents:
            etype = self.labels.get(ent.label_)
            if etype is None:
                continue
            start, end = ent.start_char, ent.end_char
            # trailing possessive and leading "the" are not part of the name
            if text[end - 2 : end] in ("'s", "’s"):
                end -= 2
            if text[start:end].lower().startswith("the "):
                start += 4
            if end > start:
                found.append(self.detection(text, start, end, etype))
        return found
