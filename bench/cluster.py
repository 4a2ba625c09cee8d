#!/usr/bin/env python3
"""Cluster benchmarks: the Redis queue against embedded mode, on this machine, release build.

Usage: bench/cluster.py --workspace BIG.sqlite [--people N-for-the-small-workspace] [--only-jobs]

`--only-jobs` measures the churn and recommend runs again and keeps every other figure of cluster.json.

Starts its own redis-server (deploy/redis/omniseg-queue.conf: noeviction, AOF everysec, ACL user) on
a free loopback port and its own omniseg-worker processes; every job runs through `omniseg run
--timings`, which prints each iteration's wall time (tasks on the transport plus the merge), so
process start-up and workspace loading are not counted. Measures:
  - small tasks/s: `probe` over 16-row shards (the lightest task there is), embedded vs Redis;
  - task round trip: `probe` over a single shard, one task per iteration;
  - `profile` rows/s on the big workspace: embedded 1 and 2 threads; Redis with 1 worker x 1,
    2 workers x 1 and 1 worker x 2 (each job run twice: cold caches, then warm);
  - shard bytes read from Redis per iteration (from `omniseg status --json`);
  - Lloyd iterations of the `cluster` job (k = 16, one seeding, 15 iterations, tol 0): embedded with
    2 threads against 1 worker x 2 threads through Redis (warm caches);
  - churn and recommend: `churn-train` on the feature set as of 90 days before the newest (made here if missing) and
    `churn-score` of the newest set with that model: embedded 1 and 2 threads, 1 worker x 2 and
    2 workers x 1 (training once per setting; scoring cold, then the median of warm runs). Both the
    job driver's iteration time and the whole `omniseg run` wall time (process start, workspace load,
    labels and binning on the coordinator, storing the model or scores) are recorded; then one
    `recommend` job over the newest set (interactions read on the coordinator, shipped beside the shards).
Writes bench/results/cluster.json and cluster.md.
"""
import argparse
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from machine import describe, machine  # noqa: E402

# OMNISEG_BIN runs other binaries (another build, to compare two versions in one session).
BIN = os.environ.get("OMNISEG_BIN", os.path.join(ROOT, ".build", "release"))
OMNISEG = os.path.join(BIN, "omniseg")
WORKER = os.path.join(BIN, "omniseg-worker")
REPEATS = 5
OVERLAP = ["rule_1=rfm IN (champions, loyal)", "rule_2=lifecycle IN (at_risk, churned)", "rule_3=channel = omnichannel",
           "rule_4=viewed(within = 30d)", "rule_5=discount_share >= 0.5"]
TIMING = re.compile(r"iteration (\d+): (\d+) tasks in ([0-9.]+) s")


def sh(args, **kw):
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"cluster bench: {' '.join(args[:4])}… failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return r


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    def __init__(self, work, extra=()):
        self.port = free_port()
        password = secrets.token_hex(12)
        self.url = f"redis://omniseg:{password}@127.0.0.1:{self.port}/0"
        self.dir = os.path.join(work, "redis")
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        conf = os.path.join(self.dir, "redis.conf")
        with open(os.path.join(ROOT, "deploy", "redis", "omniseg-queue.conf")) as f:
            text = f.read().replace("change-me", password)
        with open(conf, "w") as f:
            f.write(text)
        self.process = subprocess.Popen(
            ["redis-server", conf, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", self.dir, "--daemonize", "no", *extra],
            stdout=open(os.path.join(self.dir, "redis.log"), "w"), stderr=subprocess.STDOUT)
        for _ in range(100):
            if subprocess.run([OMNISEG, "workers", "--redis", self.url], capture_output=True).returncode == 0:
                return
            time.sleep(0.1)
        sys.exit("cluster bench: redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait()


class Workers:
    def __init__(self, redis, count, concurrency, log_dir):
        self.redis = redis
        self.processes = [
            subprocess.Popen([WORKER, "--redis", redis.url, "--concurrency", str(concurrency), "--log-level", "warning"],
                             stdout=subprocess.DEVNULL, stderr=open(os.path.join(log_dir, f"worker-{i}.log"), "w"))
            for i in range(count)]
        for _ in range(100):
            listing = sh([OMNISEG, "workers", "--redis", redis.url, "--json"]).stdout
            if listing.count('"alive":true') >= count:
                return
            time.sleep(0.1)
        sys.exit("cluster bench: workers did not register")

    def stop(self):
        for p in self.processes:
            p.send_signal(signal.SIGTERM)
        for p in self.processes:
            p.wait()


def run_job(workspace, kind, params=(), redis=None, threads=None, wall=None):
    """Runs one job; returns (job id, [(iteration, tasks, seconds)]). With `wall` (a list), appends
    the whole process's wall-clock seconds to it."""
    args = [OMNISEG, "run", kind, "-w", workspace, "--quiet", "--timings"]
    for p in params:
        args += ["--param", p]
    args += ["--redis", redis.url] if redis else ["--threads", str(threads)]
    start = time.perf_counter()
    r = sh(args)
    if wall is not None:
        wall.append(time.perf_counter() - start)
    timings = [(int(m[1]), int(m[2]), float(m[3])) for m in TIMING.finditer(r.stderr)]
    return r.stdout.strip(), timings


def churn_sets(workspace):
    """(training set id, scoring set id, labelled people): the newest feature set is scored; the
    model trains on the newest set as of at least 90 days before it (made here when missing, as of
    91 days before, so the 90-day holdout window ends inside the data)."""
    def sets():
        with sqlite3.connect(workspace) as db:
            return db.execute("SELECT id, as_of, row_count FROM feature_set ORDER BY as_of, id").fetchall()
    newest = sets()[-1]
    older = [s for s in sets() if s[1] <= newest[1] - 90 * 86400]
    if not older:
        day = datetime.datetime.fromtimestamp(newest[1] - 91 * 86400, datetime.timezone.utc).date().isoformat()
        sh([OMNISEG, "features", "-w", workspace, "--as-of", day])
        older = [s for s in sets() if s[1] <= newest[1] - 90 * 86400]
    return older[-1][0], newest[0], older[-1][2]


def job_status(redis, job):
    return json.loads(sh([OMNISEG, "status", job, "--redis", redis.url, "--json"]).stdout)


def prepare_small(work, people):
    """A workspace of 16-row shards (small tasks) and a copy with one shard (round trip)."""
    small = os.path.join(work, "cluster-small")
    one = os.path.join(work, "cluster-one")
    if not os.path.exists(os.path.join(one, "workspace.sqlite")):
        shutil.rmtree(small, ignore_errors=True)
        shutil.rmtree(one, ignore_errors=True)
        sh([OMNISEG, "demo", "--people", str(people), "--seed", "11", "--dir", small])
        sh([OMNISEG, "features", "-w", os.path.join(small, "workspace.sqlite"), "--shard-rows", "16"])
        os.makedirs(one)
        shutil.copy(os.path.join(small, "workspace.sqlite"), os.path.join(one, "workspace.sqlite"))
        sh([OMNISEG, "features", "-w", os.path.join(one, "workspace.sqlite"), "--shard-rows", "1048576"])
    return os.path.join(small, "workspace.sqlite"), os.path.join(one, "workspace.sqlite")


def rows_of(workspace):
    out = sh([OMNISEG, "features", "-w", workspace, "--describe"]).stdout
    m = re.search(r"([0-9,]+) people", out)
    return int(m[1].replace(",", "")) if m else 0


def warm(timings):
    """Median seconds of the iterations after the first."""
    rest = [s for i, _, s in timings if i > 0]
    return statistics.median(rest) if rest else timings[-1][2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workspace", required=True, help="the big workspace (profile rows/s)")
    ap.add_argument("--people", type=int, default=20000, help="people in the small-task workspace")
    ap.add_argument("--work", default=os.path.join(ROOT, "bench", "data"))
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--only-jobs", action="store_true",
                    help="measure again only the churn and recommend runs, keeping the other figures of cluster.json")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(a.results, exist_ok=True)
    logs = os.path.join(a.work, "cluster-logs")
    os.makedirs(logs, exist_ok=True)
    small, one = prepare_small(a.work, a.people)
    big_rows = rows_of(a.workspace)
    results = []

    def record(name, mode, workers, concurrency, job, timings, rows=0, status=None):
        entry = {"name": name, "mode": mode, "workers": workers, "concurrency": concurrency, "job": job,
                 "iterations": [{"iteration": i, "tasks": t, "seconds": s} for i, t, s in timings]}
        first, steady = timings[0][2], warm(timings)
        tasks = timings[0][1]
        entry.update({"first_iteration_seconds": first, "steady_iteration_seconds": steady,
                      "steady_tasks_per_second": tasks / steady if steady > 0 else 0})
        if rows:
            entry["steady_rows_per_second"] = rows / steady if steady > 0 else 0
            entry["first_rows_per_second"] = rows / first if first > 0 else 0
        if status:
            entry["shard_bytes"] = status["shard_bytes"]
            entry["shard_bytes_read"] = status["shard_bytes_read"]
        results.append(entry)
        print(f"{name}: first {first:.4f} s, steady {steady:.4f} s per iteration"
              + (f", {entry['steady_tasks_per_second']:,.0f} tasks/s" if not rows else f", {entry['steady_rows_per_second']:,.0f} rows/s"),
              file=sys.stderr)

    def record_job(name, mode, workers, concurrency, runs, rows, status=None):
        """A whole job run several times: the median job time (sum of its iterations)."""
        totals = sorted(sum(s for _, _, s in t) for _, t in runs)
        seconds = statistics.median(totals)
        iterations = len(runs[0][1])
        entry = {"name": name, "mode": mode, "workers": workers, "concurrency": concurrency,
                 "jobs": [job for job, _ in runs], "runs": len(runs), "iterations_per_job": iterations,
                 "job_seconds": seconds, "job_seconds_all": totals,
                 "rows_per_second": rows * iterations / seconds if seconds > 0 else 0}
        if status:
            entry["shard_bytes"] = status["shard_bytes"]
            entry["shard_bytes_read"] = status["shard_bytes_read"]
        results.append(entry)
        print(f"{name}: job {seconds:.4f} s (median of {len(runs)}), {entry['rows_per_second']:,.0f} rows/s", file=sys.stderr)

    def record_lloyd(name, mode, workers, concurrency, job, timings, rows, status=None):
        """A cluster job: the median of its Lloyd iterations (not the survey, not the labelling)."""
        lloyd_times = sorted(s for i, _, s in timings[1:-1])
        seconds = statistics.median(lloyd_times)
        entry = {"name": name, "mode": mode, "workers": workers, "concurrency": concurrency, "job": job,
                 "lloyd_iterations": len(lloyd_times), "lloyd_seconds_median": seconds,
                 "lloyd_rows_per_second": rows / seconds if seconds > 0 else 0}
        if status:
            entry["shard_bytes"] = status["shard_bytes"]
            entry["shard_bytes_read"] = status["shard_bytes_read"]
        results.append(entry)
        print(f"{name}: {seconds * 1000:.1f} ms per Lloyd iteration (median of {len(lloyd_times)})", file=sys.stderr)

    def record_run(name, mode, workers, concurrency, runs, walls, rows, status=None):
        """A churn or recommend job: median over runs of the iteration time and of the wall time."""
        driver = statistics.median(sum(s for _, _, s in t) for _, t in runs)
        wall = statistics.median(walls)
        entry = {"name": name, "mode": mode, "workers": workers, "concurrency": concurrency,
                 "jobs": [job for job, _ in runs], "runs": len(runs), "rows": rows,
                 "driver_seconds": driver, "wall_seconds": wall, "wall_seconds_all": walls,
                 "rows_per_second_driver": rows / driver if driver > 0 else 0,
                 "rows_per_second_wall": rows / wall if wall > 0 else 0}
        if status:
            entry["shard_bytes"] = status["shard_bytes"]
            entry["shard_bytes_read"] = status["shard_bytes_read"]
        results.append(entry)
        print(f"{name}: driver {driver:.3f} s, wall {wall:.3f} s ({len(runs)} runs)", file=sys.stderr)

    train_set, score_set, train_rows = churn_sets(a.workspace)
    churn_train = [f"feature_set={train_set}"]
    churn_score = [f"feature_set={score_set}"]

    def churn_runs(label, mode, count, concurrency, redis=None, threads=None):
        walls = []
        runs = [run_job(a.workspace, "churn-train", churn_train, redis=redis, threads=threads, wall=walls)]
        status = job_status(redis, runs[0][0]) if redis else None
        record_run(f"churn_train_{label}", mode, count, concurrency, runs, walls, train_rows, status)
        walls = []
        cold = [run_job(a.workspace, "churn-score", churn_score, redis=redis, threads=threads, wall=walls)]
        if redis:
            record_run(f"churn_score_{label}_cold", mode, count, concurrency, cold, walls, big_rows, job_status(redis, cold[0][0]))
            walls = []
        warm_runs = [run_job(a.workspace, "churn-score", churn_score, redis=redis, threads=threads, wall=walls) for _ in range(3)]
        record_run(f"churn_score_{label}" + ("_warm" if redis else ""), mode, count, concurrency, warm_runs, walls,
                     big_rows, job_status(redis, warm_runs[-1][0]) if redis else None)
        # The recommender over every person's whole history (its interactions travel beside the shards).
        walls = []
        runs = [run_job(a.workspace, "recommend", churn_score, redis=redis, threads=threads, wall=walls)]
        record_run(f"recommend_{label}", mode, count, concurrency, runs, walls, big_rows, job_status(redis, runs[0][0]) if redis else None)
        # The all-way overlap of the report's five default segments (interactions beside the shards, as for recommend).
        walls = []
        runs = [run_job(a.workspace, "overlap", OVERLAP + churn_score, redis=redis, threads=threads, wall=walls)]
        record_run(f"overlap_{label}", mode, count, concurrency, runs, walls, big_rows, job_status(redis, runs[0][0]) if redis else None)

    # Embedded references.
    for threads in (1, 2):
        churn_runs(f"embedded_{threads}_threads", "embedded", 0, threads, threads=threads)
    if a.only_jobs:
        redis = Redis(a.work)
        try:
            for count, concurrency in ((2, 1), (1, 2)):
                workers = Workers(redis, count, concurrency, logs)
                churn_runs(f"redis_{count}x{concurrency}", "redis", count, concurrency, redis=redis)
                workers.stop()
        finally:
            redis.stop()
        with open(os.path.join(a.results, "cluster.json")) as f:
            previous = json.load(f)["results"]
        fresh = {r["name"]: r for r in results}
        merged = [fresh.pop(r["name"], r) for r in previous] + list(fresh.values())
        write(a.results, merged, big_rows, a.people)
        return
    for threads in (1, 2):
        job, t = run_job(small, "probe", ["iterations=10"], threads=threads)
        record(f"small_tasks_embedded_{threads}_threads", "embedded", 0, threads, job, t)
    job, t = run_job(one, "probe", ["iterations=50"], threads=1)
    record("round_trip_embedded", "embedded", 0, 1, job, t)
    lloyd = ["k=16", "n-init=1", "max-iter=15", "tol=0"]
    job, t = run_job(a.workspace, "cluster", lloyd, threads=2)
    record_lloyd("lloyd_embedded_2_threads", "embedded", 0, 2, job, t, big_rows)
    for threads in (1, 2):
        runs = [run_job(a.workspace, "profile", threads=threads) for _ in range(REPEATS)]
        record_job(f"profile_embedded_{threads}_threads", "embedded", 0, threads, runs, big_rows)

    redis = Redis(a.work)
    try:
        for count, concurrency in ((1, 2), (2, 1)):
            workers = Workers(redis, count, concurrency, logs)
            label = f"{count}x{concurrency}"
            job, t = run_job(small, "probe", ["iterations=10"], redis=redis)
            record(f"small_tasks_redis_{label}", "redis", count, concurrency, job, t, status=job_status(redis, job))
            if (count, concurrency) == (1, 2):
                job, t = run_job(one, "probe", ["iterations=50"], redis=redis)
                record("round_trip_redis", "redis", count, concurrency, job, t)
            workers.stop()
        for count, concurrency in ((1, 1), (2, 1), (1, 2)):
            workers = Workers(redis, count, concurrency, logs)
            label = f"{count}x{concurrency}"
            cold = [run_job(a.workspace, "profile", redis=redis)]
            record_job(f"profile_redis_{label}_cold", "redis", count, concurrency, cold, big_rows, job_status(redis, cold[0][0]))
            warm_runs = [run_job(a.workspace, "profile", redis=redis) for _ in range(REPEATS)]
            record_job(f"profile_redis_{label}_warm", "redis", count, concurrency, warm_runs, big_rows,
                       job_status(redis, warm_runs[-1][0]))
            job, t = run_job(a.workspace, "probe", ["iterations=10"], redis=redis)
            record(f"probe_big_redis_{label}", "redis", count, concurrency, job, t, rows=big_rows, status=job_status(redis, job))
            if (count, concurrency) == (1, 2):
                job, t = run_job(a.workspace, "cluster", lloyd, redis=redis)
                record_lloyd("lloyd_redis_1x2", "redis", count, concurrency, job, t, big_rows, job_status(redis, job))
            if count * concurrency == 2:
                churn_runs(f"redis_{label}", "redis", count, concurrency, redis=redis)
            workers.stop()
    finally:
        redis.stop()
    for threads in (1, 2):
        job, t = run_job(a.workspace, "probe", ["iterations=10"], threads=threads)
        record(f"probe_big_embedded_{threads}_threads", "embedded", 0, threads, job, t, rows=big_rows)

    write(a.results, results, big_rows, a.people)


def write(directory, results, big_rows, people):
    by = {r["name"]: r for r in results}
    m = machine()
    doc = {"date": datetime.date.today().isoformat(), "machine": m, "big_workspace_rows": big_rows,
           "small_workspace_people": people, "results": results}
    with open(os.path.join(directory, "cluster.json"), "w") as f:
        json.dump(doc, f, indent=2)

    def ms(x):
        return f"{x * 1000:.2f}"

    lines = [f"# Cluster benchmarks ({doc['date']})", "",
             f"`make bench` (bench/cluster.py) — {describe(m)}. Redis {redis_version()} on the same machine "
             "with deploy/redis/omniseg-queue.conf (AOF everysec). Times are per iteration, measured by the "
             "job driver (tasks + merge); *steady* is the median of the iterations after the first.", "",
             "## Small tasks (probe over 16-row shards)", "",
             "| run | tasks per iteration | first iteration ms | steady ms | steady tasks/s |", "|---|---:|---:|---:|---:|"]
    for r in results:
        if r["name"].startswith("small_tasks"):
            lines.append(f"| {r['name']} | {r['iterations'][0]['tasks']:,} | {ms(r['first_iteration_seconds'])} | "
                         f"{ms(r['steady_iteration_seconds'])} | {r['steady_tasks_per_second']:,.0f} |")
    lines += ["", "## Task round trip (probe over one shard: one task per iteration)", "",
              "| run | median ms | p90 ms |", "|---|---:|---:|"]
    for name in ("round_trip_embedded", "round_trip_redis"):
        if name in by:
            s = sorted(x["seconds"] for x in by[name]["iterations"][1:])
            lines.append(f"| {name} | {ms(statistics.median(s))} | {ms(s[int(0.9 * (len(s) - 1))])} |")
    def read_column(r):
        read = ", ".join(f"{b / 1e6:.1f}" for b in r.get("shard_bytes_read", [])) or "—"
        shard = f"{r['shard_bytes'] / 1e6:.1f}" if "shard_bytes" in r else "—"
        return shard, read

    def section(title, header, prefix, cells):
        lines.extend(["", title, "", "| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 2) + "---|"])
        for r in results:
            if r["name"].startswith(prefix):
                lines.append("| " + " | ".join([r["name"]] + cells(r) + list(read_column(r))) + " |")

    section(f"## profile job over {big_rows:,} rows (2 iterations; median of {REPEATS} jobs, cold = first job on new workers)",
            ["run", "job s", "rows/s (rows × iterations / s)", "shard MB", "MB read from Redis per iteration (last job)"],
            "profile", lambda r: [f"{r['job_seconds']:.3f}", f"{r['rows_per_second']:,.0f}"])
    section(f"## probe over {big_rows:,} rows (10 iterations; steady = median of iterations 1–9)",
            ["run", "first iteration s", "steady s", "steady rows/s", "shard MB", "MB read from Redis per iteration"],
            "probe_big", lambda r: [f"{r['first_iteration_seconds']:.4f}", f"{r['steady_iteration_seconds']:.4f}",
                                    f"{r['steady_rows_per_second']:,.0f}"])
    lines += ["", f"## cluster job over {big_rows:,} rows: Lloyd iterations (k = 16, 30 features, one seeding, tol 0)", "",
              "| run | ms per Lloyd iteration (median) | MB read from Redis, all iterations |", "|---|---:|---:|"]
    for r in results:
        if r["name"].startswith("lloyd"):
            read = f"{sum(r['shard_bytes_read']) / 1e6:.1f}" if "shard_bytes_read" in r else "—"
            lines.append(f"| {r['name']} | {r['lloyd_seconds_median'] * 1000:.1f} | {read} |")
    lines += ["", f"## churn, recommend and overlap over the workers (churn training: {by.get('churn_train_embedded_1_threads', {}).get('rows', 0):,} people "
              f"as of 90 days before the newest set; scoring: {big_rows:,} people; 100 trees, depth 12; recommend: every person's "
              "whole history, default settings; overlap: every combination of five segments — RFM, lifecycle, channel, viewed(within = 30d), "
              "discount_share)", "",
              "*driver* = the job driver's iterations (tasks on the transport + merges); *wall* = the whole `omniseg run` "
              "(process start, workspace load, labels and binning on the coordinator, storing the model or the scores).", "",
              "| run | driver s | wall s | rows/s (driver) | rows/s (wall) | MB read from Redis per iteration |",
              "|---|---:|---:|---:|---:|---|"]
    for r in results:
        if r["name"].startswith(("churn", "recommend", "overlap")):
            read = ", ".join(f"{b / 1e6:.1f}" for b in r.get("shard_bytes_read", [])) or "—"
            lines.append(f"| {r['name']} | {r['driver_seconds']:.3f} | {r['wall_seconds']:.3f} | "
                         f"{r['rows_per_second_driver']:,.0f} | {r['rows_per_second_wall']:,.0f} | {read} |")
    lines += ["", "## Against the goals", ""]
    small = by.get("small_tasks_redis_1x2")
    if small:
        rate = small["steady_tasks_per_second"]
        lines.append(f"- Small tasks through Redis: {rate:,.0f} tasks/s (goal ≥ 20,000: "
                     f"{'met' if rate >= 20000 else f'missed by {100 * (1 - rate / 20000):.0f}%'}).")
    for cluster, embedded, what, key in (("lloyd_redis_1x2", "lloyd_embedded_2_threads", "Lloyd iteration of the cluster job", "lloyd_rows_per_second"),
                                         ("profile_redis_1x2_warm", "profile_embedded_2_threads", "profile job (warm caches)", "rows_per_second"),
                                         ("probe_big_redis_1x2", "probe_big_embedded_2_threads", "probe iteration", "steady_rows_per_second")):
        if cluster in by and embedded in by:
            ratio = by[cluster][key] / by[embedded][key]
            lines.append(f"- Steady-state {what}, 1 worker × 2 threads vs embedded 2 threads: "
                         f"{100 * ratio:.0f}% of embedded throughput (goal ≥ 90%: {'met' if ratio >= 0.9 else 'missed'}).")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(directory, "cluster.md"), "w") as f:
        f.write(text)
    print(text)


def redis_version():
    out = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout
    m = re.search(r"v=([0-9.]+)", out)
    return m[1] if m else "?"


if __name__ == "__main__":
    main()
