"""Drugs turned into money: doctor–patient over-prescribing for resale, and buy-then-refund.

Doctor collusion / drug resale (倒卖药品, 超量开药, 门诊大病; seeds 002
二(二)3,6,7, 000 三(一)6, 003 附件2): a doctor prescribes high-value 门特 drugs
to a set of chronic patients who sell them on — far too much at once, or a
little too much too often, or the same drug again from a second doctor at
another hospital within 30 days (跨院重复开药, 001). Buy-then-refund cash-out
(违规套现, 002 二(二)4): key drugs bought on the card and refunded in cash a
few days later, each holder coming alone.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .planter import CHRONIC_PLANS, DRUG, PHARMACY_HOURS, PRICE, Planter

__all__ = ["VARIANTS"]

# Age from which people hold a 门特 (chronic outpatient) registration in numbers.
CHRONIC_MIN_AGE = 45
# A ring resells one drug; which plan (CHRONIC_PLANS) it is, weighted toward the dear ones.
RESALE_PLAN_WEIGHTS = np.array([0.35, 0.2, 0.1, 0.15, 0.2])
# Key drugs bought to be refunded: dear per unit, so one purchase is worth the trouble.
CASHOUT_DRUGS = ("XA10ABY036B001", "XL01EBA389A001", "XB05AAR021B001", "XB01AFL089A001", "XB01ACL160A001")
# What one cash-out purchase is worth (median yuan, log-normal spread).
CASHOUT_MEDIAN = 1200.0
CASHOUT_SPREAD = 0.5
# The refund comes one to five days after the purchase (PATTERNS.md).
REFUND_DELAY_DAYS = (1, 5)
# Patients one colluding doctor supplies, and holders in one cash-out scheme.
RESALE_PATIENTS = (5, 9)
CASHOUT_HOLDERS = (4, 8)
CASHOUT_PHARMACIES = (1, 2)
# excessive — five to ten months' supply per visit, visits three to four weeks apart.
EXCESSIVE: dict[str, Any] = dict(every=(20, 32), factor=(5.0, 10.0))
# frequent — a modest two to four times a refill, but every one to two weeks.
FREQUENT: dict[str, Any] = dict(every=(8, 16), factor=(2.0, 4.0))
# cross_hospital — each doctor's fill looks ordinary (up to 1.5× a month's supply, monthly);
# most months the patient fills the same drug again at the second hospital 5–20 days later.
CROSS_EVERY = (26, 34)
CROSS_FACTOR = (1.0, 1.5)
CROSS_SECOND_FILL = 0.8
CROSS_SECOND_AFTER = (5, 20)
# monthly_full / partial — about monthly; nearly every purchase refunded (in full, or 30–90%
# of the boxes on three in four refunds); irregular — 2–7 weeks apart, a share kept and used.
MONTHLY_FULL: dict[str, Any] = dict(every=(25, 36), refunded=0.9, partial=None)
PARTIAL: dict[str, Any] = dict(every=(25, 36), refunded=0.9, partial=(0.3, 0.9))
IRREGULAR: dict[str, Any] = dict(every=(14, 50), refunded=0.7, partial=None)
PARTIAL_BUT_SOMETIMES_FULL = 0.25


def _resale_ring(p: Planter, size: float):
    """Patients, their diagnoses, the resold drug and its monthly quantity."""
    patients = p.people(*RESALE_PATIENTS, size, min_age=CHRONIC_MIN_AGE)
    plan = int(p.rng.choice(len(CHRONIC_PLANS), p=RESALE_PLAN_WEIGHTS))
    dise, drug, monthly = p.chronic_plan(len(patients), plan)
    return patients, dise, int(drug[0]), float(monthly[0])


def _over_prescribe(p: Planter, gid: int, size: float, jitter: float, *, every: tuple[int, int],
                    factor: tuple[float, float]) -> None:
    rng = p.rng
    patients, dise, drug, monthly = _resale_ring(p, size)
    place = int(rng.choice(p.hospitals()))  # the scheme is the doctor's, not the hospital's
    doctor = p.ring_doctor(place)
    spread = max(0, int(round(2 * jitter)))
    for patient, dx in zip(patients, dise):
        days = p.cadence(int(rng.integers(0, every[1])), (max(1, every[0] - spread), every[1] + spread))
        cnt = np.round(monthly * rng.uniform(*factor, len(days)))
        p.refills(gid, int(patient), place, doctor, days, dise=int(dx), drug=drug, cnt=cnt)


def excessive(p: Planter, gid: int, size: float, jitter: float) -> None:
    """wildly excessive quantities (5–10 months' supply) about monthly, one doctor"""
    _over_prescribe(p, gid, size, jitter, **EXCESSIVE)


def frequent(p: Planter, gid: int, size: float, jitter: float) -> None:
    """only 2–4 times a normal refill, but every 8–16 days, one doctor"""
    _over_prescribe(p, gid, size, jitter, **FREQUENT)


def cross_hospital(p: Planter, gid: int, size: float, jitter: float) -> None:
    """near-normal monthly refills at one doctor, and the same drug again from another hospital's doctor within 30 days"""
    rng = p.rng
    patients, dise, drug, monthly = _resale_ring(p, size)
    first, second = (int(h) for h in rng.choice(p.hospitals(), 2, replace=False))
    doctors = (p.ring_doctor(first), p.ring_doctor(second))
    for patient, dx in zip(patients, dise):
        days = p.cadence(int(rng.integers(0, CROSS_EVERY[0])), CROSS_EVERY)
        p.refills(gid, int(patient), first, doctors[0], days, dise=int(dx), drug=drug,
                  cnt=np.round(monthly * rng.uniform(*CROSS_FACTOR, len(days))))
        again = days[rng.random(len(days)) < CROSS_SECOND_FILL]  # never both on one day
        again = again + rng.integers(CROSS_SECOND_AFTER[0], CROSS_SECOND_AFTER[1] + 1, len(again))
        again = again[again < p.days]
        p.refills(gid, int(patient), second, doctors[1], again, dise=int(dx), drug=drug,
                  cnt=np.round(monthly * rng.uniform(*CROSS_FACTOR, len(again))))


# -- buy-then-refund ----------------------------------------------------------

def _cashout(p: Planter, gid: int, size: float, *, every: tuple[int, int], refunded: float,
             partial: tuple[float, float] | None) -> None:
    """Each holder alone: purchases every every[0]–every[1] days, ``refunded`` of them refunded later."""
    rng = p.rng
    holders = p.people(*CASHOUT_HOLDERS, size, min_age=CHRONIC_MIN_AGE)
    shops = int(rng.integers(CASHOUT_PHARMACIES[0], CASHOUT_PHARMACIES[1] + 1))
    pharmacies = p.fresh_places(p.kind["pharmacy"][1:], shops)
    for holder in holders:
        drug = DRUG[rng.choice(CASHOUT_DRUGS)]
        days = p.cadence(int(rng.integers(0, every[1])), every)
        n = len(days)
        place = rng.choice(pharmacies, n)
        target = CASHOUT_MEDIAN * rng.lognormal(0.0, CASHOUT_SPREAD, n)
        cnt, total = p.pharmacy_bill(np.full(n, drug), target)
        fund = rng.uniform(0.6, 0.95, n)
        bought = p.day_ts(days, p.clock(n, PHARMACY_HOURS))
        p.add(psn=holder, place=place, ts=bought, med_type="41", dise=-1, drug=drug, cnt=cnt, total=total,
              fund_ratio=fund, group=gid)
        back = rng.random(n) < refunded
        if not back.any():
            back[int(rng.integers(n))] = True
        share = np.ones(n) if partial is None else \
            np.where(rng.random(n) < PARTIAL_BUT_SOMETIMES_FULL, 1.0, rng.uniform(*partial, n))
        units = np.maximum(1, np.round(cnt * share))
        refund_day = days + rng.integers(REFUND_DELAY_DAYS[0], REFUND_DELAY_DAYS[1] + 1, n)
        back &= refund_day < p.days
        p.refund(gid, holder, place[back], p.day_ts(refund_day, p.clock(n, PHARMACY_HOURS))[back], drug=drug,
                 cnt=units[back], total=np.round(np.minimum(units * PRICE[drug], total), 2)[back],
                 fund_ratio=fund[back])


def monthly_full(p: Planter, gid: int, size: float, jitter: float) -> None:
    """a key drug bought about monthly and refunded in full 1–5 days later, each holder alone"""
    _cashout(p, gid, size, **MONTHLY_FULL)


def partial(p: Planter, gid: int, size: float, jitter: float) -> None:
    """about monthly, but most refunds return only part of the purchase (30–90% of the boxes)"""
    _cashout(p, gid, size, **PARTIAL)


def irregular(p: Planter, gid: int, size: float, jitter: float) -> None:
    """purchases 2–7 weeks apart, some kept (really used), the rest refunded 1–5 days later"""
    _cashout(p, gid, size, **IRREGULAR)


VARIANTS = {
    "doctor_collusion": {"excessive": excessive, "frequent": frequent, "cross_hospital": cross_hospital},
    "refund_cashout": {"monthly_full": monthly_full, "partial": partial, "irregular": irregular},
}
