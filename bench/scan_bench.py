"""Scan time and memory per stage (rules, graph, communities, rings) on a generated district.

    python bench/scan_bench.py --settlements 1000000

Loads the district from bench/load_bench.py's cache (generating it if needed)
into bench/results/scan-<N>.lbdb once, then scans --repeat times. Per stage:
median wall seconds, the Python heap peak (tracemalloc) and the process peak
RSS after the stage (includes the embedded engine's native memory), the
memory figures from one extra traced run (tracing slows Python down). The
baseline in the same run is one plain Cypher pass over every settlement
(fund money per place and day), so the ratio says how much dearer the scan is
than reading and grouping the data once. ``cores_busy`` is CPU time over wall
time across the timing runs (2.0 = both cores of the build machine).
"""
from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from common import arguments, loaded_store

HERE = Path(__file__).resolve().parent


def _cpu_seconds() -> float:
    """This process's CPU time, all threads (the engine's included)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    args = arguments(__doc__)

    from ringscan.graph.embedded import EmbeddedBackend
    from ringscan.rules.catalogue import load_catalogue
    from ringscan.scan import run_scan
    db = loaded_store(args.settlements, args.seed)
    rules = load_catalogue()
    runs, baseline, rings = [], [], 0
    with EmbeddedBackend(db, read_only=True) as store:
        cpu_started = _cpu_seconds()
        wall_started = time.perf_counter()
        for _ in range(args.repeat):  # timing runs: no allocation tracing
            t = time.perf_counter()
            store.query("MATCH (s:Settlement) RETURN s.fixmedins_code AS place, s.setl_day AS day, "
                        "count(*) AS n, sum(s.fund_pay) AS fund")
            baseline.append(time.perf_counter() - t)
            result = run_scan(store, rules, seed=0)
            runs.append(result.stages)
            rings = len(result.rings)
        cores_busy = (_cpu_seconds() - cpu_started) / (time.perf_counter() - wall_started)
        rule_seconds = result.meta["rule_seconds"]
        memory = run_scan(store, rules, seed=0, measure=True).stages  # one traced run for memory
    stages = {}
    for name in runs[0]:
        stages[name] = {"seconds": statistics.median(r[name]["seconds"] for r in runs),
                        **{k: v for k, v in memory[name].items() if k != "seconds"}}
    total = sum(s["seconds"] for s in stages.values())
    print(json.dumps({"settlements": args.settlements, "rings": rings, "stages": stages,
                      "scan_seconds": round(total, 2), "baseline_full_pass_seconds": round(statistics.median(baseline), 3),
                      "ratio_scan_vs_full_pass": round(total / statistics.median(baseline), 1),
                      "cores_busy": round(cores_busy, 2), "rule_seconds": rule_seconds}, indent=2))


if __name__ == "__main__":
    main()
