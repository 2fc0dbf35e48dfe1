"""Wards: organised fake admissions and split admissions.

Organised fake admissions (团伙住院, 虚假/挂床/诱导住院; seeds 000 三(一)3,5,
003 附件3 一.4 and 四.3, 001 一级及以下 and 社会办医疗机构): an intermediary
recruits insured people and a small hospital admits them in batches with a
soft diagnosis and little treatment per day. Split admission (分解住院,
003 附件3 一.4): one real stay billed as several, discharge and readmission
within days, same diagnosis and doctor.
"""
from __future__ import annotations

import numpy as np

from .planter import DX, Planter

__all__ = ["VARIANTS"]

# Soft diagnoses a fake or needless stay is booked under (挂床: nothing a ward must treat).
SOFT_STAY_DX = ("M54.500", "K29.700", "I10.x00", "M51.202", "I63.900", "J44.100", "E11.900")
# Money per day in a fake stay: bed, nursing and a drip, little real treatment (the
# background's stays cost around 900 a day).
FAKE_PER_DAY = (250.0, 550.0)
# Real stays that get split: what a secondary or tertiary ward bills per day.
SPLIT_PER_DAY = (700.0, 1300.0)
SPLIT_DX = ("I63.900", "J18.900", "M17.900", "I25.100", "J44.100", "I50.900", "S72.000")
# Days between the starts of one patient's two real (split) stays: a relapse, months later.
REAL_STAY_GAP = (35, 100)
# Days between the starts of two recruitment episodes: the last batch is out before the next.
EPISODE_GAP = (18, 45)
# Share of fake admissions placed at a community hospital with beds (一级) rather than a
# secondary one: the seed plans point inspections for 挂床 at the first level.
AT_COMMUNITY_HOSPITAL = 0.7


def _ward(p: Planter) -> int:
    if p.rng.random() < AT_COMMUNITY_HOSPITAL:
        return p.ring_place(p.kind["clinic"], p.kind["mid"])
    return p.ring_place(p.kind["mid"], p.kind["clinic"])


def _doctors(p: Planter, place: int, k: int) -> np.ndarray:
    return np.array([p.ring_doctor(place) for _ in range(k)])


def _broker_phone(p: Planter, pool: np.ndarray, share: float) -> None:
    """The intermediary's phone goes on the records of ``share`` of the recruits."""
    if share <= 0:
        return
    phone = p.new_phone()
    carriers = pool[p.rng.random(len(pool)) < share]
    p.pop.persons.loc[carriers, "tel"] = phone


def _episode(p: Planter, gid: int, present: np.ndarray, place: int, doctors: np.ndarray, base: int, *,
             admit_spread: int, los: tuple[int, int], together: bool, dx: np.ndarray) -> None:
    rng = p.rng
    n = len(present)
    begin = base + rng.integers(0, admit_spread + 1, n)
    if together:  # discharged as one batch (a day either way for paperwork)
        end = base + int(rng.integers(*los)) + rng.integers(0, 2, n)
        length = np.maximum(end - begin, 2)
    else:         # each "treatment" ends on its own day
        length = rng.integers(los[0], los[1] + 1, n)
    doctor = doctors[rng.integers(0, len(doctors), n)]
    p.stays(gid, present, place, doctor, begin, length, rng.choice(dx, n), per_day=FAKE_PER_DAY)


def _soft_dx(p: Planter, k: int) -> np.ndarray:
    return np.array([DX[c] for c in p.rng.choice(SOFT_STAY_DX, size=k, replace=False)])


def batch(p: Planter, gid: int, size: float, jitter: float) -> None:
    """recruits admitted the same day and discharged together, several episodes, one doctor, broker phone on all"""
    rng = p.rng
    pool = p.people(8, 14, size)
    place = _ward(p)
    doctors = _doctors(p, place, 1)
    dx = _soft_dx(p, 1)
    for base in p.spaced_days(int(rng.integers(3, 6)), EPISODE_GAP):
        present = pool[rng.random(len(pool)) < rng.uniform(0.75, 0.95)]
        _episode(p, gid, present, place, doctors, int(base), admit_spread=int(round(0.4 * jitter)), los=(5, 11),
                 together=True, dx=dx)
    _broker_phone(p, pool, 1.0)


def staggered(p: Planter, gid: int, size: float, jitter: float) -> None:
    """recruits admitted over 2–3 days, discharged one by one, two doctors, broker phone on some"""
    rng = p.rng
    pool = p.people(8, 16, size)
    place = _ward(p)
    doctors = _doctors(p, place, 2)
    dx = _soft_dx(p, 2)
    for base in p.spaced_days(int(rng.integers(3, 6)), EPISODE_GAP):
        present = pool[rng.random(len(pool)) < rng.uniform(0.7, 0.95)]
        _episode(p, gid, present, place, doctors, int(base), admit_spread=max(1, int(round(2 * jitter))),
                 los=(4, 14), together=False, dx=dx)
    _broker_phone(p, pool, rng.uniform(0.3, 0.7))


def rolling(p: Planter, gid: int, size: float, jitter: float) -> None:
    """several episodes with partly different recruits (new ones join, some drop out), no shared phone"""
    rng = p.rng
    pool = p.people(6, 10, size)
    place = _ward(p)
    doctors = _doctors(p, place, int(rng.integers(1, 3)))
    dx = _soft_dx(p, 2)
    for base in p.spaced_days(int(rng.integers(4, 7)), EPISODE_GAP):
        present = pool[rng.random(len(pool)) < rng.uniform(0.5, 0.8)]
        newcomers = p.recruit(int(rng.integers(1, 5)))
        pool = np.concatenate([pool, newcomers])
        _episode(p, gid, np.concatenate([present, newcomers]), place, doctors, int(base),
                 admit_spread=max(1, int(round(jitter))), los=(5, 10), together=True, dx=dx)


def one_episode(p: Planter, gid: int, size: float, jitter: float) -> None:
    """one large recruitment drive (以体检等名义诱导住院), admitted over 0–2 days, broker phone on most"""
    rng = p.rng
    pool = p.people(12, 24, size)
    place = _ward(p)
    doctors = _doctors(p, place, 1)
    base = int(rng.integers(0, max(1, p.days - 16)))
    _episode(p, gid, pool, place, doctors, base, admit_spread=int(round(2 * jitter)), los=(5, 12),
             together=bool(rng.random() < 0.5), dx=_soft_dx(p, 1))
    _broker_phone(p, pool, rng.uniform(0.6, 1.0))


# -- split admission ----------------------------------------------------------

def _split_stays(p: Planter, gid: int, size: float, *, segments: tuple[int, int], seg_los: tuple[int, int],
                 gap: tuple[int, int], stays_each: tuple[int, int] = (1, 2)) -> None:
    """Each patient's real stays cut into ``segments`` pieces with a ``gap`` of days between them."""
    rng = p.rng
    patients = p.people(4, 8, size, min_age=30)
    place = p.ring_place(p.hospitals(), p.kind["clinic"])  # community hospitals have wards too
    doctor = p.ring_doctor(place)
    for patient in patients:
        dise = DX[rng.choice(SPLIT_DX)]
        for start in p.spaced_days(int(rng.integers(stays_each[0], stays_each[1] + 1)), REAL_STAY_GAP):
            day = int(start)
            for _ in range(int(rng.integers(segments[0], segments[1] + 1))):
                if day >= p.days - 2:
                    break
                los = int(rng.integers(seg_los[0], seg_los[1] + 1))
                p.stays(gid, patient, place, doctor, day, los, dise, per_day=SPLIT_PER_DAY)
                day += los + int(rng.integers(gap[0], gap[1] + 1))


def back_to_back(p: Planter, gid: int, size: float, jitter: float) -> None:
    """discharged and readmitted the same or next day, 2–4 segments per real stay"""
    _split_stays(p, gid, size, segments=(2, 4), seg_los=(3, 8), gap=(0, 1))


def week_gap(p: Planter, gid: int, size: float, jitter: float) -> None:
    """readmitted 2–7 days after discharge (sent home to wait), 2–3 segments per real stay"""
    _split_stays(p, gid, size, segments=(2, 3), seg_los=(4, 9), gap=(2, 7))


def month_end(p: Planter, gid: int, size: float, jitter: float) -> None:
    """long stays cut at every month end (出院 on the last day, 入院 on the 1st) to stay under monthly caps"""
    rng = p.rng
    patients = p.people(4, 8, size, min_age=30)
    place = p.ring_place(p.hospitals(), p.kind["clinic"])  # community hospitals have wards too
    doctor = p.ring_doctor(place)
    firsts = p.month_starts()
    if len(firsts) == 0:
        return
    for patient in patients:
        dise = DX[rng.choice(SPLIT_DX)]
        cut = int(rng.choice(firsts))
        begin = max(0, cut - int(rng.integers(6, 20)))
        end = min(p.days - 1, cut + int(rng.integers(10, 45)))
        cuts = [c for c in firsts.tolist() if begin < c < end]
        bounds = [begin] + cuts + [end]
        for a, b in zip(bounds[:-1], bounds[1:]):
            # The segment before a month's first ends on the previous day; readmission on the 1st or 2nd.
            seg_begin = a if a == begin else a + int(rng.integers(0, 2))
            seg_end = b - 1 if b != end else b
            if seg_end > seg_begin:
                p.stays(gid, patient, place, doctor, seg_begin, seg_end - seg_begin, dise, per_day=SPLIT_PER_DAY)


VARIANTS = {
    "fake_admission": {"batch": batch, "staggered": staggered, "rolling": rolling, "one_episode": one_episode},
    "split_admission": {"back_to_back": back_to_back, "week_gap": week_gap, "month_end": month_end},
}
