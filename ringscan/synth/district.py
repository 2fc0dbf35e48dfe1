"""A synthetic district in the input contract, with planted rings and benign look-alikes.

``generate_district(out_dir, patients=20000, days=180, seed=1)`` writes
settlements.csv, persons.csv, institutions.csv, fee_details.csv and
truth.json. Same arguments → byte-identical files.

``variants=`` and ``benign=`` (see catalogue.py) plant other behaviour
variants of the ring families and other look-alikes; such a district also
gets the everyday care the variants draw on (everyday.py), and its truth
names each ring's ``variant`` and ``evidence``. Without them the district is
the original one, file for file.

>>> import tempfile, json, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> info = generate_district(d, patients=2000, days=60, seed=3)
>>> sorted(json.loads((d / "truth.json").read_text())["ring_kinds"])[:2]
['doctor_collusion', 'fake_admission']
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from .catalogue import parse_benign, parse_variants, plant_lookalikes, plant_variants
from .everyday import everyday_care, insure_elsewhere
from .planter import Planter
from .population import DIAGNOSES, DRUGS, make_places, make_population
from .traffic import BENIGN_KINDS, RING_KINDS, Traffic

__all__ = ["generate_district", "DistrictInfo"]

START = pd.Timestamp("2024-01-01")


@dataclass
class DistrictInfo:
    out_dir: Path
    settlements: int
    patients: int
    rings: int
    benign: int


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame.astype(object).where(frame.notna(), None).astype("string"),
                                 preserve_index=False)
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))


def generate_district(out_dir: Path | str, *, patients: int = 20_000, days: int = 180, seed: int = 1,
                      background: float = 1.0, ring_size: float = 1.0, jitter: float = 1.0,
                      variants: str | list[str] | None = None, benign: str | list[str] | None = None) -> DistrictInfo:
    """Write a synthetic district to ``out_dir``.

    ``background`` scales background volume, ``ring_size`` planted ring sizes
    and ``jitter`` the timing spread inside rings (robustness checks).
    ``variants`` ("all", "default" or "family[:variant],…") and ``benign``
    ("all", "default" or "kind,…") choose the planted behaviour.
    """
    ring_plan, benign_plan = parse_variants(variants), parse_benign(benign)
    if patients < 500:
        raise ValueError("patients must be at least 500 for a district with every ring family")
    if days < 60:
        raise ValueError("days must be at least 60 (rings repeat over weeks)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    pop = make_population(rng, patients, ref_year=START.year)
    places = make_places(rng, patients)
    start_ts = int((START - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1))
    params: dict[str, Any] = dict(patients=patients, days=days, seed=seed, background=background, ring_size=ring_size, jitter=jitter)
    if ring_plan is None and benign_plan is None:  # the original district, unchanged
        traffic = Traffic(rng, pop, places, days, start_ts)
        traffic.plant_rings(patients, size_scale=ring_size, jitter_scale=jitter)
        traffic.plant_benign(patients)
        traffic.background(volume=background)
    else:
        traffic = Planter(rng, pop, places, days, start_ts)
        insure_elsewhere(traffic)
        if ring_plan is None:
            traffic.plant_rings(patients, size_scale=ring_size, jitter_scale=jitter)
        else:
            plant_variants(traffic, ring_plan, patients, size=ring_size, jitter=jitter)
        if benign_plan is None:
            traffic.plant_benign(patients)
        else:
            plant_lookalikes(traffic, benign_plan, patients)
        traffic.background(volume=background)
        everyday_care(traffic, volume=background)
        params.update(variants=_spec(ring_plan), benign=list(benign_plan) if benign_plan is not None else "default")
    events = traffic.frame()

    settlements = _settlements(events, pop, places)
    persons = pop.persons.drop(columns=["household", "age"])
    institutions = places.places.drop(columns=["weight"])
    fees = _fee_details(events, settlements)
    _write_csv(settlements, out / "settlements.csv")
    _write_csv(persons, out / "persons.csv")
    _write_csv(institutions, out / "institutions.csv")
    _write_csv(fees, out / "fee_details.csv")
    if ring_plan is None and benign_plan is None:
        truth = _truth(traffic, events, settlements, pop, places, params)
    else:
        truth = _variant_truth(traffic, events, settlements, pop, places, params)
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    return DistrictInfo(out, len(settlements), patients, len(truth["rings"]), len(truth["benign"]))


def _settlements(events: pd.DataFrame, pop, places) -> pd.DataFrame:
    n = len(events)
    persons = pop.persons
    psn = events["psn"].to_numpy()
    place = places.places.iloc[events["place"].to_numpy()].reset_index(drop=True)
    doc = events["doctor"].to_numpy()
    doctors = places.doctors
    has_doc = doc >= 0
    dise = events["dise"].to_numpy()
    total = events["total"].to_numpy().round(2)
    fund = (total * events["fund_ratio"].to_numpy()).round(2)
    pharmacy = events["med_type"].to_numpy() == "41"
    acct = np.where(pharmacy, fund, (fund * 0.2).round(2))
    hifp = (fund - acct).round(2)
    ts = pd.to_datetime(events["ts"].to_numpy(), unit="s")
    begin = events["begn_day"].to_numpy()
    end = events["end_day"].to_numpy()
    day = lambda d: np.where(d >= 0, (START + pd.to_timedelta(np.maximum(d, 0), unit="D")).strftime("%Y-%m-%d"), None)
    return pd.DataFrame({
        "setl_id": np.char.add("S3301022024", np.char.zfill(np.arange(1, n + 1).astype(str), 9)),
        "mdtrt_id": np.char.add("M3301022024", np.char.zfill(np.arange(1, n + 1).astype(str), 9)),
        "psn_no": persons["psn_no"].to_numpy()[psn],
        "psn_name": persons["psn_name"].to_numpy()[psn],
        "certno": persons["certno"].to_numpy()[psn],
        "gend": persons["gend"].to_numpy()[psn],
        "brdy": persons["brdy"].to_numpy()[psn],
        "mdtrt_cert_no": pop.cards[psn],
        "mdtrt_cert_type": pop.card_types[psn],
        "fixmedins_code": place["fixmedins_code"].to_numpy(),
        "fixmedins_name": place["fixmedins_name"].to_numpy(),
        "fixmedins_type": place["fixmedins_type"].to_numpy(),
        "med_type": events["med_type"].to_numpy(),
        "setl_time": ts.strftime("%Y-%m-%d %H:%M:%S"),
        "begndate": day(begin), "enddate": day(end),
        "atddr_no": np.where(has_doc, doctors["atddr_no"].to_numpy()[np.maximum(doc, 0)], None),
        "dr_name": np.where(has_doc, doctors["dr_name"].to_numpy()[np.maximum(doc, 0)], None),
        "dise_codg": np.where(dise >= 0, DIAGNOSES["code"].to_numpy()[np.maximum(dise, 0)], None),
        "dise_name": np.where(dise >= 0, DIAGNOSES["name"].to_numpy()[np.maximum(dise, 0)], None),
        "medfee_sumamt": total, "hifp_pay": hifp, "acct_pay": acct, "psn_cash_pay": (total - fund).round(2),
        "refd_setl_flag": events["refund"].to_numpy().astype(str),
        "insuplc_admdvs": persons["insuplc_admdvs"].to_numpy()[psn],
        "insutype": "310",
    })


def _fee_details(events: pd.DataFrame, settlements: pd.DataFrame) -> pd.DataFrame:
    has = events["drug"].to_numpy() >= 0
    drug = events["drug"].to_numpy()[has]
    cnt = events["cnt"].to_numpy()[has]
    price = DRUGS["price"].to_numpy()[drug]
    setl = settlements["setl_id"].to_numpy()[has]
    return pd.DataFrame({
        "feedetl_sn": np.char.add(setl.astype(str), "-01"), "setl_id": setl,
        "med_list_codg": DRUGS["code"].to_numpy()[drug], "med_list_name": DRUGS["name"].to_numpy()[drug],
        "cnt": cnt, "pric": price, "det_item_fee_sumamt": (cnt * price).round(2),
        "bilg_dr_codg": settlements["atddr_no"].to_numpy()[has],
    })


def _truth(traffic: Traffic, events, settlements, pop, places, params: dict) -> dict:
    codes = places.places["fixmedins_code"].to_numpy()
    is_pharm = (places.places["fixmedins_type"] == "2").to_numpy()
    by_group = settlements.groupby(events["group"].to_numpy())["setl_id"].apply(list)
    rings: list[dict[str, Any]] = []
    benign: list[dict[str, Any]] = []
    counters: dict[str, int] = {}
    for gid, g in enumerate(traffic.groups):
        counters[g.kind] = counters.get(g.kind, 0) + 1
        patients = sorted(g.patients)
        members = {
            "Patient": pop.persons["psn_no"].to_numpy()[patients].tolist(),
            "Card": pop.cards[patients].tolist(),
            "Doctor": places.doctors["atddr_no"].to_numpy()[sorted(g.doctors)].tolist(),
            "Institution": [codes[p] for p in sorted(g.places) if not is_pharm[p]],
            "Pharmacy": [codes[p] for p in sorted(g.places) if is_pharm[p]],
        }
        entry = {"id": f"{g.kind}-{counters[g.kind]}", "kind": g.kind,
                 "members": {k: v for k, v in members.items() if v},
                 "setl_ids": by_group.get(gid, [])}
        (rings if g.ring else benign).append(entry)
    return {"generator": "ringscan.synth", "params": params, "ring_kinds": list(RING_KINDS),
            "benign_kinds": list(BENIGN_KINDS), "rings": rings, "benign": benign}


def _spec(plan: dict[str, tuple[str, ...]] | None) -> str | list[str]:
    return "default" if plan is None else [f"{family}:{v}" for family, vs in plan.items() for v in vs]


def _variant_truth(traffic: Traffic, events, settlements, pop, places, params: dict) -> dict:
    """Truth for a district with variants: a ring's members are those with their own settlements in its evidence.

    Evidence is every settlement a group produced (its ``setl_ids``, kept
    under the original key too). A look-alike's members are the people and
    places it was made of, whether or not they settled in it (a placeholder
    phone has no settlements of its own).
    """
    codes = places.places["fixmedins_code"].to_numpy()
    is_pharm = (places.places["fixmedins_type"] == "2").to_numpy()
    psn_no = pop.persons["psn_no"].to_numpy()
    dr_no = places.doctors["atddr_no"].to_numpy()
    planted = pd.DataFrame({"group": events["group"].to_numpy(), "setl": settlements["setl_id"].to_numpy(),
                            "psn": events["psn"].to_numpy(), "place": events["place"].to_numpy(),
                            "doctor": events["doctor"].to_numpy()})
    planted = planted[planted["group"] >= 0]
    by_group = {int(gid): sub for gid, sub in planted.groupby("group", sort=True)}
    empty = planted.iloc[:0]
    rings: list[dict[str, Any]] = []
    benign: list[dict[str, Any]] = []
    counters: dict[str, int] = {}
    variants: dict[str, list[str]] = {}
    for gid, g in enumerate(traffic.groups):
        counters[g.kind] = counters.get(g.kind, 0) + 1
        sub = by_group.get(gid, empty)
        seen = set(sub["psn"].tolist())
        if g.ring:
            patients = sorted(seen) if seen else sorted(g.patients)  # a classic identifier ring has no settlements
            doctors = sorted(set(sub.loc[sub["doctor"] >= 0, "doctor"].tolist()) | g.doctors)
            variants.setdefault(g.kind, [])
            if g.variant not in variants[g.kind]:
                variants[g.kind].append(g.variant)
        else:
            patients = sorted(seen | g.patients)
            doctors = sorted(g.doctors)
        place_ids = sorted(set(sub["place"].tolist()) | g.places)
        members = {
            "Patient": psn_no[patients].tolist(), "Card": pop.cards[patients].tolist(),
            "Doctor": dr_no[doctors].tolist(),
            "Institution": [codes[q] for q in place_ids if not is_pharm[q]],
            "Pharmacy": [codes[q] for q in place_ids if is_pharm[q]],
        }
        evidence = sub["setl"].tolist()
        entry: dict[str, Any] = {"id": f"{g.kind}-{counters[g.kind]}", "kind": g.kind}
        if g.ring:
            entry["variant"] = g.variant
        entry["members"] = {k: v for k, v in members.items() if v}
        if g.ring:
            entry["evidence"] = evidence
        entry["setl_ids"] = evidence
        (rings if g.ring else benign).append(entry)
    kinds = lambda entries: list(dict.fromkeys(e["kind"] for e in entries))
    return {"generator": "ringscan.synth", "params": params, "ring_kinds": kinds(rings), "benign_kinds": kinds(benign),
            "variants": variants, "rings": rings, "benign": benign}
