#!/usr/bin/env python3
"""Jaro-Winkler and banded Levenshtein kernels against rapidfuzz, on the name pairs a matcher compares.

Usage: bench/jaro.py [--people 200000] [--seed 2027] [--work DIR] [--results DIR]

Generates a retailer with hard identity noise (`omniseg generate --identity-noise hard`), takes its
first and last names lower-cased (as the matcher normalizes them) and makes the pairs a block would
compare: each name against the next eight in sorted order (near-identical names, typos) and as many
random pairs (different names). `Bench --jaro` times every kernel variant this CPU runs (AVX-512, AVX2,
portable; one thread, best of five passes) for Jaro-Winkler and for Levenshtein banded at 1 (what the
name levels ask), and rapidfuzz (C++, `process.cpdist` with `JaroWinkler.normalized_similarity` and
with `Levenshtein.distance, score_cutoff=1`, one worker: element-wise pairs in one call, no Python
loop) scores the same pairs in bench/.venv. Prints a markdown table and writes bench/results/jaro.{json,md}.
"""
import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("OMNISEG_BIN", os.path.join(ROOT, ".build", "release"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import describe, machine  # noqa: E402


def make_pairs(customers, limit, seed):
    names = []
    with open(customers, newline="") as f:
        for row in csv.DictReader(f):
            for c in ("first_name", "last_name"):
                v = row[c].strip().lower()
                if v:
                    names.append(v)
    names.sort()
    rng = random.Random(seed)
    pairs = []
    for i, a in enumerate(names):
        for j in range(i + 1, min(i + 9, len(names))):
            pairs.append((a, names[j]))
        for _ in range(8):
            pairs.append((a, names[rng.randrange(len(names))]))
        if len(pairs) >= limit:
            break
    return pairs[:limit]


def rapidfuzz_run(pairs_file):
    """Runs in bench/.venv: times rapidfuzz on the pairs; prints JSON."""
    from rapidfuzz.distance import JaroWinkler, Levenshtein
    from rapidfuzz.process import cpdist
    a, b = [], []
    with open(pairs_file) as f:
        for line in f:
            x, y = line.rstrip("\n").split("\t")
            a.append(x)
            b.append(y)
    import rapidfuzz
    out = {"pairs": len(a), "version": rapidfuzz.__version__}
    for name, kw in (("jaro_winkler", {"scorer": JaroWinkler.normalized_similarity}),
                     ("levenshtein_band1", {"scorer": Levenshtein.distance, "score_cutoff": 1})):
        best = None
        for _ in range(5):
            start = time.perf_counter()
            scores = cpdist(a, b, workers=1, **kw)
            seconds = time.perf_counter() - start
            best = seconds if best is None else min(best, seconds)
        out[name] = {"seconds": best, "sum": float(scores.sum()), "pairs_per_s": len(a) / best}
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=2027)
    ap.add_argument("--pairs", type=int, default=2_000_000)
    ap.add_argument("--work", default=os.path.join(ROOT, "bench", "data", "jaro"))
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--python", default=os.path.join(ROOT, "bench", ".venv", "bin", "python"))
    ap.add_argument("--rapidfuzz-only", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.rapidfuzz_only:
        rapidfuzz_run(a.rapidfuzz_only)
        return
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(a.results, exist_ok=True)
    data = os.path.join(a.work, "data")
    if not os.path.exists(os.path.join(data, "customers.csv")):
        subprocess.run([os.path.join(BIN, "omniseg"), "generate", "--people", str(a.people), "--seed", str(a.seed),
                        "--identity-noise", "hard", "--out", data], check=True, capture_output=True)
    pairs = make_pairs(os.path.join(data, "customers.csv"), a.pairs, a.seed)
    pairs_file = os.path.join(a.work, "pairs.tsv")
    with open(pairs_file, "w") as f:
        for x, y in pairs:
            f.write(f"{x}\t{y}\n")
    out = subprocess.run([os.path.join(BIN, "Bench"), "--jaro", pairs_file], check=True, capture_output=True, text=True).stdout
    ours = {}
    for line in out.splitlines():
        m = json.loads(line)
        kernel = "jaro_winkler" if m["name"].startswith("jaro_winkler") else "levenshtein_band1"
        variant = m["name"][len(kernel) + 1:].split("_")[0]
        entry = ours.setdefault(kernel, {}).setdefault(variant, {})
        entry.update({"sum": m["sum"]} if "sum" in m else {"seconds": m["seconds"], "pairs_per_s": m["rows_per_second"]})
    peer = json.loads(subprocess.run([a.python, os.path.abspath(__file__), "--rapidfuzz-only", pairs_file],
                                     check=True, capture_output=True, text=True).stdout)
    row = {"machine": machine(), "pairs": len(pairs), "omniseg": ours, "rapidfuzz": peer}
    with open(os.path.join(a.results, "jaro.json"), "w") as f:
        json.dump(row, f, indent=1)
    mean_bytes = sum(len(x) + len(y) for x, y in pairs) / 2 / len(pairs)
    lines = ["# Jaro-Winkler and banded Levenshtein kernels against rapidfuzz", "", describe(row["machine"]), "",
             f"{len(pairs):,} name pairs from {a.people:,} generated people (hard noise; mean {mean_bytes:.1f} bytes a name), "
             "one thread, best of five passes. Levenshtein is banded at 1 (distances above 1 reported as 2), as the name levels ask.", "",
             "| kernel | | pairs per second | ns per pair | sum of results |", "|---|---|---:|---:|---:|"]
    for kernel, variants in ours.items():
        for variant, m in variants.items():
            lines.append(f"| {kernel} | omniseg {variant} | {m['pairs_per_s']:,.0f} | {1e9 / m['pairs_per_s']:.1f} | {m['sum']:.6f} |")
        p = peer[kernel]
        lines.append(f"| {kernel} | rapidfuzz {peer['version']} cpdist | {p['pairs_per_s']:,.0f} | {1e9 / p['pairs_per_s']:.1f} | {p['sum']:.6f} |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(a.results, "jaro.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
