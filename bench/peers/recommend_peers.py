#!/usr/bin/env python3
"""Recommendation peers for bench/recommend.py, on the files `make` writes.

  recommend_peers.py make PREFIX --people N --items M --per-person K --seed S
      PREFIX.{train,test}.{person.u32,item.u32,action.u8,day.i32}: purchases sorted by person and day;
      each person's last 20% (by day) are the test split.
  recommend_peers.py scipy PREFIX --people N --items M        the item co-occurrence matrix XᵀX (binary X), one core
  recommend_peers.py implicit PREFIX --people N --items M     implicit's item-item (cosine, K=50) fit and top-10 for all

Data: power-law item popularity (exponent 0.9), 200 taste groups of items; every person has two groups and
draws half of their purchases from them (popular-first within a group), half from the whole catalogue —
the structure an item-item recommender can find and popularity cannot. Prints one JSON line per tool.
"""
import argparse
import json
import time

import numpy as np

SPLITS = ("train", "test")


def make(prefix, people, items, per_person, seed):
    rng = np.random.default_rng(seed)
    counts = np.maximum(1, rng.poisson(per_person, size=people))
    person = np.repeat(np.arange(people, dtype=np.uint32), counts)
    n = person.size
    weights = 1.0 / np.arange(1, items + 1) ** 0.9
    cdf = np.cumsum(weights) / weights.sum()
    global_items = np.searchsorted(cdf, rng.random(n)).astype(np.uint32)
    groups = 200
    members = rng.permutation(items)[: items // groups * groups].reshape(groups, -1)
    members.sort(axis=1)  # low ids (popular) first in each group
    tastes = rng.integers(0, groups, size=(people, 2))
    group = tastes[person, rng.integers(0, 2, size=n)]
    within = np.minimum(members.shape[1] - 1, (members.shape[1] * rng.random(n) ** 3).astype(np.int64))
    group_items = members[group, within].astype(np.uint32)
    item = np.where(rng.random(n) < 0.5, group_items, global_items)
    action = rng.integers(0, 2, size=n).astype(np.uint8)  # store or online purchase
    day = rng.integers(20000, 20730, size=n).astype(np.int32)
    order = np.lexsort((item, day, person))
    person, item, action, day = person[order], item[order], action[order], day[order]
    # Per person, the last 20% of purchases (by day) are the test split.
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.arange(n) - np.repeat(starts, counts)
    test = rank >= np.repeat(counts - np.maximum(counts // 5, 0), counts)
    for name, mask in (("train", ~test), ("test", test)):
        person[mask].tofile(f"{prefix}.{name}.person.u32")
        item[mask].tofile(f"{prefix}.{name}.item.u32")
        action[mask].tofile(f"{prefix}.{name}.action.u8")
        day[mask].tofile(f"{prefix}.{name}.day.i32")


def load(prefix, split, people, items):
    from scipy.sparse import csr_matrix
    person = np.fromfile(f"{prefix}.{split}.person.u32", dtype=np.uint32)
    item = np.fromfile(f"{prefix}.{split}.item.u32", dtype=np.uint32)
    x = csr_matrix((np.ones(person.size, dtype=np.float32), (person, item)), shape=(people, items))
    x.sum_duplicates()
    x.data[:] = 1
    return x, person.size


def scipy_cooccurrence(prefix, people, items):
    x, interactions = load(prefix, "train", people, items)
    start = time.perf_counter()
    xt = x.T.tocsr()
    c = xt @ x
    seconds = time.perf_counter() - start
    products = int(np.sum(np.diff(x.indptr).astype(np.int64) ** 2))
    return {"tool": "scipy", "interactions": interactions, "count_seconds": seconds, "nnz": int(c.nnz), "pair_products": products}


def precision_at_10(recommended, prefix, people, items, train):
    test, _ = load(prefix, "test", people, items)
    hits, evaluated = 0.0, 0
    for u in range(people):
        truth = set(test.indices[test.indptr[u]:test.indptr[u + 1]]) - set(train.indices[train.indptr[u]:train.indptr[u + 1]])
        if not truth:
            continue
        evaluated += 1
        hits += len(truth.intersection(recommended[u])) / 10
    return hits / max(1, evaluated), evaluated


def implicit_itemitem(prefix, people, items):
    from implicit.nearest_neighbours import CosineRecommender
    x, interactions = load(prefix, "train", people, items)
    model = CosineRecommender(K=50)
    start = time.perf_counter()
    model.fit(x, show_progress=False)
    fit = time.perf_counter() - start
    start = time.perf_counter()
    ids, _ = model.recommend(np.arange(people), x, N=10, filter_already_liked_items=True)
    top = time.perf_counter() - start
    precision, evaluated = precision_at_10(ids, prefix, people, items, x)
    return {"tool": "implicit", "interactions": interactions, "fit_seconds": fit, "score_seconds": top,
            "precision_new": precision, "evaluated_people": evaluated}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("prefix")
    ap.add_argument("--people", type=int, required=True)
    ap.add_argument("--items", type=int, required=True)
    ap.add_argument("--per-person", type=int, default=15)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.tool == "make":
        make(a.prefix, a.people, a.items, a.per_person, a.seed)
        return
    run = {"scipy": scipy_cooccurrence, "implicit": implicit_itemitem}[a.tool]
    print(json.dumps(run(a.prefix, a.people, a.items)))


if __name__ == "__main__":
    main()
