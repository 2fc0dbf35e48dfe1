"""Minimal reproducer of the engine's COPY hang (LadybugDB issue 643) and of ringscan's workaround.

    python bench/engine_copy_hang.py [--rows 168000] [--tries 4] [--timeout 20]

Each try runs in its own process: a fresh database, one node table keyed by an
address-like string (about 66 bytes of UTF-8, as a district's addresses are),
and ``COPY Address FROM <in-memory Arrow table>``. A try that has not finished
within ``--timeout`` seconds is counted as hung (it would wait forever: every
engine thread parked, no CPU). Then the same rows copied in slices of one node
group (2^17 rows), as ringscan's embedded store copies node tables.
Measured with ladybug 0.22.0 on the 2-core build machine: these 168k rows in
one COPY hung 4 of 4 tries, in slices of 131,072 none of 4 (each under a
second). A 3M-settlement district's own 168k addresses hung 4 of 7 single
COPYs, 150k of them 1 of 3, and slices of 131,072 or fewer none of 18; a
3M load hung on them 3 times in 4 before ringscan sliced node tables.
"""
from __future__ import annotations

import argparse
import subprocess
import sys

_TRY = """
import os, sys, tempfile, time
import ladybug, pyarrow as pa
rows, step = int(sys.argv[1]), int(sys.argv[2])
streets = ["四季青", "望江", "紫阳", "湖滨", "清波", "小营", "南星", "凯旋"]
roads = ["和平街", "长江路", "解放路", "延安路", "中山路", "庆春路"]
values = [f"浙江省杭州市上城区{streets[i % 8]}街道{roads[i // 8 % 6]}{i // 48 % 999 + 1}号{i % 7 + 1}幢{i // 7 % 900 + 101}室"
          for i in range(rows)]
table = pa.table({"addr": pa.array(sorted(set(values)), type=pa.string())})
db = ladybug.Database(os.path.join(tempfile.mkdtemp(), "x.lbdb"))
conn = ladybug.Connection(db)
conn.execute("CREATE NODE TABLE Address(addr STRING, PRIMARY KEY(addr))")
started = time.perf_counter()
for start in range(0, table.num_rows, step):
    copy_rows = table.slice(start, step)
    conn.execute("COPY Address FROM copy_rows")
print(f"{time.perf_counter() - started:.2f}")
"""


def _tries(rows: int, step: int, tries: int, timeout: float) -> tuple[int, int]:
    hung = done = 0
    for _ in range(tries):
        try:
            subprocess.run([sys.executable, "-c", _TRY, str(rows), str(step)], check=True, timeout=timeout,
                           capture_output=True)
            done += 1
        except subprocess.TimeoutExpired:
            hung += 1
    return done, hung


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=168_000)
    parser.add_argument("--tries", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()
    for label, step in (("one COPY", args.rows), ("slices of 131,072", 131_072)):
        done, hung = _tries(args.rows, step, args.tries, args.timeout)
        print(f"{args.rows:,} rows, {label}: {done} finished, {hung} hung (no result within {args.timeout:.0f} s)")


if __name__ == "__main__":
    main()
