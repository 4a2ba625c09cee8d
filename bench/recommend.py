#!/usr/bin/env python3
"""Recommendation benchmarks: our recommend job (in-process, release) beside scipy's sparse XᵀX and the
implicit package's item-item recommender, on the same purchases.

Usage: bench/recommend.py [--people 1000000] [--items 20000] [--per-person 15]
(run by bench/run; needs bench/.venv with numpy, scipy, implicit, which bench/run installs)

Data (bench/peers/recommend_peers.py make): power-law popularity with planted taste groups; each person's
last 20% of purchases are the test split. Measures, on one core unless stated:
  - ours: survey + pair counting + log-likelihood ratio + top-50 indicators per item (count seconds,
    interactions/s), and top-10 for every person (score seconds), 1 and 2 threads;
  - scipy: XᵀX of the binary person × item matrix (the pair counts alone);
  - implicit: CosineRecommender(K=50) fit, and top-10 for every person;
  - precision@10 on new items of the test split: ours, implicit and popularity.
Writes bench/results/recommend.{json,md}.
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

PYTHON = os.path.join(ROOT, "bench", ".venv", "bin", "python")
PEERS = os.path.join(ROOT, "bench", "peers", "recommend_peers.py")
BENCH = os.path.join(ROOT, ".build", "release", "Bench")


def line(args, env=None):
    r = subprocess.run(args, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        print(f"recommend bench: {' '.join(args[:4])}… failed:\n{r.stderr[-1500:]}", file=sys.stderr)
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=1_000_000)
    ap.add_argument("--items", type=int, default=20_000)
    ap.add_argument("--per-person", type=int, default=15)
    ap.add_argument("--work", default=os.path.join(ROOT, "bench", "data", "recommend"))
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(a.results, exist_ok=True)
    prefix = os.path.join(a.work, f"purchases-{a.people}-{a.items}-{a.per_person}")
    size = ["--people", str(a.people), "--items", str(a.items)]
    if not os.path.exists(prefix + ".test.day.i32"):
        subprocess.run([PYTHON, PEERS, "make", prefix] + size + ["--per-person", str(a.per_person)], check=True)
    one_core = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    rows = []
    for threads in (1, 2):
        pin = ["taskset", "-c", "0"] if threads == 1 else []
        r = line(pin + [BENCH, "--recommend", prefix] + size + ["--threads", str(threads)])
        if r:
            rows.append(r)
    for tool in ("scipy", "implicit"):
        r = line(["taskset", "-c", "0", PYTHON, PEERS, tool, prefix] + size, env=one_core)
        if r:
            r["threads"] = 1
            rows.append(r)
    write(a, rows)


def write(a, rows):
    m = machine()
    doc = {"date": datetime.date.today().isoformat(), "machine": m, "people": a.people, "items": a.items,
           "per_person": a.per_person, "results": rows}
    with open(os.path.join(a.results, "recommend.json"), "w") as f:
        json.dump(doc, f, indent=2)
    lines = [f"# Recommendation benchmarks ({doc['date']})", "",
             f"`bench/recommend.py` (run by `make bench`) — {describe(m)}. {a.people:,} people × {a.items:,} items, "
             f"~{a.per_person} purchases each (power-law popularity, planted taste groups); each person's last 20% is the "
             "test split. omniseg = the recommend job in-process (`Bench --recommend`, release): *count* = survey + pair "
             "counting + log-likelihood ratio + top-50 indicators per item; *score* = top-10 for every person. "
             "scipy = XᵀX of the binary person × item matrix (pair counts only). implicit = CosineRecommender(K=50).", "",
             "| tool | threads | interactions | count / fit s | interactions/s | top-10 for all s | precision@10 (new items) | popularity |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        count = r.get("count_seconds", r.get("fit_seconds", 0))
        rate = r["interactions"] / count if count else 0
        score = f"{r['score_seconds']:.2f}" if "score_seconds" in r else "–"
        precision = f"{r['precision_new']:.4f}" if "precision_new" in r else "–"
        popularity = f"{r['popularity_precision_new']:.4f}" if "popularity_precision_new" in r else "–"
        lines.append(f"| {r['tool']} | {r['threads']} | {r['interactions']:,} | {count:.2f} | {rate:,.0f} | {score} | {precision} | {popularity} |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(a.results, "recommend.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
