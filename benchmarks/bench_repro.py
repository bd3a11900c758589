"""The warm ``dvc repro -f`` on the sample: whole run, each stage, and what DVC adds.

Usage: ``python benchmarks/bench_repro.py [--rounds N] [--bare] [--out FILE]``

Run from the repository after ``make repro`` (the venv, outputs and caches present: "warm").
Each round runs ``dvc repro -f`` here and times it (wall and CPU of the whole process tree) and
each stage (from DVC's "Running stage" lines). With ``--bare``, each stage's command from
``dvc.yaml`` is also run on its own, in order, so the difference is what DVC itself adds
between stages (hashing, the lock file, the run cache). Outputs are rewritten with the same
bytes; only the timing fields of the metrics files change, as with any ``dvc repro``.
The load average before each round is recorded: on a busy machine the figures are not the
machine's. Prints one JSON document (and writes it to ``--out``). Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
STAGE_LINE = re.compile(r"^Running stage '([\w-]+)'")


def children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_repro() -> dict:
    """One ``dvc repro -f``: wall, CPU and each stage's wall (start to the next start)."""
    cpu, started = children_cpu(), time.perf_counter()
    proc = subprocess.Popen(
        ["dvc", "repro", "-f"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    starts: list[tuple[str, float]] = []
    for line in proc.stdout or []:
        if match := STAGE_LINE.match(line):
            starts.append((match.group(1), time.perf_counter() - started))
    if proc.wait() != 0:
        raise SystemExit("dvc repro -f failed: run it by hand to see why")
    wall = time.perf_counter() - started
    ends = [t for _, t in starts[1:]] + [wall]
    stages = {name: round(end - t, 2) for (name, t), end in zip(starts, ends, strict=True)}
    return {"wall_s": round(wall, 1), "cpu_s": round(children_cpu() - cpu, 1), "stages_s": stages}


def bare_stages() -> dict[str, float]:
    """Each stage's command from ``dvc.yaml`` run on its own, in order (wall seconds)."""
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))

    def resolve(match: re.Match[str]) -> str:
        block, key = match.group(1).split(".", 1)
        return str(params[block][key])

    out: dict[str, float] = {}
    for name, stage in stages.items():
        cmd = re.sub(r"\$\{([\w.]+)\}", resolve, stage["cmd"])
        started = time.perf_counter()
        subprocess.run(cmd, shell=True, cwd=ROOT, check=True, capture_output=True)
        out[name] = round(time.perf_counter() - started, 2)
    return out


def main() -> int:
    """Run the rounds and print the JSON document."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--bare", action="store_true", help="also time each command alone")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    # the bare commands first: the DVC rounds then leave the lock and the metrics agreeing
    bare = bare_stages() if args.bare else None
    rounds = []
    for _ in range(args.rounds):
        load = os.getloadavg()[0]
        rounds.append({"load_before": round(load, 2), **timed_repro()})
    result: dict = {"cores": len(os.sched_getaffinity(0)), "rounds": rounds}
    result["best_wall_s"] = min(r["wall_s"] for r in rounds)
    if bare is not None:
        result["bare_stages_s"] = bare
        result["bare_total_s"] = round(sum(bare.values()), 1)
        result["dvc_overhead_s"] = round(rounds[0]["wall_s"] - result["bare_total_s"], 1)
    result["command"] = "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
