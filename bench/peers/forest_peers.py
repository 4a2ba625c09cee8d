#!/usr/bin/env python3
"""Random-forest peers for bench/forest.py, on the files `make` writes.

  forest_peers.py make PREFIX --n N --d D --seed S      PREFIX.f32 (n×d row-major float32), PREFIX.u8 (labels)
  forest_peers.py sklearn TRAIN TEST --n N --d D --test-n M --jobs J
  forest_peers.py lightgbm TRAIN TEST --n N --d D --test-n M --jobs J
  forest_peers.py treelite TRAIN TEST --n N --d D --test-n M --jobs J   (scoring only: sklearn's forest compiled with tl2cgen)

Every trainer: 100 trees, depth ≤ 12, √d features per split, bootstrap; prints one JSON line with
train seconds, scoring seconds and the ROC AUC on TEST.
"""
import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np


def make(prefix, n, d, seed):
    """Churn-like data: six informative features with interactions and thresholds, the rest noise;
    some features are counts (few distinct values), as in real customer features. About 30% positive."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    x[:, 1] = rng.poisson(3, size=n)                 # a count, like purchases
    x[:, 4] = rng.exponential(60, size=n)            # a recency in days
    x[:, 6 % d] = rng.integers(0, 2, size=n)         # a flag
    logit = (1.2 * x[:, 0] - 0.35 * x[:, 1] + np.sin(2 * x[:, 2]) * 1.1 + 0.9 * (x[:, 3] * x[:, 0] > 0.3)
             + 0.02 * x[:, 4] - 0.6 * x[:, 5] ** 2 + 0.4 * x[:, 6 % d] - 1.2)
    p = 1 / (1 + np.exp(-logit))
    y = (rng.random(n) < p).astype(np.uint8)
    x.tofile(prefix + ".f32")
    y.tofile(prefix + ".u8")


def load(prefix, n, d):
    x = np.fromfile(prefix + ".f32", dtype=np.float32, count=n * d).reshape(n, d)
    y = np.fromfile(prefix + ".u8", dtype=np.uint8, count=n)
    return x, y


def auc(y, s):
    from sklearn.metrics import roc_auc_score
    return float(roc_auc_score(y, s))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("train")
    ap.add_argument("test", nargs="?")
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--d", type=int, required=True)
    ap.add_argument("--test-n", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.tool == "make":
        make(a.train, a.n, a.d, a.seed)
        return
    x, y = load(a.train, a.n, a.d)
    tx, ty = load(a.test, a.test_n, a.d)
    row = {"tool": a.tool, "n": a.n, "d": a.d, "test_n": a.test_n, "threads": a.jobs}
    if a.tool in ("sklearn", "treelite"):
        from sklearn.ensemble import RandomForestClassifier
        clf = RandomForestClassifier(n_estimators=100, max_depth=12, max_features="sqrt", n_jobs=a.jobs, random_state=0)
        t = time.perf_counter(); clf.fit(x, y); row["train_seconds"] = time.perf_counter() - t
        if a.tool == "sklearn":
            t = time.perf_counter(); s = clf.predict_proba(tx)[:, 1]; row["score_seconds"] = time.perf_counter() - t
        else:
            import tl2cgen
            import treelite
            model = treelite.sklearn.import_model(clf)
            lib = os.path.join(tempfile.mkdtemp(), "forest.so")
            t = time.perf_counter()
            tl2cgen.export_lib(model, toolchain="gcc", libpath=lib, params={"parallel_comp": 16}, nthread=2)
            row["compile_seconds"] = time.perf_counter() - t
            predictor = tl2cgen.Predictor(lib, nthread=a.jobs)
            matrix = tl2cgen.DMatrix(tx, dtype="float32")
            t = time.perf_counter(); s = predictor.predict(matrix); row["score_seconds"] = time.perf_counter() - t
            s = np.asarray(s).reshape(a.test_n, -1)[:, -1]
    elif a.tool == "lightgbm":
        import lightgbm as lgb
        params = {"boosting_type": "rf", "objective": "binary", "num_iterations": 100, "max_depth": 12, "num_leaves": 4095,
                  "bagging_fraction": 0.632, "bagging_freq": 1, "feature_fraction_bynode": (a.d ** 0.5) / a.d,
                  "min_data_in_leaf": 1, "num_threads": a.jobs, "verbose": -1, "seed": 0}
        t = time.perf_counter(); booster = lgb.train(params, lgb.Dataset(x, label=y)); row["train_seconds"] = time.perf_counter() - t
        t = time.perf_counter(); s = booster.predict(tx, num_threads=a.jobs); row["score_seconds"] = time.perf_counter() - t
    else:
        sys.exit(f"unknown tool {a.tool}")
    row["score_rows_per_second"] = a.test_n / row["score_seconds"]
    row["auc"] = auc(ty, s)
    print(json.dumps(row))


if __name__ == "__main__":
    main()
