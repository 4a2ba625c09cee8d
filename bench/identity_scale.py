#!/usr/bin/env python3
"""A large base resolved probabilistically through 2 workers: time and peak memory.

Usage: bench/identity_scale.py [--people 6100000] [--seed 2027] [--work DIR] [--results DIR]

Generates the customer records only (`omniseg generate --customers-only --identity-noise hard`;
6.1M people make about 10M records), ingests them, resolves them with the exact keys, then starts its
own redis-server (deploy/redis/omniseg-queue.conf) and 2 `omniseg-worker` processes (1 thread each)
and runs `omniseg resolve --probabilistic --redis URL`: the matcher's tasks (record blocks) run on the
workers, the plan, EM's merge and the links where the workspace is. Each step's wall time, CPU time
and peak resident memory (`/usr/bin/time`; the workers' from /proc/PID/status VmHWM) go to
bench/results/identity-scale.{json,md}.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import OMNISEG, Redis, Workers  # noqa: E402
from machine import describe, machine  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(args):
    """Runs args under /usr/bin/time; returns (stdout, wall s, cpu s, peak MB)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        r = subprocess.run(["/usr/bin/time", "-o", t.name, "-f", "%e %U %S %M", *args], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"identity scale bench: {' '.join(args[:3])}… failed:\n{r.stderr[-3000:]}")
        wall, user, system, kb = t.read().split()[-4:]
    return r.stdout, float(wall), float(user) + float(system), int(kb) / 1024


def peak_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=6_100_000)
    ap.add_argument("--seed", type=int, default=2027)
    ap.add_argument("--work", default=os.path.join(ROOT, "bench", "data", "identity-scale"))
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--reuse", action="store_true",
                    help="keep the workspace and the step times of an earlier run up to the exact resolve (work/steps.json); rerun the probabilistic resolve only")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(a.results, exist_ok=True)
    data, ws = os.path.join(a.work, "data"), os.path.join(a.work, "workspace.sqlite")
    saved = os.path.join(a.work, "steps.json")
    reused = a.reuse and os.path.exists(saved) and os.path.exists(ws)
    if reused:
        with open(saved) as f:
            kept = json.load(f)
        steps, records = {k: tuple(v) for k, v in kept["steps"].items()}, kept["records"]
    else:
        for path in (ws, ws + "-wal", ws + "-shm"):
            if os.path.exists(path):
                os.remove(path)
        steps = {}
        _, *steps["generate"] = timed([OMNISEG, "generate", "--people", str(a.people), "--seed", str(a.seed), "--identity-noise", "hard",
                                       "--customers-only", "--out", data])
        out, *steps["ingest"] = timed([OMNISEG, "ingest", "-w", ws, "customers", os.path.join(data, "customers.csv")])
        records = int(re.search(r"([\d,]+) rows read", out)[1].replace(",", ""))
        _, *steps["resolve_exact"] = timed([OMNISEG, "resolve", "-w", ws])
        with open(saved, "w") as f:
            json.dump({"steps": steps, "records": records}, f)
    redis = Redis(a.work)
    try:
        workers = Workers(redis, 2, 1, a.work)
        try:
            # --refit: a full fit even when a kept workspace already has a model (a first resolve fits anyway).
            out, *steps["resolve_probabilistic_2_workers"] = timed([OMNISEG, "resolve", "-w", ws, "--probabilistic", "--refit", "--redis", redis.url])
            worker_peaks = [peak_mb(p.pid) for p in workers.processes]
            worker_cpu = [cpu_s(p.pid) for p in workers.processes]
        finally:
            workers.stop()
    finally:
        redis.stop()
    match = re.search(r"probabilistic \(([^)]*)\): ([\d,]+) candidate pairs, ([\d,]+) linked", out)
    people = re.search(r"([\d,]+) source records → ([\d,]+) people", out)
    row = {"machine": machine(), "people_generated": a.people, "records": records, "seed": a.seed, "steps_reused": reused,
           "steps": {k: {"wall_s": v[0], "cpu_s": v[1], "peak_mb": v[2]} for k, v in steps.items()},
           "workers": [{"peak_mb": m, "cpu_s": c} for m, c in zip(worker_peaks, worker_cpu)],
           "candidate_pairs": int(match[2].replace(",", "")) if match else None,
           "linked": int(match[3].replace(",", "")) if match else None,
           "people": int(people[2].replace(",", "")) if people else None}
    with open(os.path.join(a.results, "identity-scale.json"), "w") as f:
        json.dump(row, f, indent=2)
    lines = ["# A large base resolved through 2 workers", "", describe(row["machine"]), "",
             f"{records:,} customer records of {a.people:,} generated people (seed {a.seed}, hard identity noise) → "
             f"{row['people'] or 0:,} people; {row['candidate_pairs'] or 0:,} candidate pairs compared on the workers, {row['linked'] or 0:,} linked."
             + (" The steps up to the exact resolve are an earlier run's (--reuse); the probabilistic resolve refitted." if reused else ""), "",
             "| step | wall s | CPU s (this process) | peak memory MB |", "|---|---:|---:|---:|"]
    for name, v in row["steps"].items():
        lines.append(f"| {name} | {v['wall_s']:.1f} | {v['cpu_s']:.1f} | {v['peak_mb']:,.0f} |")
    for i, w in enumerate(row["workers"]):
        lines.append(f"| worker {i + 1} (1 thread) | — | {w['cpu_s']:.1f} | {w['peak_mb']:,.0f} |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(a.results, "identity-scale.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
