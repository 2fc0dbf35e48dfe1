"""Load throughput and peak memory against floors measured in the same run.

    python bench/load_bench.py --settlements 1000000 --repeat 3
    python bench/load_bench.py --data DIR            # an existing export (four CSVs)
    python bench/load_bench.py --months              # month 6 into months 1-5 vs into an empty store

For the same data, each task in its own process (so peak RSS is its own):
  * pyarrow_read:   pyarrow.csv.read_csv of every CSV (all columns as text)
  * pandas_read:    pandas.read_csv(dtype=str) of every CSV
  * copy_arrow:     the engine's own COPY of ringscan's staged node and relationship
                    tables, held in memory as Arrow, into a fresh store (+ CHECKPOINT); node
                    tables in slices of one engine node group, as ringscan copies them (one
                    COPY of a 3M district's whole Address table hung here: LadybugDB #643)
  * copy_arrow_tx:  the same COPYs inside one transaction (what makes a killed load leave nothing)
  * copy_parquet:   the same COPY from one Parquet file per table
  * copy_parquet_tx: the same from Parquet inside one transaction
  * ringscan_load:  `load_files` end to end into a fresh store (+ CHECKPOINT), with its
                    own stage times (read, dedupe, graph, write)
Staged tables are made once per data set by ringscan's staging (not timed).
Prints medians and the ratios the issue asks for; the machine is shared and
noisy, so read the ratios, not the seconds. `cores_busy` is CPU time / wall time.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"

_PRELUDE = (
    "import resource, time, json, sys, os\n"
    "from pathlib import Path\n"
    "def _done(extra=None):\n"
    "    u = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
    "    out = {'seconds': time.perf_counter() - T0, 'peak_mb': hwm / 1024,\n"
    "           'cpu_s': u.ru_utime + u.ru_stime - CPU0}\n"
    "    out.update(extra or {})\n"
    "    print('RESULT ' + json.dumps(out))\n"
)

_TASKS = {
    "pyarrow_read": (
        "import pyarrow.csv as pv, pyarrow as pa\n"
        "files = sorted(Path(DATA).glob('*.csv'))\n"
        "def cols(f):\n"
        "    with open(f, encoding='utf-8-sig') as fh: return fh.readline().rstrip('\\n').split(',')\n"
        "T0 = time.perf_counter(); u0 = resource.getrusage(resource.RUSAGE_SELF); CPU0 = u0.ru_utime + u0.ru_stime\n"
        "rows = sum(pv.read_csv(f, convert_options=pv.ConvertOptions(column_types={c: pa.string() for c in cols(f)})).num_rows for f in files)\n"
        "_done({'rows': rows})\n"
    ),
    "pandas_read": (
        "import pandas as pd\n"
        "files = sorted(Path(DATA).glob('*.csv'))\n"
        "T0 = time.perf_counter(); u0 = resource.getrusage(resource.RUSAGE_SELF); CPU0 = u0.ru_utime + u0.ru_stime\n"
        "rows = sum(len(pd.read_csv(f, dtype=str)) for f in files)\n"
        "_done({'rows': rows})\n"
    ),
    "copy_arrow": (
        "import pyarrow.parquet as pq, ladybug\n"
        "from ringscan.graph.embedded import schema_statements, NODE_COPY_ROWS\n"
        "db = Path(DB); [p.unlink() for p in db.parent.glob(db.name + '*')]\n"
        "plan = json.loads((Path(STAGED) / 'plan.json').read_text())\n"
        "tables = [(step, pq.read_table(Path(STAGED) / step['file'])) for step in plan]\n"
        "conn = ladybug.Connection(ladybug.Database(str(db)))\n"
        "[conn.execute(s) for s in schema_statements()]\n"
        "T0 = time.perf_counter(); u0 = resource.getrusage(resource.RUSAGE_SELF); CPU0 = u0.ru_utime + u0.ru_stime\n"
        "for step, table in tables:\n"
        "    rows = max(table.num_rows, 1) if step['options'] else NODE_COPY_ROWS\n"
        "    for start in range(0, table.num_rows, rows):\n"
        "        copy_rows = table.slice(start, rows)\n"
        "        conn.execute(f\"COPY {step['target']} FROM copy_rows{step['options']}\")\n"
        "conn.execute('CHECKPOINT')\n"
        "_done()\n"
    ),
    "copy_parquet": (
        "import ladybug\n"
        "from ringscan.graph.embedded import schema_statements\n"
        "db = Path(DB); [p.unlink() for p in db.parent.glob(db.name + '*')]\n"
        "plan = json.loads((Path(STAGED) / 'plan.json').read_text())\n"
        "conn = ladybug.Connection(ladybug.Database(str(db)))\n"
        "[conn.execute(s) for s in schema_statements()]\n"
        "T0 = time.perf_counter(); u0 = resource.getrusage(resource.RUSAGE_SELF); CPU0 = u0.ru_utime + u0.ru_stime\n"
        "for step in plan:\n"
        "    conn.execute(f\"COPY {step['target']} FROM '{Path(STAGED) / step['file']}'{step['options']}\")\n"
        "conn.execute('CHECKPOINT')\n"
        "_done()\n"
    ),
    "ringscan_load": (
        "from ringscan.graph.embedded import EmbeddedBackend; from ringscan.ingest.load import load_files\n"
        "db = Path(DB); [p.unlink() for p in db.parent.glob(db.name + '*')]\n"
        "T0 = time.perf_counter(); u0 = resource.getrusage(resource.RUSAGE_SELF); CPU0 = u0.ru_utime + u0.ru_stime\n"
        "b = EmbeddedBackend(db); r = load_files(sorted(Path(DATA).glob('*.csv')), b)\n"
        "t = time.perf_counter(); b.close(); r.seconds['checkpoint'] = time.perf_counter() - t\n"
        "_done({'rows': r.read, 'stages': r.seconds})\n"
    ),
}

# The same COPYs inside one transaction (what makes a killed load leave nothing).
_TASKS["copy_arrow_tx"] = _TASKS["copy_arrow"].replace(
    "for step, table in tables:", "conn.execute('BEGIN TRANSACTION')\nfor step, table in tables:").replace(
    "conn.execute('CHECKPOINT')", "conn.execute('COMMIT'); conn.execute('CHECKPOINT')")
_TASKS["copy_parquet_tx"] = _TASKS["copy_parquet"].replace(
    "for step in plan:", "conn.execute('BEGIN TRANSACTION')\nfor step in plan:").replace(
    "conn.execute('CHECKPOINT')", "conn.execute('COMMIT'); conn.execute('CHECKPOINT')")
_TASKS = {name: _TASKS[name] for name in ("pyarrow_read", "pandas_read", "copy_arrow", "copy_arrow_tx",
                                          "copy_parquet", "copy_parquet_tx", "ringscan_load")}

def _run(code: str, **names: str) -> dict:
    header = "".join(f"{k} = {v!r}\n" for k, v in names.items())
    proc = subprocess.run([sys.executable, "-c", _PRELUDE + header + code], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"task failed:\n{proc.stderr[-3000:]}")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def stage_tables(data: Path, staged: Path) -> None:
    """ringscan's staged node and relationship tables for ``data``, one Parquet file each, and their COPY plan."""
    import pyarrow.parquet as pq

    from ringscan.graph.embedded import EmbeddedBackend
    from ringscan.graph.model import NODES, RELS
    from ringscan.graph.typed import typed
    from ringscan.ingest.load import stage_files

    if (staged / "plan.json").exists():
        return
    staged.mkdir(parents=True, exist_ok=True)
    scratch = staged / "empty.lbdb"
    with EmbeddedBackend(scratch) as empty:
        _, _, graph = stage_files(sorted(data.glob("*.csv")), empty)
    for p in staged.glob("empty.lbdb*"):
        p.unlink()
    plan = []
    for label, frame in graph.nodes.items():
        pq.write_table(typed(frame, NODES[label].properties), staged / f"{label}.parquet")
        plan.append({"target": label, "file": f"{label}.parquet", "options": ""})
    for (rel, src, dst), frame in graph.rels.items():
        name = f"{rel}-{src}-{dst}.parquet"
        pq.write_table(typed(frame, {"from": "STRING", "to": "STRING", **RELS[rel].properties}), staged / name)
        plan.append({"target": f"`{rel}`", "file": name, "options": f" (from='{src}', to='{dst}')"})
    (staged / "plan.json").write_text(json.dumps(plan, indent=1))


def _median(runs: list[dict]) -> dict:
    out = {k: statistics.median(r[k] for r in runs) for k in ("seconds", "peak_mb", "cpu_s")}
    out["cores_busy"] = out["cpu_s"] / out["seconds"] if out["seconds"] else 0.0
    if "stages" in runs[0]:
        out["stages"] = {k: statistics.median(r["stages"][k] for r in runs) for k in runs[0]["stages"]}
    return out


def bench_load(data: Path, repeat: int, tasks: list[str]) -> dict:
    staged = RESULTS / f"staged-{data.name}"
    stage_tables(data, staged)
    db = str(RESULTS / "bench.lbdb")
    rows: dict[str, list[dict]] = {name: [] for name in tasks}
    for _ in range(repeat):
        for name in tasks:
            rows[name].append(_run(_TASKS[name], DATA=str(data), STAGED=str(staged), DB=db))
    summary: dict = {name: _median(runs) for name, runs in rows.items()}
    copies = [summary[k]["seconds"] for k in ("copy_arrow", "copy_parquet") if k in summary]
    load, pandas = summary.get("ringscan_load"), summary.get("pandas_read")
    ratio = {}  # only the floors that ran (--tasks may leave some out)
    if load and copies:
        ratio["load_vs_fastest_copy"] = load["seconds"] / min(copies)
    if load and pandas:
        ratio["load_vs_pandas_read_time"] = load["seconds"] / pandas["seconds"]
        ratio["load_peak_vs_pandas_read_peak"] = load["peak_mb"] / pandas["peak_mb"]
    if ratio:
        summary["ratio"] = ratio
    settlements = sum(1 for _ in open(data / "settlements.csv", encoding="utf-8")) - 1
    summary["input"] = {"data": str(data), "settlements": settlements,
                        "rows_all_files": rows["ringscan_load"][0]["rows"] if load else None, "repeat": repeat}
    return summary


def bench_months(data: Path, repeat: int) -> dict:
    """Month 6 into a store holding months 1-5, against month 6 alone into an empty store."""
    from common import split_months

    months = RESULTS / f"months-{data.name}"
    if not (months / "month-6").exists():
        split_months(data, months, 6)
    code_into = (
        "from ringscan.graph.embedded import EmbeddedBackend; from ringscan.ingest.load import load_files\n"
        "import shutil\n"
        "db = Path(DB); [p.unlink() for p in db.parent.glob(db.name + '*')]\n"
        "if BASE: [shutil.copy(p, db.parent / p.name.replace(Path(BASE).name, db.name)) for p in Path(BASE).parent.glob(Path(BASE).name + '*')]\n"
        "T0 = time.perf_counter(); u0 = resource.getrusage(resource.RUSAGE_SELF); CPU0 = u0.ru_utime + u0.ru_stime\n"
        "b = EmbeddedBackend(db); r = load_files(sorted(Path(DATA).glob('*.csv')), b); b.close()\n"
        "_done({'rows': r.read, 'stages': r.seconds})\n"
    )
    base = months / "months-1-5.lbdb"  # per data set: a store of another district's months would mislead
    if not base.exists():
        from ringscan.graph.embedded import EmbeddedBackend
        from ringscan.ingest.load import load_files

        with EmbeddedBackend(base) as store:
            for m in range(1, 6):
                load_files(sorted((months / f"month-{m}").glob("*.csv")), store)
    db = str(RESULTS / "bench-month.lbdb")
    runs: dict[str, list[dict]] = {"month6_into_empty": [], "month6_into_months_1_5": []}
    for _ in range(repeat):
        runs["month6_into_empty"].append(_run(code_into, DATA=str(months / "month-6"), DB=db, BASE=""))
        runs["month6_into_months_1_5"].append(_run(code_into, DATA=str(months / "month-6"), DB=db, BASE=str(base)))
    summary: dict = {k: _median(v) for k, v in runs.items()}
    summary["ratio"] = {"incremental_vs_empty": summary["month6_into_months_1_5"]["seconds"]
                        / summary["month6_into_empty"]["seconds"]}
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settlements", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="an existing export (settlements.csv, persons.csv, ...)")
    parser.add_argument("--tasks", default=",".join(_TASKS), help="comma-separated subset of " + ",".join(_TASKS))
    parser.add_argument("--months", action="store_true", help="the month-6 incremental bench instead")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from common import district

    data = args.data or district(args.settlements, args.seed)
    if args.months:
        result = bench_months(data, args.repeat)
    else:
        result = bench_load(data, args.repeat, args.tasks.split(","))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
    shutil.rmtree(RESULTS / "bench.lbdb", ignore_errors=True)
