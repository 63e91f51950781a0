#!/usr/bin/env python3
"""Aggregate results/results.tsv into Markdown tables (printed to stdout)."""
import csv, statistics as st
from collections import defaultdict

rows = list(csv.DictReader(open("results/results.tsv"), delimiter="\t"))
bug = defaultdict(list); fixed = defaultdict(list)
for r in rows:
    (bug if r["variant"] == "buggy" else fixed)[(r["program"], r["scheduler"])].append(r)
progs = ["CheckThenAct", "LostWakeup", "MissedCancellation", "CloseRacingPut"]
scheds = ["random", "pos", "pct", "fest"]

print("| program | scheduler | runs | found | iterations to 1st failure (each run) | median iters | Fray time to failure, ms (each run) | median ms | mvn wall s (median) |")
print("|---|---|---|---|---|---|---|---|---|")
for p in progs:
    for s in scheds:
        rs = bug.get((p, s), [])
        if not rs: continue
        found = [r for r in rs if r["outcome"] == "BUG_FOUND"]
        its = [int(r["iters"]) for r in found]
        ms = [int(r["fray_elapsed_ms"]) for r in found]
        wall = [float(r["mvn_wall_s"]) for r in rs]
        print(f"| {p} | {s} | {len(rs)} | {len(found)} | {', '.join(map(str, its))} | "
              f"{st.median(its) if its else '-'} | {', '.join(map(str, ms))} | "
              f"{st.median(ms) if ms else '-'} | {st.median(wall):.1f} |")
print()
print("| program | scheduler | fixed twin outcome | iterations | Fray total ms | iters/s |")
print("|---|---|---|---|---|---|")
for p in progs:
    for s in scheds:
        for r in fixed.get((p, s), []):
            it = int(r["iters"] or 0); ms = int(r["total_run_ms"] or 0)
            print(f"| {p} | {s} | {r['outcome']} | {it} | {ms} | {it*1000/ms if ms else 0:.0f} |")
