"""Ringscan beside every co-visit baseline variant on the validation districts, scored as they are scored.

    python bench/validation.py [--validation /work/shared/validation] [--seed 0] [--json OUT]

For each district in the validation folder (gzip CSVs and truth.json; see its README.md): unpack it once
into bench/results/validation/<district>/ (again when a .gz changes), load it into a fresh embedded store
and scan with default settings (the library calls behind ``ringscan load`` and ``ringscan scan``, shared
with bench/variant_matrix.py), and run each variant of the co-visit baseline (bench/baseline_covisit.py).
Everything is scored by ``ringscan.evaluate.evaluate``. One table: a row for ringscan and one per baseline
variant; per district recall@0.5, precision in the top 2 × planted rings, benign look-alike groups flagged
there, recall per ring kind, and seconds to load and to scan (the baseline reads its own CSVs: all its
time is scan). The validation districts come from an independent generator: read what is missed and fix
the behaviour behind it, do not tune to their ids or counts.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # common, variant_matrix and baseline_covisit live beside this file

import baseline_covisit  # noqa: E402
from common import RESULTS  # noqa: E402
from variant_matrix import load_and_scan  # noqa: E402

VALIDATION = Path("/work/shared/validation")
SHORT = {"pharmacy_swipe": "swipe", "shared_card": "card", "fake_admission": "admit",
         "doctor_collusion": "doctor"}  # column names of per-kind recall; other kinds keep their own name


def unpacked(district: Path) -> Path:
    """``district``'s CSVs, gunzipped once into bench/results/validation/<name>/ and redone when a .gz is newer."""
    target = RESULTS / "validation" / district.name
    target.mkdir(parents=True, exist_ok=True)
    for packed in sorted(district.glob("*.csv.gz")):
        csv = target / packed.name[:-len(".gz")]
        if csv.exists() and csv.stat().st_mtime >= packed.stat().st_mtime:
            continue
        partial = csv.with_name(csv.name + ".part")
        with gzip.open(packed, "rb") as src, open(partial, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(partial, csv)
    return target


def measure(district: Path, seed: int) -> dict[str, dict]:
    """{row: evaluation + load_s/scan_s} for ringscan and each baseline variant on one district."""
    from ringscan.evaluate import evaluate

    data, truth = unpacked(district), district / "truth.json"
    rows = {}
    with tempfile.TemporaryDirectory(dir=RESULTS) as tmp:
        rings, seconds = load_and_scan(data, seed, Path(tmp))
        rows["ringscan"] = {**evaluate(truth, rings), "load_s": seconds["load"], "scan_s": seconds["scan"]}
        for variant in baseline_covisit.VARIANTS:
            t = time.perf_counter()
            doc = baseline_covisit.covisit_rings(data, seed=seed, variant=variant)
            spent = time.perf_counter() - t
            rings = Path(tmp) / f"baseline-{variant}.json"
            rings.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
            rows[f"baseline {variant}"] = {**evaluate(truth, rings), "load_s": None, "scan_s": spent}
    for name, row in rows.items():
        print(f"{district.name} {name}: recall {row['recall']:.2f}, precision {row['precision_at_k']:.2f}, "
              f"{len(row['benign_in_top_k'])} benign flagged", file=sys.stderr, flush=True)
    return rows


def table(results: dict[str, dict[str, dict]]) -> str:
    """Rows ringscan and each baseline variant; a group of columns per district."""
    kinds = sorted({k for rows in results.values() for row in rows.values() for k in row["recall_by_kind"]})
    headers = ["recall", "prec", "benign", *(SHORT.get(k, k) for k in kinds), "load s", "scan s"]
    widths = [max(len(h), 5) for h in headers]
    names = list(next(iter(results.values())))
    label = max(len(n) for n in names) + 2

    def cells(row: dict) -> list[str]:
        by_kind = row["recall_by_kind"]
        values = [f"{row['recall']:.2f}", f"{row['precision_at_k']:.2f}", str(len(row["benign_in_top_k"])),
                  *(f"{by_kind[k]:.2f}" if k in by_kind else "—" for k in kinds),
                  *("—" if row[s] is None else f"{row[s]:.1f}" for s in ("load_s", "scan_s"))]
        return [f"{v:>{w}}" for v, w in zip(values, widths)]

    group = sum(widths) + len(widths) - 1
    lines = [" " * label + "   ".join(f"{d:<{group}}" for d in results).rstrip(),
             " " * label + "   ".join(" ".join(f"{h:>{w}}" for h, w in zip(headers, widths)) for _ in results)]
    for name in names:
        lines.append(f"{name:<{label}}" + "   ".join(" ".join(cells(rows[name])) for rows in results.values()))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--validation", type=Path, default=VALIDATION, help="folder of districts (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="community detection seed")
    parser.add_argument("--json", type=Path, help="save the numbers here")
    args = parser.parse_args()
    districts = sorted(d for d in args.validation.iterdir() if (d / "truth.json").exists())
    if not districts:
        sys.exit(f"no districts (folders with truth.json) in {args.validation}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = {d.name: measure(d, args.seed) for d in districts}
    print(table(results))
    variants = [n for n in next(iter(results.values())) if n.startswith("baseline ")]
    strongest = max(variants, key=lambda n: statistics.mean(rows[n]["recall"] for rows in results.values()))
    print(f"\nrecall@0.5, precision in the top 2×planted (Jaccard ≥ 0.3), benign look-alike groups flagged there; "
          f"strongest baseline by mean recall: {strongest.removeprefix('baseline ')}")
    if args.json:
        args.json.write_text(json.dumps({"validation": str(args.validation.resolve()), "seed": args.seed,
                                         "strongest_baseline": strongest, "districts": results},
                                        ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"numbers → {args.json}")


if __name__ == "__main__":
    main()
