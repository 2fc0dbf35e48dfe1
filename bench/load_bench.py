"""Load throughput and peak memory, next to pandas.read_csv of the same file.

    python bench/load_bench.py --settlements 1000000 --repeat 3

Generates a district of about N settlements (once, cached under
bench/results/), then in separate processes (so peak RSS is each task's own):
  * baseline: pandas.read_csv(settlements.csv, dtype=str)
  * ringscan: load_files(all four CSVs) into a fresh embedded store
Reports medians over --repeat runs and the ratios; machines here are noisy,
so read the ratios, not the seconds.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from common import arguments, district

HERE = Path(__file__).resolve().parent

_TASKS = {
    "pandas_read_csv": "import pandas as pd; pd.read_csv({settlements!r}, dtype=str)",
    "ringscan_load": (
        "from pathlib import Path;"
        "from ringscan.graph.embedded import EmbeddedBackend; from ringscan.ingest.load import load_files;"
        "db = Path({db!r}); [p.unlink() for p in db.parent.glob(db.name + '*')];"
        "b = EmbeddedBackend(db); r = load_files(sorted(Path({data!r}).glob('*.csv')), b); b.close();"
        "print('ROWS', r.read)"
    ),
}


def _run(code: str) -> dict:
    wrapper = (
        "import resource, time; t = time.perf_counter()\n" + code +
        "\nimport sys; print('SECONDS', time.perf_counter() - t);"
        "print('PEAK_MB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    proc = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, check=True)
    values = dict(line.split(" ", 1) for line in proc.stdout.splitlines() if line.split(" ", 1)[0].isupper())
    return {k.lower(): float(v) for k, v in values.items()}


def main() -> None:
    args = arguments(__doc__)
    data = district(args.settlements, args.seed)
    settlements = str(data / "settlements.csv")
    rows: dict[str, list[dict]] = {name: [] for name in _TASKS}
    for _ in range(args.repeat):
        for name, code in _TASKS.items():
            rows[name].append(_run(code.format(settlements=settlements, data=str(data),
                                               db=str(HERE / "results" / "bench.lbdb"))))
    summary = {}
    for name, runs in rows.items():
        summary[name] = {"seconds": statistics.median(r["seconds"] for r in runs),
                         "peak_mb": statistics.median(r["peak_mb"] for r in runs)}
    total_rows = rows["ringscan_load"][0]["rows"]
    n_settlements = sum(1 for _ in open(settlements, encoding="utf-8")) - 1
    summary["ringscan_load"]["rows_per_s"] = total_rows / summary["ringscan_load"]["seconds"]
    summary["pandas_read_csv"]["rows_per_s"] = n_settlements / summary["pandas_read_csv"]["seconds"]
    summary["ratio"] = {
        "time_load_vs_read_csv": summary["ringscan_load"]["seconds"] / summary["pandas_read_csv"]["seconds"],
        "peak_mb_load_vs_read_csv": summary["ringscan_load"]["peak_mb"] / summary["pandas_read_csv"]["peak_mb"],
    }
    summary["input"] = {"settlements": n_settlements, "rows_all_files": int(total_rows), "repeat": args.repeat}
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
