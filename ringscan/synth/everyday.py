"""Everyday care the behaviour variants need around them so nothing planted stands out by itself.

The default district's background (traffic.py) is kept as it is, byte for
byte. A district generated with variants or look-alikes adds, on top of it,
what a real district also has and what the planted scripts draw on: people
insured in a neighbouring district (异地), key drugs bought by ordinary
people, outpatient visits under the diagnoses dialysis, chemotherapy and
rehabilitation use, inpatients at community hospitals, genuine readmissions
and a few oncology 门特 patients. Without these a ring could be found by a code
or a place nobody else uses instead of by what it does.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .planter import CLINIC_HOURS, DRUG, DX, PHARMACY_HOURS, Planter

__all__ = ["insure_elsewhere", "everyday_care"]

# Households whose members are insured in a neighbouring district but live and are treated here.
INSURED_ELSEWHERE = 0.03
NEIGHBOURS = ("330105", "330106", "330108")
# Purchases of key (high-value) drugs by ordinary people, per person per 180 days.
KEY_PURCHASES = 0.3
# Targeted cancer drugs and albumin are sold by designated (双通道) pharmacies too.
KEY_DRUGS = ("ZA12BAF0354", "ZA12AAN0052", "XB01ACL160A001", "XA10BKD209A001", "XB01AFL089A001", "XA10ABY036B001",
             "XB05AAR021B001", "XB03XAC167B001", "XL01EBA389A001")
KEY_DRUG_WEIGHTS = np.array([0.28, 0.24, 0.15, 0.12, 0.1, 0.06, 0.02, 0.02, 0.01])
# Outpatient visits under the wider diagnosis list, per person per 180 days, at hospitals.
WIDE_VISITS = 0.4
WIDE_DX = ("N18.500", "N18.400", "I12.000", "E11.201", "N03.900", "C34.900", "C50.900", "C18.900", "C16.900",
           "Z51.102", "I69.300", "G81.900", "M51.202", "H25.900", "Z00.000", "K76.000", "E78.500", "S06.000",
           "S82.200", "S22.300", "S52.500", "S72.000", "T00.900", "I50.900", "N39.000", "J44.100", "I48.x00")
# Community health centres that also open in the evening (门诊延时服务), and their evening
# visits per person per 180 days: an after-hours record is unusual, not unheard of.
EVENING_CLINICS = 0.5
EVENING_VISITS = 0.08
EVENING_HOURS = (17.5, 21.5)
# Inpatient stays at community hospitals with beds and secondary hospitals under soft diagnoses.
SMALL_WARD_STAYS = 0.012
SMALL_WARD_DX = ("M54.500", "K29.700", "I10.x00", "M51.202", "I63.900", "J44.100", "E11.900", "J18.900")
# Stays at secondary and tertiary hospitals under the wider diagnosis list (heart failure,
# cancers, fractures, infections, …), per person per 180 days: the background's own stays
# cover only six diagnoses.
WIDE_STAYS = 0.02
WIDE_STAY_DX = ("I25.100", "I50.900", "N39.000", "S52.500", "S82.200", "T00.900", "C18.900", "C16.900", "C50.900",
                "Z51.102", "H25.900", "N18.500", "E11.201", "J44.100", "I69.300", "S06.000", "S22.300", "I48.x00")
# 门特 patients with chronic kidney disease not (yet) on dialysis: monthly visits, some with
# an erythropoietin prescription; share of people over 45.
CKD_CHRONIC = 0.004
CKD_DX = ("N18.400", "N18.500", "N03.900", "E11.201", "I12.000")
# Share of stays followed by a genuine readmission (complication, relapse) 2–30 days later.
READMITTED = 0.06
# 门特 patients on the newer plans (dapagliflozin, rivaroxaban, …) beside the background's
# insulin/clopidogrel/statin patients, share of people over 45: monthly, ordinary quantities.
NEWER_CHRONIC = 0.03
CHRONIC_FROM_AGE = 45
# Oncology patients on a targeted drug (osimertinib), monthly at a tertiary hospital, per person.
TARGETED_THERAPY = 0.002


def insure_elsewhere(p: Planter) -> None:
    """Some households are insured in a neighbouring district (migrants, 异地安置)."""
    rng = p.rng
    persons = p.pop.persons
    household = persons["household"].to_numpy()
    chosen = rng.random(household.max() + 1) < INSURED_ELSEWHERE
    where = np.array(NEIGHBOURS)[rng.integers(0, len(NEIGHBOURS), household.max() + 1)]
    mask = chosen[household]
    persons.loc[mask, "insuplc_admdvs"] = where[household[mask]]


def everyday_care(p: Planter, volume: float = 1.0) -> None:
    rng, n, days = p.rng, len(p.pop.persons), p.days
    scale = volume * days / 180
    household = p.pop.persons["household"].to_numpy()
    pharms = p.kind["pharmacy"]
    hospitals = p.hospitals()

    m = rng.poisson(KEY_PURCHASES * scale * n)
    psn = rng.integers(0, n, m)
    place = np.where(rng.random(m) < 0.7, pharms[(household[psn] * 7) % len(pharms)], rng.choice(pharms, m))
    drug = np.array([DRUG[c] for c in KEY_DRUGS])[rng.choice(len(KEY_DRUGS), m, p=KEY_DRUG_WEIGHTS)]
    cnt, total = p.pharmacy_bill(drug, rng.lognormal(4.6, 0.6, m))
    p.add(psn=psn, place=place, ts=p.day_ts(rng.integers(0, days, m), p.clock(m, PHARMACY_HOURS)), med_type="41",
          dise=-1, drug=drug, cnt=cnt, total=total, fund_ratio=rng.uniform(0.0, 1.0, m))

    m = rng.poisson(WIDE_VISITS * scale * n)
    psn = rng.integers(0, n, m)
    place = hospitals[rng.integers(0, len(hospitals), m)]
    drug, cnt, total = p.outpatient_bill(m)
    p.add(psn=psn, place=place, doctor=p.doctors_at(place), ts=p.day_ts(rng.integers(0, days, m), p.clock(m, CLINIC_HOURS)),
          med_type="11", dise=np.array([DX[c] for c in WIDE_DX])[rng.integers(0, len(WIDE_DX), m)], drug=drug, cnt=cnt,
          total=total, fund_ratio=rng.uniform(0.5, 0.8, m))

    clinics = p.kind["clinic"]
    evening = clinics[: max(1, int(round(EVENING_CLINICS * len(clinics))))]
    m = rng.poisson(EVENING_VISITS * scale * n)
    psn = rng.integers(0, n, m)
    place = evening[rng.integers(0, len(evening), m)]
    drug, cnt, total = p.outpatient_bill(m)
    p.add(psn=psn, place=place, doctor=p.doctors_at(place),
          ts=p.day_ts(rng.integers(0, days, m), p.clock(m, EVENING_HOURS)),
          med_type="11", dise=p.outpatient_dx(psn), drug=drug, cnt=cnt, total=total, fund_ratio=rng.uniform(0.5, 0.8, m))

    m = rng.poisson(SMALL_WARD_STAYS * scale * n)
    psn = rng.integers(0, n, m)
    small = np.concatenate([p.kind["clinic"], p.kind["mid"]])
    place = small[rng.integers(0, len(small), m)]
    p.stays(-1, psn, place, p.doctors_at(place), rng.integers(0, max(1, days - 12), m), rng.integers(3, 13, m),
            np.array([DX[c] for c in SMALL_WARD_DX])[rng.integers(0, len(SMALL_WARD_DX), m)], per_day=(300.0, 800.0),
            fund_ratio=(0.6, 0.85))

    m = rng.poisson(WIDE_STAYS * scale * n)
    psn = rng.integers(0, n, m)
    place = hospitals[rng.integers(0, len(hospitals), m)]
    dise = np.array([DX[c] for c in WIDE_STAY_DX])[rng.integers(0, len(WIDE_STAY_DX), m)]
    p.stays(-1, psn, place, p.doctors_at(place), rng.integers(0, max(1, days - 15), m), rng.integers(2, 15, m),
            dise, per_day=(600.0, 1400.0), fund_ratio=(0.6, 0.85))

    _readmissions(p)

    ages = p.pop.persons["age"].to_numpy()
    chronic = np.flatnonzero((ages > CHRONIC_FROM_AGE) & (rng.random(n) < NEWER_CHRONIC * volume))
    dise, drug, monthly = p.chronic_plan(len(chronic))
    for k, patient in enumerate(chronic):
        clinic = int(hospitals[patient % len(hospitals)])
        doctor = int(p.doctors_at(np.array([clinic]))[0])
        days_on = p.cadence(int(rng.integers(0, 30)), (26, 34))
        p.refills(-1, int(patient), clinic, doctor, days_on, dise=int(dise[k]), drug=int(drug[k]),
                  cnt=np.round(monthly[k] * rng.uniform(1.0, 1.3, len(days_on))))

    kidney = np.flatnonzero((ages > CHRONIC_FROM_AGE) & (rng.random(n) < CKD_CHRONIC * volume))
    epo = DRUG["XB03XAC167B001"]
    for patient in kidney:
        clinic = int(hospitals[patient % len(hospitals)])
        doctor = int(p.doctors_at(np.array([clinic]))[0])
        days_on = p.cadence(int(rng.integers(0, 30)), (26, 34))
        p.refills(-1, int(patient), clinic, doctor, days_on, dise=DX[rng.choice(CKD_DX)], drug=epo,
                  cnt=rng.integers(2, 9, len(days_on)).astype(float))

    patients = np.flatnonzero(rng.random(n) < TARGETED_THERAPY * volume)
    big = p.kind["big"]
    for patient in patients:
        clinic = int(big[patient % len(big)])
        doctor = int(p.doctors_at(np.array([clinic]))[0])
        days_on = p.cadence(int(rng.integers(0, 30)), (27, 33))
        p.refills(-1, int(patient), clinic, doctor, days_on, dise=DX["C34.900"], drug=DRUG["XL01EBA389A001"],
                  cnt=np.full(len(days_on), 30.0))


def _readmissions(p: Planter) -> None:
    """Some background stays end in a genuine readmission at the same hospital."""
    rng = p.rng
    events = pd.concat(p.parts, ignore_index=True)
    stays = events[(events["med_type"] == "21") & (events["group"] < 0)]
    again = stays[rng.random(len(stays)) < READMITTED]
    begin = again["end_day"].to_numpy() + rng.integers(2, 31, len(again))
    keep = begin < p.days - 2
    again, begin = again[keep], begin[keep]
    n = len(again)
    if n == 0:
        return
    same = rng.random(n) < 0.5
    other = np.array([DX[c] for c in SMALL_WARD_DX])[rng.integers(0, len(SMALL_WARD_DX), n)]
    dise = np.where(same, again["dise"].to_numpy(), other)
    place = again["place"].to_numpy()
    p.stays(-1, again["psn"].to_numpy(), place, p.doctors_at(place), begin, rng.integers(2, 12, n), dise,
            per_day=(500.0, 1100.0), fund_ratio=(0.6, 0.85))
