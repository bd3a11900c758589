"""Focus groups counted as people: each participant of a focus group becomes a case.

The report counts rows of the interviews table. A focus group (``case_kind``
``focus_group``) is split into one row per participant, with id ``<interview>/<speaker>``
(``FG1/Respondent 2``: the speaker pseudonym of the anonymised turns), ``case_kind``
``participant``, the group's metadata and, over it, the participant's own shareable
attributes from the anonymised participants table. Its coded segments are relabelled to the
participant who said them, so every count, denominator, crosstab and quote attribution of
the report counts people. The participants are the group's respondents in the anonymised
turns plus any listed participant who never spoke. Without the anonymised turns, the report
counts each focus group once.
"""

from __future__ import annotations

import pandas as pd

from pipeline.report.model import Inputs

FOCUS_GROUP, PARTICIPANT = "focus_group", "participant"
_COUNTS = ("interview_id", "speaker", "n_turns", "n_words")


def _people(gid: str, speakers: pd.DataFrame, participants: pd.DataFrame | None) -> list[str]:
    said = speakers.loc[
        (speakers["interview_id"] == gid) & (speakers["speaker_role"] == "respondent"),
        "speaker",
    ]
    listed = []
    if participants is not None and len(participants):
        mine = participants[participants["interview_id"].astype(str) == gid]
        listed = [s for s in mine["speaker"].astype(str) if s]
    return list(dict.fromkeys([*said.astype(str), *listed]))


def _attributes(participants: pd.DataFrame | None, gid: str, speaker: str) -> dict[str, str]:
    if participants is None or participants.empty:
        return {}
    hit = participants[
        (participants["interview_id"].astype(str) == gid)
        & (participants["speaker"].astype(str) == speaker)
    ]
    if hit.empty:
        return {}
    rec = hit.iloc[0]
    return {c: rec[c] for c in hit.columns if c not in _COUNTS and pd.notna(rec[c]) and rec[c]}


def split_focus_groups(
    interviews: pd.DataFrame, inputs: Inputs
) -> tuple[pd.DataFrame, dict[tuple[str, int], str]]:
    """The interviews table with focus groups split into participants, and each split turn's case.

    Returns:
        The new table (unchanged without focus groups or anonymised turns) and
        ``(interview_id, turn_index) -> case id`` for the turns of split focus groups.
    """
    if "case_kind" not in interviews.columns or inputs.speakers is None:
        return interviews, {}
    is_group = interviews["case_kind"].astype(str) == FOCUS_GROUP
    if not is_group.any():
        return interviews, {}
    speakers = inputs.speakers.assign(interview_id=inputs.speakers["interview_id"].astype(str))
    rows, case_of = [], {}
    for rec in interviews.to_dict("records"):
        gid = str(rec["interview_id"])
        people = (
            _people(gid, speakers, inputs.participants) if rec["case_kind"] == FOCUS_GROUP else []
        )
        if not people:
            rows.append(rec)
            continue
        for who in people:
            attrs = _attributes(inputs.participants, gid, who)
            rows.append({**rec, **attrs, "interview_id": f"{gid}/{who}", "case_kind": PARTICIPANT})
        mine = speakers[speakers["interview_id"] == gid]
        for turn, who in zip(mine["turn_index"], mine["speaker"].astype(str)):
            if who in people:
                case_of[(gid, int(turn))] = f"{gid}/{who}"
    return pd.DataFrame(rows), case_of


def relabel(
    coded: pd.DataFrame, segments: pd.DataFrame, case_of: dict[tuple[str, int], str]
) -> pd.DataFrame:
    """Coded segments of split focus groups moved to the participant who said them."""
    if not case_of or "turn_index" not in segments.columns:
        return coded
    turn = dict(zip(segments["segment_id"].astype(str), segments["turn_index"]))
    ids = [
        case_of.get((str(iid), int(turn.get(str(seg), -1))), iid)
        for iid, seg in zip(coded["interview_id"], coded["segment_id"])
    ]
    return coded.assign(interview_id=ids)
