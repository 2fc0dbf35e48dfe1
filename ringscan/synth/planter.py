"""What the behaviour variants and look-alikes share: people, places, days and bills.

A :class:`Planter` is a :class:`~.traffic.Traffic` that also knows what a
sitting of card swipes, an inpatient stay, a run of refills or a pharmacy
bill looks like in settlement data, so that each script in
``*_rings.py`` / ``lookalikes_*.py`` reads as the behaviour it models.
Amounts, times and quantities follow the background traffic's conventions
(same opening hours, same bill shapes, same drug and diagnosis tables), so a
planted group differs from everyone else only in what its behaviour does.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .population import DIAGNOSES, DISTRICT, DRUGS, STREETS, TOWNS
from .traffic import Group, Traffic

__all__ = ["Planter", "DX", "DRUG", "PRICE"]

DX = {code: i for i, code in enumerate(DIAGNOSES["code"])}
DRUG = {code: i for i, code in enumerate(DRUGS["code"])}
PRICE = DRUGS["price"].to_numpy()
ORDINARY_DRUGS = np.flatnonzero(~DRUGS["key"].to_numpy())

# Opening hours the background uses: clinics and hospital outpatients 8–17, pharmacies 8–21.
CLINIC_HOURS = (8.0, 17.0)
PHARMACY_HOURS = (8.0, 21.0)
# Inpatients are settled when discharged, during the ward's office hours.
DISCHARGE_HOURS = (8.5, 16.0)
# Round sums a collector asks the till for: what a card's personal account will bear.
ROUND_SUMS = np.array([100.0, 150.0, 200.0, 200.0, 300.0, 500.0])
# Units per box for tablets and capsules; injections and pens are counted singly.
TABLETS_PER_BOX = 14
CHEAP_UNIT = 20.0  # a unit price below this is a tablet sold by the box
# From this age an outpatient diagnosis is more likely a chronic disease than a cold.
OLDER_FROM_AGE = 50
YOUNGER_DX = ("J06.900", "K29.700", "M54.500", "M51.202", "K76.000", "J06.900")
OLDER_DX = ("I10.x00", "E11.900", "I25.100", "M17.900", "E78.500", "K29.700", "M54.500")
# 门特 (chronic outpatient) plans: a key drug, one month's ordinary quantity, and the
# diagnoses it is prescribed for — one drug, several plausible diagnoses.
CHRONIC_PLANS = (
    ("XA10ABY036B001", 3.0, ("E11.900", "E11.201")),                  # insulin pens
    ("XB01ACL160A001", 28.0, ("I25.100", "I63.900", "I69.300")),      # clopidogrel
    ("XC10AAA067A001", 28.0, ("E78.500", "I25.100", "I10.x00")),      # atorvastatin
    ("XA10BKD209A001", 28.0, ("E11.900", "I50.900")),                 # dapagliflozin
    ("XB01AFL089A001", 28.0, ("I48.x00", "I63.900")),                 # rivaroxaban
)
# The plans' weights: diabetes and heart disease dominate a 门特 clinic.
CHRONIC_PLAN_WEIGHTS = np.array([0.3, 0.25, 0.25, 0.1, 0.1])
# A consultation and dispensing fee on top of a 门特 prescription (yuan).
CHRONIC_FEE = (10.0, 25.0)


class Planter(Traffic):
    """Traffic plus the building blocks of planted behaviour."""

    def add(self, **cols) -> None:
        """As Traffic.add; a script whose events all fell outside the period adds nothing."""
        if any(np.ndim(v) > 0 and len(v) == 0 for v in cols.values()):
            return
        super().add(**cols)

    # -- groups and people ---------------------------------------------------
    def ring(self, family: str, variant: str) -> tuple[int, Group]:
        gid, g = self.group(family, True)
        g.variant = variant
        return gid, g

    def lookalike(self, kind: str) -> tuple[int, Group]:
        gid, g = self.group(kind, False)
        g.variant = kind
        return gid, g

    def people(self, lo: int, hi: int, size: float = 1.0, *, min_age: int = 18, max_age: int = 90) -> np.ndarray:
        """Between lo and hi (times ``size``) unrelated, not-yet-planted adults."""
        return self.recruit(self._size(lo, hi, size), min_age=min_age, max_age=max_age)

    def recruit_among(self, candidates: np.ndarray, k: int) -> np.ndarray:
        """k unrelated, not-yet-planted people from ``candidates`` (one per household)."""
        candidates = np.asarray(candidates, dtype=np.int64)
        cand = candidates[~self.used[candidates]]
        cand = cand[self.rng.permutation(len(cand))]
        _, first = np.unique(self.pop.persons["household"].to_numpy()[cand], return_index=True)
        chosen = cand[np.sort(first)][:k]
        self.used[chosen] = True
        return chosen

    def ages(self, psn: np.ndarray) -> np.ndarray:
        return self.pop.persons["age"].to_numpy()[psn]

    def new_phone(self) -> str:
        """A mobile number drawn like everyone's own phone."""
        return "1" + str(int(self.rng.integers(3 * 10**9, 9 * 10**9))).zfill(10)

    def new_address(self) -> str:
        """A room address shaped like every household's."""
        rng = self.rng
        return (f"{DISTRICT[1]}{TOWNS[rng.integers(len(TOWNS))]}{STREETS[rng.integers(len(STREETS))]}"
                f"{rng.integers(1, 400)}号{rng.integers(1, 31)}幢{rng.integers(101, 1900)}室")

    # -- places and doctors --------------------------------------------------
    def hospitals(self) -> np.ndarray:
        return np.concatenate([self.kind["mid"], self.kind["big"]])

    def ring_place(self, *pools: np.ndarray) -> int:
        """A place no other ring's scheme runs at: from the first pool with a free one, else any of the first.

        Two schemes at one clinic or ward would be one network, and truth would
        say two rings; a place runs out only in very small districts.
        """
        for pool in pools:
            free = [int(q) for q in pool if int(q) not in self.ring_places]
            if free:
                chosen = int(self.rng.choice(free))
                break
        else:
            chosen = int(self.rng.choice(pools[0]))
        self.ring_places.add(chosen)
        return chosen

    def ring_doctor(self, place: int) -> int:
        """A doctor at ``place`` no other planted ring uses (who also sees ordinary patients)."""
        return int(self.fresh_doctors(np.array([place]))[0])

    def staff(self, place: int, k: int) -> np.ndarray:
        """k doctors of ``place`` (fewer if it has fewer)."""
        start, count = self.doc_start[place], self.doc_count[place]
        return start + self.rng.choice(count, size=min(k, count), replace=False)

    # -- days and times ------------------------------------------------------
    def distinct_days(self, k: int) -> np.ndarray:
        return self._days(k)

    def spaced_days(self, k: int, gap: tuple[int, int]) -> np.ndarray:
        """k days with gap[0]–gap[1] days between neighbours, placed at random in the period."""
        gaps = self.rng.integers(gap[0], gap[1] + 1, max(k - 1, 0))
        start = int(self.rng.integers(0, max(1, self.days - int(gaps.sum()))))
        days = start + np.concatenate([[0], np.cumsum(gaps)]).astype(np.int64)
        return days[days < self.days]

    def cadence(self, first: int, every: tuple[int, int]) -> np.ndarray:
        """Days from ``first`` on, each every[0]–every[1] days after the previous, within the period."""
        days, day = [], int(first)
        while day < self.days:
            days.append(day)
            day += int(self.rng.integers(every[0], every[1] + 1))
        return np.array(days, dtype=np.int64)

    def month_starts(self) -> np.ndarray:
        """Day numbers of the first of each month inside the period."""
        start = pd.Timestamp(self.start_ts, unit="s")
        firsts = pd.date_range(start, start + pd.Timedelta(days=self.days), freq="MS")
        return np.array([(d - start).days for d in firsts if 0 < (d - start).days < self.days], dtype=np.int64)

    def weekday(self, day: np.ndarray) -> np.ndarray:
        """0 = Monday."""
        return (np.asarray(day) + pd.Timestamp(self.start_ts, unit="s").day_of_week) % 7

    def clock(self, n: int, hours: tuple[float, float]) -> np.ndarray:
        return self.time_of_day(n, *hours)

    # -- bills ---------------------------------------------------------------
    def pharmacy_bill(self, drug: np.ndarray, target: np.ndarray, price_factor: float | np.ndarray = 1.0):
        """Whole boxes of ``drug`` worth about ``target`` yuan, plus now and then a small extra item."""
        drug, target = np.asarray(drug), np.asarray(target, dtype=float)
        unit = np.where(PRICE[drug] < CHEAP_UNIT, TABLETS_PER_BOX, 1)
        boxes = np.maximum(1, np.round(target / (PRICE[drug] * unit)))
        cnt = boxes * unit
        extra = np.where(self.rng.random(len(drug)) < 0.5, self.rng.lognormal(2.5, 0.8, len(drug)), 0.0)
        return cnt.astype(float), np.round(PRICE[drug] * cnt * price_factor + extra, 2)

    def round_bill(self, drug: np.ndarray, n: int):
        """A round sum asked for, booked as that much of ``drug``."""
        total = self.rng.choice(ROUND_SUMS, n)
        return np.maximum(1, np.round(total / PRICE[np.asarray(drug)])), total

    def outpatient_bill(self, n: int, fee_factor: float | np.ndarray = 1.0):
        """An ordinary outpatient visit: a few boxes of an ordinary drug plus examination fees."""
        drug = ORDINARY_DRUGS[self.rng.integers(0, len(ORDINARY_DRUGS), n)]
        cnt = self.rng.integers(1, 4, n) * 10.0
        total = np.round(PRICE[drug] * cnt + self.rng.lognormal(4.2, 0.6, n) * fee_factor, 2)
        return drug, cnt, total

    def outpatient_dx(self, psn: np.ndarray) -> np.ndarray:
        """A plausible outpatient diagnosis for each person, by age."""
        older = self.ages(psn) >= OLDER_FROM_AGE
        young = np.array([DX[c] for c in YOUNGER_DX])[self.rng.integers(0, len(YOUNGER_DX), len(psn))]
        old = np.array([DX[c] for c in OLDER_DX])[self.rng.integers(0, len(OLDER_DX), len(psn))]
        return np.where(older, old, young)

    def chronic_plan(self, n: int, plan: int | None = None):
        """(diagnosis, drug, monthly quantity) per patient; one shared plan when ``plan`` is given."""
        plans = np.full(n, plan) if plan is not None else \
            self.rng.choice(len(CHRONIC_PLANS), n, p=CHRONIC_PLAN_WEIGHTS)
        drug = np.array([DRUG[CHRONIC_PLANS[k][0]] for k in plans])
        monthly = np.array([CHRONIC_PLANS[k][1] for k in plans])
        dise = np.array([DX[self.rng.choice(CHRONIC_PLANS[k][2])] for k in plans])
        return dise, drug, monthly

    # -- events --------------------------------------------------------------
    def sitting(self, gid: int, psn: np.ndarray, place: int, day: int, *, gap_s: tuple[int, int],
                hours: tuple[float, float], **cols) -> None:
        """Cards run one after another through one till or one clinic system.

        The first at a time inside ``hours``, each next one gap_s[0]–gap_s[1]
        seconds later; the sitting ends before the hours do.
        """
        rng = self.rng
        gaps = rng.integers(gap_s[0], gap_s[1] + 1, len(psn))
        gaps[0] = 0
        length_h = gaps.sum() / 3600
        start = rng.uniform(hours[0], max(hours[0], hours[1] - length_h)) * 3600
        self.add(psn=psn, place=place, ts=self.day_ts(np.full(len(psn), day), (start + np.cumsum(gaps)).astype(np.int64)),
                 group=gid, **cols)

    def stays(self, gid: int, psn, place, doctor, begin, los, dise, *, per_day: tuple[float, float],
              fund_ratio: tuple[float, float] = (0.7, 0.85), discharge_hours=DISCHARGE_HOURS) -> None:
        """Inpatient stays (med_type 21), each settled on its discharge day; cut at the period's end."""
        rng = self.rng
        begin = np.atleast_1d(np.asarray(begin, dtype=np.int64))
        n = len(begin)
        begin = np.clip(begin, 0, self.days - 2)
        end = np.clip(begin + np.broadcast_to(np.asarray(los, dtype=np.int64), (n,)), begin + 1, self.days - 1)
        self.add(psn=psn, place=place, doctor=doctor, med_type="21", begn_day=begin, end_day=end,
                 ts=self.day_ts(end, self.clock(n, discharge_hours)), dise=dise,
                 total=np.round((end - begin) * rng.uniform(*per_day, n), 2),
                 fund_ratio=rng.uniform(*fund_ratio, n), group=gid)

    def refills(self, gid: int, psn: int, place: int, doctor: int, days: np.ndarray, *, dise: int, drug: int,
                cnt: np.ndarray | float, med_type: str = "14", hours=CLINIC_HOURS) -> None:
        """One patient's prescriptions of one drug on ``days`` (门特 by default)."""
        rng = self.rng
        n = len(days)
        if n == 0:
            return
        total = np.round(PRICE[drug] * cnt + rng.uniform(*CHRONIC_FEE, n), 2)
        self.add(psn=psn, place=place, doctor=doctor, med_type=med_type, ts=self.day_ts(days, self.clock(n, hours)),
                 dise=dise, total=total, fund_ratio=rng.uniform(0.7, 0.85, n), drug=drug, cnt=cnt, group=gid)

    def refund(self, gid: int, psn, place, ts, *, drug, cnt, total, fund_ratio, med_type="41", doctor=-1,
               dise=-1) -> None:
        """Refund settlements (退费): negative quantities and money, flagged 1."""
        self.add(psn=psn, place=place, doctor=doctor, ts=ts, med_type=med_type, dise=dise,
                 total=-np.asarray(total), fund_ratio=fund_ratio, refund=1, drug=drug, cnt=-np.asarray(cnt),
                 group=gid)
