"""What the benchmarks share: their arguments and the cached generated district."""
from __future__ import annotations

import argparse
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
