"""The synthetic district: deterministic, in the input contract, every family planted."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ringscan.synth.catalogue import LOOKALIKES, RING_VARIANTS, parse_benign, parse_variants
from ringscan.synth.district import generate_district
from ringscan.synth.population import id_check_digit
from ringscan.synth.traffic import BENIGN_KINDS, RING_KINDS


def test_same_seed_same_bytes(tmp_path: Path):
    for name in ("a", "b"):
        generate_district(tmp_path / name, patients=1500, days=60, seed=11)
    for file in ("settlements.csv", "persons.csv", "institutions.csv", "fee_details.csv", "truth.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file


def test_other_seed_other_district(tmp_path: Path):
    generate_district(tmp_path / "a", patients=1500, days=60, seed=1)
    generate_district(tmp_path / "b", patients=1500, days=60, seed=2)
    assert (tmp_path / "a" / "settlements.csv").read_bytes() != (tmp_path / "b" / "settlements.csv").read_bytes()


@pytest.fixture(scope="module")
def classic_district(tmp_path_factory) -> Path:
    """The original district (no --variants): one script per family."""
    out = tmp_path_factory.mktemp("classic")
    generate_district(out, patients=1500, days=60, seed=7)
    return out


def test_truth_lists_every_family_and_look_alike(classic_district: Path):
    district = classic_district
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


# -- behaviour variants and look-alikes --------------------------------------


@pytest.fixture(scope="module")
def variant_district(tmp_path_factory) -> Path:
    """A small district with every variant of every family and every look-alike."""
    out = tmp_path_factory.mktemp("variants")
    generate_district(out, patients=3000, days=120, seed=5, variants="all", benign="all")
    return out


def _truth(district: Path) -> dict:
    return json.loads((district / "truth.json").read_text(encoding="utf-8"))


def test_default_district_is_unchanged(tmp_path: Path):
    """The district without --variants is the original one, byte for byte (benchmarks and tests rely on it).

    If a pandas/pyarrow upgrade changes how CSVs are written, regenerate with the
    commit before the variants and update these hashes.
    """
    generate_district(tmp_path, patients=1500, days=60, seed=11, ring_size=1.5, jitter=2.0)
    digest = {f: hashlib.sha256((tmp_path / f).read_bytes()).hexdigest()[:16]
              for f in ("settlements.csv", "persons.csv", "truth.json")}
    assert digest == {"settlements.csv": "6ee5c6ea22849f5f", "persons.csv": "c9ff951ef095c669",
                      "truth.json": "82279e475c170ca9"}
    generate_district(tmp_path / "explicit", patients=1500, days=60, seed=11, ring_size=1.5, jitter=2.0,
                      variants="default", benign="default")
    assert (tmp_path / "explicit" / "settlements.csv").read_bytes() == (tmp_path / "settlements.csv").read_bytes()


def test_all_plants_every_variant_and_look_alike(variant_district: Path):
    truth = _truth(variant_district)
    planted = {(r["kind"], r["variant"]) for r in truth["rings"]}
    assert planted == {(f, v) for f, vs in RING_VARIANTS.items() for v in vs}
    assert all(len(vs) >= 3 for vs in RING_VARIANTS.values())
    assert {b["kind"] for b in truth["benign"]} == set(LOOKALIKES)
    assert truth["variants"] == {f: list(vs) for f, vs in RING_VARIANTS.items()}
    for ring in truth["rings"]:
        assert ring["members"]["Patient"] and ring["evidence"] == ring["setl_ids"]
        assert ring["members"].keys() & {"Pharmacy", "Institution"}, ring["id"]


def test_all_plants_each_variant_twice_at_20k():
    from ringscan.synth.catalogue import VARIANTS_PER_20K, _count

    assert _count(VARIANTS_PER_20K, 20_000) >= 2 and _count(VARIANTS_PER_20K, 3000) >= 1


def test_variants_same_seed_same_bytes(tmp_path: Path):
    for name in ("a", "b"):
        generate_district(tmp_path / name, patients=1500, days=60, seed=4, variants="all", benign="all")
    for file in ("settlements.csv", "persons.csv", "institutions.csv", "fee_details.csv", "truth.json"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes(), file


def test_ring_members_are_exactly_the_people_in_its_evidence(variant_district: Path):
    truth = _truth(variant_district)
    s = pd.read_csv(variant_district / "settlements.csv", dtype=str).set_index("setl_id")
    seen: set[str] = set()
    for ring in truth["rings"]:
        evidence = s.loc[ring["evidence"]]  # KeyError if an id is not in settlements.csv
        assert set(evidence["psn_no"]) == set(ring["members"]["Patient"]), ring["id"]
        assert set(evidence["mdtrt_cert_no"]) == set(ring["members"]["Card"]), ring["id"]
        places = set(ring["members"].get("Pharmacy", [])) | set(ring["members"].get("Institution", []))
        assert set(evidence["fixmedins_code"]) == places, ring["id"]
        assert set(evidence["atddr_no"].dropna()) == set(ring["members"].get("Doctor", [])), ring["id"]
        assert not seen & set(ring["evidence"]), "two rings claim one settlement"
        seen |= set(ring["evidence"])
    known = set(s.index)
    for group in truth["benign"]:
        assert set(group["setl_ids"]) <= known


def test_nothing_only_rings_use(variant_district: Path):
    """Every diagnosis, drug, doctor and place in ring evidence also occurs in ordinary traffic."""
    truth = _truth(variant_district)
    s = pd.read_csv(variant_district / "settlements.csv", dtype=str)
    fees = pd.read_csv(variant_district / "fee_details.csv", dtype=str)
    planted = {x for g in truth["rings"] + truth["benign"] for x in g["setl_ids"]}
    ring_ids = {x for r in truth["rings"] for x in r["evidence"]}
    ordinary, rings = s[~s["setl_id"].isin(planted)], s[s["setl_id"].isin(ring_ids)]
    for column in ("dise_codg", "atddr_no", "fixmedins_code"):
        assert set(rings[column].dropna()) <= set(ordinary[column].dropna()), column
    ring_drugs = set(fees.loc[fees["setl_id"].isin(ring_ids), "med_list_codg"])
    assert ring_drugs <= set(fees.loc[~fees["setl_id"].isin(planted), "med_list_codg"])


def test_scheduled_care_is_not_one_code(variant_district: Path):
    truth = _truth(variant_district)
    s = pd.read_csv(variant_district / "settlements.csv", dtype=str)
    planted = {x for g in truth["benign"] + truth["rings"] for x in g["setl_ids"]}
    for kind in ("dialysis_cohort", "chemo_cycles", "rehab_cycles"):
        ids = {x for b in truth["benign"] if b["kind"] == kind for x in b["setl_ids"]}
        codes = set(s.loc[s["setl_id"].isin(ids), "dise_codg"])
        assert len(codes) >= 2, kind
        assert codes & set(s.loc[~s["setl_id"].isin(planted), "dise_codg"]), kind


def test_selecting_a_subset(tmp_path: Path):
    generate_district(tmp_path, patients=1500, days=60, seed=2,
                      variants="pharmacy_swipe:rotating,fake_admission:staggered", benign="placeholder_phone")
    truth = _truth(tmp_path)
    assert {(r["kind"], r["variant"]) for r in truth["rings"]} == {("pharmacy_swipe", "rotating"),
                                                                    ("fake_admission", "staggered")}
    assert [b["kind"] for b in truth["benign"]] == ["placeholder_phone"]
    persons = pd.read_csv(tmp_path / "persons.csv", dtype=str)
    assert (persons["tel"] == "13800000000").sum() >= 50


def test_variant_specs():
    assert parse_variants("all") == {f: tuple(vs) for f, vs in RING_VARIANTS.items()}
    assert parse_variants("refund_cashout") == {"refund_cashout": tuple(RING_VARIANTS["refund_cashout"])}
    assert parse_benign("all") == tuple(LOOKALIKES) and parse_benign(None) is None
    for bad in ("nope", "pharmacy_swipe:nope"):
        with pytest.raises(ValueError, match="unknown"):
            parse_variants(bad)
    with pytest.raises(ValueError, match="unknown look-alike"):
        parse_benign("dialysis,nope")


def test_docstring_examples():
    import doctest

    from ringscan.synth import catalogue, district

    assert doctest.testmod(catalogue).failed == 0 and doctest.testmod(district).failed == 0
