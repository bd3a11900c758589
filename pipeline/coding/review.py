"""A reviewer's decisions replace the machine's codes of the turns they reviewed (pure).

After :func:`pipeline.coding.core.code_segments` has coded every turn (calibrated on the
reviewed turns), :func:`apply_review` makes each reviewed turn carry exactly the reviewer's
codes: a rejected code's segment rows are dropped, an accepted code keeps the segments the
machine placed it on, and an added code goes on the turn's segment that scores best for it.
Every code of a reviewed turn has ``method`` ``human``, so the tables, the report and its
evidence follow the reviewer. The machine's own decisions stay in ``turn_scores`` (its
``machine`` column), which is what agreement is measured on.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pandas as pd

from pipeline.coding.core import CodingResult
from pipeline.coding.placement import SEGMENT_CODE_COLUMNS, rollup

log = logging.getLogger(__name__)

HUMAN = "human"
ADDED = "added in review"
KEYS = ["interview_id", "turn_index"]
_SEGMENT_KEYS = ["interview_id", "turn_index", "segment_id", "start", "end"]


def _keys(df: pd.DataFrame, cols: list[str]) -> list[tuple]:
    return [(str(r[0]), int(r[1]), *r[2:]) for r in df[cols].itertuples(index=False, name=None)]


def _added_rows(
    missing: set[tuple[str, int, str]],
    segments: pd.DataFrame,
    seg_scores: np.ndarray | None,
    codes: list[str],
) -> list[tuple]:
    """A segment row for each added (turn, code): the turn's best segment for the code."""
    col = {c: j for j, c in enumerate(codes)}
    rows_of: dict[tuple[str, int], list[int]] = {}
    for i, key in enumerate(_keys(segments, KEYS)):
        rows_of.setdefault(key, []).append(i)
    seg_cols = segments[_SEGMENT_KEYS].to_numpy()
    out, n_lost = [], 0
    for iv, ti, code in sorted(missing):
        members = rows_of.get((iv, ti))
        if not members:
            n_lost += 1
            continue
        local = (
            seg_scores[members, col[code]]
            if seg_scores is not None and len(seg_scores)
            else np.zeros(len(members))
        )
        best = members[int(np.argmax(local))]
        _, _, sid, start, end = seg_cols[best]
        score = round(float(local.max()), 4)
        out.append((iv, ti, str(sid), int(start), int(end), code, score, HUMAN, ADDED))
    if n_lost:
        log.warning("%d reviewed code(s) are on turns with no segment; not placed", n_lost)
    return out


def apply_review(
    result: CodingResult,
    segments: pd.DataFrame,
    codes: list[str],
    human: pd.DataFrame,
    reviewed: pd.DataFrame,
) -> CodingResult:
    """The coding with every reviewed turn's codes replaced by the reviewer's.

    Args:
        result: the machine's coding (with ``turn_scores`` and ``segment_scores``).
        segments: the segments table the coding was made from (same row order).
        codes: the codebook's leaf code ids, in order.
        human: the reviewer's final codes (``interview_id, turn_index, code_id``).
        reviewed: the turns reviewed (``interview_id, turn_index``); a reviewed turn
            without a row in ``human`` has no code.

    Returns:
        A new result: ``segment_codes`` and ``turn_codes`` follow the review; thresholds and
        ``turn_scores`` (the machine's decisions) are unchanged; ``stats["review"]`` counts
        what changed.
    """
    done = set(_keys(reviewed, KEYS))
    wanted = {k for k in _keys(human, [*KEYS, "code_id"]) if k[:2] in done}
    sc = result.segment_codes
    seg_keys = _keys(sc, [*KEYS, "code_id"])
    on_reviewed = np.array([k[:2] in done for k in seg_keys], dtype=bool)
    kept_mask = np.array([k in wanted for k in seg_keys], dtype=bool) & on_reviewed
    kept = sc[kept_mask].assign(method=HUMAN)
    machine = set(_keys(result.turn_codes, [*KEYS, "code_id"]))
    had = {k for k in machine if k[:2] in done}
    added = _added_rows(
        wanted - set(_keys(kept, [*KEYS, "code_id"])), segments, result.segment_scores, codes
    )
    frames = [sc[~on_reviewed], kept, pd.DataFrame(added, columns=list(SEGMENT_CODE_COLUMNS))]
    seg_codes = pd.concat([f for f in frames if len(f)] or [sc.iloc[:0]], ignore_index=True)
    seg_codes = seg_codes.astype(sc.dtypes.to_dict()).sort_values(
        ["interview_id", "turn_index", "segment_id", "code_id"], kind="mergesort"
    )
    seg_codes = seg_codes.reset_index(drop=True)[list(SEGMENT_CODE_COLUMNS)]
    turn_score = {}
    if result.turn_scores is not None:
        ts = result.turn_scores
        turn_score = dict(zip(_keys(ts, [*KEYS, "code_id"]), ts["score"].astype(float)))
    turn_codes = rollup(seg_codes, turn_score)
    stats = dict(result.stats)
    stats["review"] = {
        "reviewed_turns": len(done),
        "codes_kept": len(had & wanted),
        "codes_rejected": len(had - wanted),
        "codes_added": len(wanted - had),
    }
    stats["segment_codes"] = len(seg_codes)
    stats["turn_codes"] = len(turn_codes)
    stats["by_method"] = dict(sorted(seg_codes["method"].value_counts().items()))
    log.info(
        "review: %d turn(s) reviewed; %d machine code(s) kept, %d rejected, %d added",
        *stats["review"].values(),
    )
    return replace(result, segment_codes=seg_codes, turn_codes=turn_codes, stats=stats)
