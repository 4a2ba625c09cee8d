"""k-means peers on the same input file as `Bench --lloyd`.

    python kmeans_peers.py make DATA INIT --n N --d D --k K --seed S
        writes DATA (n x d float32, row-major: a mixture of k Gaussian blobs) and INIT (k rows of DATA)
    python kmeans_peers.py sklearn DATA INIT --n N --d D --k K --iterations I --threads T
    python kmeans_peers.py faiss   DATA INIT --n N --d D --k K --iterations I --threads T
        print one JSON line: ms per Lloyd iteration and the final inertia

scikit-learn: KMeans(init=INIT, n_init=1, algorithm="lloyd", tol=0, max_iter=I), threads limited with
threadpoolctl; time per iteration = fit time / n_iter_. faiss: Kmeans(niter=I, no subsampling:
max_points_per_centroid = n), started from INIT, omp threads set; inertia recomputed from its
centroids with the same formula as scikit-learn (sum of squared distances to the nearest centroid).
"""
import argparse
import json
import sys
import time

import numpy as np


def load(args):
    x = np.fromfile(args.data, dtype=np.float32).reshape(args.n, args.d)
    init = np.fromfile(args.init, dtype=np.float32).reshape(args.k, args.d)
    return x, init


def make(args):
    rng = np.random.default_rng(args.seed)
    centers = rng.uniform(-10, 10, size=(args.k, args.d)).astype(np.float32)
    labels = rng.integers(0, args.k, size=args.n)
    x = centers[labels] + rng.normal(0, 3, size=(args.n, args.d)).astype(np.float32)
    x = x.astype(np.float32)
    x.tofile(args.data)
    x[rng.choice(args.n, size=args.k, replace=False)].tofile(args.init)


def inertia_of(x, centroids):
    best = np.full(x.shape[0], np.inf, dtype=np.float64)
    for start in range(0, x.shape[0], 262144):
        block = x[start:start + 262144].astype(np.float64)
        d = ((block[:, None, :] - centroids[None, :, :].astype(np.float64)) ** 2).sum(axis=2)
        best[start:start + 262144] = d.min(axis=1)
    return float(best.sum())


def sklearn(args):
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits
    x, init = load(args)
    with threadpool_limits(limits=args.threads):
        model = KMeans(n_clusters=args.k, init=init, n_init=1, algorithm="lloyd", tol=0, max_iter=args.iterations)
        start = time.perf_counter()
        model.fit(x)
        seconds = time.perf_counter() - start
    report("scikit-learn", args, seconds / model.n_iter_, float(model.inertia_), model.n_iter_)


def faiss_kmeans(args):
    import faiss
    faiss.omp_set_num_threads(args.threads)
    x, init = load(args)
    km = faiss.Kmeans(args.d, args.k, niter=args.iterations, max_points_per_centroid=args.n, seed=1, verbose=False)
    start = time.perf_counter()
    km.train(x, init_centroids=init)
    seconds = time.perf_counter() - start
    report("faiss", args, seconds / args.iterations, inertia_of(x, km.centroids), args.iterations)


def report(tool, args, seconds_per_iteration, inertia, iterations):
    print(json.dumps({"tool": tool, "n": args.n, "d": args.d, "k": args.k, "threads": args.threads,
                      "iterations": int(iterations), "ms_per_iteration": seconds_per_iteration * 1000, "inertia": inertia}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["make", "sklearn", "faiss"])
    ap.add_argument("data")
    ap.add_argument("init")
    for name in ("n", "d", "k"):
        ap.add_argument(f"--{name}", type=int, required=True)
    ap.add_argument("--iterations", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    {"make": make, "sklearn": sklearn, "faiss": faiss_kmeans}[args.what](args)


if __name__ == "__main__":
    sys.exit(main())
