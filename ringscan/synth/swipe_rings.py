"""Card stacks: a collector's cards swiped at complicit pharmacies, a card pool keyed in at a clinic.

Pharmacy card-swiping (药店空刷/套现/串换, seeds 000 三(二)1–3, 003 附件3 二.5):
a collector holds many people's cards and runs them through a pharmacy's till
for cash or goods, booked as reimbursable drugs. Clinic card pool (一卡多人/
冒名就医, 000 三(三)1–2, 003 附件3 三.2 and 五.2): a clinic keys in visits
on a pool of cards it holds, with a diagnosis plausible for each holder.

Each variant is one way real groups do it (PATTERNS.md "How groups really
behave"); the first docstring line describes it in ``ringscan generate``.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .planter import CLINIC_HOURS, DRUG, PHARMACY_HOURS, Planter
from .population import DISTRICT

__all__ = ["VARIANTS"]

# Drugs a swipe is booked as (串换: what the till records, not what leaves the shop):
# reimbursable, resellable, ordinary enough not to draw notice.
SWIPE_DRUGS = ("ZA12BAF0354", "ZA12AAN0052", "XC10AAA067A001", "XB01ACL160A001", "XA02BCO011A001")
# What a collector takes from one card in one go when he does not ask for a round sum
# (median yuan and log-normal spread): about what a personal account accrues in a month or two.
SWIPE_TARGET_MEDIAN = 260.0
SWIPE_TARGET_SPREAD = 0.45
# Below this many cards a sitting is not worth the trip; a collector brings at least these.
MIN_CARDS_PER_SITTING = 3
# Prices of one drug differ a little between pharmacies (each sets its own retail price).
PRICE_SPREAD = (0.95, 1.06)
# A collector swipes when the shop is quiet but open; not in the first or last half hour.
SWIPE_HOURS = (PHARMACY_HOURS[0] + 0.5, PHARMACY_HOURS[1] - 0.5)
# Records keyed in after the clinic has closed (background clinic visits end at 17:00).
AFTER_HOURS = (18.5, 22.0)
# Pool visits are billed a little above an ordinary visit: extra examinations nobody had.
POOL_FEE_FACTOR = (1.2, 2.0)
# A holder's visits mostly carry their usual diagnosis; sometimes another plausible one.
KEEP_OWN_DX = 0.8


def _present(p: Planter, cards: np.ndarray, share: float) -> np.ndarray:
    present = cards[p.rng.random(len(cards)) < share]
    if len(present) < MIN_CARDS_PER_SITTING:
        present = p.rng.choice(cards, size=min(len(cards), MIN_CARDS_PER_SITTING), replace=False)
    return p.rng.permutation(present)


def _swipe_sitting(p: Planter, gid: int, cards: np.ndarray, pharmacy: int, day: int, *, drugs: np.ndarray,
                   gap_s: tuple[int, int], round_share: float, price_factor: float) -> None:
    rng = p.rng
    n = len(cards)
    drug = rng.choice(drugs, n)
    target = SWIPE_TARGET_MEDIAN * rng.lognormal(0.0, SWIPE_TARGET_SPREAD, n)
    cnt, total = p.pharmacy_bill(drug, target, price_factor)
    asked = rng.random(n) < round_share
    round_cnt, round_total = p.round_bill(drug, n)
    cnt, total = np.where(asked, round_cnt, cnt), np.where(asked, round_total, total)
    p.sitting(gid, cards, pharmacy, day, gap_s=gap_s, hours=SWIPE_HOURS, med_type="41", dise=-1, drug=drug,
              cnt=cnt, total=total, fund_ratio=rng.uniform(0.7, 1.0, n))


# Each variant's script as numbers (ranges are drawn per ring): how many cards the
# collector holds, on how many days he comes, the share of the stack swiped each time,
# seconds between two cards at the till, and how often a round sum is asked for.
# one_sitting — the whole stack every time (a card is left out when its account is dry),
# at a cashier's pace, for the round sums the buyer of the goods pays out.
ONE_SITTING: dict[str, Any] = dict(cards=(6, 12), occasions=(5, 9), presence=(0.92, 1.0), gap_s=(10, 75), round_share=0.8)
# rotating — a bigger stack, a different part of it each time so no card is used every
# visit; a few minutes between cards (browsing, paying), real basket prices.
ROTATING: dict[str, Any] = dict(cards=(10, 18), occasions=(6, 10), presence=(0.35, 0.65), gap_s=(60, 360), round_share=0.0)
# carried — the stack goes round one or two complicit shops and the busy one; on some
# rounds it is split between two shops the same day.
CARRIED: dict[str, Any] = dict(cards=(6, 12), occasions=(6, 10), presence=(0.8, 1.0), gap_s=(15, 240), round_share=0.3,
               split_day=0.3)
CARRIED_OWN_SHOPS = (1, 2)
# sparse — a careful collector: three or four visits two to six weeks apart, taking his time.
SPARSE: dict[str, Any] = dict(cards=(5, 10), occasions=(3, 4), presence=(0.85, 1.0), gap_s=(180, 600), round_share=0.5)
SPARSE_WEEKS_APART = (14, 40)


def _collector(p: Planter, gid: int, size: float, jitter: float, *, cards: tuple[int, int], days: np.ndarray,
               pharmacies: np.ndarray, presence: tuple[float, float], gap_s: tuple[int, int], round_share: float,
               split_day: float = 0.0, occasions: tuple[int, int] | None = None) -> None:
    """The common script: one stack of cards, sittings on ``days`` at one of ``pharmacies``.

    (``occasions`` is the script's own count of days, already drawn into ``days``.)
    """
    rng = p.rng
    stack = p.people(*cards, size)
    drugs = np.array([DRUG[c] for c in rng.choice(SWIPE_DRUGS, size=int(rng.integers(1, 3)), replace=False)])
    factors = rng.uniform(*PRICE_SPREAD, len(pharmacies))
    gap = (max(1, int(gap_s[0] * jitter)), max(2, int(gap_s[1] * jitter)))
    share = rng.uniform(*presence)
    for day in days:
        present = _present(p, stack, share)
        if len(pharmacies) > 1 and rng.random() < split_day and len(present) >= 2 * MIN_CARDS_PER_SITTING:
            # The stack is split between two of the shops on one round.
            two = rng.choice(len(pharmacies), 2, replace=False)
            half = len(present) // 2
            for k, part in zip(two, (present[:half], present[half:])):
                _swipe_sitting(p, gid, part, int(pharmacies[k]), int(day), drugs=drugs, gap_s=gap,
                               round_share=round_share, price_factor=factors[k])
            continue
        k = int(rng.integers(len(pharmacies)))
        _swipe_sitting(p, gid, present, int(pharmacies[k]), int(day), drugs=drugs, gap_s=gap,
                       round_share=round_share, price_factor=factors[k])


def _occasions(p: Planter, script: dict) -> np.ndarray:
    lo, hi = script["occasions"]
    return p.distinct_days(int(p.rng.integers(lo, hi + 1)))


def one_sitting(p: Planter, gid: int, size: float, jitter: float) -> None:
    """every card in one sitting, seconds apart, one pharmacy, mostly round sums, 5–9 days"""
    pharmacy = p.ring_place(p.kind["pharmacy"][1:])
    _collector(p, gid, size, jitter, days=_occasions(p, ONE_SITTING), pharmacies=np.array([pharmacy]), **ONE_SITTING)


def rotating(p: Planter, gid: int, size: float, jitter: float) -> None:
    """a rotating subset of a larger stack each time, minutes apart, ordinary amounts, one pharmacy"""
    pharmacy = p.ring_place(p.kind["pharmacy"][1:])
    _collector(p, gid, size, jitter, days=_occasions(p, ROTATING), pharmacies=np.array([pharmacy]), **ROTATING)


def carried(p: Planter, gid: int, size: float, jitter: float) -> None:
    """the same stack carried between 2–3 pharmacies, one of them the district's busiest; prices differ a little"""
    own = p.fresh_places(p.kind["pharmacy"][1:], int(p.rng.integers(CARRIED_OWN_SHOPS[0], CARRIED_OWN_SHOPS[1] + 1)))
    busy = p.kind["pharmacy"][:1]  # where a stack of cards draws no notice
    _collector(p, gid, size, jitter, days=_occasions(p, CARRIED), pharmacies=np.concatenate([own, busy]), **CARRIED)


def sparse(p: Planter, gid: int, size: float, jitter: float) -> None:
    """a few occasions only (3–4), weeks apart, several minutes between cards"""
    pharmacy = p.ring_place(p.kind["pharmacy"][1:])
    lo, hi = SPARSE["occasions"]
    days = p.spaced_days(int(p.rng.integers(lo, hi + 1)), SPARSE_WEEKS_APART)
    _collector(p, gid, size, jitter, days=days, pharmacies=np.array([pharmacy]), **SPARSE)


# -- clinic card pool ---------------------------------------------------------

def _pool_visits(p: Planter, gid: int, cards: np.ndarray, usual_dx: np.ndarray, clinic: int, doctor: int,
                 day: int, *, gap_s: tuple[int, int] | None, hours: tuple[float, float]) -> None:
    """One day's keyed-in visits: as one sitting (``gap_s``) or scattered through ``hours``."""
    rng = p.rng
    n = len(cards)
    dise = np.where(rng.random(n) < KEEP_OWN_DX, usual_dx[cards], p.outpatient_dx(cards))
    drug, cnt, total = p.outpatient_bill(n, rng.uniform(*POOL_FEE_FACTOR, n))
    cols = dict(doctor=doctor, med_type="11", dise=dise, drug=drug, cnt=cnt, total=total,
                fund_ratio=rng.uniform(0.5, 0.8, n))
    if gap_s is None:
        p.add(psn=cards, place=clinic, ts=p.day_ts(np.full(n, day), p.clock(n, hours)), group=gid, **cols)
    else:
        p.sitting(gid, cards, clinic, day, gap_s=gap_s, hours=hours, **cols)


def _card_pool(p: Planter, gid: int, holders: np.ndarray, clinic: int, *, days: np.ndarray,
               presence: tuple[float, float], gap_s: tuple[int, int] | None, hours: tuple[float, float],
               jitter: float) -> None:
    doctor = p.ring_doctor(clinic)
    usual_dx = np.zeros(len(p.pop.persons), dtype=np.int64)  # each holder's own complaint
    usual_dx[holders] = p.outpatient_dx(holders)
    gap = None if gap_s is None else (max(1, int(gap_s[0] * jitter)), max(2, int(gap_s[1] * jitter)))
    share = p.rng.uniform(*presence)
    for day in days:
        _pool_visits(p, gid, _present(p, holders, share), usual_dx, clinic, doctor, int(day), gap_s=gap, hours=hours)


def _catchment(p: Planter, clinic: int) -> np.ndarray:
    """Adults whose household's usual clinic is ``clinic`` (as the background assigns it)."""
    clinics = p.kind["clinic"]
    household = p.pop.persons["household"].to_numpy()
    adult = p.pop.persons["age"].between(18, 90).to_numpy()
    return np.flatnonzero((clinics[household % len(clinics)] == clinic) & adult)


# Each card-pool variant as numbers: holders in the pool, days it is billed, the share of
# the pool billed each day, seconds between two keyed-in records (None: scattered through
# the hours), and the hours.
# after_hours — the whole pool typed in once the clinic has closed, a record every minute or few.
AFTER_HOURS_POOL: dict[str, Any] = dict(holders=(6, 12), occasions=(5, 9), presence=(0.85, 1.0), gap_s=(40, 240), hours=AFTER_HOURS)
# through_day — records slipped in among the day's real patients, so no two sit together.
THROUGH_DAY_POOL: dict[str, Any] = dict(holders=(6, 12), occasions=(6, 10), presence=(0.6, 0.9), gap_s=None, hours=CLINIC_HOURS)
# subset — a larger pool, a third to a half of it each day, at one sitting in working hours.
SUBSET_POOL: dict[str, Any] = dict(holders=(10, 16), occasions=(7, 11), presence=(0.3, 0.6), gap_s=(60, 300),
                   hours=(CLINIC_HOURS[0], CLINIC_HOURS[1] - 1))
# out_of_area — cards of 异地 insured (their own clinic is elsewhere), typed in over lunch.
OUT_OF_AREA_POOL: dict[str, Any] = dict(holders=(5, 10), occasions=(5, 9), presence=(0.8, 1.0), gap_s=(30, 180), hours=(11.5, 13.5))


def _pool(p: Planter, gid: int, holders: np.ndarray, clinic: int, script: dict, jitter: float) -> None:
    lo, hi = script["occasions"]
    _card_pool(p, gid, holders, clinic, days=p.distinct_days(int(p.rng.integers(lo, hi + 1))),
               presence=script["presence"], gap_s=script["gap_s"], hours=script["hours"], jitter=jitter)


def _holders_among(p: Planter, candidates: np.ndarray, script: dict, size: float) -> np.ndarray:
    """Holders from ``candidates``; topped up from anyone if too few qualify (a small district)."""
    lo, hi = script["holders"]
    holders = p.recruit_among(candidates, p._size(lo, hi, size))
    if len(holders) < MIN_CARDS_PER_SITTING:
        holders = np.concatenate([holders, p.people(lo, hi, size)])[:hi]
    return holders


def after_hours(p: Planter, gid: int, size: float, jitter: float) -> None:
    """the pool keyed in at one sitting after the clinic closes; holders from its own neighbourhood"""
    clinic = p.ring_place(p.kind["clinic"])
    _pool(p, gid, _holders_among(p, _catchment(p, clinic), AFTER_HOURS_POOL, size), clinic, AFTER_HOURS_POOL, jitter)


def through_day(p: Planter, gid: int, size: float, jitter: float) -> None:
    """the pool's visits spread through the working day on the same days, among real patients"""
    clinic = p.ring_place(p.kind["clinic"])
    lo, hi = THROUGH_DAY_POOL["holders"]
    _pool(p, gid, p.people(lo, hi, size), clinic, THROUGH_DAY_POOL, jitter)


def subset(p: Planter, gid: int, size: float, jitter: float) -> None:
    """a different subset of a larger pool each day, one sitting in working hours, minutes apart"""
    clinic = p.ring_place(p.kind["clinic"])
    lo, hi = SUBSET_POOL["holders"]
    _pool(p, gid, p.people(lo, hi, size), clinic, SUBSET_POOL, jitter)


def out_of_area(p: Planter, gid: int, size: float, jitter: float) -> None:
    """cards of people insured in another district (异地), keyed in around the lunch break"""
    clinic = p.ring_place(p.kind["clinic"])
    persons = p.pop.persons
    elsewhere = np.flatnonzero((persons["insuplc_admdvs"] != DISTRICT[0]).to_numpy()
                               & persons["age"].between(18, 90).to_numpy())
    _pool(p, gid, _holders_among(p, elsewhere, OUT_OF_AREA_POOL, size), clinic, OUT_OF_AREA_POOL, jitter)


VARIANTS = {
    "pharmacy_swipe": {"one_sitting": one_sitting, "rotating": rotating, "carried": carried, "sparse": sparse},
    "shared_card": {"after_hours": after_hours, "through_day": through_day, "subset": subset,
                    "out_of_area": out_of_area},
}
