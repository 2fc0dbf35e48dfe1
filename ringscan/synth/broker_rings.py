"""Intermediaries: one organiser's phone or address on many unrelated people's records.

Professional fraud gangs (职业骗保团伙, seed 003 附件3 四.1–3): an
intermediary signs people up — registering them under his own contact
phone, or the address of the room he rents — and brings them to a clinic or a
ward that pays him per head. The recruits live at different addresses and are
not related; a few keep their own phone on file. They are members of the ring
through their own settlements in the scheme, not through the identifier.
"""
from __future__ import annotations

import numpy as np

from .planter import CLINIC_HOURS, DX, Planter
from .ward_rings import FAKE_PER_DAY, SOFT_STAY_DX

__all__ = ["VARIANTS"]

# How many people one intermediary signs up (PATTERNS.md: 10–20).
RECRUITS = (10, 20)
# Share of recruits whose record carries the intermediary's identifier; the rest kept their own.
CARRIER_SHARE = (0.7, 0.95)
# An outpatient scheme bills examinations the recruits did not need: above an ordinary visit.
SCHEME_FEE_FACTOR = (1.5, 3.0)
# Minutes between two recruits seen in one escorted visit (a queue behind one organiser).
ESCORT_GAP_S = (180, 1200)
# Days between two escorted outings or admission waves.
OUTING_GAP = (10, 35)
# Escorted outpatient outings per scheme, and the share of recruits brought along each time.
OUTINGS = (3, 6)
OUTING_SHARE = (0.4, 0.8)
# An admission scheme: waves of admissions to a small ward's one or two doctors; everyone is
# admitted once, a few come back in a later wave; soft diagnoses, stays of 4–10 days.
WAVES = (2, 4)
WAVE_DOCTORS = (1, 2)
COME_BACK = 0.15
WAVE_STAY = (4, 10)


def _recruits(p: Planter, size: float) -> np.ndarray:
    return p.people(*RECRUITS, size)


def _carriers(p: Planter, recruits: np.ndarray) -> np.ndarray:
    return recruits[p.rng.random(len(recruits)) < p.rng.uniform(*CARRIER_SHARE)]


def _outpatient_scheme(p: Planter, gid: int, recruits: np.ndarray, jitter: float) -> None:
    """Escorted outings: on 3–6 days a batch of the recruits is seen by the same doctor, one after another."""
    rng = p.rng
    place = p.ring_place(p.kind["clinic"], p.kind["mid"])
    doctor = p.ring_doctor(place)
    gap = (int(ESCORT_GAP_S[0] * jitter), max(int(ESCORT_GAP_S[1] * jitter), int(ESCORT_GAP_S[0] * jitter) + 1))
    for day in p.spaced_days(int(rng.integers(OUTINGS[0], OUTINGS[1] + 1)), OUTING_GAP):
        batch = recruits[rng.random(len(recruits)) < rng.uniform(*OUTING_SHARE)]
        if len(batch) < 2:
            batch = rng.choice(recruits, 2, replace=False)
        batch = rng.permutation(batch)
        drug, cnt, total = p.outpatient_bill(len(batch), rng.uniform(*SCHEME_FEE_FACTOR, len(batch)))
        p.sitting(gid, batch, place, int(day), gap_s=gap, hours=CLINIC_HOURS, doctor=doctor, med_type="11",
                  dise=p.outpatient_dx(batch), drug=drug, cnt=cnt, total=total,
                  fund_ratio=rng.uniform(0.5, 0.8, len(batch)))


def phone_outpatient(p: Planter, gid: int, size: float, jitter: float) -> None:
    """the intermediary's phone on most recruits, then escorted outpatient visits in batches"""
    recruits = _recruits(p, size)
    p.pop.persons.loc[_carriers(p, recruits), "tel"] = p.new_phone()
    _outpatient_scheme(p, gid, recruits, jitter)


def phone_admission(p: Planter, gid: int, size: float, jitter: float) -> None:
    """the intermediary's phone on most recruits, admitted in small waves to one small hospital"""
    rng = p.rng
    recruits = _recruits(p, size)
    p.pop.persons.loc[_carriers(p, recruits), "tel"] = p.new_phone()
    place = p.ring_place(p.kind["clinic"], p.kind["mid"])
    staff = int(rng.integers(WAVE_DOCTORS[0], WAVE_DOCTORS[1] + 1))
    doctors = np.array([p.ring_doctor(place) for _ in range(staff)])
    waiting = rng.permutation(recruits)
    waves = p.spaced_days(int(rng.integers(WAVES[0], WAVES[1] + 1)), OUTING_GAP)
    for k, base in enumerate(waves):
        # Everyone is admitted once; a few come back in a later wave.
        wave = np.array_split(waiting, len(waves))[k]
        again = recruits[rng.random(len(recruits)) < COME_BACK]
        wave = np.unique(np.concatenate([wave, again])) if k else wave
        if len(wave) == 0:
            continue
        n = len(wave)
        spread = max(1, int(round(jitter)))
        dise = np.array([DX[c] for c in rng.choice(SOFT_STAY_DX, n)])
        p.stays(gid, wave, place, doctors[rng.integers(0, len(doctors), n)], base + rng.integers(0, spread + 1, n),
                rng.integers(WAVE_STAY[0], WAVE_STAY[1] + 1, n), dise, per_day=FAKE_PER_DAY)


def address_outpatient(p: Planter, gid: int, size: float, jitter: float) -> None:
    """the intermediary's rented room as the address on most recruits (own phones kept), escorted outpatient visits"""
    recruits = _recruits(p, size)
    p.pop.persons.loc[_carriers(p, recruits), "addr"] = p.new_address()
    _outpatient_scheme(p, gid, recruits, jitter)


VARIANTS = {
    "shared_identifier": {"phone_outpatient": phone_outpatient, "phone_admission": phone_admission,
                          "address_outpatient": address_outpatient},
}
