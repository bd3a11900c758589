"""Draw the design of the synthetic sample evaluation (who is interviewed, how, about what).

Run once by the maintainers to brief the writers of ``tools/sample_source/*.yaml``; the
plan is committed as ``tools/sample_source/plan.json``.  Reads the councils gazetteer
from ``../shared`` and is not part of the pipeline.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

SEED = 2013
REGIONS = [
    "North East",
    "North West",
    "Yorkshire and the Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
]
ROLES = (
    ["Lead DCS"] * 12
    + ["Lead member"] * 7
    + ["Chief executive"] * 5
    + ["Assistant director"] * 6
    + ["Council staff"] * 4
)  # plus one regional programme manager per region = 43
FORMATS = (
    ["txt:interviewer_respondent"] * 6
    + ["txt:int_r"] * 5
    + ["txt:q_a"] * 5
    + ["txt:timestamped"] * 4
    + ["txt:names"] * 4
    + ["md:bold"] * 1
    + ["vtt:teams"] * 9
    + ["docx:bold"] * 9
)
INTERVIEWERS = ["Helen Marsh", "Tom Okafor", "Gemma Lyle"]
TYPE = {
    "CTY": "County council",
    "UA": "Unitary authority",
    "MD": "Metropolitan borough",
    "LBO": "London borough",
}
# base prevalence and role multipliers for each child code
BASE = {
    "benefit.sharing_practice": 0.9,
    "benefit.reciprocal_learning": 0.7,
    "benefit.openness_trust": 0.6,
    "benefit.sector_ownership": 0.4,
    "benefit.early_support": 0.3,
    "benefit.regional_networks": 0.55,
    "benefit.supportive_challenge": 0.5,
    "benefit.external_perspective": 0.4,
    "challenge.time_capacity": 0.85,
    "challenge.funding": 0.35,
    "challenge.buy_in": 0.3,
    "challenge.data_quality": 0.3,
    "challenge.role_clarity": 0.3,
    "challenge.information_sharing": 0.3,
    "challenge.peer_robustness": 0.25,
    "challenge.turnover": 0.12,
    "impact.improved_practice": 0.6,
    "impact.children_families": 0.6,
    "impact.inspection_readiness": 0.45,
    "impact.measuring_impact": 0.35,
    "impact.leadership": 0.25,
    "value_for_money.cost_vs_consultants": 0.5,
    "value_for_money.gifted_time": 0.35,
    "value_for_money.opportunity_cost": 0.2,
    "sustainability.funding_future": 0.35,
    "sustainability.embedding": 0.4,
    "sustainability.programme_manager_role": 0.25,
    "recommendation.more_guidance": 0.3,
    "recommendation.training_peers": 0.25,
    "recommendation.follow_up": 0.35,
    "recommendation.national_sharing": 0.2,
    "recommendation.involve_members": 0.15,
}
ROLE_BOOST = {
    "Regional programme manager": {
        "benefit.regional_networks": 1.7,
        "challenge.funding": 2.2,
        "sustainability.funding_future": 2.4,
        "sustainability.programme_manager_role": 3.6,
        "challenge.buy_in": 2.0,
        "recommendation.national_sharing": 2.5,
    },
    "Chief executive": {
        "value_for_money.cost_vs_consultants": 1.7,
        "benefit.sector_ownership": 2.0,
        "challenge.information_sharing": 2.0,
        "value_for_money.opportunity_cost": 2.5,
    },
    "Lead member": {
        "recommendation.involve_members": 4.0,
        "challenge.time_capacity": 0.6,
        "impact.children_families": 1.4,
        "challenge.data_quality": 0.3,
    },
    "Lead DCS": {
        "impact.inspection_readiness": 1.6,
        "benefit.reciprocal_learning": 1.3,
        "sustainability.programme_manager_role": 1.6,
    },
    "Assistant director": {
        "challenge.data_quality": 2.0,
        "impact.improved_practice": 1.4,
        "recommendation.training_peers": 1.8,
    },
    "Council staff": {
        "challenge.role_clarity": 2.2,
        "recommendation.more_guidance": 2.0,
        "benefit.openness_trust": 0.6,
    },
}
REGION_BOOST = {
    "London": {"challenge.data_quality": 1.8, "benefit.early_support": 1.8},
    "North West": {"challenge.funding": 1.8, "challenge.turnover": 2.5},
    "South West": {"challenge.buy_in": 2.0, "benefit.regional_networks": 0.5},
    "East Midlands": {"challenge.information_sharing": 2.0},
}


def main() -> None:
    """Write the plan."""
    rng = random.Random(SEED)
    gaz = Path(__file__).resolve().parents[2] / "shared/data/gazetteers/uk_local_authorities.csv"
    with gaz.open(encoding="utf-8") as fh:
        rows = [
            r
            for r in csv.DictReader(fh)
            if r["childrens_services_authority"] == "true" and r["local_authority_type"] in TYPE
        ]
    by_region: dict[str, list[dict]] = {}
    for r in rows:
        reg = r["region"].replace("The Humber", "the Humber")
        by_region.setdefault(reg, []).append(r)
    roles = ROLES[:]
    rng.shuffle(roles)
    formats = FORMATS[:]
    rng.shuffle(formats)
    people = [(r, REGIONS[i % 9]) for i, r in enumerate(roles)] + [
        ("Regional programme manager", reg) for reg in REGIONS
    ]
    rng.shuffle(people)
    used: set[str] = set()
    plan = []
    for i, (role, region) in enumerate(people, start=1):
        choices = [c for c in by_region[region] if c["nice_name"] not in used]
        council = rng.choice(choices)
        used.add(council["nice_name"])
        codes = []
        for code, p in BASE.items():
            p = (
                p
                * ROLE_BOOST.get(role, {}).get(code, 1.0)
                * REGION_BOOST.get(region, {}).get(code, 1.0)
            )
            if rng.random() < min(p, 0.97):
                codes.append(code)
        month, day = rng.choice([2, 3, 4, 5]), rng.randint(1, 28)
        plan.append(
            {
                "interview_id": f"INT{i:02d}",
                "role": role,
                "region": region,
                "council": council["nice_name"] if role != "Regional programme manager" else None,
                "host_council_for_rpm": council["nice_name"]
                if role == "Regional programme manager"
                else None,
                "council_type": TYPE[council["local_authority_type"]]
                if role != "Regional programme manager"
                else "Regional",
                "interview_date": f"2013-{month:02d}-{day:02d}",
                "interviewer": rng.choice(INTERVIEWERS),
                "format": formats[i - 1],
                "planned_codes": codes,
            }
        )
    out = Path(__file__).with_name("sample_source") / "plan.json"
    out.write_text(json.dumps(plan, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
