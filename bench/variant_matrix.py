"""Recall per ring family × behaviour variant, precision and benign hits, over district sizes and seeds.

    python bench/variant_matrix.py [--patients 20000 ...] [--seeds 1 2 3]
                                   [--families pharmacy_swipe,shared_card] [--variants fake_admission:rolling,...]
                                   [--json OUT]

For every size and seed: generate a district with every variant of every
family and every look-alike (``ringscan generate --variants all --benign
all``, or only the families/variants asked for; cached under bench/results/),
load it into a fresh embedded store, scan and evaluate — the same library
calls as ``ringscan load``, ``scan`` and ``evaluate`` with default settings.
One table: a row per family × variant with recall@0.5 (the share of that
variant's planted rings some detected ring matches with Jaccard ≥ 0.5) per
district and the mean; then precision in the top 2 × planted rings and the
look-alike groups that make up a top ring. A second block scores the generic
co-visit baseline (bench/baseline_covisit.py) the same way, when it exists:
every variant of it is run, the block shows the strongest (highest mean
recall) and one line sums up each other variant.
"""
from __future__ import annotations

import argparse
import importlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import RESULTS, generated

HERE = Path(__file__).resolve().parent


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, nargs="+", default=[20_000], help="district sizes")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--families", help="comma list of families to plant (all their variants)")
    parser.add_argument("--variants", help="comma list of family:variant to plant")
    parser.add_argument("--benign", default="all", help="look-alikes to plant (default all)")
    parser.add_argument("--scan-seed", type=int, default=0, help="community detection seed")
    parser.add_argument("--json", type=Path, help="save the raw numbers here")
    return parser.parse_args()


def _spec(args: argparse.Namespace) -> str:
    parts = [w for w in (args.families, args.variants) if w]
    return ",".join(parts) if parts else "all"


def _variant_of(truth_path: Path) -> dict[str, tuple[str, str]]:
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    return {r["id"]: (r["kind"], r.get("variant", "classic")) for r in truth["rings"]}


def _scored(result: dict, variants: dict[str, tuple[str, str]]) -> dict:
    """Evaluation figures with each planted ring tagged by its family and variant."""
    per_ring = [{**r, "variant": variants[r["id"]][1]} for r in result["per_ring"]]
    return {"planted": result["planted"], "detected": result["detected"], "k": result["k"],
            "recall": result["recall"], "precision_at_k": result["precision_at_k"],
            "benign_in_top_k": result["benign_in_top_k"], "per_ring": per_ring}


def load_and_scan(data: Path, seed: int, work: Path) -> tuple[Path, dict]:
    """Load ``data``/*.csv into a fresh embedded store in ``work`` and scan it with default settings.

    The library calls behind ``ringscan load`` and ``ringscan scan``; returns (rings.json, seconds per stage).
    """
    from ringscan.config import load_settings
    from ringscan.graph.embedded import EmbeddedBackend
    from ringscan.ingest.load import load_files
    from ringscan.rules.catalogue import load_catalogue
    from ringscan.scan import run_scan, write_scan

    settings = load_settings(None)
    seconds = {}
    t = time.perf_counter()
    with EmbeddedBackend(work / "graph.lbdb") as store:
        load_files(sorted(data.glob("*.csv")), store, rejects_path=work / "rejects.csv",
                   max_amount=settings.max_settlement_amount)
    seconds["load"] = time.perf_counter() - t
    t = time.perf_counter()
    with EmbeddedBackend(work / "graph.lbdb", read_only=True) as store:
        result = run_scan(store, load_catalogue(), overrides=dict(settings.rule_params), seed=seed,
                          method=settings.communities)
    rings = write_scan(result, work / "out")
    seconds["scan"] = time.perf_counter() - t
    return rings, seconds


def run_detector(data: Path, seed: int) -> tuple[dict, dict]:
    """Load ``data`` into a fresh embedded store, scan, evaluate; (scores, seconds per stage)."""
    from ringscan.evaluate import evaluate

    with tempfile.TemporaryDirectory(dir=RESULTS) as tmp:
        rings, seconds = load_and_scan(data, seed, Path(tmp))
        scores = _scored(evaluate(data / "truth.json", rings), _variant_of(data / "truth.json"))
    return scores, seconds


def run_baseline(data: Path, seed: int) -> dict[str, dict] | None:
    """Each co-visit baseline variant's rings, scored like the detector's: {variant: scores}.

    None when bench/baseline_covisit.py is absent.
    """
    try:
        baseline = importlib.import_module("baseline_covisit")
    except ImportError:
        return None
    covisit_rings = getattr(baseline, "covisit_rings", None)
    if covisit_rings is None or not hasattr(baseline, "VARIANTS"):
        return None
    from ringscan.evaluate import evaluate

    scores = {}
    with tempfile.TemporaryDirectory(dir=RESULTS) as tmp:
        for variant in baseline.VARIANTS:
            rings = Path(tmp) / f"rings-{variant}.json"
            doc = covisit_rings(data, seed=seed, variant=variant)
            rings.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
            scores[variant] = _scored(evaluate(data / "truth.json", rings), _variant_of(data / "truth.json"))
    return scores


def strongest_baseline(runs: list[dict]) -> str | None:
    """The baseline variant with the highest mean recall over ``runs`` (first listed on a tie)."""
    variants = list(runs[0].get("baselines") or {}) if runs else []
    return max(variants, key=lambda v: statistics.mean(r["baselines"][v]["recall"] for r in runs), default=None)


def summary(variant: str, runs: list[dict]) -> str:
    """One line for a baseline variant: recall, precision and look-alikes per district and their means."""
    scores = [r["baselines"][variant] for r in runs]
    recall, precision = [s["recall"] for s in scores], [s["precision_at_k"] for s in scores]
    hits = [len(s["benign_in_top_k"]) for s in scores]
    return (f"  {variant}: recall {statistics.mean(recall):.2f} ({' '.join(f'{x:.2f}' for x in recall)}), "
            f"precision {statistics.mean(precision):.2f} ({' '.join(f'{x:.2f}' for x in precision)}), "
            f"look-alikes in top 2×planted {statistics.mean(hits):.1f} ({' '.join(str(h) for h in hits)})")


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def table(title: str, runs: list[dict], key: str) -> str:
    """Rows family × variant (recall), then precision and benign hits; a column per district and the mean."""
    runs = [r for r in runs if r.get(key)]
    if not runs:
        return ""
    columns = [f"{r['patients'] // 1000}k/s{r['seed']}" for r in runs]
    rows: dict[tuple[str, str], list[float | None]] = {}
    for i, run in enumerate(runs):
        found: dict[tuple[str, str], list[bool]] = {}
        for ring in run[key]["per_ring"]:
            found.setdefault((ring["kind"], ring["variant"]), []).append(ring["best_jaccard"] >= 0.5)
        for row, hits in found.items():
            rows.setdefault(row, [None] * len(runs))[i] = sum(hits) / len(hits)
    width = max([len(f"{f}:{v}") for f, v in rows] + [28])
    lines = [title, f"{'recall@0.5':<{width}}  " + "  ".join(f"{c:>8}" for c in columns) + f"  {'mean':>6}"]
    families: dict[str, list[float]] = {}
    for (family, variant), values in sorted(rows.items(), key=lambda kv: kv[0]):
        present = [v for v in values if v is not None]
        mean = statistics.mean(present) if present else None
        families.setdefault(family, []).extend(present)
        lines.append(f"{family + ':' + variant:<{width}}  " + "  ".join(f"{_fmt(v):>8}" for v in values)
                     + f"  {_fmt(mean):>6}")
    lines.append(f"{'all planted rings':<{width}}  " + "  ".join(f"{r[key]['recall']:>8.2f}" for r in runs)
                 + f"  {statistics.mean(r[key]['recall'] for r in runs):>6.2f}")
    lines.append(f"{'precision in top 2×planted':<{width}}  "
                 + "  ".join(f"{r[key]['precision_at_k']:>8.2f}" for r in runs)
                 + f"  {statistics.mean(r[key]['precision_at_k'] for r in runs):>6.2f}")
    hits = [len(r[key]["benign_in_top_k"]) for r in runs]
    lines.append(f"{'look-alikes in top 2×planted':<{width}}  " + "  ".join(f"{h:>8d}" for h in hits)
                 + f"  {statistics.mean(hits):>6.1f}")
    for run, column in zip(runs, columns):
        named = sorted({h["benign"] for h in run[key]["benign_in_top_k"]})
        if named:
            lines.append(f"  {column}: {', '.join(named)}")
    return "\n".join(lines)


def main() -> None:
    args = arguments()
    RESULTS.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(HERE))  # baseline_covisit is imported from here, lazily
    runs = []
    for patients in args.patients:
        for seed in args.seeds:
            t = time.perf_counter()
            data = generated(patients, seed, days=args.days, variants=_spec(args), benign=args.benign)
            generate_s = time.perf_counter() - t
            detector, seconds = run_detector(data, args.scan_seed)
            baselines = run_baseline(data, args.scan_seed)
            runs.append({"patients": patients, "seed": seed, "data": str(data), "generate_or_cache_s": round(generate_s, 1),
                         **{f"{k}_s": round(v, 1) for k, v in seconds.items()},
                         "detector": detector, "baselines": baselines})
            print(f"{patients:,} patients, seed {seed}: recall {detector['recall']:.2f}, precision "
                  f"{detector['precision_at_k']:.2f}, load {seconds['load']:.0f}s, scan {seconds['scan']:.0f}s",
                  flush=True)
    print()
    print(table("ringscan detector", runs, "detector"))
    print()
    strongest = strongest_baseline(runs)
    for run in runs:  # "baseline": the strongest variant's scores, "baselines": every variant's
        run["baseline"] = run["baselines"][strongest] if strongest else None
    baseline_block = table(f"baseline: co-visit Louvain, variant {strongest} — the strongest by mean recall "
                           "(bench/baseline_covisit.py)", runs, "baseline")
    print(baseline_block or "baseline: skipped (bench/baseline_covisit.py with covisit_rings() not found)")
    others = [v for v in (runs[0]["baselines"] or {}) if v != strongest]
    if baseline_block and others:
        print("other baseline variants:")
        print("\n".join(summary(variant, runs) for variant in others))
    if args.json:
        args.json.write_text(json.dumps({"variants": _spec(args), "benign": args.benign,
                                         "baseline_variant": strongest, "runs": runs},
                                        ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\nraw numbers → {args.json}")


if __name__ == "__main__":
    main()
