"""Benign look-alikes from scheduled and chronic care (PATTERNS.md "More look-alikes").

The same patients at the same place on a fixed cadence for months, with
chronic diagnoses shared with refill patients: dialysis, rehabilitation,
chemotherapy cycles, a busy 门特 doctor, monthly refills, long prescriptions.
What tells them apart is the care's regularity and ordinary amounts, not a
code: diagnoses vary per patient the way hospitals code them.
"""
from __future__ import annotations

import numpy as np

from .planter import CLINIC_HOURS, DRUG, DX, PRICE, Planter
from .traffic import Group

__all__ = ["LOOKALIKES"]

# People in one group: a dialysis unit's patients on the shifts, a rehabilitation department's
# current patients, an oncology ward's chemotherapy patients, one busy 门特 doctor's list, a
# department's refill patients, its long-prescription patients.
DIALYSIS_PATIENTS = (10, 18)
REHAB_PATIENTS = (6, 12)
CHEMO_PATIENTS = (5, 10)
BUSY_DOCTOR_PATIENTS = (30, 60)
REFILL_PATIENTS = (10, 20)
LONG_RX_PATIENTS = (8, 15)
# Haemodialysis: three sessions a week on a fixed pattern (Mon/Wed/Fri or Tue/Thu/Sat) and shift.
DIALYSIS_PATTERNS = ((0, 2, 4), (1, 3, 5))
DIALYSIS_SHIFTS_H = (7.5, 12.0, 16.5)  # a shift starts; its patients settle when it ends
DIALYSIS_SESSION_H = 4.0
# Why a patient is on dialysis, coded as the unit codes it (CKD 5 most often).
DIALYSIS_DX = ("N18.500", "N18.500", "N18.500", "E11.201", "I12.000", "N03.900", "N18.400")
# A session costs about the same every time for one patient; the unit's price list differs by patient.
DIALYSIS_SESSION_YUAN = (380.0, 480.0)
SESSION_PRICE_WOBBLE = 0.015
MISSED_SESSION = 0.03      # in hospital, travelling, unwell
DIALYSIS_DOCTORS = (2, 3)
STARTED_IN_PERIOD = 0.2    # new patients join the unit during the period
STOPPED_IN_PERIOD = 0.1    # transplant, moved away, died
ON_EPO = 0.6               # patients who get an erythropoietin shot in some sessions
EPO_SESSION = 0.35
# Rehabilitation: two or three weekday sessions a week for 6–14 weeks.
REHAB_DX = ("I69.300", "G81.900", "M17.900", "M51.202", "S72.000", "S82.200")
REHAB_SESSION_YUAN = (90.0, 260.0)
REHAB_DAYS_A_WEEK = (2, 3)
REHAB_WEEKS = (6, 14)
# Chemotherapy: 21- or 28-day regimens, 4–8 cycles; a cycle is sometimes a week late (blood counts).
CHEMO_CYCLE_DAYS = (21, 28)
CHEMO_LATE = 0.15
CHEMO_CYCLES = (4, 8)
CHEMO_STAY = (1, 3)
CHEMO_ON_TIME = 2          # otherwise a cycle moves by up to this many days either way
CHEMO_CANCERS = ("C34.900", "C50.900", "C18.900", "C16.900")
# Hospitals differ in coding a chemo admission: the cancer or 'maintenance chemotherapy' first.
CHEMO_CODED_AS_Z51 = 0.5
CHEMO_CYCLE_YUAN = (4000.0, 12000.0)
# Refills: a month's supply every month; quantity wobble of an ordinary refill.
REFILL_EVERY = (27, 33)
ORDINARY_QTY = (1.0, 1.3)
# 长处方: stable chronic patients may get up to 12 weeks' supply at once.
LONG_SUPPLY_MONTHS = (2, 3)


def dialysis_cohort(p: Planter, gid: int, g: Group, n_patients: int) -> None:
    """a haemodialysis unit's patients, three sessions a week on fixed shifts, steady amounts"""
    rng = p.rng
    cohort = p.people(*DIALYSIS_PATIENTS, min_age=35)
    unit = int(rng.choice(p.hospitals()))
    doctors = p.staff(unit, int(rng.integers(DIALYSIS_DOCTORS[0], DIALYSIS_DOCTORS[1] + 1)))
    days = np.arange(p.days)
    weekday = p.weekday(days)
    for patient in cohort:
        pattern = DIALYSIS_PATTERNS[int(rng.integers(len(DIALYSIS_PATTERNS)))]
        shift = DIALYSIS_SHIFTS_H[int(rng.integers(len(DIALYSIS_SHIFTS_H)))]
        first = int(rng.integers(0, p.days // 3)) if rng.random() < STARTED_IN_PERIOD else 0
        last = int(rng.integers(p.days // 2, p.days)) if rng.random() < STOPPED_IN_PERIOD else p.days
        on = days[np.isin(weekday, pattern) & (days >= first) & (days < last)]
        on = on[rng.random(len(on)) >= MISSED_SESSION]
        n = len(on)
        base = rng.uniform(*DIALYSIS_SESSION_YUAN)
        shot = (rng.random() < ON_EPO) & (rng.random(n) < EPO_SESSION)
        epo = PRICE[DRUG["XB03XAC167B001"]] * rng.integers(1, 3, n)
        total = np.round(base * rng.normal(1.0, SESSION_PRICE_WOBBLE, n) + shot * epo, 2)
        seconds = ((shift + DIALYSIS_SESSION_H) * 3600 + rng.integers(0, 2400, n)).astype(np.int64)
        p.add(psn=patient, place=unit, doctor=rng.choice(doctors, n), med_type="14", begn_day=on, end_day=on,
              ts=p.day_ts(on, seconds), dise=DX[rng.choice(DIALYSIS_DX)], total=total,
              fund_ratio=rng.uniform(0.8, 0.9), drug=np.where(shot, DRUG["XB03XAC167B001"], -1),
              cnt=np.where(shot, 1.0, 0.0), group=gid)
    g.places.add(unit)


def rehab_cycles(p: Planter, gid: int, g: Group, n_patients: int) -> None:
    """a rehabilitation department's patients, 2–3 weekday sessions a week for weeks, steady fees"""
    rng = p.rng
    patients = p.people(*REHAB_PATIENTS, min_age=30)
    ward = int(rng.choice(p.hospitals()))
    therapists = p.staff(ward, int(rng.integers(1, 3)))
    days = np.arange(p.days)
    weekday = p.weekday(days)
    for patient in patients:
        pattern = rng.choice(5, size=int(rng.integers(REHAB_DAYS_A_WEEK[0], REHAB_DAYS_A_WEEK[1] + 1)), replace=False)
        first = int(rng.integers(0, max(1, p.days - 7 * REHAB_WEEKS[0])))
        weeks = int(rng.integers(REHAB_WEEKS[0], REHAB_WEEKS[1] + 1))
        on = days[np.isin(weekday, pattern) & (days >= first) & (days < first + 7 * weeks)]
        on = on[rng.random(len(on)) >= MISSED_SESSION]
        n = len(on)
        hour = rng.uniform(CLINIC_HOURS[0], CLINIC_HOURS[1] - 1.5)
        seconds = ((hour + rng.normal(0, 0.3, n)) * 3600).astype(np.int64)
        fee = rng.uniform(*REHAB_SESSION_YUAN) * rng.normal(1, SESSION_PRICE_WOBBLE, n)
        p.add(psn=patient, place=ward, doctor=rng.choice(therapists), med_type="11", ts=p.day_ts(on, seconds),
              dise=DX[rng.choice(REHAB_DX)], total=np.round(fee, 2),
              fund_ratio=rng.uniform(0.6, 0.8), group=gid)
    g.places.add(ward)


def chemo_cycles(p: Planter, gid: int, g: Group, n_patients: int) -> None:
    """oncology patients on 21- or 28-day cycles (sometimes a week late), 1–3-day stays, coded as hospitals do"""
    rng = p.rng
    patients = p.people(*CHEMO_PATIENTS, min_age=35)
    oncology = int(rng.choice(p.kind["big"]))
    doctors = p.staff(oncology, 3)
    gend = p.pop.persons["gend"].to_numpy()
    for patient in patients:
        cancers = [c for c in CHEMO_CANCERS if c != "C50.900" or gend[patient] == "2"]
        cancer = DX[rng.choice(cancers)]
        coded_z = rng.random() < CHEMO_CODED_AS_Z51
        cycle = int(rng.choice(CHEMO_CYCLE_DAYS))
        base = rng.uniform(*CHEMO_CYCLE_YUAN)
        doctor = int(rng.choice(doctors))
        day = int(rng.integers(0, cycle))
        for _ in range(int(rng.integers(CHEMO_CYCLES[0], CHEMO_CYCLES[1] + 1))):
            if day + 3 >= p.days:
                break
            los = int(rng.integers(CHEMO_STAY[0], CHEMO_STAY[1] + 1))
            dise = DX["Z51.102"] if coded_z ^ (rng.random() < 0.1) else cancer
            p.stays(gid, patient, oncology, doctor, day, los, dise, per_day=(base / los * 0.95, base / los * 1.05))
            day += cycle + (7 if rng.random() < CHEMO_LATE else int(rng.integers(-CHEMO_ON_TIME, CHEMO_ON_TIME + 1)))
    g.places.add(oncology)


def _refill_patients(p: Planter, gid: int, patients: np.ndarray, place: int, doctors: np.ndarray, *,
                     every: tuple[int, int], months: tuple[int, int] = (1, 1)) -> None:
    rng = p.rng
    dise, drug, monthly = p.chronic_plan(len(patients))
    for k, patient in enumerate(patients):
        supply = int(rng.integers(months[0], months[1] + 1))
        days = p.cadence(int(rng.integers(0, every[1] * supply)), (every[0] * supply, every[1] * supply))
        cnt = np.round(monthly[k] * supply * rng.uniform(*ORDINARY_QTY, len(days)))
        p.refills(gid, int(patient), place, int(rng.choice(doctors)), days, dise=int(dise[k]), drug=int(drug[k]),
                  cnt=cnt)


def busy_chronic_doctor(p: Planter, gid: int, g: Group, n_patients: int) -> None:
    """one doctor with dozens of 门特 patients, each on ordinary monthly refills of their own drug"""
    place = int(p.rng.choice(p.hospitals()))
    doctor = int(p.staff(place, 1)[0])
    _refill_patients(p, gid, p.people(*BUSY_DOCTOR_PATIENTS, min_age=45), place, np.array([doctor]), every=REFILL_EVERY)
    g.doctors.add(doctor)
    g.places.add(place)


def chronic_refills(p: Planter, gid: int, g: Group, n_patients: int) -> None:
    """a 门特 clinic's genuinely sick patients on monthly refills with the department's doctors"""
    place = int(p.rng.choice(p.hospitals()))
    _refill_patients(p, gid, p.people(*REFILL_PATIENTS, min_age=50), place, p.staff(place, 3), every=REFILL_EVERY)
    g.places.add(place)


def long_prescriptions(p: Planter, gid: int, g: Group, n_patients: int) -> None:
    """stable chronic patients given 2–3 months' supply at once (长处方), every 2–3 months"""
    place = int(p.rng.choice(p.hospitals()))
    _refill_patients(p, gid, p.people(*LONG_RX_PATIENTS, min_age=50), place, p.staff(place, 2), every=REFILL_EVERY,
                     months=LONG_SUPPLY_MONTHS)
    g.places.add(place)


LOOKALIKES = {
    "dialysis_cohort": dialysis_cohort, "rehab_cycles": rehab_cycles, "chemo_cycles": chemo_cycles,
    "busy_chronic_doctor": busy_chronic_doctor, "chronic_refills": chronic_refills,
    "long_prescriptions": long_prescriptions,
}
