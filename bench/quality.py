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
    top-decile lift and calibration error on the same people; beside them scikit-learn's random
    forest (same trees, depth and features per split), its logistic regression and its histogram
    gradient boosting, trained on the same feature set's labelled people and scored on the same
    evaluation people (read from the workspace; scikit-learn from bench's virtualenv);
  - `omniseg cluster evaluate` (k = 8 and k = auto, 3 seeds; with the default transforms and with
    plain standardization, `--transform none --winsorize 1`): variance explained against one cluster,
    silhouette, smallest cluster, stability across seeds and from 2026-03-31 to 2026-04-30; and the
    adjusted Rand index of each run's clusters (features of the last day) against the generator's
    planted personas.
Only generated data: the public retail logs (Ta-Feng, CDNOW) are the project's held-out acceptance
checks and are not used here. Writes bench/results/quality.{json,md}. Release build (bench/run builds it).
"""
import argparse
import csv
import json
import math
import os
import sqlite3
import subprocess
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from machine import describe, machine  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OMNISEG = os.path.join(os.environ.get("OMNISEG_BIN", os.path.join(ROOT, ".build", "release")), "omniseg")


def omniseg(*args):
    r = subprocess.run([OMNISEG, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"quality bench: omniseg {' '.join(args[:2])} failed:\n{r.stderr[-2000:]}")
    return r.stdout


def adjusted_rand_index(a, b):
    """The adjusted Rand index of two labellings of the same items (Hubert and Arabie)."""
    pairs = lambda counts: sum(math.comb(c, 2) for c in counts)
    both, rows, columns = pairs(Counter(zip(a, b)).values()), pairs(Counter(a).values()), pairs(Counter(b).values())
    expected = rows * columns / math.comb(len(a), 2)
    top = (rows + columns) / 2
    return (both - expected) / (top - expected) if top != expected else 1.0


def planted_personas(ws, data):
    """Each person's planted persona: the generated customer behind the person's first record."""
    persona = {r["person"]: r["persona"] for r in csv.DictReader(open(os.path.join(data, "truth_people.csv")))}
    person_of = {(r["source"], r["source_id"]): r["person"] for r in csv.DictReader(open(os.path.join(data, "truth_records.csv")))}
    out = {}
    for pid, source, source_id in sqlite3.connect(ws).execute("SELECT person_id, source, source_id FROM person_link ORDER BY person_id, source, source_id"):
        if pid not in out and (source, source_id) in person_of:
            out[pid] = persona[person_of[(source, source_id)]]
    return out


def persona_ari(ws, truth, options):
    """`omniseg cluster` with `options` on the newest feature set: its k and ARI against the personas."""
    job = next(line.split()[1] for line in omniseg("cluster", "-w", ws, "--seed", "1", *options).splitlines() if line.startswith("job "))
    rows = list(csv.DictReader(omniseg("result", job, "-w", ws, "--csv").splitlines()))
    known = [r for r in rows if int(r["person_id"]) in truth]
    return {"k": len({r["cluster"] for r in rows}), "people": len(known),
            "ari": adjusted_rand_index([r["cluster"] for r in known], [truth[int(r["person_id"])] for r in known])}


def feature_set(ws, day):
    """The newest feature set as of `day`: its as-of second, person ids (row order) and values (rows × features)."""
    import numpy as np
    db = sqlite3.connect(ws)
    sid, as_of, n, d, people = db.execute("SELECT id, as_of, row_count, column_count, person_ids FROM feature_set "
                                          "WHERE date(as_of, 'unixepoch') = ? ORDER BY id DESC LIMIT 1", (day,)).fetchone()
    x = np.zeros((n, d), np.float32)
    for start, count, stride, blob in db.execute("SELECT row_start, row_count, column_stride, data FROM feature_shard WHERE set_id = ? ORDER BY shard", (sid,)):
        x[start:start + count] = np.frombuffer(blob, np.float32).reshape(d, stride)[:, :count].T
    ids = np.frombuffer(people, "<i8") if people else np.arange(1, n + 1)
    return as_of, ids, x


def churn_labels(ws, cutoff, ids, days=90):
    """As `omniseg churn` labels: eligible = bought up to `cutoff`; churned = eligible and no purchase in the `days` after."""
    import numpy as np
    row = {int(p): i for i, p in enumerate(ids)}
    before, after = np.zeros(len(ids), bool), np.zeros(len(ids), bool)
    query = ("SELECT l.person_id, max(t.ts <= ?), max(t.ts > ?) FROM txn t JOIN person_link l ON l.source = t.source AND l.source_id = t.customer_id "
             "WHERE t.ts <= ? GROUP BY l.person_id")
    for pid, b, a in sqlite3.connect(ws).execute(query, (cutoff, cutoff, cutoff + days * 86_400)):
        if pid in row:
            before[row[pid]], after[row[pid]] = bool(b), bool(a)
    return before, before & ~after


def churn_peers(ws, train_day, test_day):
    """scikit-learn on the churn evaluation's split: ROC AUC and PR AUC of its forest, logistic regression and boosting."""
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    split = {}
    for name, day in (("train", train_day), ("test", test_day)):
        as_of, ids, x = feature_set(ws, day)
        eligible, churned = churn_labels(ws, as_of, ids)
        split[name] = (x[eligible], churned[eligible])
    (xa, ya), (xb, yb) = split["train"], split["test"]
    models = {
        "random_forest": RandomForestClassifier(n_estimators=100, max_depth=12, max_features="sqrt", n_jobs=2, random_state=0),
        "logistic_regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
        "hist_gradient_boosting": HistGradientBoostingClassifier(random_state=0),
    }
    out = {"train_people": int(len(ya)), "train_churned": int(ya.sum()), "test_people": int(len(yb)), "test_churned": int(yb.sum())}
    for name, model in models.items():
        p = model.fit(xa, ya).predict_proba(xb)[:, 1]
        out[name] = {"roc_auc": float(roc_auc_score(yb, p)), "pr_auc": float(average_precision_score(yb, p))}
    return out


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
    rec, validation = {}, {}
    for name, extra in (("new_and_repeat", []), ("repeats", ["--repeats"])):
        out = json.loads(omniseg("recommend", "evaluate", "-w", ws, "--train-until", "2026-03-31", "--test-until", "2026-04-30", "--json", *extra))
        rec[name] = out["evaluation"]
        validation[name] = out.get("validation")
    churn = json.loads(omniseg("churn", "evaluate", "-w", ws, "--train-until", "2026-03-31", "--test-until", "2026-06-29", "--json"))
    peers = churn_peers(ws, "2025-12-31", "2026-03-31")
    plain = ["--transform", "none", "--winsorize", "1"]
    configurations = {"8": ["--k", "8"], "auto": ["--k", "auto"], "8, plain": ["--k", "8", *plain], "auto, plain": ["--k", "auto", *plain]}
    clusters = {name: json.loads(omniseg("cluster", "evaluate", "-w", ws, "--train-until", "2026-03-31", "--test-until", "2026-04-30",
                                         *options, "--json"))["evaluation"] for name, options in configurations.items()}
    omniseg("features", "-w", ws)
    truth = planted_personas(ws, data)
    personas = {name: persona_ari(ws, truth, options) for name, options in configurations.items()}
    row = {"machine": machine(), "people": a.people, "seed": a.seed, "recommend": rec, "validation": validation, "churn": churn, "churn_scikit_learn": peers, "clusters": clusters,
           "planted_personas": personas}
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
        for c in (validation.get(name) or {}).get("choices", []):
            lines += [f"{c['parameter']} {c['chosen']} chosen on the validation slice (features as of {validation[name]['until']}, "
                      "purchases to 2026-03-31): P@10 " + ", ".join(f"{t['value']} → {t['precision']:.4f}" for t in c["trials"]) + ".", ""]
    lines += [f"## Churn, {churn['labels']}", "", "| model | ROC AUC | PR AUC | top-decile lift | calibration error |", "|---|---:|---:|---:|---:|"]
    for label, e in (("omniseg (random forest)", churn["evaluation"]), ("logistic regression", churn["baselines"]["logistic_regression"]),
                     ("recency only", churn["baselines"]["recency_only"])):
        ece = f"{e['calibration_error']:.4f}" if label != "recency only" else "–"
        lines.append(f"| {label} | {e['roc_auc']:.4f} | {e['pr_auc']:.4f} | {e['top_decile_lift']:.2f} | {ece} |")
    for label, key in (("scikit-learn random forest (100 trees, depth 12, √d features)", "random_forest"),
                       ("scikit-learn logistic regression (standardized)", "logistic_regression"),
                       ("scikit-learn histogram gradient boosting", "hist_gradient_boosting")):
        lines.append(f"| {label} | {peers[key]['roc_auc']:.4f} | {peers[key]['pr_auc']:.4f} | – | – |")
    lines += ["", f"People: {churn['evaluation']['people']:,}, churned {churn['evaluation']['churned']:,} "
              f"(scikit-learn read {peers['test_people']:,} and {peers['test_churned']:,} from the workspace). "
              "The model was trained on features as of 2025-12-31 with the 90 days up to 2026-03-31 as labels "
              f"(omniseg on 80% of the {peers['train_people']:,} labelled people, holding 20% out; scikit-learn on all of them).",
              "", "## Clusters, features as of 2026-03-31 (3 seeds) and 2026-04-30", "",
              "Default: log1p of skewed features, winsorized at 0.5%/99.5%; plain: `--transform none --winsorize 1` (standardized as is, the baseline).",
              "Variance explained and silhouette are each in its own (transformed or plain) standardized space.", "",
              "| k | variance explained (baseline: one cluster, 0%) | silhouette (2,000 sampled) | smallest cluster | stability across seeds (ARI) | 2026-03-31 → 2026-04-30 (ARI) | planted personas (ARI, features of 2026-06-30, seed 1) |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for k, e in clusters.items():
        r = e["runs"][0]
        explained = f"{100 * r['variance_explained']:.1f}%" if r["variance_explained"] is not None else "–"
        p = personas[k]
        lines.append(f"| {k} (k = {r['k']}) | {explained} | {r['silhouette']:.4f} | {100 * r['smallest_share']:.1f}% | "
                     f"{e['stability_ari']:.4f} | {e['over_time_ari']:.4f} | {p['ari']:.4f} (k = {p['k']}) |")
    text = "\n".join(lines)
    with open(os.path.join(a.results, "quality.md"), "w") as f:
        f.write("# Answers beside their baselines\n\n" + text + "\n")
    print(text)


if __name__ == "__main__":
    main()
