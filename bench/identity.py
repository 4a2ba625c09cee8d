#!/usr/bin/env python3
"""Identity matching against Splink (DuckDB backend) on the same generated records.

Usage: bench/identity.py [--people 20000] [--seed 2027] [--noise hard] [--work DIR] [--results DIR]
(bench/run identity installs Splink 4 into bench/.venv first: Splink 5 changed the API.)

Generates a retailer (`omniseg generate --identity-noise NOISE`), ingests its customers, and resolves
them with omniseg: exact keys only, then with `--probabilistic` on two copies of that workspace, once
comparing every block (`--max-block 100000`, as Splink's rules leave no block out) and once with the
default `--max-block 64`; the matcher's CPU time is what `resolve --timings` prints for its phases `match` and `link matches` (planning, training,
comparing and scoring every candidate pair, linking; CPU of all the process's threads, measured inside it), and its rate the
candidate pairs it compared and scored per CPU-second of that (the difference of the whole runs' CPU seconds against the
exact-keys resolve is printed too). Splink 4 (bench/.venv: `pip install
splink`) gets the same records, normalised the way omniseg normalises e-mails, phones and loyalty ids,
blocking on those keys and on the same four name/address rules (Soundex replaced by the last name
itself: DuckDB has no Soundex), comparisons on names (Jaro-Winkler levels, term-frequency adjusted as
ours are), birth date, street, postcode, city and the three keys, u from 200,000 random pairs (seed 1), m by EM, and links at each
of --splink-thresholds (its best F1 is reported; ours links at its default, 0.5), clustered; its CPU time is
the process's around training, prediction and clustering. Each omniseg resolve and Splink at its best
threshold run --repeats times (default 3) and the least CPU time of each counts (this host's speed
drifts by 20-30 % between runs; the least is the run least disturbed).
Both are scored with pairwise precision, recall and F1 against `truth_records.csv`. Prints a
markdown table and writes bench/results/identity.{json,md}. Release build (bench/run builds it).
"""
import argparse
import collections
import itertools
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import describe, machine  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OMNISEG = os.path.join(os.environ.get("OMNISEG_BIN", os.path.join(ROOT, ".build", "release")), "omniseg")


def child_cpu(args):
    """Runs args; returns (stdout, stderr, CPU seconds of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run(args, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        sys.exit(f"identity bench: {' '.join(args[:3])} failed:\n{r.stderr[-2000:]}")
    return r.stdout, r.stderr, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def phase_cpu(stderr, names):
    """CPU seconds of the named phases in `omniseg resolve --timings` output (all of them must be there)."""
    found = {m[1]: float(m[2]) for m in re.finditer(r"^phase ([a-z ]+): [\d.]+ s wall, ([\d.]+) s CPU$", stderr, re.M)}
    missing = [n for n in names if n not in found]
    if missing:
        sys.exit(f"identity bench: resolve --timings printed no phase {missing}:\n{stderr[-2000:]}")
    return sum(found[n] for n in names)


def pairwise(clusters, truth):
    """Pairwise precision, recall, F1 of clusters (record -> cluster) against truth (record -> entity)."""
    def pairs(assign):
        groups = collections.defaultdict(list)
        for record, group in assign.items():
            if record in truth:
                groups[group].append(record)
        return {tuple(sorted(p)) for g in groups.values() for p in itertools.combinations(sorted(g), 2)}
    predicted, true = pairs(clusters), pairs(truth)
    correct = len(predicted & true)
    precision = correct / len(predicted) if predicted else 1.0
    recall = correct / len(true) if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


# The phases of `omniseg resolve --timings` that are the matcher: planning (blocking keys, blocks,
# tasks), training (u from random pairs, m from known pairs, EM over the pattern counts), comparing
# and scoring every candidate pair, and linking the matches into people — what Splink's CPU time
# covers (training, prediction, clustering). Reading records and writing links are other phases.
MATCHER_PHASES = ("match", "link matches")


def omniseg_runs(work, people, seed, noise, repeats):
    """Exact keys, then the probabilistic resolve with every block compared (--max-block 100000:
    Splink's rules leave no block out) and with the default --max-block 64; each `repeats` times on a
    fresh copy of the workspace before it (the exact resolve on the ingested records, the
    probabilistic ones on the exact resolve's), and the least CPU time of each kept: the host's speed
    drifts between runs, and the least is the run least disturbed."""
    data = os.path.join(work, "data")
    ingested = os.path.join(work, "ingested.sqlite")
    ws = os.path.join(work, "workspace.sqlite")
    for path in (ingested, ws):
        if os.path.exists(path):
            os.remove(path)
    subprocess.run([OMNISEG, "generate", "--people", str(people), "--seed", str(seed), "--identity-noise", noise, "--out", data],
                   check=True, capture_output=True)
    subprocess.run([OMNISEG, "ingest", "-w", ingested, "customers", os.path.join(data, "customers.csv")], check=True, capture_output=True)
    truth_file = os.path.join(data, "truth_records.csv")
    exact_samples = []
    for _ in range(repeats):
        shutil.copyfile(ingested, ws)
        _, _, cpu = child_cpu([OMNISEG, "resolve", "-w", ws, "--truth", truth_file])
        exact_samples.append(cpu)
    exact_cpu = min(exact_samples)
    runs = {}
    for name, max_block in (("every_block", 100000), ("default_max_block", 64)):
        copy = os.path.join(work, f"workspace-{name}.sqlite")
        samples, matcher_samples = [], []
        for _ in range(repeats):
            shutil.copyfile(ws, copy)
            out, err, cpu = child_cpu([OMNISEG, "resolve", "-w", copy, "--probabilistic", "--max-block", str(max_block), "--truth", truth_file,
                                       "--timings"])
            samples.append(cpu)
            matcher_samples.append(phase_cpu(err, MATCHER_PHASES))
        prob_cpu, matcher_cpu = min(samples), min(matcher_samples)
        candidates = int(re.search(r"probabilistic \([^)]*\): ([\d,]+) candidate pairs", out)[1].replace(",", ""))
        p, r, f1 = (float(x) for x in re.search(r"omniseg\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", out).groups())
        runs[name] = {"max_block": max_block, "candidate_pairs": candidates, "cpu_s_exact": exact_cpu, "cpu_s_probabilistic": prob_cpu,
                      "cpu_s_exact_samples": exact_samples, "cpu_s_probabilistic_samples": samples,
                      "matcher_cpu_s": matcher_cpu, "matcher_cpu_s_samples": matcher_samples,
                      "pairs_per_cpu_s": candidates / max(1e-9, matcher_cpu),
                      "matcher_cpu_s_by_difference": prob_cpu - exact_cpu,
                      "pairs_per_cpu_s_by_difference": candidates / max(1e-9, prob_cpu - exact_cpu),
                      "precision": p, "recall": r, "f1": f1}
    return data, runs


def splink_run(data, threshold):
    import pandas as pd
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    df = pd.read_csv(os.path.join(data, "customers.csv"), dtype=str, keep_default_na=False)
    df["unique_id"] = df["source"] + ":" + df["source_id"]
    def norm_email(e):
        e = e.strip().lower()
        if "@" not in e:
            return None
        local, domain = e.split("@", 1)
        return local.split("+", 1)[0] + "@" + domain
    df["email"] = df["email"].map(lambda e: norm_email(e) if e else None)
    df["phone"] = df["phone"].map(lambda p: re.sub(r"\D", "", p)[-10:] or None if p else None)
    df["loyalty_id"] = df["loyalty_id"].map(lambda l: re.sub(r"[\s-]", "", l).upper() or None if l else None)
    for c in ["first_name", "last_name", "street", "postcode", "city", "birth_date"]:
        df[c] = df[c].map(lambda v: v.strip().lower() or None if v else None)
    df = df[["unique_id", "email", "phone", "loyalty_id", "first_name", "last_name", "birth_date", "street", "postcode", "city"]]

    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("email"), block_on("phone"), block_on("loyalty_id"),
            block_on("postcode", "substr(first_name, 1, 1)"),
            block_on("last_name", "substr(birth_date, 1, 4)"),
            block_on("first_name", "last_name"), block_on("last_name"),
        ],
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.ExactMatch("street"), cl.ExactMatch("postcode"), cl.ExactMatch("city"),
            cl.ExactMatch("email"), cl.ExactMatch("phone"), cl.ExactMatch("loyalty_id"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    start_cpu, start = time.process_time(), time.perf_counter()
    linker = Linker(df, settings, db_api=DuckDBAPI())
    linker.training.estimate_probability_two_random_records_match([block_on("email")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=200_000, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode", "substr(first_name, 1, 1)"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("last_name", "substr(birth_date, 1, 4)"))
    predictions = linker.inference.predict()
    compared = len(predictions.as_pandas_dataframe())
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold_match_probability=threshold)
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start
    assign = dict(zip(*[clusters.as_pandas_dataframe()[c] for c in ("unique_id", "cluster_id")]))
    return assign, {"candidate_pairs": compared, "cpu_s": cpu, "wall_s": wall, "pairs_per_cpu_s": compared / max(1e-9, cpu)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=2027)
    ap.add_argument("--noise", default="hard", choices=["standard", "hard"])
    ap.add_argument("--work", default=os.path.join(ROOT, "bench", "data", "identity"))
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--splink-python", default=os.path.join(ROOT, "bench", ".venv", "bin", "python"),
                    help="the virtualenv's python with splink installed (the Splink half runs in it)")
    ap.add_argument("--splink-thresholds", default="0.5,0.9,0.99,0.9999",
                    help="Splink's link thresholds to try (one run each); its best F1 is reported (ours links at 0.5)")
    ap.add_argument("--splink-threshold", type=float, default=0.9999, help=argparse.SUPPRESS)
    ap.add_argument("--repeats", type=int, default=3,
                    help="runs of each omniseg resolve and of Splink at its best threshold; the least CPU time of each is reported")
    ap.add_argument("--splink-only", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.splink_only:
        import csv
        truth = {f"{r['source']}:{r['source_id']}": r["person"] for r in csv.DictReader(open(os.path.join(a.splink_only, "truth_records.csv")))}
        assign, row = splink_run(a.splink_only, a.splink_threshold)
        row["threshold"] = a.splink_threshold
        row["precision"], row["recall"], row["f1"] = pairwise(assign, truth)
        print(json.dumps(row))
        return
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(a.results, exist_ok=True)
    data, ours = omniseg_runs(a.work, a.people, a.seed, a.noise, a.repeats)

    def run_splink(threshold):
        r = subprocess.run([a.splink_python, os.path.abspath(__file__), "--splink-only", data, "--splink-threshold", str(threshold)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"identity bench: the Splink run failed:\n{r.stderr[-3000:]}")
        return json.loads(r.stdout.strip().splitlines()[-1])
    runs = [run_splink(threshold) for threshold in a.splink_thresholds.split(",")]
    best = max(runs, key=lambda run: run["f1"])
    # Its best threshold again, to `repeats` runs in all: the least CPU time, as for ours.
    samples = [best["cpu_s"]] + [run_splink(best["threshold"])["cpu_s"] for _ in range(a.repeats - 1)]
    splink = dict(best, cpu_s=min(samples), cpu_s_samples=samples, pairs_per_cpu_s=best["candidate_pairs"] / max(1e-9, min(samples)))
    row = {"machine": machine(), "people": a.people, "seed": a.seed, "noise": a.noise, "omniseg": ours, "splink": splink, "splink_runs": runs}
    with open(os.path.join(a.results, "identity.json"), "w") as f:
        json.dump(row, f, indent=2)
    lines = [describe(row["machine"]), "",
             f"{a.people:,} generated people (seed {a.seed}, {a.noise} identity noise), CPU-seconds (user + system, all threads), "
             f"the least of {a.repeats} runs of each.", "",
             "| | candidate pairs | CPU s | pairs per CPU-second | precision | recall | F1 |", "|---|---:|---:|---:|---:|---:|---:|",
             *[f"| omniseg resolve --probabilistic --max-block {o['max_block']} (matcher: phases match + link matches) | {o['candidate_pairs']:,} | "
               f"{o['matcher_cpu_s']:.2f} | {o['pairs_per_cpu_s']:,.0f} | {o['precision']:.4f} | {o['recall']:.4f} | {o['f1']:.4f} |" for o in ours.values()],
             f"| Splink 4, DuckDB (training, prediction, clustering at {splink['threshold']}) | {splink['candidate_pairs']:,} | {splink['cpu_s']:.2f} | "
             f"{splink['pairs_per_cpu_s']:,.0f} | {splink['precision']:.4f} | {splink['recall']:.4f} | {splink['f1']:.4f} |",
             "", "Splink at each threshold tried (F1): " + ", ".join(f"{run['threshold']}: {run['f1']:.4f}" for run in runs) + "; the best is in the table.",
             "", "omniseg's whole probabilistic resolve took " + ", ".join(f"{o['cpu_s_probabilistic']:.2f} CPU s (--max-block {o['max_block']})" for o in ours.values())
             + f"; the exact keys alone {ours['every_block']['cpu_s_exact']:.2f}.",
             "Taking instead the matcher's CPU as the whole probabilistic resolve's less the exact-keys resolve's (two processes, "
             "so noisier): " + ", ".join(f"{o['pairs_per_cpu_s_by_difference']:,.0f} pairs per CPU-second (--max-block {o['max_block']})"
                                        for o in ours.values()) + ".",
             f"Pairs per CPU-second, every block compared: omniseg {ours['every_block']['pairs_per_cpu_s'] / splink['pairs_per_cpu_s']:.1f}× Splink's "
             f"(CPU of each run: omniseg {', '.join(f'{x:.3f}' for x in ours['every_block']['matcher_cpu_s_samples'])} s; "
             f"Splink {', '.join(f'{x:.2f}' for x in splink['cpu_s_samples'])} s)."]
    text = "\n".join(lines)
    with open(os.path.join(a.results, "identity.md"), "w") as f:
        f.write("# Identity matching against Splink\n\n" + text + "\n")
    print(text)


if __name__ == "__main__":
    main()
