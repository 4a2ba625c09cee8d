#!/usr/bin/env python3
"""Random-forest (churn) benchmarks: our trainer and batch scorer beside scikit-learn, LightGBM (rf
mode) and treelite/tl2cgen-compiled prediction, on the same input files.

Usage: bench/forest.py [--quick]   (run by bench/run; needs bench/.venv with numpy, scikit-learn,
lightgbm, treelite, tl2cgen, which bench/run installs)

Every tool: 100 trees, depth ≤ 12, √d features per split, bootstrap. Training at 200k × 20,
200k × 32 and 1M × 20 rows × features (scikit-learn at 1M with 2 jobs only: it takes minutes);
scoring 1M rows with every tool and 10M rows with ours and LightGBM; ROC AUC on the test rows
beside each. Writes bench/results/forest.{json,md}.
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
PEERS = os.path.join(ROOT, "bench", "peers", "forest_peers.py")
BENCH = os.path.join(ROOT, ".build", "release", "Bench")


def line(args, timeout=1800):
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"forest bench: {' '.join(args[:4])}… timed out", file=sys.stderr)
        return None
    if r.returncode != 0:
        print(f"forest bench: {' '.join(args[:4])}… failed:\n{r.stderr[-1500:]}", file=sys.stderr)
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="only 200k × 20, scoring 1M")
    ap.add_argument("--work", default=os.path.join(ROOT, "bench", "data", "forest"))
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)

    def data(name, n, d, seed):
        prefix = os.path.join(a.work, f"{name}-{n}-{d}")
        if not os.path.exists(prefix + ".u8"):
            subprocess.run([PYTHON, PEERS, "make", prefix, "--n", str(n), "--d", str(d), "--seed", str(seed)], check=True)
        return prefix

    cases = [(200_000, 20, 1_000_000)] if a.quick else [(200_000, 20, 1_000_000), (200_000, 32, 1_000_000), (1_000_000, 20, 1_000_000)]
    rows = []
    for n, d, test_n in cases:
        train, test = data("train", n, d, 1), data("test", test_n, d, 2)
        common = [train, test, "--n", str(n), "--d", str(d), "--test-n", str(test_n)]
        for threads in (1, 2):
            runs = [("omniseg", [BENCH, "--forest"] + common + ["--threads", str(threads)])]
            if n <= 200_000 or threads == 2:
                runs.append(("sklearn", [PYTHON, PEERS, "sklearn"] + common + ["--jobs", str(threads)]))
            runs.append(("lightgbm", [PYTHON, PEERS, "lightgbm"] + common + ["--jobs", str(threads)]))
            if n == 200_000 and d == 20:
                runs.append(("treelite", [PYTHON, PEERS, "treelite"] + common + ["--jobs", str(threads)]))
            for tool, args in runs:
                r = line(args)
                if r:
                    r["kind"] = "train+score"
                    rows.append(r)
                    write(a.results, rows)  # a partial run still leaves its results
                    print(f"n={n} d={d} threads={threads} {tool}: train {r['train_seconds']:.2f} s, "
                          f"score {r['score_rows_per_second']:,.0f} rows/s, AUC {r['auc']:.4f}", file=sys.stderr)
    if not a.quick:
        # Scoring 10M rows with the 200k × 20 model (ours and LightGBM; scikit-learn would take minutes).
        train, test = data("train", 200_000, 20, 1), data("test", 10_000_000, 20, 3)
        common = [train, test, "--n", "200000", "--d", "20", "--test-n", "10000000"]
        for threads in (1, 2):
            for tool, args in [("omniseg", [BENCH, "--forest"] + common + ["--threads", str(threads)]),
                               ("lightgbm", [PYTHON, PEERS, "lightgbm"] + common + ["--jobs", str(threads)])]:
                r = line(args)
                if r:
                    r["kind"] = "train+score"
                    rows.append(r)
                    print(f"score 10M threads={threads} {tool}: {r['score_rows_per_second']:,.0f} rows/s", file=sys.stderr)
    write(a.results, rows)


def write(directory, rows):
    m = machine()
    doc = {"date": datetime.date.today().isoformat(), "machine": m, "command": "bench/forest.py", "results": rows}
    with open(os.path.join(directory, "forest.json"), "w") as f:
        json.dump(doc, f, indent=2)
    lines = [f"# Random-forest benchmarks ({doc['date']})", "",
             f"`bench/forest.py` (run by `make bench`) — {describe(m)}. 100 trees, depth ≤ 12, √d features per split, "
             "bootstrap, same input files for every tool (bench/peers/forest_peers.py make). omniseg = `Bench --forest` "
             "(release; training includes choosing bin edges and binning; scoring includes binning the test rows). "
             "treelite = scikit-learn's forest compiled to C with tl2cgen (scoring only; its training column is scikit-learn's).", "",
             "| train rows | features | test rows | threads | tool | train s | score rows/s | ROC AUC |",
             "|---:|---:|---:|---:|---|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['n']:,} | {r['d']} | {r['test_n']:,} | {r['threads']} | {r['tool']} | {r['train_seconds']:.2f} | "
                     f"{r['score_rows_per_second']:,.0f} | {r['auc']:.4f} |")
    with open(os.path.join(directory, "forest.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
