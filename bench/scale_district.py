"""A district too big for the generator to hold, made of generated chunks with ids of their own.

    python bench/scale_district.py OUT --chunks 4 --patients 343000 [--seed 11] [--parallel 2]

``ringscan generate`` holds a whole district in memory (1.37M patients were killed at
22.6 GiB here). This writes ``--chunks`` districts of ``--patients`` each (seeds ``--seed``,
``--seed``+1, …), gives each the ids of a district of its own (the region code 330102 in
every id becomes 330102, 330103, …; addresses get that district's name) and appends them
into one set of four files and one truth.json: a prefecture of neighbouring districts. A chunk
is removed once appended, so the disk holds the result and at most ``--parallel`` chunks.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ringscan.synth.district import generate_district  # noqa: E402

FILES = ("settlements.csv", "persons.csv", "institutions.csv", "fee_details.csv")
REGION = "330102"
DISTRICTS = ("上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "临平区", "钱塘区", "富阳区")


def _chunk(out: Path, k: int, patients: int, seed: int) -> Path:
    where = out / f".chunk-{k}"
    generate_district(where, patients=patients, seed=seed)
    return where


def _renamed(table: pa.Table, k: int) -> pa.Table:
    code = f"3301{2 + k:02d}"
    columns = []
    for name, column in zip(table.column_names, table.columns):
        if k:
            # The first occurrence only: the region code leads every id, and a serial number may
            # contain it again (330102000000330102), which a second replacement would make collide.
            column = pc.replace_substring(column, REGION, code, max_replacements=1)
            if name == "addr":
                column = pc.replace_substring(column, DISTRICTS[0], DISTRICTS[k % len(DISTRICTS)])
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _append(chunk: Path, out: Path, k: int, truth: dict) -> int:
    rows = 0
    for name in FILES:
        names = pacsv.read_csv(chunk / name, read_options=pacsv.ReadOptions(block_size=1 << 26)).column_names
        options = pacsv.ConvertOptions(column_types={c: pa.string() for c in names}, strings_can_be_null=False)
        table = _renamed(pacsv.read_csv(chunk / name, convert_options=options), k)
        if name == "settlements.csv":
            rows = table.num_rows
        with open(out / name, "ab") as sink:
            pacsv.write_csv(table, sink, pacsv.WriteOptions(include_header=k == 0))
    part = json.loads((chunk / "truth.json").read_text(encoding="utf-8"))
    if k:
        part = json.loads(re.sub(r'"([A-Z]*)' + REGION, lambda m: f'"{m.group(1)}3301{2 + k:02d}',
                                 json.dumps(part, ensure_ascii=False)))
    if not truth:
        truth.update({key: value for key, value in part.items() if key not in ("rings", "benign")},
                     rings=[], benign=[], chunks=[])
    for key in ("rings", "benign"):
        truth[key] += [{**item, "id": f"{k}:{item['id']}"} for item in part.get(key, [])]
    truth["chunks"].append(part["params"])
    shutil.rmtree(chunk)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--chunks", type=int, default=4)
    parser.add_argument("--patients", type=int, default=343_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--parallel", type=int, default=2)
    args = parser.parse_args()
    if args.chunks > len(DISTRICTS):
        parser.error(f"at most {len(DISTRICTS)} chunks")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        (args.out / name).unlink(missing_ok=True)
    started, truth, total = time.perf_counter(), {}, 0
    with ProcessPoolExecutor(max_workers=args.parallel) as pool:
        chunks = [pool.submit(_chunk, args.out, k, args.patients, args.seed + k) for k in range(args.chunks)]
        for k, future in enumerate(chunks):  # appended in order: the same arguments give the same files
            total += _append(future.result(), args.out, k, truth)
            print(f"chunk {k + 1}/{args.chunks}: {total:,} settlements, {time.perf_counter() - started:.0f} s", flush=True)
    (args.out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
