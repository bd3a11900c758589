"""The report's tables, each built from the coded segments and the interview metadata.

A table's number is its builder's place in :data:`TABLE_STEPS` (1-based; ``1a``, ``1b``...
when a builder makes one table per attribute), so no builder and no sentence spells a number.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipeline import catalogue
from pipeline.disclosure import COMPLEMENTARY, WITHHELD, protect, small, whole_sample
from pipeline.params import ReportParams
from pipeline.report.codes import Codes
from pipeline.report.model import (
    EVIDENCE_COLUMNS,
    Inputs,
    Table,
    empty_evidence,
    evidence_rows,
)
from pipeline.report.prose import (
    attribute_title,
    display_value,
    merge_small_groups,
    quantify,
    scale_note,
    standalone_quote,
)
from pipeline.text import placeholder_pattern

TOTAL = "Total"
TOPICS_NOT_RUN = "The topics stage was not run for this report, so no emergent topics are reported."
GATE_NOTE = (
    "Before release, the leak gate (verify stage) scans this report, with every other "
    "shareable output, for the identifiers the anonymisation replaced; a run in which it "
    "finds one fails. The evaluation team keeps its result (metrics/verify.json)."
)
EMERGENT_COLUMNS = list(catalogue.columns("report_emergent_topics"))
COOCCURRENCE_COLUMNS = list(catalogue.columns("cooccurrence"))
QUOTES_BANK_COLUMNS = list(catalogue.columns("quotes_bank"))


@dataclass
class TableContext:
    """What the table builders share: the prepared inputs, and the evidence built so far."""

    inputs: Inputs
    interviews: pd.DataFrame  # sorted by interview_id, ids as text
    coded: pd.DataFrame  # see pipeline.report.codes.coded_segments, with text
    codes: Codes
    attribution: pd.Series
    params: ReportParams
    evidence: list[pd.DataFrame] = field(default_factory=list)
    _bank: tuple[Table, pd.DataFrame] | None = None
    # quote texts and segment ids the pack attributes (quotes bank, emergent topics): the
    # framework matrix, which groups quotes by region, never repeats one (a quote printed
    # with a role in one table and a region in another is attributed by both)
    attributed: set[str] = field(default_factory=set)

    def bank(self) -> tuple[Table, pd.DataFrame]:
        """The quotes bank and its evidence, built once (emergent topics avoid its quotes)."""
        if self._bank is None:
            self._bank = quotes_bank(
                self.coded, self.codes, self.attribution, self.params, self.placeholders
            )
        return self._bank

    @property
    def placeholders(self) -> re.Pattern[str]:
        """The placeholder pattern of the run's pseudonym templates."""
        return placeholder_pattern(self.inputs.pseudonyms)


Built = tuple[list[Table], list[pd.DataFrame]]


def table_number(table_id: str, part: int = 0, parts: int = 1) -> str:
    """The number of the table ``table_id`` of :data:`TABLE_STEPS` (``3``, or ``3b`` of many)."""
    number = str([key for key, _ in TABLE_STEPS].index(table_id) + 1)
    return number if parts == 1 else f"{number}{string.ascii_lowercase[part]}"


def build_tables(ctx: TableContext) -> list[Table]:
    """Every table, in :data:`TABLE_STEPS` order (each step sees the evidence before it)."""
    tables: list[Table] = []
    for _, step in TABLE_STEPS:
        built, evidence = step(ctx)
        tables += built
        ctx.evidence += evidence
    return tables


def _with_text_ids(interviews: pd.DataFrame) -> pd.DataFrame:
    return interviews.assign(interview_id=interviews["interview_id"].astype(str))


def _concat_evidence(evidence: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(evidence, ignore_index=True) if evidence else empty_evidence()


def _count_table(
    key: str,
    long: pd.DataFrame,
    row_col: str,
    col_col: str,
    rows: Sequence[str],
    cols: Sequence[str],
    *,
    totals: bool = True,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Distinct interviews per (row, column) of ``long``, with margins, and the evidence."""
    counts = pd.DataFrame(0, index=list(rows), columns=list(cols), dtype="int64")
    evidence = []
    for (r, c), grp in long.groupby([row_col, col_col], sort=True):
        if r in counts.index and c in counts.columns:
            counts.at[r, c] = grp["interview_id"].nunique()
            evidence.append(evidence_rows(key, str(r), str(c), grp))
    if totals:
        counts[TOTAL] = [long.loc[long[row_col] == r, "interview_id"].nunique() for r in rows]
        for r in rows:
            evidence.append(evidence_rows(key, str(r), TOTAL, long[long[row_col] == r]))
        tot = [long.loc[long[col_col] == c, "interview_id"].nunique() for c in cols]
        counts.loc[TOTAL] = [*tot, long["interview_id"].nunique()]
        for c in cols:
            evidence.append(evidence_rows(key, TOTAL, str(c), long[long[col_col] == c]))
        evidence.append(evidence_rows(key, TOTAL, TOTAL, long))
    return counts, _concat_evidence(evidence)


# --- sample profile ------------------------------------------------------------------------------


def sample_tables(interviews: pd.DataFrame, params: ReportParams) -> Built:
    """The sample profile: interviews by ``group_by`` (role) and each other crosstab attribute."""
    iv = _with_text_ids(interviews)
    row_attr = params.group_by
    others = [a for a in params.crosstab_by if a != row_attr] or [None]
    tables, evidence = [], []
    for i, attr in enumerate(others):
        long = pd.DataFrame(
            {
                "row": iv[row_attr].map(display_value),
                "col": iv[attr].map(display_value) if attr else "All",
                "interview_id": iv["interview_id"],
                "segment_id": None,
            }
        )
        rows = sorted(long["row"].unique())
        cols = sorted(long["col"].unique())
        key = f"sample_by_{attr}" if attr else "sample_profile"
        counts, ev = _count_table(key, long, "row", "col", rows, cols, totals=True)
        if not attr:
            counts = counts.drop(columns=["All"])
        # the margins are group sizes, published in the by-group tables' headers (unless merged)
        known = published_groups(iv, row_attr, params) | published_groups(iv, attr, params)
        shown = protect(counts, params.min_cell, TOTAL, TOTAL, known_margins=known)
        shown.index.name = attribute_title(row_attr)
        frame = shown.reset_index()
        number = table_number("sample_profile", i, len(others))
        what = (
            f"{attribute_title(row_attr).lower()} and {attribute_title(attr).lower()}"
            if attr
            else row_attr
        )
        note = f"Counts of interviews. {suppression_note(shown, params.min_cell)}".strip()
        tables.append(Table(key, number, f"Sample profile: interviews by {what}", frame, note))
        evidence.append(ev)
    return tables, evidence


def suppression_note(shown: pd.DataFrame, k: int) -> str:
    """The sentence a table with suppressed cells carries (empty when none is)."""
    n_small = int((shown == small(k)).to_numpy().sum())
    n_comp = int((shown == COMPLEMENTARY).to_numpy().sum())
    withheld = (shown == WITHHELD).to_numpy()
    if withheld.any():
        rows = int(withheld.any(axis=1).sum())
        inner = sum(1 for r in shown.index if r != TOTAL)  # the totals row is never withheld
        which = (
            "The breakdown is withheld"
            if rows >= inner
            else f"The breakdown of {rows} of the {inner} rows is withheld"
        )
        return (
            f"{which} ({WITHHELD}): with so many groups under {k} interviews, "
            "no pattern of suppression would stop the totals, which other tables publish as "
            "group sizes, from revealing them; only the totals are shown."
        )
    if not n_small and not n_comp:
        return ""
    note = (
        f"Counts of interviews under {k} are shown as <{k} to protect identities "
        f"({n_small} cell(s); zeros too where a total would otherwise reveal a small count)"
    )
    if n_comp:
        note += (
            f"; {n_comp} more cell(s), shown as {COMPLEMENTARY}, are withheld so that no "
            "total reveals them"
        )
    return note + "."


def protected_groups(
    frame: pd.DataFrame, total_col: str, k: int, scale: Sequence[Any]
) -> pd.DataFrame:
    """``frame``'s group columns (``"... (n=N)"``) protected, each count with its quantifier."""
    groups = [c for c in frame.columns if "(n=" in str(c)]
    if not groups:
        return frame
    counts = frame[[total_col, *groups]].astype("int64")
    whole = tuple(g for g in groups if whole_sample(g))  # every case in one group: no attribute
    shown = protect(counts, k, None, total_col, free=(total_col, *whole))
    out = frame.copy()
    for g in groups:
        n = int(str(g).rsplit("(n=", 1)[1].rstrip(")"))
        out[g] = [
            v if isinstance(v, str) else f"{v} ({quantify(int(v), n, scale)})" for v in shown[g]
        ]
    return out


# --- theme prevalence and crosstabs --------------------------------------------------------------


def published_groups(iv: pd.DataFrame, attr: str | None, params: ReportParams) -> set[str]:
    """Values of ``attr`` whose group size the by-group tables print under their own name."""
    if attr is None:
        return set()
    values = iv[attr].map(display_value)
    if attr == params.group_by:
        values = values.map(lambda v: params.role_groups.get(v, v))
    merge = merge_small_groups(values.value_counts(), params.min_cell)
    return {g for g, m in merge.items() if m == g}


def _prevalence_groups(iv: pd.DataFrame, params: ReportParams) -> tuple[dict[str, str], pd.Series]:
    """Each interview's reported group (role groups, small ones merged) and the group sizes."""
    group_of_value = iv[params.group_by].map(display_value)
    group_of_value = group_of_value.map(lambda v: params.role_groups.get(v, v))
    merge = merge_small_groups(group_of_value.value_counts(), params.min_cell)
    group = dict(zip(iv["interview_id"], group_of_value.map(merge)))
    return group, pd.Series(group).value_counts()


def theme_prevalence(
    coded: pd.DataFrame, interviews: pd.DataFrame, codes: Codes, params: ReportParams
) -> tuple[Table, pd.DataFrame]:
    """Interviews per theme and sub-theme, share, quantifier, and the same by group."""
    n = len(interviews)
    scale = params.quantifiers
    group, group_sizes = _prevalence_groups(_with_text_ids(interviews), params)
    groups = sorted(group_sizes.index)
    records, evidence = [], []
    for cid in codes.rows:
        rows = coded[coded["code_id"] == cid]
        k = rows["interview_id"].nunique()
        rec: dict[str, Any] = {
            "code_id": cid,
            "theme": codes.label(cid),
            "parent_theme": codes.label(codes.top[cid]),
            "level": codes.level(cid),
            "n_interviews": k,
            "of": n,
            "share": round(k / n, 4) if n else 0.0,
            "quantifier": quantify(k, n, scale),
            "n_segments": rows["segment_id"].nunique(),
        }
        evidence.append(evidence_rows("theme_prevalence", cid, "n_interviews", rows))
        for g in groups:
            g_rows = rows[rows["interview_id"].map(group) == g]
            rec[f"{g} (n={int(group_sizes[g])})"] = g_rows["interview_id"].nunique()
            evidence.append(evidence_rows("theme_prevalence", cid, g, g_rows))
        records.append(rec)
    frame = protected_groups(pd.DataFrame(records), "n_interviews", params.min_cell, scale)
    note = (
        f"Interviews in which at least one segment was coded with the theme (a theme counts its "
        f"sub-themes), of {n}. Columns by {attribute_title(params.group_by).lower()} give the "
        f"count and quantifier within each group; groups of fewer than {params.min_cell} "
        f"interviews are merged. {suppression_note(frame, params.min_cell)}"
    )
    number = table_number("theme_prevalence")
    table = Table("theme_prevalence", number, "Theme prevalence", frame, note)
    return table, pd.concat(evidence, ignore_index=True)


def crosstabs(
    coded: pd.DataFrame, interviews: pd.DataFrame, codes: Codes, params: ReportParams
) -> Built:
    """Interviews per code by each attribute (groups under ``min_cell`` merged)."""
    tables, evidence = [], []
    iv = _with_text_ids(interviews)
    for i, attr in enumerate(params.crosstab_by):
        values = iv[attr].map(display_value)
        merge = merge_small_groups(values.value_counts(), params.min_cell)
        group = dict(zip(iv["interview_id"], values.map(merge)))
        sizes = pd.Series(group).value_counts()
        cols = [] if set(merge.values()) == {"All"} else sorted(sizes.index)
        long = coded.assign(group=coded["interview_id"].map(group))
        key = f"crosstab_{attr}"
        counts, ev = _count_table(key, long, "code_id", "group", codes.rows, cols, totals=False)
        counts.columns = [f"{c} (n={int(sizes[c])})" for c in cols]
        counts.insert(
            0,
            f"All (n={len(iv)})",
            [long.loc[long["code_id"] == r, "interview_id"].nunique() for r in codes.rows],
        )
        all_col = f"All (n={len(iv)})"
        counts = protect(counts, params.min_cell, None, all_col, free=(all_col,))
        frame = counts.reset_index(names="code_id")
        frame.insert(1, "theme", frame["code_id"].map(codes.label))
        number = table_number("crosstabs", i, len(params.crosstab_by))
        title = attribute_title(attr).lower()
        note = (
            f"Interviews per code by {title}; groups of fewer than "
            f"{params.min_cell} interviews are merged into 'Other'. "
            + suppression_note(frame, params.min_cell)
        )
        tables.append(Table(key, number, f"Codes by {title} (interviews)", frame, note))
        evidence.append(ev)
    return tables, evidence


# --- quotes: the framework matrix and the quotes bank --------------------------------------------


def pick_segments(
    rows: pd.DataFrame,
    n: int,
    params: ReportParams,
    *,
    one_per_interview: bool = True,
    placeholders: re.Pattern[str] | None = None,
    used: set[str] | None = None,
) -> list[tuple[str, str, str]]:
    """Best ``n`` (segment_id, interview_id, quote) from coded rows with a ``text`` column.

    Candidates must yield a quote that stands alone (:func:`standalone_quote`: complete
    sentences within the length bounds, expanded to the previous sentence when it opens with
    a connective or pronoun, never an introduction, greeting, contact detail or logistics
    line) matching none of ``quote_exclude``, and not already in ``used`` (quote texts and
    segment ids taken elsewhere; the picks are added to it); those without placeholders come
    first (``placeholders``: the pattern of the run's pseudonym templates), then those that
    more than one coder chose (method ``keyword+semantic``), then by score (descending), then
    by segment id (stable).
    """
    placeholders = placeholders or placeholder_pattern()
    cands = []
    exclude = [re.compile(pat, re.I) for pat in params.quote_exclude]
    methods = rows["method"] if "method" in rows.columns else pd.Series("", index=rows.index)
    before = rows["before"] if "before" in rows.columns else pd.Series("", index=rows.index)
    used = set() if used is None else used
    for seg, iv_id, text, score, method, prev in zip(
        rows["segment_id"], rows["interview_id"], rows["text"], rows["score"], methods, before
    ):
        quote = standalone_quote(text, prev, params.quote_min_words, params.quote_max_words)
        if quote is not None and not any(p.search(quote) for p in exclude):
            agreed = "+" in str(method)  # both coders (e.g. keyword+semantic) chose it
            cands.append(
                (
                    bool(placeholders.search(quote)),
                    not agreed,
                    -float(score),
                    str(seg),
                    str(iv_id),
                    quote,
                )
            )
    cands.sort()
    out, seen_iv, seen_seg = [], set(), set()
    for _, _, _, seg, iv_id, quote in cands:
        if seg in seen_seg or seg in used or quote in used:
            continue
        if one_per_interview and iv_id in seen_iv:
            continue
        out.append((seg, iv_id, quote))
        used.update((seg, quote))
        seen_seg.add(seg)
        seen_iv.add(iv_id)
        if len(out) == n:
            break
    return out


def _framework_rows(iv: pd.DataFrame, params: ReportParams) -> tuple[dict[str, str], str]:
    """Each interview's row of the framework matrix (its region, or itself) and the row name."""
    if params.framework_rows == "region":
        values = iv["region"].map(display_value) if "region" in iv.columns else "All"
        values = pd.Series(values, index=iv.index)
        merge = merge_small_groups(values.value_counts(), params.min_cell)
        return dict(zip(iv["interview_id"], values.map(merge))), "Region"
    return dict(zip(iv["interview_id"], iv["interview_id"])), "Interview"


def _pick_unattributed(
    cell: pd.DataFrame,
    params: ReportParams,
    placeholders: re.Pattern[str] | None,
    used: set[str],
    attributed: set[str],
) -> list[tuple[str, str, str]]:
    """A matrix cell's picks, none overlapping an attributed quote (one expanded into it)."""
    texts = [t for t in attributed if " " in t]  # quote texts, not segment ids
    for _ in range(len(cell) + 1):
        trial = set(used)
        picked = pick_segments(
            cell, params.framework_segments, params, placeholders=placeholders, used=trial
        )
        clash = [seg for seg, _, q in picked if any(q in t or t in q for t in texts)]
        if not clash:
            used |= trial
            return picked
        used.update(clash)  # never picked again: the next try takes the next best
    return []


def framework_matrix(
    coded: pd.DataFrame,
    interviews: pd.DataFrame,
    codes: Codes,
    params: ReportParams,
    placeholders: re.Pattern[str] | None = None,
    attributed: set[str] | None = None,
) -> tuple[Table, pd.DataFrame]:
    """The Framework Method's case x theme grid of extracts with segment references.

    ``attributed``: quote texts and segment ids other tables print with an attribution (by
    role); the matrix, by region, quotes none of them, so no quote is joined to both.
    """
    row_of, row_name = _framework_rows(_with_text_ids(interviews), params)
    themed = coded[coded["code_id"].isin(codes.themes)]
    themed = themed.assign(row=themed["interview_id"].map(row_of))
    records, evidence = [], []
    # no extract twice in the matrix (e.g. under two themes of a row), nor one quoted elsewhere
    used: set[str] = set(attributed or ())
    for r in sorted(set(row_of.values())):
        rec = {row_name: r}
        for t in codes.themes:
            cell = themed[(themed["row"] == r) & (themed["code_id"] == t)]
            picked = _pick_unattributed(cell, params, placeholders, used, attributed or set())
            rec[codes.label(t)] = (
                # no segment id beside a quote: an id joins the quote to its interview's
                # attributes (the evidence table, for the evaluation team, keeps them)
                " ".join(f"“{q}”" for _, _, q in picked) if picked else "—"
            )
            if picked:
                ids = [seg for seg, _, _ in picked]
                evidence.append(
                    evidence_rows("framework_matrix", r, t, cell[cell.segment_id.isin(ids)])
                )
        records.append(rec)
    note = (
        f"Each cell quotes up to {params.framework_segments} of the highest-scoring coded "
        "segments for the theme (anonymised; complete sentences, at most one per interview); "
        "'—': no segment coded. Segment ids are in the evaluation team's evidence table only."
    )
    title = f"Framework matrix: {row_name.lower()}s by theme"
    number = table_number("framework_matrix")
    table = Table("framework_matrix", number, title, pd.DataFrame(records), note)
    return table, _concat_evidence(evidence)


def quotes_bank(
    coded: pd.DataFrame,
    codes: Codes,
    attribution: pd.Series,
    params: ReportParams,
    placeholders: re.Pattern[str] | None = None,
) -> tuple[Table, pd.DataFrame]:
    """The best quotes per sub-theme, attributed from metadata (never names)."""
    records, evidence = [], []
    used: set[str] = set()  # a quote illustrates one sub-theme only
    for cid in codes.leaves:
        rows = coded[coded["code_id"] == cid]
        for rank, (seg, iv_id, quote) in enumerate(
            pick_segments(
                rows, params.quotes_per_code, params, placeholders=placeholders, used=used
            ),
            start=1,
        ):
            records.append(
                {
                    "code_id": cid,
                    "theme": codes.label(cid),
                    "rank": rank,
                    "quote": quote,
                    "attribution": attribution.get(iv_id, "Interviewee"),
                    "segment_id": seg,
                }
            )
            evidence.append(
                evidence_rows("quotes_bank", cid, str(rank), rows[rows.segment_id == seg])
            )
    frame = pd.DataFrame(records, columns=QUOTES_BANK_COLUMNS)
    attributed = (
        f"Attributions use {', '.join(params.attribution)} only, shortened until at least "
        f"{params.attribution_min_group} interviewees share them."
        if params.attribution
        else "Quotes are not attributed: the metadata has none of report.attribution's columns."
    )
    note = (
        f"Up to {params.quotes_per_code} quotes per sub-theme: complete sentences of "
        f"{params.quote_min_words} to {params.quote_max_words} words from the highest-scoring "
        "coded segments, one per interview; quotes without anonymisation placeholders first, "
        f"then those both coders chose. {attributed}"
    )
    table = Table(
        "quotes_bank",
        table_number("quotes_bank"),
        "Quotes bank",
        frame,
        note,
        report_frame=frame.drop(columns=["segment_id"]),  # no id joins a quote to attributes
    )
    return table, _concat_evidence(evidence)


# --- code co-occurrence --------------------------------------------------------------------------


def _cooccurring_pair(
    a: str, b: str, ga: pd.DataFrame, gb: pd.DataFrame, codes: Codes
) -> tuple[dict[str, Any] | None, list[pd.DataFrame]]:
    """The record and evidence of codes ``a`` and ``b`` (rows ``ga``, ``gb``), or None."""
    shared_iv = set(ga["interview_id"]) & set(gb["interview_id"])
    if not shared_iv:
        return None, []
    shared_seg = set(ga["segment_id"]) & set(gb["segment_id"])
    key = f"{a} & {b}"
    both = pd.concat([ga, gb])
    evidence = [
        evidence_rows("cooccurrence", key, "n_interviews", both[both.interview_id.isin(shared_iv)])
    ]
    if shared_seg:
        evidence.append(
            evidence_rows("cooccurrence", key, "n_segments", both[both.segment_id.isin(shared_seg)])
        )
    record = {
        "code_a": a,
        "theme_a": codes.label(a),
        "code_b": b,
        "theme_b": codes.label(b),
        "n_interviews": len(shared_iv),
        "n_segments": len(shared_seg),
        "_order": (codes.order[a], codes.order[b]),
    }
    return record, evidence


def cooccurrence(
    coded: pd.DataFrame, codes: Codes, params: ReportParams
) -> tuple[Table, pd.DataFrame]:
    """Pairs of sub-themes meeting in the same interview or the same segment."""
    leaves = coded[coded["code_id"].isin(codes.leaves)]
    by_code = {c: g for c, g in leaves.groupby("code_id")}
    present = sorted(by_code, key=codes.order.get)
    records, evidence = [], []
    for i, a in enumerate(present):
        for b in present[i + 1 :]:
            record, pair_evidence = _cooccurring_pair(a, b, by_code[a], by_code[b], codes)
            if record is not None:
                records.append(record)
                evidence += pair_evidence
    cols = COOCCURRENCE_COLUMNS
    frame = pd.DataFrame(records, columns=[*cols, "_order"])
    frame = frame.sort_values(
        ["n_interviews", "n_segments", "_order"], ascending=[False, False, True], kind="stable"
    )[cols].reset_index(drop=True)
    note = (
        "Pairs of sub-themes coded in the same interview (Interviews) and on the same sentence "
        f"(Segments). The report shows the {params.cooccurrence_rows} most frequent pairs; "
        "tables/cooccurrence.csv has all."
    )
    table = Table(
        "cooccurrence",
        table_number("cooccurrence"),
        "Code co-occurrence",
        frame,
        note,
        report_frame=frame.head(params.cooccurrence_rows),
    )
    return table, _concat_evidence(evidence)


# --- emergent topics -----------------------------------------------------------------------------


def _topic_quote(
    quotes: pd.DataFrame | None,
    tid: int,
    attribution: pd.Series,
    params: ReportParams,
    used: set[str] | None = None,
) -> tuple[str, str, str]:
    """(quote, attribution, segment id) of topic ``tid``'s best usable quote, or empty strings.

    A quote in ``used`` (the quotes bank's, and earlier topics') is skipped, then added.
    """
    if quotes is None:
        return "", "", ""
    used = set() if used is None else used
    cands = quotes[quotes["topic_id"].astype(int) == tid].sort_values("rank")
    for q in cands.to_dict("records"):
        text = standalone_quote(q["text"], "", params.quote_min_words, params.quote_max_words)
        if text in used or str(q["segment_id"]) in used:
            continue
        if text is not None and not any(re.search(pat, text, re.I) for pat in params.quote_exclude):
            used.update((text, str(q["segment_id"])))
            attr = attribution.get(str(q["interview_id"]), "Interviewee")
            return text, attr, str(q["segment_id"])
    return "", "", ""


# the emergent table's ``basis`` for a theme carved from the least covered material
FINER_THEME_BASIS = "finer theme"


def plain_reason(basis: str, coded_share: float) -> str:
    """Why a topic may be a theme the codebook misses, in a commissioner's words.

    The topics stage's reason names code ids and cosines for the evaluation team (it stays in
    their pack); the published table says the same from its ``basis`` and coded share.
    """
    if basis == FINER_THEME_BASIS:
        return "a narrower theme within the material the codebook covers least well"
    if coded_share == 0:
        return "none of its segments was coded with any theme"
    return f"only {coded_share:.0%} of its segments were coded with any theme"


def _topic_record(
    rec: dict[str, Any], codes: Codes, reason: str, quote: tuple[str, str, str]
) -> dict[str, Any]:
    """One row of the emergent topics table from the topics stage's row ``rec``."""
    top = rec.get("top_code_id")
    top_ok = isinstance(top, str) and top in codes.by_id
    return {
        "topic_id": int(rec["topic_id"]),
        "label": str(rec["label"]),
        "keywords": str(rec["keywords"]),
        "n_segments": int(rec["n_segments"]),
        "n_interviews": int(rec["n_interviews"]),
        "share": round(float(rec["share"]), 4),
        "nearest_code": codes.label(top) if top_ok else "",
        "nearest_code_share": (round(float(rec["top_code_share"]), 4) if top_ok else float("nan")),
        "reason": reason,
        "quote": quote[0],
        "attribution": quote[1],
        "quote_segment_id": quote[2],
    }


def emergent_topics(
    topics: dict[str, pd.DataFrame] | None,
    codes: Codes,
    attribution: pd.Series,
    params: ReportParams,
    used: set[str] | None = None,
) -> tuple[Table, pd.DataFrame]:
    """Emergent topics (not covered well by the codebook) with a quote each, none in ``used``."""
    number = table_number("emergent_topics")
    if topics is None:
        empty = pd.DataFrame(columns=EMERGENT_COLUMNS)
        return Table("emergent_topics", number, "Emergent topics", empty, TOPICS_NOT_RUN), (
            empty_evidence()
        )
    t = topics["topics"]
    t = t[(t["emergent"].astype(bool)) & (t["topic_id"].astype(int) != -1)]
    reasons, plain_by_topic = {}, {}
    if "emergent" in topics:
        em = topics["emergent"]
        reasons = dict(zip(em["topic_id"].astype(int), em["reason"].astype(str)))
        plain_by_topic = {
            int(r.topic_id): plain_reason(str(r.basis), float(r.coded_share))
            for r in em.itertuples(index=False)
        }
    st = topics.get("segment_topics")
    records, evidence, plain = [], [], []
    ordered = t.sort_values(["n_segments", "topic_id"], ascending=[False, True])
    for rec in ordered.to_dict("records"):
        tid = int(rec["topic_id"])
        quote = _topic_quote(topics.get("topic_quotes"), tid, attribution, params, used)
        records.append(_topic_record(rec, codes, reasons.get(tid, ""), quote))
        plain.append(plain_by_topic.get(tid, ""))
        if st is not None:
            rows = st[st["topic_id"].astype(int) == tid].assign(
                interview_id=lambda d: d["interview_id"].astype(str)
            )
            evidence.append(evidence_rows("emergent_topics", str(tid), "n_segments", rows))
    frame = pd.DataFrame(records, columns=EMERGENT_COLUMNS)
    note = (
        "Topics from the topics stage flagged as emergent (no code of the codebook covers most "
        "of their segments), with the reason and a quote."
    )
    # the printed table has no segment id: an id joins the quote to its interview's attributes
    shown = frame.drop(columns=["quote_segment_id"]).assign(reason=plain)
    table = Table("emergent_topics", number, "Emergent topics", frame, note, report_frame=shown)
    return table, _concat_evidence(evidence)


# --- methods appendix ----------------------------------------------------------------------------

Row = tuple[str, str, str]


EXCLUDED_REASONS = {
    "no_respondent_turn": "no respondent turn",
    "unreadable": "file unreadable",
    "empty": "empty file",
    "file_missing": "file not found",
    "undecodable": "text encoding not readable",
}


def excluded_note(excluded: dict[str, int]) -> str:
    """``"3 (2 no respondent turn, 1 file unreadable)"``: interviews left out at ingest."""
    n = sum(excluded.values())
    parts = [f"{v} {EXCLUDED_REASONS.get(k, k.replace('_', ' '))}" for k, v in excluded.items()]
    return f"{n} ({', '.join(parts)})"


def _sample_rows(inputs: Inputs, params: ReportParams) -> list[Row]:
    iv = inputs.interviews
    rows = [("Sample", "Interviews", str(len(iv)))]
    if inputs.excluded:  # ingest.strict false: the counts above are of those analysed only
        rows.append(("Sample", "Interviews excluded at ingest", excluded_note(inputs.excluded)))
    for attr in dict.fromkeys([params.group_by, *params.crosstab_by]):
        if attr in iv.columns:
            values = iv[attr].map(display_value)
            listed = f"{values.nunique()}: " + ", ".join(sorted(values.unique()))
            rows.append(("Sample", f"{attribute_title(attr)}s", listed))
    if "interview_month" in iv.columns:
        months = sorted(v for v in iv["interview_month"].dropna().astype(str) if v)
        if months:
            rows.append(("Sample", "Interview dates", f"{months[0]} to {months[-1]}"))
    rows.append(("Sample", "Segments (respondent sentences)", str(len(inputs.segments))))
    return rows


def _codebook_and_coding_rows(inputs: Inputs, codes: Codes) -> list[Row]:
    book = inputs.codebook
    applied = f"{len(codes.themes)} themes, {len(codes.leaves)} codes applied to segments"
    rows = [
        ("Codebook", "Name", book.name or "(unnamed)"),
        ("Codebook", "Version", book.version or "(no version)"),
        ("Codebook", "Themes and sub-themes", applied),
    ]
    sc = inputs.segment_codes
    if "method" in sc.columns and len(sc):
        by_method = sc["method"].astype(str).value_counts().sort_index()
        coders = sorted({m for key in by_method.index for m in key.split("+")})
        rows.append(("Coding", "Coders", ", ".join(coders)))
        rows += [("Coding", f"Segment codes by {k}", str(int(v))) for k, v in by_method.items()]
    else:
        rows.append(("Coding", "Coders", "(not recorded in the segment codes)"))
    rows.append(("Coding", "Segment codes", str(len(sc))))
    rows.append(("Coding", "Segments with at least one code", str(sc["segment_id"].nunique())))
    return rows


def _agreement_rows(agreement: dict[str, Any]) -> list[Row]:
    section = "Agreement with human codes"
    if not agreement.get("human_codes"):
        return [(section, "Human codes", "none given: agreement not measured")]
    rows = [(section, "Turns compared", str(agreement.get("n_turns", "")))]
    for k in ("micro_precision", "micro_recall", "micro_f1", "macro_f1", "macro_kappa"):
        if agreement.get(k) is not None:
            rows.append((section, k.replace("_", " "), f"{float(agreement[k]):.2f}"))
    return rows


def _anonymisation_and_report_rows(inputs: Inputs, params: ReportParams) -> list[Row]:
    rows = []
    if inputs.replacements is not None:
        rows.append(("Anonymisation", "Replacements", str(sum(inputs.replacements.values()))))
        for k, v in sorted(inputs.replacements.items()):
            rows.append(("Anonymisation", f"Replacements: {k}", str(v)))
    rows.append(("Anonymisation", "Leak gate", GATE_NOTE))
    rows.append(("Report", "Small-cell threshold", f"counts under {params.min_cell} suppressed"))
    rows.append(("Report", "Quantifier scale", scale_note(params.quantifiers)))
    return rows


def methods_table(inputs: Inputs, codes: Codes, params: ReportParams) -> Table:
    """The methods appendix, as (section, item, value) rows."""
    rows = [
        *_sample_rows(inputs, params),
        *_codebook_and_coding_rows(inputs, codes),
        *_agreement_rows(inputs.agreement),
        *_anonymisation_and_report_rows(inputs, params),
    ]
    frame = pd.DataFrame(rows, columns=["section", "item", "value"])
    return Table("methods", table_number("methods"), "Methods appendix", frame, "")


# --- evidence ------------------------------------------------------------------------------------


def _segment_key(segment_id: Any) -> str:
    return "" if segment_id is None or segment_id is pd.NA else str(segment_id)


def evidence_table(evidence: list[pd.DataFrame]) -> Table:
    """Every evidence row of the tables before it, and (shown) its size per table."""
    # one dtype per column in every part (an all-missing segment_id column is object, not float)
    ev = pd.concat(
        [e.astype(dict.fromkeys(EVIDENCE_COLUMNS, object)) for e in evidence if not e.empty],
        ignore_index=True,
    )
    ev = ev.astype({"table": str, "row_key": str, "column_key": str, "interview_id": str})
    ev["segment_id"] = ev["segment_id"].map(_segment_key)
    ev = ev[list(EVIDENCE_COLUMNS)].reset_index(drop=True)
    cells = ev.drop_duplicates(["table", "row_key", "column_key"]).groupby("table", sort=False)
    summary_ev = pd.DataFrame(
        {"cells": cells.size(), "rows": ev.groupby("table", sort=False).size()}
    ).reset_index()
    return Table(
        "evidence",
        table_number("evidence"),
        "Evidence: the interviews and segments behind every count",
        ev,
        "One row per (table, row, column, interview, segment) behind a figure; the report (and "
        "a workbook) shows its size per table; the evaluation team's analysis/tables/"
        "evidence.parquet and evidence.csv have every row (they name interviews and segments, "
        "so they are not in this pack). Sample profile counts cite interviews only (segment_id "
        "empty).",
        report_frame=summary_ev,
        large=True,
    )


# --- the steps, in table order -------------------------------------------------------------------


def _one(built: tuple[Table, pd.DataFrame]) -> Built:
    table, evidence = built
    return [table], [evidence]


def _bank_used(ctx: TableContext) -> set[str]:
    """The quotes bank's quotes and segment ids, kept in ``ctx.attributed`` with later picks."""
    frame = ctx.bank()[0].frame
    ctx.attributed |= set(frame["quote"]) | set(frame["segment_id"])
    return ctx.attributed


def _for_the_team(built: Built) -> Built:
    """Tables for the evaluation team (CSV and XLSX), not printed in the report."""
    tables, evidence = built
    for t in tables:
        t.in_document = False
    return tables, evidence


# The report prints the first six; the framework matrix, the quotes bank (its quotes are in
# the theme chapters, so none is printed twice) and the evidence are for the evaluation team.
TABLE_STEPS: tuple[tuple[str, Callable[[TableContext], Built]], ...] = (
    ("sample_profile", lambda c: sample_tables(c.interviews, c.params)),
    (
        "theme_prevalence",
        lambda c: _one(theme_prevalence(c.coded, c.interviews, c.codes, c.params)),
    ),
    ("crosstabs", lambda c: crosstabs(c.coded, c.interviews, c.codes, c.params)),
    ("cooccurrence", lambda c: _one(cooccurrence(c.coded, c.codes, c.params))),
    (
        "emergent_topics",
        lambda c: _one(
            emergent_topics(c.inputs.topics, c.codes, c.attribution, c.params, _bank_used(c))
        ),
    ),
    ("methods", lambda c: ([methods_table(c.inputs, c.codes, c.params)], [])),
    (
        "framework_matrix",
        lambda c: _for_the_team(
            _one(
                framework_matrix(
                    c.coded, c.interviews, c.codes, c.params, c.placeholders, set(_bank_used(c))
                )
            )
        ),
    ),
    ("quotes_bank", lambda c: _for_the_team(_one(c.bank()))),
    ("evidence", lambda c: _for_the_team(([evidence_table(c.evidence)], []))),
)
"""The table builders in report order: a table's number is its step's place here."""
