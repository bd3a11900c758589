"""Embed-codebook stage: the codebook's material as vectors, cached for the code stage.

The semantic coder compares turns with every code's definition, include criteria, examples
and exclusions, and with the codebook's ``uncoded`` examples (see
:meth:`pipeline.codebook.Codebook.material_items`). Embedding them takes longer than
coding itself and needs the sentence-transformers model, so it is a stage of its own: DVC
re-runs it only when
the codebook or the model changes, and the code stage then never loads the model. Vectors
come from the embed stage's cache (``embed.cache_dir``) where it has them, so a rerun or a
codebook edit embeds only new texts; the bytes are the same either way.
:func:`embed_material` is pure apart from ``encode``; :func:`main` does the file I/O.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import typer

from pipeline import catalogue
from pipeline.codebook import Codebook, load_codebook
from pipeline.encoder import EncodeFn
from pipeline.io import atomic_files, write_json
from pipeline.nonanalytic import GENERIC_UNCODED
from pipeline.params import load_params

log = logging.getLogger(__name__)

VECTOR_COLUMNS = catalogue.columns("codebook_vectors")


def embed_material(book: Codebook, encode: EncodeFn) -> pd.DataFrame:
    """One row per distinct material text: ``code_id``, ``kind``, ``text``, ``vector``.

    A text that appears twice (an example repeated under two codes) is embedded once and
    kept at its first place. qualeval's built-in generic uncoded set
    (:data:`pipeline.nonanalytic.GENERIC_UNCODED`, kind ``generic_uncoded``) comes last, so the
    code stage never loads the model for it.
    """
    items = []
    seen: set[str] = set()
    generic = [(None, "generic_uncoded", t) for t in GENERIC_UNCODED]
    for code_id, kind, text in [*book.material_items(), *generic]:
        if text not in seen:
            seen.add(text)
            items.append((code_id, kind, text))
    vectors = np.asarray(encode([t for _, _, t in items]), dtype=np.float32)
    return pd.DataFrame(
        {
            "code_id": pd.array([c for c, _, _ in items], dtype="string"),
            "kind": [k for _, k, _ in items],
            "text": [t for _, _, t in items],
            "vector": list(vectors),
        }
    )


def run_stage(
    params_path: Path | None, codebook_path: Path, *, vectors_path: Path, metrics_path: Path
) -> pd.DataFrame:
    """Read the codebook, embed its material, write the table and metrics (all or nothing)."""
    from pipeline.encoder import encode

    params = load_params(params_path)
    book = load_codebook(codebook_path)
    started = time.perf_counter()
    embed = params.embed
    table = embed_material(
        book,
        lambda texts: encode(
            list(texts),
            embed.model,
            embed.batch_size,
            backend=embed.backend,
            # the embed stage's cache: a codebook edit re-embeds only the texts it changed
            cache_dir=embed.cache_dir,
        ),
    )
    seconds = time.perf_counter() - started
    dim = len(table["vector"].iloc[0]) if len(table) else 0
    schema = pa.schema(
        [
            ("code_id", pa.string()),
            ("kind", pa.string()),
            ("text", pa.string()),
            ("vector", pa.list_(pa.float32(), dim) if dim else pa.list_(pa.float32())),
        ]
    )
    arrow = pa.Table.from_pandas(table, schema=schema, preserve_index=False)
    metrics = {
        "texts": len(table),
        "by_kind": {k: int(v) for k, v in sorted(table["kind"].value_counts().items())},
        "dimensions": dim,
        "seconds": round(seconds, 3),
        "codebook_version": book.version,
    }
    targets = {"codebook_vectors": vectors_path, "embed_codebook_metrics": metrics_path}
    with atomic_files(targets) as tmp:
        import pyarrow.parquet as pq

        pq.write_table(arrow, tmp["codebook_vectors"])
        write_json(tmp["embed_codebook_metrics"], metrics)
    log.info("embedded %d codebook texts in %.1f s", len(table), seconds)
    return table


def main(
    codebook: Path = typer.Option(..., help="codebook YAML"),
    vectors: Path = typer.Option(..., help="codebook material vectors to write (parquet)"),
    metrics: Path = typer.Option(..., help="metrics JSON"),
    params: Path = typer.Option(None, help="params.yaml"),
) -> None:
    """Embed the codebook's definitions, criteria and examples for the semantic coder."""
    run_stage(params, codebook, vectors_path=vectors, metrics_path=metrics)


if __name__ == "__main__":
    from pipeline.entry import run_typer

    run_typer(main)
