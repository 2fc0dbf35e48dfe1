"""Each rule alone: wall time, peak RSS and rows, in a fresh process per rule, to find the scan's hotspots.

    python bench/rule_bench.py --settlements 1000000
    python bench/rule_bench.py --db path/to/store.lbdb     # an existing embedded store

A scan runs its rules two at a time on one engine whose buffer pool keeps what
it grew to, so the scan's peak says little about which rule set it. Here each
rule runs alone in its own process (`run_rules` with that one rule, default
parameters); the peak RSS is the engine's working memory for that query plus
its rows. The floor in the same run is a process that opens the store and
reads nothing. Rows are sorted by peak, the dearest first.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from common import loaded_store

_TASK = r'''
import json, sys, time
from ringscan.graph.embedded import EmbeddedBackend
from ringscan.rules.catalogue import load_catalogue
from ringscan.rules.run import run_rules
import ringscan.graph.embedded as embedded
embedded.READ_THREADS = 1
def peak_mb():
    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')) / 1024
store = EmbeddedBackend(sys.argv[1], read_only=True)
rules = [r for r in load_catalogue() if r.id == sys.argv[2]]
started = time.perf_counter()
out = run_rules(store, rules) if rules else None
seconds = time.perf_counter() - started
rows = sum(len(getattr(out, k)) for k in ("links", "flags", "events", "observations")) if out else 0
print("RESULT " + json.dumps({"rule": sys.argv[2], "seconds": round(seconds, 2), "peak_mb": round(peak_mb()),
                              "rows": rows}))
'''


def _run(db: Path, rule: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", _TASK, str(db), rule], capture_output=True, text=True)
    if proc.returncode:
        return {"rule": rule, "error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settlements", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", type=Path, help="an existing embedded store instead of a generated district")
    args = parser.parse_args()
    from ringscan.rules.catalogue import load_catalogue

    db = args.db or loaded_store(args.settlements, args.seed)
    floor = _run(db, "")  # opens the store, runs nothing
    rows = sorted((_run(db, rule.id) for rule in load_catalogue()), key=lambda r: -r.get("peak_mb", 0))
    print(json.dumps({"store": str(db), "open_only_peak_mb": floor.get("peak_mb"), "rules": rows}, indent=1))


if __name__ == "__main__":
    main()
