#!/usr/bin/env python3
"""Answers beside their baselines, on held-out time (issue 18).

Usage: bench/quality.py [--people 20000] [--seed 2027] [--work DIR] [--results DIR]

Generates a retailer (`omniseg generate`), ingests and resolves it, then runs the product's own
held-out evaluations and records every figure beside the baselines Omniseg computes itself:
  - `omniseg recommend evaluate --train-until 2026-03-31 --test-until 2026-04-30` (k = 10), without
    and with `--repeats`: omniseg, popularity, own history then popularity — precision, recall,
    NDCG and MAP at 10 on all purchases and on new items, coverage and top-1% share;
  - `omniseg churn evaluate --train-until 2026-03-31 --test-until 2026-06-29` (90-day windows): the
    random forest, a logistic regression on the same features and recency alone — ROC AUC, PR AUC,
    top-decile lift and calibration error on the same people;
  - `omniseg cluster evaluate` (k = 8 and k = auto, 3 seeds): variance explained against one cluster,
    silhouette, smallest cluster, stability across seeds and from 2026-03-31 to 2026-04-30.
Only generated data: the public retail logs (Ta-Feng, CDNOW) are the project's held-out acceptance
checks and are not used here. Writes bench/results/quality.{json,md}. Release build (bench/run builds it).
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import describe, machine  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OMNISEG = os.path.join(os.environ.get("OMNISEG_BIN", os.path.join(ROOT, ".build", "release")), "omniseg")


def omniseg(*args):
    r = subprocess.run([OMNISEG, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"quality bench: omniseg {' '.join(args[:2])} failed:\n{r.stderr[-2000:]}")
    return r.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=2027)
    ap.add_argument("--work", default=os.path.join(ROOT, "bench", "data", "quality"))
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(a.results, exist_ok=True)
    data, ws = os.path.join(a.work, "data"), os.path.join(a.work, "workspace.sqlite")
    if os.path.exists(ws):
        os.remove(ws)
    omniseg("generate", "--people", str(a.people), "--seed", str(a.seed), "--out", data)
    for kind in ("customers", "products", "transactions", "events"):
        omniseg("ingest", "-w", ws, kind, os.path.join(data, f"{kind}.csv"))
    omniseg("resolve", "-w", ws)
    rec = {}
    for name, extra in (("new_and_repeat", []), ("repeats", ["--repeats"])):
        rec[name] = json.loads(omniseg("recommend", "evaluate", "-w", ws, "--train-until", "2026-03-31", "--test-until", "2026-04-30",
                                       "--json", *extra))["evaluation"]
    churn = json.loads(omniseg("churn", "evaluate", "-w", ws, "--train-until", "2026-03-31", "--test-until", "2026-06-29", "--json"))
    clusters = {k: json.loads(omniseg("cluster", "evaluate", "-w", ws, "--train-until", "2026-03-31", "--test-until", "2026-04-30",
                                      "--k", k, "--json"))["evaluation"] for k in ("8", "auto")}
    row = {"machine": machine(), "people": a.people, "seed": a.seed, "recommend": rec, "churn": churn, "clusters": clusters}
    with open(os.path.join(a.results, "quality.json"), "w") as f:
        json.dump(row, f, indent=2)

    lines = [describe(row["machine"]), "", f"{a.people:,} generated people (seed {a.seed}); every figure beside the baselines Omniseg computes.", ""]
    for name, e in rec.items():
        lines += [f"## Recommendations ({'--repeats' if name == 'repeats' else 'default'}), purchases 2026-04-01 to 2026-04-30, k = {e['k']}", "",
                  "| method | P@10 all | R@10 all | NDCG@10 all | P@10 new | R@10 new | NDCG@10 new | coverage | top-1% share | novelty (bits) |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for key, label in (("recommender", "omniseg"), ("popularity", "popularity"), ("own_history_then_popularity", "own history, then popularity")):
            m = e["methods"][key]
            lines.append(f"| {label} | {m['all']['precision']:.4f} | {m['all']['recall']:.4f} | {m['all']['ndcg']:.4f} | "
                         f"{m['new']['precision']:.4f} | {m['new']['recall']:.4f} | {m['new']['ndcg']:.4f} | "
                         f"{100 * m['coverage']:.1f}% | {100 * m['top_1pct_share']:.1f}% | {m['novelty_bits']:.2f} |")
        lift = e["against_best_baseline"]
        lines += ["", "Our P@10 against the better baseline: " + "; ".join(
            f"{v} purchases {100 * lift[v]['precision_lift']:+.1f}% ({lift[v]['baseline']})" for v in ("all", "new")
            if lift[v]["precision_lift"] is not None) + f" — people: {e['people']['all']:,} (all), {e['people']['new']:,} (new).", ""]
    lines += [f"## Churn, {churn['labels']}", "", "| model | ROC AUC | PR AUC | top-decile lift | calibration error |", "|---|---:|---:|---:|---:|"]
    for label, e in (("omniseg (random forest)", churn["evaluation"]), ("logistic regression", churn["baselines"]["logistic_regression"]),
                     ("recency only", churn["baselines"]["recency_only"])):
        ece = f"{e['calibration_error']:.4f}" if label != "recency only" else "–"
        lines.append(f"| {label} | {e['roc_auc']:.4f} | {e['pr_auc']:.4f} | {e['top_decile_lift']:.2f} | {ece} |")
    lines += ["", f"People: {churn['evaluation']['people']:,}, churned {churn['evaluation']['churned']:,}. "
              "The model was trained on features as of 2025-12-31 with the 90 days up to 2026-03-31 as labels.",
              "", "## Clusters, features as of 2026-03-31 (3 seeds) and 2026-04-30", "",
              "| k | variance explained (baseline: one cluster, 0%) | silhouette (2,000 sampled) | smallest cluster | stability across seeds (ARI) | 2026-03-31 → 2026-04-30 (ARI) |",
              "|---|---:|---:|---:|---:|---:|"]
    for k, e in clusters.items():
        r = e["runs"][0]
        explained = f"{100 * r['variance_explained']:.1f}%" if r["variance_explained"] is not None else "–"
        lines.append(f"| {k} (k = {r['k']}) | {explained} | {r['silhouette']:.4f} | {100 * r['smallest_share']:.1f}% | "
                     f"{e['stability_ari']:.4f} | {e['over_time_ari']:.4f} |")
    text = "\n".join(lines)
    with open(os.path.join(a.results, "quality.md"), "w") as f:
        f.write("# Answers beside their baselines\n\n" + text + "\n")
    print(text)


if __name__ == "__main__":
    main()
