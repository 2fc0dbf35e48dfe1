"""Benign look-alikes of people together: families, crowds, shared identifiers, refunds.

A family at its home pharmacy, a busy pharmacy, ordinary refunds, placeholder
phones, a building-level (truncated) address, planned surgery days, company
health checks, a bus accident and a nursing home (PATTERNS.md). Each looks
like a ring on one axis — many cards minutes apart, many people on one
identifier, many admitted together — and differs on another: one household,
no repetition, no shared activity, or far too many holders.
"""
from __future__ import annotations

import numpy as np

from .planter import CLINIC_HOURS, DX, ORDINARY_DRUGS, PHARMACY_HOURS, PRICE, Planter
from .population import DISTRICT, STREETS, TOWNS
from .traffic import Group

__all__ = ["LOOKALIKES"]

# A family fetches medicine together about monthly, a few minutes apart at the counter.
FAMILY_EVERY = (24, 38)
FAMILY_GAP_S = (40, 360)
# Placeholders data-entry staff type when a patient gives no phone; one per group.
PLACEHOLDERS = ("13800000000", "13900000000", "00000000000", "13888888888")
# People per placeholder: hundreds in a 20,000-person district (far beyond any family or broker).
PLACEHOLDER_PER_PATIENT = 1 / 80
PLACEHOLDER_MIN = 50
# Households one building-level address absorbs when an export cuts the room number off.
TRUNCATED_HOUSEHOLDS = (20, 50)
# Ordinary refunds (a mistaken purchase, a changed prescription): people per 20,000 patients.
REFUNDERS_PER_20K = 45
REFUND_AGAIN = 0.1      # most refund once
REFUND_PARTIAL = 0.2
REFUND_PARTIAL_SHARE = (0.3, 0.8)
REFUND_DELAY_S = (600, 3 * 86_400)  # ten minutes to three days, as the background's refunds
# A planned surgery day: one theme (cataract list, joint replacement, gallbladder) per day.
SURGERY_THEMES = (("H25.900", (5500.0, 9000.0), (1, 3)), ("M17.900", (38000.0, 60000.0), (5, 10)),
                  ("K80.200", (12000.0, 20000.0), (2, 5)))
SURGERY_OWN_THEME = 0.85
SURGERY_PATIENTS = (8, 16)
ADMITTED_EVENING_BEFORE = 0.3
# A company health check: working-age staff on one or two mornings; most have no finding.
CHECK_FINDINGS = ("Z00.000",) * 6 + ("K76.000", "E78.500", "I10.x00", "E11.900")
CHECK_YUAN = (150.0, 600.0)
CHECK_STAFF = (30, 80)
SECOND_MORNING = 0.4        # the check is spread over two mornings for part of the staff
# A road accident's injuries, and the share sent home from the emergency room the same day.
INJURY_DX = ("S72.000", "S06.000", "S82.200", "S22.300", "S52.500", "T00.900", "T00.900")
SENT_HOME = 0.4
ACCIDENT_VICTIMS = (8, 20)
ACCIDENT_STAY = (2, 25)
# Why nursing-home residents go to hospital: each on their own, at their own times.
ELDERLY_STAY_DX = ("J18.900", "I63.900", "I50.900", "N39.000", "J44.100", "S72.000")
RESIDENTS = (15, 30)
RESIDENT_STAYS = (0, 3)     # admissions per resident in the period
RESIDENT_STAY_DAYS = (4, 14)


def family_pharmacy(p: Planter, gid: int, g: Group, n_patients: int) -> None:
    """3–5 people sharing an address and phone, swiped minutes apart at their home pharmacy every month"""
    rng = p.rng
    persons = p.pop.persons
    household = persons["household"].to_numpy()
    free = np.bincount(household[~p.used], minlength=household.max() + 1)
    sizes = np.bincount(household, minlength=household.max() + 1)
    candidates = np.flatnonzero((sizes >= 3) & (free == sizes))
    if len(candidates) == 0:
        return
    fam = int(rng.choice(candidates))
    members = np.flatnonzero(household == fam)
    p.used[members] = True
    persons.loc[members, "tel"] = persons["tel"].to_numpy()[members[0]]
    home = int(p.kind["pharmacy"][(fam * 7) % len(p.kind["pharmacy"])])  # the one they always use
    hours = (17.0, 20.5) if rng.random() < 0.6 else (9.0, 11.5)
    for day in p.cadence(int(rng.integers(0, FAMILY_EVERY[1])), FAMILY_EVERY):
        present = members[rng.random(len(members)) < 0.8]
        if len(present) < 2:
            present = members[:2]
        n = len(present)
        drug = np.where(rng.random(n) < 0.3, p.chronic_plan(n)[1], ORDINARY_DRUGS[rng.integers(0, len(ORDINARY_DRUGS), n)])
        cnt, total = p.pharmacy_bill(drug, rng.lognormal(4.2, 0.5, n))
        p.sitting(gid, rng.permutation(present), home, int(day), gap_s=FAMILY_GAP_S, hours=hours, med_type="41",
                  dise=-1, drug=drug, cnt=cnt, total=total, fund_ratio=rng.uniform(0.3, 1.0, n))
    g.patients |= set(members.tolist())
    g.places.add(home)


def busy_pharmacy(p: Planter, gid: int, g: Group, n_patients: int) -> None:
    """the district's busiest pharmacy, where unrelated cards are swiped minutes apart all day"""
    g.places.add(int(p.kind["pharmacy"][0]))


def ordinary_refunds(p: Planter, gid: int, g: Group, n_patients: int) -> None:
    """refunds of mistaken purchases, scattered over many pharmacies and clinics and people, mostly once"""
    rng = p.rng
    people = p.recruit(max(10, int(round(REFUNDERS_PER_20K * n_patients / 20_000))))
    for person in people:
        for _ in range(1 + int(rng.random() < REFUND_AGAIN)):
            day = int(rng.integers(0, p.days - 3))
            at_pharmacy = rng.random() < 0.7
            place = int(rng.choice(p.kind["pharmacy"] if at_pharmacy else p.kind["clinic"]))
            drug = int(ORDINARY_DRUGS[rng.integers(len(ORDINARY_DRUGS))]) if rng.random() < 0.7 or not at_pharmacy \
                else int(p.chronic_plan(1)[1][0])
            cnt, total = p.pharmacy_bill(np.array([drug]), rng.lognormal(4.0, 0.6, 1))
            fund = rng.uniform(0.3, 1.0)
            med_type = "41" if at_pharmacy else "11"
            doctor = -1 if at_pharmacy else int(p.doctors_at(np.array([place]))[0])
            dise = -1 if at_pharmacy else int(p.outpatient_dx(np.array([person]))[0])
            bought = p.day_ts(np.array([day]), p.clock(1, PHARMACY_HOURS if at_pharmacy else CLINIC_HOURS))
            p.add(psn=person, place=place, doctor=doctor, ts=bought, med_type=med_type, dise=dise, drug=drug,
                  cnt=cnt, total=total, fund_ratio=fund, group=gid)
            units = np.maximum(1, np.round(cnt * rng.uniform(*REFUND_PARTIAL_SHARE))) if rng.random() < REFUND_PARTIAL \
                else cnt
            later = bought + rng.integers(*REFUND_DELAY_S)
            back = np.minimum(np.round(units * PRICE[drug], 2), total)
            p.refund(gid, person, place, later, drug=drug, cnt=units, total=back,
                     fund_ratio=fund, med_type=med_type, doctor=doctor, dise=dise)
    g.patients |= set(people.tolist())


def placeholder_phone(p: Planter, gid: int, g: Group, n_patients: int) -> None:
    """hundreds of unrelated people whose phone on file is a placeholder such as 13800000000"""
    rng = p.rng
    used = sum(1 for other in p.groups if other.kind == "placeholder_phone") - 1
    phone = PLACEHOLDERS[used % len(PLACEHOLDERS)]
    # Anyone not planted elsewhere (a ring's or look-alike's identifiers stay as planted).
    pool = np.flatnonzero(~p.used)
    holders = rng.choice(pool, size=min(len(pool), max(PLACEHOLDER_MIN, int(n_patients * PLACEHOLDER_PER_PATIENT))),
                         replace=False)
    p.pop.persons.loc[holders, "tel"] = phone
    g.patients |= set(holders.tolist())


def truncated_address(p: Planter, gid: int, g: Group, n_patients: int) -> None:
    """dozens of households on one building-level address (an export that cut the room off), nothing shared"""
    rng = p.rng
    persons = p.pop.persons
    household = persons["household"].to_numpy()
    free = np.bincount(household[~p.used], minlength=household.max() + 1)
    sizes = np.bincount(household, minlength=household.max() + 1)
    candidates = np.flatnonzero(free == sizes)
    chosen = rng.choice(candidates, size=min(len(candidates), int(rng.integers(*TRUNCATED_HOUSEHOLDS))), replace=False)
    members = np.flatnonzero(np.isin(household, chosen))
    building = f"{DISTRICT[1]}{rng.choice(TOWNS)}{rng.choice(STREETS)}{rng.integers(1, 400)}号"
    persons.loc[members, "addr"] = building
    p.used[members] = True
    g.patients |= set(members.tolist())


def surgery_day(p: Planter, gid: int, g: Group, n_patients: int) -> None:
    """a planned surgery day: 8–16 patients admitted together once (a cataract list, joint replacements)"""
    rng = p.rng
    theme, yuan, los = SURGERY_THEMES[int(rng.integers(len(SURGERY_THEMES)))]
    patients = p.people(*SURGERY_PATIENTS, min_age=50)
    hospital = int(rng.choice(p.kind["big"]))
    surgeons = p.staff(hospital, int(rng.integers(1, 3)))
    n = len(patients)
    day = int(rng.integers(1, p.days - 12))
    begin = day - (rng.random(n) < ADMITTED_EVENING_BEFORE)
    dise = np.where(rng.random(n) < SURGERY_OWN_THEME, DX[theme], p.outpatient_dx(patients))
    stay = rng.integers(los[0], los[1] + 1, n)
    p.stays(gid, patients, hospital, rng.choice(surgeons, n), begin, stay, dise,
            per_day=(yuan[0] / stay.mean(), yuan[1] / stay.mean()))
    g.places.add(hospital)


def health_check(p: Planter, gid: int, g: Group, n_patients: int) -> None:
    """a company health check: 30–80 staff seen at one hospital on one or two mornings, once"""
    rng = p.rng
    staff = p.people(*CHECK_STAFF, min_age=22, max_age=58)
    hospital = int(rng.choice(p.hospitals()))
    doctors = p.staff(hospital, 3)
    n = len(staff)
    day = int(rng.integers(0, p.days - 2)) + (rng.random(n) < SECOND_MORNING)
    p.add(psn=staff, place=hospital, doctor=rng.choice(doctors, n), med_type="11",
          ts=p.day_ts(day, p.clock(n, (7.5, 11.0))), dise=np.array([DX[c] for c in rng.choice(CHECK_FINDINGS, n)]),
          total=np.round(rng.uniform(*CHECK_YUAN, n), 2), fund_ratio=rng.uniform(0.3, 0.6, n), group=gid)
    g.places.add(hospital)


def bus_accident(p: Planter, gid: int, g: Group, n_patients: int) -> None:
    """a bus accident: 8–20 injured seen the same day, some admitted for days or weeks, once"""
    rng = p.rng
    victims = p.people(*ACCIDENT_VICTIMS)
    hospital = int(rng.choice(p.kind["big"]))
    n = len(victims)
    day = int(rng.integers(0, p.days - 30))
    dise = np.array([DX[c] for c in rng.choice(INJURY_DX, n)])
    home = rng.random(n) < SENT_HOME
    doctors = p.doctors_at(np.full(n, hospital))
    arrival = p.clock(n, (0.0, 2.0)) + int(rng.uniform(9, 19) * 3600)
    if home.any():
        p.add(psn=victims[home], place=hospital, doctor=doctors[home], med_type="11",
              ts=p.day_ts(np.full(home.sum(), day), arrival[home]), dise=dise[home],
              total=np.round(rng.uniform(300, 1500, home.sum()), 2), fund_ratio=rng.uniform(0.5, 0.7), group=gid)
    kept = ~home
    p.stays(gid, victims[kept], hospital, doctors[kept], np.full(kept.sum(), day), rng.integers(ACCIDENT_STAY[0], ACCIDENT_STAY[1] + 1, kept.sum()),
            dise[kept], per_day=(900.0, 1500.0), fund_ratio=(0.6, 0.75))
    g.places.add(hospital)


def nursing_home(p: Planter, gid: int, g: Group, n_patients: int) -> None:
    """a nursing home's residents: one address and phone, each admitted on their own at their own times"""
    rng = p.rng
    residents = p.people(*RESIDENTS, min_age=70, max_age=99)
    kind = rng.choice(["福利院", "养老院", "颐养中心"])
    home = f"{DISTRICT[1]}{rng.choice(TOWNS)}颐养路{rng.integers(1, 200)}号{kind}"
    p.pop.persons.loc[residents, "addr"] = home
    p.pop.persons.loc[residents, "tel"] = "0571" + str(int(rng.integers(10**7, 9 * 10**7)))
    hospital = int(rng.choice(p.kind["mid"]))
    for resident in residents:
        k = int(rng.integers(RESIDENT_STAYS[0], RESIDENT_STAYS[1] + 1))
        if k == 0:
            continue
        begin = p.distinct_days(k)
        p.stays(gid, resident, hospital, p.doctors_at(np.full(k, hospital)), begin,
                rng.integers(RESIDENT_STAY_DAYS[0], RESIDENT_STAY_DAYS[1] + 1, k),
                np.array([DX[c] for c in rng.choice(ELDERLY_STAY_DX, k)]), per_day=(650.0, 1050.0))
    g.patients |= set(residents.tolist())
    g.places.add(hospital)


LOOKALIKES = {
    "family_pharmacy": family_pharmacy, "busy_pharmacy": busy_pharmacy, "ordinary_refunds": ordinary_refunds,
    "surgery_day": surgery_day, "health_check": health_check, "bus_accident": bus_accident,
    "nursing_home": nursing_home, "truncated_address": truncated_address, "placeholder_phone": placeholder_phone,
}
