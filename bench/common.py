"""What the benchmarks share: their arguments and the cached generated district."""
from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SETTLEMENTS_PER_PATIENT = 7.3  # what the generator makes per patient over 180 days


def arguments(doc: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--settlements", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def district(settlements: int, seed: int) -> Path:
    """A district of about ``settlements`` settlements, generated once and cached under bench/results/."""
    from ringscan.synth.district import generate_district

    data = RESULTS / f"district-{settlements}-{seed}"
    if not (data / "truth.json").exists():
        t = time.perf_counter()
        info = generate_district(data, patients=int(settlements / SETTLEMENTS_PER_PATIENT), seed=seed)
        print(f"generated {info.settlements:,} settlements in {time.perf_counter() - t:.1f}s")
    return data


def generated(patients: int, seed: int, **options) -> Path:
    """A district generated with ``options`` (e.g. variants="all", benign="all"), cached under bench/results/.

    The cache key is the options plus the generator's source, so a changed
    generator makes a new district instead of reusing a stale one.
    """
    from ringscan.synth.district import generate_district

    synth = Path(__file__).resolve().parent.parent / "ringscan" / "synth"
    key = hashlib.sha256(json.dumps(options, sort_keys=True).encode())
    for source in sorted(synth.glob("*.py")):
        key.update(source.read_bytes())
    data = RESULTS / f"district-{patients}-{seed}-{key.hexdigest()[:10]}"
    if not (data / "truth.json").exists():
        t = time.perf_counter()
        info = generate_district(data, patients=patients, seed=seed, **options)
        print(f"generated {data.name}: {info.settlements:,} settlements, {info.rings} rings, "
              f"{info.benign} look-alikes in {time.perf_counter() - t:.1f}s", flush=True)
    return data


def split_months(data: Path, out: Path, months: int = 6) -> None:
    """``data`` cut into ``months`` consecutive equal time slices of its settlements: out/month-1 … month-N.

    Fee details follow their settlement; persons and institutions come with the
    first month, as a first full export would.
    """
    import pandas as pd

    settlements = pd.read_csv(data / "settlements.csv", dtype=str, keep_default_na=False)
    fees = pd.read_csv(data / "fee_details.csv", dtype=str, keep_default_na=False)
    when = pd.to_datetime(settlements["setl_time"])
    edges = pd.date_range(when.min(), when.max() + pd.Timedelta(seconds=1), periods=months + 1)
    slot = pd.Series(pd.cut(when, edges, labels=False, include_lowest=True), index=settlements.index)
    for m in range(months):
        folder = out / f"month-{m + 1}"
        folder.mkdir(parents=True, exist_ok=True)
        part = settlements[slot == m]
        part.to_csv(folder / "settlements.csv", index=False)
        fees[fees["setl_id"].isin(set(part["setl_id"]))].to_csv(folder / "fee_details.csv", index=False)
        if m == 0:
            for name in ("persons.csv", "institutions.csv"):
                (folder / name).write_bytes((data / name).read_bytes())


def loaded_store(settlements: int, seed: int) -> Path:
    """An embedded store holding the cached district, loaded once under bench/results/."""
    from ringscan.graph.embedded import EmbeddedBackend
    from ringscan.ingest.load import load_files

    data = district(settlements, seed)
    db = RESULTS / f"scan-{settlements}-{seed}.lbdb"
    complete = db.with_name(db.name + ".complete")
    if not complete.exists():  # a killed run leaves no marker: start that store again
        for stale in db.parent.glob(db.name + "*"):
            stale.unlink()
        with EmbeddedBackend(db) as store:
            load_files(sorted(data.glob("*.csv")), store)
        complete.touch()
    return db
