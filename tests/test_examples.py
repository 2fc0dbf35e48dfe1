"""examples/: foreign-schema exports load with their mapping files to the same graph and rings as native files.

The HIS export writes settlement times to the minute (M/D/YYYY H:MM): it must
give the same counts and the same rings as the native files, and exactly the
same scores as the native files with times cut to the minute (the same
information). The claims export keeps the seconds and must match exactly.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from ringscan.graph.embedded import EmbeddedBackend
from ringscan.graph.stats import graph_stats
from ringscan.ingest.load import load_files
from ringscan.ingest.schema import load_mapping
from ringscan.rules.catalogue import load_catalogue
from ringscan.scan import run_scan

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _script():
    spec = importlib.util.spec_from_file_location("make_examples", EXAMPLES / "make_examples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make = _script()


def _load(folder: Path, db: Path, mapping: Path | None = None):
    with EmbeddedBackend(db) as store:
        files = sorted(p for p in folder.iterdir() if p.name.endswith((".csv", ".csv.gz")))
        report = load_files(files, store, mapping=load_mapping(mapping), rejects_path=db.with_suffix(".rejects.csv"))
        stats = graph_stats(store)
        rings = run_scan(store, load_catalogue(), seed=0).rings
    return report, stats, sorted((r.kind, tuple(sorted((m["type"], m["id"]) for m in r.members)), round(r.score, 6))
                                 for r in rings)


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> Path:
    from ringscan.synth.district import generate_district

    root = tmp_path_factory.mktemp("examples")
    generate_district(root / "native", patients=make.PATIENTS, days=make.DAYS, seed=make.SEED)
    make.his_export(root / "native", root / "his")
    make.claims_export(root / "native", root / "claims")
    make.native_to_the_minute(root / "native", root / "minute")
    return root


@pytest.fixture(scope="module")
def native(exports: Path):
    return _load(exports / "native", exports / "native.lbdb")


def test_his_export_same_counts_and_rings_as_native(exports: Path, native):
    report, stats, rings = _load(exports / "his", exports / "his.lbdb", EXAMPLES / "his" / "mapping.toml")
    assert report.rejected == 0 and report.read == native[0].read
    assert stats == native[1]
    assert rings and [r[:2] for r in rings] == [r[:2] for r in native[2]]
    _, minute_stats, minute_rings = _load(exports / "minute", exports / "minute.lbdb")
    assert rings == minute_rings and stats == minute_stats


def test_claims_export_same_counts_and_rings_as_native(exports: Path, native):
    report, stats, rings = _load(exports / "claims", exports / "claims.lbdb", EXAMPLES / "claims" / "mapping.toml")
    assert report.rejected == 0
    assert stats == native[1] and rings == native[2]


@pytest.mark.parametrize("name", ["his", "claims"])
def test_committed_examples_load_cleanly(name: str, tmp_path: Path):
    folder = EXAMPLES / name
    with EmbeddedBackend(tmp_path / "g.lbdb") as store:
        files = sorted(p for p in folder.iterdir() if not p.name.endswith(".toml"))
        report = load_files(files, store, mapping=load_mapping(folder / "mapping.toml"))
        stats = graph_stats(store)
    assert report.rejected == 0 and report.loaded == report.read
    assert stats["nodes"]["Settlement"] > 1000 and stats["nodes"]["Pharmacy"] > 0 and stats["relationships"]["INCLUDES"]


def test_his_export_looks_like_one():
    text = (EXAMPLES / "his" / "药店销售.csv").read_bytes().decode("gb18030")
    header = text.splitlines()[0].split(",")
    assert "医疗类别" not in header and "刷卡时间" in header
    outpatient = pd.read_csv(EXAMPLES / "his" / "门诊结算.csv", encoding="gb18030", dtype=str, keep_default_na=False)
    assert (outpatient == "NULL").any().any()
    assert outpatient["结算时间"].str.fullmatch(r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}").all()
    assert outpatient["就诊日期"].str.fullmatch(r"\d{8}|NULL").all()
