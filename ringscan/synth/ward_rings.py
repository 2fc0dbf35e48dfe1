"""Wards: organised fake admissions and split admissions.

Organised fake admissions (团伙住院, 虚假/挂床/诱导住院; seeds 000 三(一)3,5,
003 附件3 一.4 and 四.3, 001 一级及以下 and 社会办医疗机构): an intermediary
recruits insured people and a small hospital admits them in batches with a
soft diagnosis and little treatment per day. Split admission (分解住院,
003 附件3 一.4): one real stay billed as several, discharge and readmission
within days, same diagnosis and doctor.
"""
from __future__ import annotations

from typing import Any

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


def _broker_phone(p: Planter, pool: np.ndarray, share: float) -> None:
    """The intermediary's phone goes on the records of ``share`` of the recruits."""
    if share <= 0:
        return
    phone = p.new_phone()
    carriers = pool[p.rng.random(len(pool)) < share]
    p.pop.persons.loc[carriers, "tel"] = phone


# Each fake-admission variant as numbers: recruits signed up, admission drives (episodes),
# the share of recruits brought in each time, newcomers joining per drive, attending
# doctors, soft diagnoses used, days over which one drive's admissions spread (× jitter),
# stay lengths, whether a drive is discharged together (False: each on its own day; None:
# either, per ring), and the share of recruits whose record carries the broker's phone.
# batch — the classic drive: all in one day, all out one day, the broker's number on every form.
BATCH: dict[str, Any] = dict(recruits=(8, 14), episodes=(3, 5), presence=(0.75, 0.95), newcomers=(0, 0), doctors=(1, 1),
             diagnoses=1, admit_spread=0.4, los=(5, 10), together=True, phone_share=(1.0, 1.0))
# staggered — brought in over two or three days, each sent home when "treatment" ends; the
# ward's two doctors share them; only some forms carry the broker's number.
STAGGERED: dict[str, Any] = dict(recruits=(8, 16), episodes=(3, 5), presence=(0.7, 0.95), newcomers=(0, 0), doctors=(2, 2),
                 diagnoses=2, admit_spread=2.0, los=(4, 14), together=False, phone_share=(0.3, 0.7))
# rolling — the broker keeps recruiting: each drive half to most of the old hands plus new faces;
# he has learnt to leave his number off.
ROLLING: dict[str, Any] = dict(recruits=(6, 10), episodes=(4, 6), presence=(0.5, 0.8), newcomers=(1, 4), doctors=(1, 2),
               diagnoses=2, admit_spread=1.0, los=(5, 9), together=True, phone_share=(0.0, 0.0))
# one_episode — one big drive (a "free check-up" that ends in admission), never repeated.
ONE_EPISODE: dict[str, Any] = dict(recruits=(12, 24), episodes=(1, 1), presence=(1.0, 1.0), newcomers=(0, 0), doctors=(1, 1),
                   diagnoses=1, admit_spread=2.0, los=(5, 11), together=None, phone_share=(0.6, 1.0))


def _episode(p: Planter, gid: int, present: np.ndarray, place: int, doctors: np.ndarray, base: int, *,
             admit_spread: int, los: tuple[int, int], together: bool, dx: np.ndarray) -> None:
    rng = p.rng
    n = len(present)
    begin = base + rng.integers(0, admit_spread + 1, n)
    if together:  # discharged as one batch (a day either way for paperwork)
        end = base + int(rng.integers(los[0], los[1] + 1)) + rng.integers(0, 2, n)
        length = np.maximum(end - begin, 2)
    else:         # each "treatment" ends on its own day
        length = rng.integers(los[0], los[1] + 1, n)
    doctor = doctors[rng.integers(0, len(doctors), n)]
    p.stays(gid, present, place, doctor, begin, length, rng.choice(dx, n), per_day=FAKE_PER_DAY)


def _recruitment(p: Planter, gid: int, size: float, jitter: float, script: dict) -> None:
    """The common script: a broker's recruits admitted to one small ward in drives."""
    rng = p.rng
    lo, hi = script["recruits"]
    pool = p.people(lo, hi, size)
    place = _ward(p)
    doctors = np.array([p.ring_doctor(place) for _ in range(int(rng.integers(script["doctors"][0],
                                                                             script["doctors"][1] + 1)))])
    dx = np.array([DX[c] for c in rng.choice(SOFT_STAY_DX, size=script["diagnoses"], replace=False)])
    together = bool(rng.random() < 0.5) if script["together"] is None else script["together"]
    spread = int(round(script["admit_spread"] * jitter))
    latest = max(1, p.days - script["los"][1] - spread - 2)  # a drive's stays end inside the period
    bases = p.spaced_days(int(rng.integers(script["episodes"][0], script["episodes"][1] + 1)), EPISODE_GAP)
    bases = bases[bases < latest]
    if len(bases) == 0:
        bases = np.array([int(rng.integers(0, latest))])
    share = rng.uniform(*script["presence"])
    for base in bases:
        present = pool[rng.random(len(pool)) < share] if share < 1 else pool
        newcomers = p.recruit(int(rng.integers(script["newcomers"][0], script["newcomers"][1] + 1)))
        pool = np.concatenate([pool, newcomers])
        _episode(p, gid, np.concatenate([present, newcomers]), place, doctors, int(base), admit_spread=spread,
                 los=script["los"], together=together, dx=dx)
    _broker_phone(p, pool, rng.uniform(*script["phone_share"]))


def batch(p: Planter, gid: int, size: float, jitter: float) -> None:
    """recruits admitted the same day and discharged together, several episodes, one doctor, broker phone on all"""
    _recruitment(p, gid, size, jitter, BATCH)


def staggered(p: Planter, gid: int, size: float, jitter: float) -> None:
    """recruits admitted over 2–3 days, discharged one by one, two doctors, broker phone on some"""
    _recruitment(p, gid, size, jitter, STAGGERED)


def rolling(p: Planter, gid: int, size: float, jitter: float) -> None:
    """several episodes with partly different recruits (new ones join, some drop out), no shared phone"""
    _recruitment(p, gid, size, jitter, ROLLING)


def one_episode(p: Planter, gid: int, size: float, jitter: float) -> None:
    """one large recruitment drive (以体检等名义诱导住院), admitted over 0–2 days, broker phone on most"""
    _recruitment(p, gid, size, jitter, ONE_EPISODE)


# -- split admission ----------------------------------------------------------

# Patients of one department whose stays are split (real patients, really ill).
SPLIT_PATIENTS = (4, 8)
SPLIT_MIN_AGE = 30
# back_to_back — discharge and readmission the same or next day, the stay in 2–4 pieces.
BACK_TO_BACK: dict[str, Any] = dict(segments=(2, 4), seg_los=(3, 8), gap=(0, 1))
# week_gap — sent home for a few days to wait out the readmission check, 2–3 pieces.
WEEK_GAP: dict[str, Any] = dict(segments=(2, 3), seg_los=(4, 9), gap=(2, 7))
# real stays per patient in the period (a relapse months later is split again)
SPLIT_STAYS_EACH = (1, 2)
# month_end — a long stay (a stroke, heart failure) admitted one to three weeks before a month
# ends and running 10–45 days past it, cut at every month end (月底出院, 月初入院).
MONTH_END_BEFORE = (6, 19)
MONTH_END_AFTER = (10, 44)


def _split_stays(p: Planter, gid: int, size: float, *, segments: tuple[int, int], seg_los: tuple[int, int],
                 gap: tuple[int, int]) -> None:
    """Each patient's real stays cut into ``segments`` pieces with a ``gap`` of days between them."""
    rng = p.rng
    patients = p.people(*SPLIT_PATIENTS, size, min_age=SPLIT_MIN_AGE)
    place = p.ring_place(p.hospitals(), p.kind["clinic"])  # community hospitals have wards too
    doctor = p.ring_doctor(place)
    for patient in patients:
        dise = DX[rng.choice(SPLIT_DX)]
        for start in p.spaced_days(int(rng.integers(SPLIT_STAYS_EACH[0], SPLIT_STAYS_EACH[1] + 1)), REAL_STAY_GAP):
            day = int(start)
            for _ in range(int(rng.integers(segments[0], segments[1] + 1))):
                if day >= p.days - 2:
                    break
                los = int(rng.integers(seg_los[0], seg_los[1] + 1))
                p.stays(gid, patient, place, doctor, day, los, dise, per_day=SPLIT_PER_DAY)
                day += los + int(rng.integers(gap[0], gap[1] + 1))


def back_to_back(p: Planter, gid: int, size: float, jitter: float) -> None:
    """discharged and readmitted the same or next day, 2–4 segments per real stay"""
    _split_stays(p, gid, size, **BACK_TO_BACK)


def week_gap(p: Planter, gid: int, size: float, jitter: float) -> None:
    """readmitted 2–7 days after discharge (sent home to wait), 2–3 segments per real stay"""
    _split_stays(p, gid, size, **WEEK_GAP)


def month_end(p: Planter, gid: int, size: float, jitter: float) -> None:
    """long stays cut at every month end (出院 on the last day, 入院 on the 1st) to stay under monthly caps"""
    rng = p.rng
    patients = p.people(*SPLIT_PATIENTS, size, min_age=SPLIT_MIN_AGE)
    place = p.ring_place(p.hospitals(), p.kind["clinic"])  # community hospitals have wards too
    doctor = p.ring_doctor(place)
    firsts = p.month_starts()
    if len(firsts) == 0:
        return
    for patient in patients:
        dise = DX[rng.choice(SPLIT_DX)]
        cut = int(rng.choice(firsts))
        begin = max(0, cut - int(rng.integers(MONTH_END_BEFORE[0], MONTH_END_BEFORE[1] + 1)))
        end = min(p.days - 1, cut + int(rng.integers(MONTH_END_AFTER[0], MONTH_END_AFTER[1] + 1)))
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
