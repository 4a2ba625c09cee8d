#!/usr/bin/env python3
"""Incremental resolves against resolves of every record, on the same workspace states.

Usage: bench/identity_incremental.py [--people 200000] [--seed 5] [--work DIR] [--results DIR]

Generates customer records only (`omniseg generate --customers-only --identity-noise hard`), ingests
99 % of them and resolves (exact keys; with --probabilistic a fitting resolve). Then, from copies of
the same workspace: the other 1 % ingested and resolved (the changed part) against `--full`; then
3,000 records re-ingested with another record's e-mail or none (merges and splits), again both ways;
then a resolve with nothing changed. Each pair of resolves must leave identical links and history
(and, with matching, the same blocking index and pairs) — the bench stops otherwise. Wall time, CPU
time and peak memory go to bench/results/identity-incremental.{json,md}.
"""
import argparse
import csv
import json
import os
import random
import re
import shutil
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster import OMNISEG  # noqa: E402
from identity_scale import timed  # noqa: E402
from machine import describe, machine  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TABLES = ["SELECT * FROM person_link ORDER BY 1, 2",
          "SELECT generation, event, person_id, other_id, records, reason FROM person_history ORDER BY 1, 2, 3, 4",
          "SELECT * FROM match_record ORDER BY 1, 2", "SELECT * FROM match_pair ORDER BY 1, 2, 3, 4"]


def remove(path):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def copy(src, dst):
    remove(dst)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(src + suffix):
            shutil.copy(src + suffix, dst + suffix)


def tables(path):
    db = sqlite3.connect(path)
    try:
        return [db.execute(q).fetchall() for q in TABLES]
    finally:
        db.close()


def write_files(data, work, seed):
    """The base (99 %), the rest, and 3,000 base records with another record's e-mail or none."""
    with open(os.path.join(data, "customers.csv"), newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    cut = len(body) * 99 // 100
    rng = random.Random(seed)
    email = header.index("email")
    changed = []
    for n, i in enumerate(rng.sample(range(cut), 3000)):
        row = list(body[i])
        row[email] = body[rng.randrange(cut)][email] if n % 2 == 0 else ""
        changed.append(row)
    paths = {}
    for name, part in (("base", body[:cut]), ("later", body[cut:]), ("changed", changed)):
        paths[name] = os.path.join(work, name + ".csv")
        with open(paths[name], "w", newline="") as f:
            csv.writer(f).writerows([header] + part)
    return paths, cut, len(body) - cut


def resolve(ws, matching, full=False):
    args = [OMNISEG, "resolve", "-w", ws] + (["--probabilistic"] if matching else []) + (["--full"] if full else [])
    out, wall, cpu, peak = timed(args)
    pairs = re.search(r"([\d,]+) (?:pairs compared|candidate pairs)", out)
    again = re.search(r"([\d,]+) resolved again", out)
    return {"wall_s": wall, "cpu_s": cpu, "peak_mb": peak,
            "pairs_compared": int(pairs[1].replace(",", "")) if pairs else None,
            "resolved_again": int(again[1].replace(",", "")) if again else None}


def scenario(paths, work, matching):
    """Returns the timings of one mode (exact keys, or with matching)."""
    name = "probabilistic" if matching else "exact"
    base, part, full = (os.path.join(work, f"{name}-{s}.sqlite") for s in ("base", "part", "full"))
    for path in (base, part, full):
        remove(path)
    timed([OMNISEG, "ingest", "-w", base, "customers", paths["base"]])
    row = {"first": resolve(base, matching)}
    for step in ("later", "changed"):
        timed([OMNISEG, "ingest", "-w", base, "customers", paths[step]])
        copy(base, part)
        copy(base, full)
        row[step] = {"part": resolve(part, matching), "full": resolve(full, matching, full=True)}
        if tables(part) != tables(full):
            sys.exit(f"identity incremental bench: {name}, {step}: the changed part's resolve left other people than --full")
        copy(part, base)
    row["nothing_changed"] = resolve(base, matching)
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--work", default=os.path.join(ROOT, "bench", "data", "identity-incremental"))
    ap.add_argument("--results", default=os.path.join(ROOT, "bench", "results"))
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    os.makedirs(a.results, exist_ok=True)
    data = os.path.join(a.work, "data")
    timed([OMNISEG, "generate", "--people", str(a.people), "--seed", str(a.seed), "--identity-noise", "hard", "--customers-only", "--out", data])
    paths, base_records, later_records = write_files(data, a.work, a.seed)
    row = {"machine": machine(), "people_generated": a.people, "seed": a.seed, "base_records": base_records, "later_records": later_records,
           "changed_records": 3000, "exact": scenario(paths, a.work, False), "probabilistic": scenario(paths, a.work, True)}
    with open(os.path.join(a.results, "identity-incremental.json"), "w") as f:
        json.dump(row, f, indent=2)
    lines = ["# Incremental resolves against resolves of every record", "", describe(row["machine"]), "",
             f"{base_records:,} hard-noise customer records of {a.people:,} generated people (seed {a.seed}) resolved first; then "
             f"{later_records:,} more, then 3,000 of the base re-ingested with another record's e-mail or none. Each changed-part "
             "resolve left the same links and history (and blocking index and pairs) as `--full` on a copy of the same workspace.", "",
             "| mode | step | changed part: wall s | records resolved again | pairs compared | `--full`: wall s | pairs compared | speed-up |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for mode in ("exact", "probabilistic"):
        r = row[mode]
        lines.append(f"| {mode} | first resolve of the base | — | — | — | {r['first']['wall_s']:.2f} | {r['first']['pairs_compared'] or 0:,} | — |")
        for step, label in (("later", f"{later_records:,} new records"), ("changed", "3,000 changed e-mails")):
            p, f = r[step]["part"], r[step]["full"]
            lines.append(f"| {mode} | {label} | {p['wall_s']:.2f} | {p['resolved_again'] or 0:,} | {p['pairs_compared'] or 0:,} | "
                         f"{f['wall_s']:.2f} | {f['pairs_compared'] or 0:,} | {f['wall_s'] / max(p['wall_s'], 0.01):.1f}× |")
        lines.append(f"| {mode} | nothing changed | {r['nothing_changed']['wall_s']:.2f} | 0 | 0 | — | — | — |")
    text = "\n".join(lines) + "\n"
    with open(os.path.join(a.results, "identity-incremental.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
