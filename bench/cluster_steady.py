#!/usr/bin/env python3
"""Steady-state k-means iterations: embedded (2 threads) against Redis (2 workers x 1 thread).

Usage: bench/cluster_steady.py --workspace WS.sqlite [--repeats 7] [--kernels avx512|avx2|portable] [--job recommend] [--no-aof]

Runs `cluster` (k = 16, one seeding, 15 iterations, tol 0, seed 1) through `omniseg run --timings`:
embedded with 2 threads and through its own redis-server with 2 workers x 1 thread (a cold run first
fills the workers' caches). The two are interleaved, embedded then Redis, `--repeats` times, because
this kind of host (a 2 vCPU virtual machine) drifts by tens of percent within minutes: a ratio taken
from runs minutes apart measures the drift. "Steady" is the median of Lloyd iterations 2-14 of one
run (survey, the first Lloyd iteration and the labelling left out; the driver's timing includes the
iteration's checkpoint); the figure is the median over the repeats, and the ratio the median of the
pairwise ratios. Prints a markdown table and writes bench/results/cluster-steady.json. With
`--job recommend` it times the whole recommend job (default settings; its driver time, all iterations)
the same way, into bench/results/recommend-cluster.json. Release build (bench/run builds it).
"""
import argparse
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import ROOT, Redis, Workers, run_job  # noqa: E402
from machine import describe, machine  # noqa: E402

PARAMS = ["k=16", "n-init=1", "max-iter=15", "tol=0", "seed=1"]


def steady(timings):
    lloyd = [s for (i, _, s) in timings if 2 <= i <= 14]
    return statistics.median(lloyd) * 1000 if lloyd else float("nan")


def whole(timings):
    """All iterations of a job (for `--job recommend`: a pass or two, no steady state)."""
    return sum(s for (_, _, s) in timings) * 1000 if timings else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workspace", required=True)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--work", default=os.path.join(ROOT, "bench", "data"))
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--kernels", default=None, help="force a kernel variant on the workers and embedded (OMNISEG_KERNELS)")
    ap.add_argument("--job", default="cluster", choices=["cluster", "recommend"],
                    help="recommend: time the whole recommend job (default settings) instead of steady Lloyd iterations")
    ap.add_argument("--no-aof", action="store_true",
                    help="run redis-server without its append-only file (to measure what persistence costs)")
    a = ap.parse_args()
    if a.kernels:
        os.environ["OMNISEG_KERNELS"] = a.kernels
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(a.results, exist_ok=True)
    redis = Redis(a.work, ["--appendonly", "no"] if a.no_aof else [])
    pairs = []
    try:
        workers = Workers(redis, 2, 1, a.work)
        try:
            params, measure = (PARAMS, steady) if a.job == "cluster" else ([], whole)
            run_job(a.workspace, a.job, params, redis=redis)  # cold: shards travel once
            for _ in range(a.repeats):
                embedded = measure(run_job(a.workspace, a.job, params, threads=2)[1])
                through = measure(run_job(a.workspace, a.job, params, redis=redis)[1])
                pairs.append((embedded, through))
        finally:
            workers.stop()
    finally:
        redis.stop()
    embedded = statistics.median(e for e, _ in pairs)
    through = statistics.median(r for _, r in pairs)
    ratio = statistics.median(r / e - 1 for e, r in pairs)
    row = {"machine": machine(), "workspace": os.path.relpath(a.workspace, ROOT), "job": a.job, "embedded_ms": embedded, "redis_ms": through, "ratio": ratio, "kernels": a.kernels or "best",
           "redis_aof": not a.no_aof,
           "pairs_ms": pairs}
    name = "cluster-steady.json" if a.job == "cluster" else "recommend-cluster.json"
    if a.no_aof:
        name = name.replace(".json", "-no-aof.json")
    with open(os.path.join(a.results, name), "w") as f:
        json.dump(row, f, indent=2)
    print(describe(row["machine"]))
    print(f"| {a.job} | {'steady iteration' if a.job == 'cluster' else 'whole job (driver)'} | against embedded |\n|---|---:|---:|")
    print(f"| embedded, 2 threads | {embedded:.2f} ms | — |")
    print(f"| Redis, 2 workers × 1 thread | {through:.2f} ms | {ratio * 100:+.0f} % (median of {len(pairs)} interleaved pairs) |")
    print("pairs (embedded ms, Redis ms): " + ", ".join(f"({e:.2f}, {r:.2f})" for e, r in pairs))


if __name__ == "__main__":
    main()
