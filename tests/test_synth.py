"""The synthetic district: deterministic, in the input contract, every family planted."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ringscan.synth.district import generate_district
from ringscan.synth.population import id_check_digit
from ringscan.synth.traffic import BENIGN_KINDS, RING_KINDS

import numpy as np


def test_same_seed_same_bytes(tmp_path: Path):
    for name in ("a", "b"):
        generate_district(tmp_path / name, patients=1500, days=60, seed=11)
    for file in ("settlements.csv", "persons.csv", "institutions.csv", "fee_details.csv", "truth.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file


def test_other_seed_other_district(tmp_path: Path):
    generate_district(tmp_path / "a", patients=1500, days=60, seed=1)
    generate_district(tmp_path / "b", patients=1500, days=60, seed=2)
    assert (tmp_path / "a" / "settlements.csv").read_bytes() != (tmp_path / "b" / "settlements.csv").read_bytes()


def test_truth_lists_every_family_and_look_alike(district: Path):
    truth = json.loads((district / "truth.json").read_text(encoding="utf-8"))
    assert {r["kind"] for r in truth["rings"]} == set(RING_KINDS)
    assert {b["kind"] for b in truth["benign"]} == set(BENIGN_KINDS)
    settlements = pd.read_csv(district / "settlements.csv", dtype=str)
    known = set(settlements["setl_id"])
    for ring in truth["rings"]:
        assert set(ring["setl_ids"]) <= known
        assert ring["members"]["Patient"]


def test_codes_follow_the_national_platform(district: Path):
    s = pd.read_csv(district / "settlements.csv", dtype=str)
    assert set(s["med_type"]) <= {"11", "14", "21", "41"}
    assert set(s["mdtrt_cert_type"]) <= {"01", "02", "03"}
    assert set(s["fixmedins_type"]) <= {"1", "2"}
    assert (s.loc[s["med_type"] == "41", "fixmedins_type"] == "2").all()
    certno = pd.read_csv(district / "persons.csv", dtype=str)["certno"].to_numpy().astype(str)
    assert (id_check_digit(np.array([c[:17] for c in certno])) == np.array([c[17] for c in certno])).all()
