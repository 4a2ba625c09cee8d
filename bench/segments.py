#!/usr/bin/env python3
"""Segment benchmarks: rule evaluation and all-way overlap throughput of the segment job, in-process
(release), at 1M and 10M synthetic people, on one core (pinned) and two.

Usage: bench/segments.py [--people 1000000,10000000] [--workers-people 10000000] [--no-workers]   (run by bench/run)

Data (made in memory by `Bench --segments`, not timed): recency/frequency/monetary-like features, eight
department spend shares, ~15 department-level purchases, views and cart-adds per person over two years.
Jobs: the issue's example rule alone (lifecycle, RFM, viewed, NOT purchased, share), and the all-way
overlap of the report's five default segments (RFM, lifecycle, channel, viewed, a feature). Then, on a
workspace holding only a synthetic feature set of 10M people (made once in bench/data/segments-N), a rule
and a five-way overlap on features, embedded and through Redis with 1 worker x 2 and 2 workers x 1 (the
second run of each: shards cached on the workers). The overlap over real behaviour through the workers
runs on the 1M demo workspace in bench/cluster.py.
Writes bench/results/segments.{json,md}.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from machine import describe, machine  # noqa: E402

BENCH = os.path.join(ROOT, ".build", "release", "Bench")


WORKSPACE_RULE = "rfm IN (champions, loyal, cant_lose) AND share(footwear) >= 0.3 AND NOT channel = store_only"
WORKSPACE_OVERLAP = ["rfm IN (champions, loyal)", "channel = omnichannel", "discount_share >= 0.5", "share(footwear) >= 0.3", "monetary > 500"]


def through_workers(people):
    """The rule and the overlap on a workspace of `people` synthetic people: embedded (1 and 2 threads),
    then through Redis with 1 worker x 2 and 2 workers x 1 (the second run of each, shards cached)."""
    import cluster  # the Redis and worker harness of bench/cluster.py
    work = os.path.join(ROOT, "bench", "data", f"segments-{people}")
    os.makedirs(work, exist_ok=True)
    workspace = os.path.join(work, "workspace.sqlite")
    if not os.path.exists(workspace):
        subprocess.run([BENCH, "--segments-workspace", workspace, "--people", str(people)], check=True)
    jobs = {"rule": [f"rule={WORKSPACE_RULE}"], "overlap5": [f"rule_{i + 1}={r}" for i, r in enumerate(WORKSPACE_OVERLAP)]}
    out = []

    def measure(label, redis=None, threads=None):
        for name, params in jobs.items():
            for attempt in range(2):
                walls = []
                _, timings = cluster.run_job(workspace, "overlap", params, redis=redis, threads=threads, wall=walls)
            out.append({"job": name, "run": label, "people": people, "driver_seconds": sum(s for _, _, s in timings),
                        "wall_seconds": walls[0]})
            print(f"segments {name} {label}: {out[-1]['driver_seconds']:.3f} s", file=sys.stderr)

    for threads in (1, 2):
        measure(f"embedded, {threads} thread(s)", threads=threads)
    redis = cluster.Redis(os.path.join(ROOT, "bench", "data"))
    try:
        for count, concurrency in ((1, 2), (2, 1)):
            workers = cluster.Workers(redis, count, concurrency, work)
            measure(f"{count} worker(s) x {concurrency}", redis=redis)
            workers.stop()
    finally:
        redis.stop()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", default="1000000,10000000")
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--workers-people", type=int, default=10_000_000)
    ap.add_argument("--no-workers", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.results, exist_ok=True)
    rows = []
    for people in (int(p) for p in a.people.split(",")):
        for threads in (1, 2):
            pin = ["taskset", "-c", "0"] if threads == 1 else []
            r = subprocess.run(pin + [BENCH, "--segments", "--people", str(people), "--threads", str(threads)], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"segments bench failed:\n{r.stderr[-1500:]}", file=sys.stderr)
                continue
            rows += [json.loads(x) for x in r.stdout.strip().splitlines()]
    workers = [] if a.no_workers else through_workers(a.workers_people)
    m = machine()
    doc = {"date": datetime.date.today().isoformat(), "machine": m, "results": rows, "workers": workers}
    with open(os.path.join(a.results, "segments.json"), "w") as f:
        json.dump(doc, f, indent=2)
    lines = [f"# Segment benchmarks ({doc['date']})", "",
             f"`bench/segments.py` (run by `make bench`) — {describe(m)}. The segment job in-process (`Bench --segments`, release) "
             "over synthetic people; seconds = the job's tasks and merge (the data is made in memory first). *rule* = the "
             "issue's example rule; *overlap5* = every combination of five segments (RFM, lifecycle, channel, viewed, a feature).", "",
             "| job | people | threads | segments | combinations | seconds | people/s |", "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['job']} | {r['people']:,} | {r['threads']} | {r['segments']} | {r['combinations']} | "
                     f"{r['seconds']:.3f} | {r['people_per_second']:,.0f} |")
    if workers:
        lines += ["", f"## Through the workers: {workers[0]['people']:,} people in a workspace that holds only a synthetic feature set",
                  "", "The same kind of features, no records or behaviour (a generated retailer of this size would take hours and "
                  "hundreds of GB), so the rules are on features, RFM and channel: *rule* = `" + WORKSPACE_RULE + "`; *overlap5* = "
                  "every combination of `" + "`, `".join(WORKSPACE_OVERLAP) + "`. *driver* = the job's iteration (tasks + merge); "
                  "*wall* = the whole `omniseg run` (process start, workspace load, shard publishing on the first run, storing).", "",
                  "| job | run | driver s | people/s (driver) | wall s |", "|---|---|---:|---:|---:|"]
        for r in workers:
            lines.append(f"| {r['job']} | {r['run']} | {r['driver_seconds']:.3f} | {r['people'] / max(r['driver_seconds'], 1e-9):,.0f} | {r['wall_seconds']:.2f} |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(a.results, "segments.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
