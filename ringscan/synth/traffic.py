"""Settlement traffic for a synthetic district: background care plus planted rings
and benign look-alikes (see ../shared/design/PATTERNS.md).

Events are built as column arrays and turned into settlements at the end;
every planted event carries the index of its group so truth.json can list the
supporting settlement ids.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .population import DIAGNOSES, DRUGS, Places, Population

__all__ = ["Traffic", "Group", "RING_KINDS", "BENIGN_KINDS"]

DAY = 86_400
RING_KINDS = ("pharmacy_swipe", "fake_admission", "shared_card", "doctor_collusion",
              "shared_identifier", "split_admission", "refund_cashout")
BENIGN_KINDS = ("family_pharmacy", "busy_pharmacy", "dialysis_cohort", "bus_accident", "nursing_home",
                "chronic_refills", "chemo_cycles", "placeholder_phone")
# Planted rings per 20,000 patients, by kind.
RINGS_PER_20K = {"pharmacy_swipe": 3, "fake_admission": 2, "shared_card": 2, "doctor_collusion": 2,
                 "shared_identifier": 2, "split_admission": 2, "refund_cashout": 2}

_DX = {code: i for i, code in enumerate(DIAGNOSES["code"])}
_DRUG = {code: i for i, code in enumerate(DRUGS["code"])}
_ORDINARY = np.flatnonzero(~DRUGS["key"].to_numpy())
_COLUMNS = ("psn", "place", "doctor", "ts", "med_type", "begn_day", "end_day", "dise", "total",
            "fund_ratio", "refund", "drug", "cnt", "group")


@dataclass
class Group:
    kind: str
    ring: bool
    variant: str = "classic"  # the behaviour script that planted it (the scripts below are "classic")
    patients: set[int] = field(default_factory=set)
    places: set[int] = field(default_factory=set)
    doctors: set[int] = field(default_factory=set)


class Traffic:
    """Accumulates events; ``frame()`` returns them as one table."""

    def __init__(self, rng: np.random.Generator, pop: Population, places: Places, days: int, start_ts: int):
        self.rng, self.pop, self.pl, self.days, self.start_ts = rng, pop, places, days, start_ts
        self.parts: list[pd.DataFrame] = []
        self.groups: list[Group] = []
        p = places.places
        self.kind = {
            "big": np.flatnonzero(p["hosp_lv"] == "3"), "mid": np.flatnonzero(p["hosp_lv"] == "2"),
            "clinic": np.flatnonzero(p["hosp_lv"] == "1"), "pharmacy": np.flatnonzero(p["fixmedins_type"] == "2"),
        }
        counts = np.bincount(places.doctors["place"], minlength=len(p))
        self.doc_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.doc_count = counts
        self.used = np.zeros(len(pop.persons), dtype=bool)
        self.ring_places: set[int] = set()
        self.ring_doctors: set[int] = set()

    # -- helpers -------------------------------------------------------------
    def add(self, **cols) -> None:
        n = max(len(np.atleast_1d(v)) for v in cols.values())
        defaults = {"doctor": -1, "begn_day": -1, "end_day": -1, "dise": _DX["J06.900"], "fund_ratio": 0.65,
                    "refund": 0, "drug": -1, "cnt": 0.0, "group": -1, "med_type": "11"}
        data = {c: np.broadcast_to(np.asarray(cols.get(c, defaults.get(c))), (n,)).copy() for c in _COLUMNS}
        self.parts.append(pd.DataFrame(data))

    def doctors_at(self, place: np.ndarray) -> np.ndarray:
        place = np.asarray(place)
        count = self.doc_count[place]
        pick = (self.rng.random(len(place)) * np.maximum(count, 1)).astype(int)
        return np.where(count > 0, self.doc_start[place] + pick, -1)

    def time_of_day(self, n: int, start_h: float, end_h: float) -> np.ndarray:
        return (self.rng.uniform(start_h, end_h, n) * 3600).astype(np.int64)

    def recruit(self, k: int, *, min_age: int = 18, max_age: int = 90) -> np.ndarray:
        """k unrelated, not-yet-planted people (one per household)."""
        persons = self.pop.persons
        ok = ~self.used & (persons["age"].between(min_age, max_age)).to_numpy()
        cand = np.flatnonzero(ok)
        cand = cand[self.rng.permutation(len(cand))]
        _, first = np.unique(persons["household"].to_numpy()[cand], return_index=True)
        chosen = cand[np.sort(first)][:k]
        self.used[chosen] = True
        return chosen

    def fresh_places(self, pool: np.ndarray, k: int = 1) -> np.ndarray:
        """k places from pool no other planted ring uses (two rings never share a place)."""
        free = np.array([p for p in pool if p not in self.ring_places]) if len(pool) else pool
        if len(free) < k:
            free = pool
        chosen = self.rng.choice(free, size=k, replace=False)
        self.ring_places |= {int(c) for c in chosen}
        return chosen

    def fresh_doctors(self, places: np.ndarray) -> np.ndarray:
        """One doctor per place that no other planted ring uses (rings never share a doctor)."""
        chosen = []
        for place in places:
            pool = [d for d in range(self.doc_start[place], self.doc_start[place] + self.doc_count[place])
                    if d not in self.ring_doctors and d not in chosen]
            chosen.append(int(self.rng.choice(pool)) if pool else int(self.doctors_at(np.array([place]))[0]))
        self.ring_doctors |= set(chosen)
        return np.array(chosen)

    def group(self, kind: str, ring: bool) -> tuple[int, Group]:
        g = Group(kind, ring)
        self.groups.append(g)
        return len(self.groups) - 1, g

    def day_ts(self, day: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        return self.start_ts + np.asarray(day, dtype=np.int64) * DAY + seconds

    # -- background ----------------------------------------------------------
    def background(self, volume: float = 1.0) -> None:
        rng, n, days = self.rng, len(self.pop.persons), self.days
        scale = volume * days / 180
        clinics, mids, bigs, pharms = (self.kind[k] for k in ("clinic", "mid", "big", "pharmacy"))
        household = self.pop.persons["household"].to_numpy()
        gend = self.pop.persons["gend"].to_numpy()
        neutral = np.array([_DX[c] for c in ("J06.900", "K29.700", "M54.500", "I10.x00", "E11.900")])

        m = rng.poisson(3.0 * scale * n)
        psn = rng.integers(0, n, m)
        tier = rng.random(m)
        place = np.where(tier < 0.55, clinics[household[psn] % len(clinics)],
                         np.where(tier < 0.9, mids[rng.integers(0, len(mids), m)], bigs[rng.integers(0, len(bigs), m)]))
        drug = _ORDINARY[rng.integers(0, len(_ORDINARY), m)]
        cnt = rng.integers(1, 4, m) * 10.0
        total = np.round(DRUGS["price"].to_numpy()[drug] * cnt + rng.lognormal(4.2, 0.6, m), 2)
        self.add(psn=psn, place=place, doctor=self.doctors_at(place),
                 ts=self.day_ts(rng.integers(0, days, m), self.time_of_day(m, 8, 17)), med_type="11",
                 dise=neutral[rng.integers(0, len(neutral), m)], total=total,
                 fund_ratio=rng.uniform(0.5, 0.8, m), drug=drug, cnt=cnt)

        m = rng.poisson(4.0 * scale * n)
        psn = rng.integers(0, n, m)
        weights = self.pl.places["weight"].to_numpy()[pharms]
        home = pharms[(household[psn] * 7) % len(pharms)]
        place = np.where(rng.random(m) < 0.7, home, rng.choice(pharms, m, p=weights / weights.sum()))
        drug = np.where(rng.random(m) < 0.2, _DRUG["XC10AAA067A001"], _ORDINARY[rng.integers(0, len(_ORDINARY), m)])
        cnt = rng.integers(1, 4, m) * 14.0
        total = np.round(DRUGS["price"].to_numpy()[drug] * cnt + rng.lognormal(3.5, 0.7, m), 2)
        self.add(psn=psn, place=place, ts=self.day_ts(rng.integers(0, days, m), self.time_of_day(m, 8, 21)),
                 med_type="41", total=total, fund_ratio=rng.uniform(0.0, 1.0, m), drug=drug, cnt=cnt,
                 dise=-1)

        # Inpatient stays (21): settlement at discharge.
        m = rng.poisson(0.025 * scale * n)
        psn = rng.integers(0, n, m)
        place = np.where(rng.random(m) < 0.6, mids[rng.integers(0, len(mids), m)], bigs[rng.integers(0, len(bigs), m)])
        los = rng.integers(2, 15, m)
        begin = rng.integers(0, max(days - 15, 1), m)
        stay_dx = np.array([_DX[c] for c in ("J18.900", "I63.900", "S72.000", "K80.200", "C34.900", "M17.900")])
        dise = stay_dx[rng.integers(0, len(stay_dx), m)]
        births = np.flatnonzero(gend[psn] == "2")[: m // 30]
        dise[births] = _DX["O80.000"]
        self.add(psn=psn, place=place, doctor=self.doctors_at(place), med_type="21", begn_day=begin,
                 end_day=begin + los, ts=self.day_ts(begin + los, self.time_of_day(m, 9, 16)), dise=dise,
                 total=np.round(los * rng.lognormal(6.8, 0.4, m), 2), fund_ratio=rng.uniform(0.6, 0.85, m))

        # Chronic 门特 (14) patients: monthly visits to one doctor, normal quantities.
        chronic = np.flatnonzero((self.pop.persons["age"].to_numpy() > 45) & (rng.random(n) < 0.08))
        self.chronic_visits(chronic, every=30, jitter=3, qty=(1.0, 1.5))

        # Ordinary refunds of mistaken purchases.
        self.refunds(share=0.004)

    def chronic_visits(self, patients: np.ndarray, *, every: int, jitter: int, qty: tuple[float, float],
                       doctor: int | None = None, group: int = -1) -> None:
        rng = self.rng
        if len(patients) == 0:
            return
        hospitals = np.concatenate([self.kind["mid"], self.kind["big"]])
        place = hospitals[patients % len(hospitals)] if doctor is None else \
            np.full(len(patients), self.pl.doctors["place"].iloc[doctor])
        doc = self.doctors_at(place) if doctor is None else np.full(len(patients), doctor)
        # Diagnosis → drug: diabetes → insulin, heart disease → clopidogrel, hypertension → statin.
        plan = rng.integers(0, 3, len(patients))
        dise = np.array([_DX["E11.900"], _DX["I25.100"], _DX["I10.x00"]])[plan]
        drug = np.array([_DRUG["XA10ABY036B001"], _DRUG["XB01ACL160A001"], _DRUG["XC10AAA067A001"]])[plan]
        base_cnt = np.array([3.0, 28.0, 28.0])[plan]
        visits = self.days // every
        for v in range(visits):
            day = np.clip(rng.integers(0, every, len(patients)) if v == 0 else
                          v * every + (patients % every) + rng.integers(-jitter, jitter + 1, len(patients)), 0, self.days - 1)
            cnt = np.round(base_cnt * rng.uniform(*qty, len(patients)))
            total = np.round(DRUGS["price"].to_numpy()[drug] * cnt + 15, 2)
            self.add(psn=patients, place=place, doctor=doc, med_type="14", ts=self.day_ts(day, self.time_of_day(len(patients), 8, 16)),
                     dise=dise, total=total, fund_ratio=0.75, drug=drug, cnt=cnt, group=group)

    def refunds(self, share: float) -> None:
        events = pd.concat(self.parts, ignore_index=True)
        pick = events[(events["med_type"].isin(["11", "41"])) & (events["group"] < 0)]
        pick = pick.sample(frac=share, random_state=int(self.rng.integers(0, 2**31)))
        self._refund_of(pick, delay_s=self.rng.integers(600, 3 * DAY, len(pick)))

    def _refund_of(self, events: pd.DataFrame, delay_s: np.ndarray, group: int = -1) -> None:
        self.add(psn=events["psn"].to_numpy(), place=events["place"].to_numpy(), doctor=events["doctor"].to_numpy(),
                 ts=events["ts"].to_numpy() + delay_s, med_type=events["med_type"].to_numpy(),
                 dise=events["dise"].to_numpy(), total=-events["total"].to_numpy(),
                 fund_ratio=events["fund_ratio"].to_numpy(), refund=1, drug=events["drug"].to_numpy(),
                 cnt=-events["cnt"].to_numpy(), group=group)

    # -- planted rings -------------------------------------------------------
    def plant_rings(self, n_patients: int, size_scale: float = 1.0, jitter_scale: float = 1.0) -> None:
        for kind, per in RINGS_PER_20K.items():
            count = max(1, int(round(per * n_patients / 20_000)))
            for _ in range(count):
                getattr(self, f"_plant_{kind}")(size_scale, jitter_scale)

    def _size(self, lo: int, hi: int, scale: float) -> int:
        return max(3, int(round(self.rng.integers(lo, hi + 1) * scale)))

    def _sessions(self, gid: int, cards: np.ndarray, places: np.ndarray, days: np.ndarray, gap: tuple[int, int],
                  med_type: str, amounts: np.ndarray, doctor: np.ndarray | int = -1, drug: int = -1,
                  presence: float = 0.85, hours: tuple[float, float] = (9, 18)) -> None:
        """One collector runs a stack of cards through one place per day."""
        rng = self.rng
        for i, day in enumerate(days):
            present = cards[rng.random(len(cards)) < presence]
            if len(present) < 2:
                present = cards[:2]
            present = rng.permutation(present)
            start = self.time_of_day(1, *hours)[0]
            offsets = start + np.cumsum(rng.integers(gap[0], gap[1] + 1, len(present)))
            total = rng.choice(amounts, len(present)).astype(float)
            doc = doctor[i % len(doctor)] if isinstance(doctor, np.ndarray) else doctor
            cnt = np.round(total / max(DRUGS["price"].iloc[drug], 0.1)) if drug >= 0 else 0.0
            self.add(psn=present, place=places[i % len(places)], doctor=doc, ts=self.day_ts(day, offsets),
                     med_type=med_type, total=total, fund_ratio=0.9, drug=drug, cnt=cnt, group=gid,
                     dise=-1 if med_type == "41" else _DX["K29.700"])

    def _days(self, k: int) -> np.ndarray:
        return np.sort(self.rng.choice(self.days, size=min(k, self.days), replace=False))

    def _plant_pharmacy_swipe(self, size: float, jitter: float) -> None:
        gid, g = self.group("pharmacy_swipe", True)
        people = self.recruit(self._size(6, 14, size))
        pharms = self.fresh_places(self.kind["pharmacy"][1:], 1 + int(self.rng.random() < 0.5))
        self._sessions(gid, people, pharms, self._days(int(self.rng.integers(4, 10))),
                       (int(30 * jitter), int(240 * jitter)), "41", np.array([100, 150, 200, 300, 500]),
                       drug=_DRUG["ZA12BAF0354"])
        g.patients |= set(people.tolist())
        g.places |= set(pharms.tolist())

    def _plant_shared_card(self, size: float, jitter: float) -> None:
        gid, g = self.group("shared_card", True)
        people = self.recruit(self._size(6, 12, size))
        clinic = self.fresh_places(self.kind["clinic"], 1)
        doctor = self.doctors_at(clinic)
        self._sessions(gid, people, clinic, self._days(int(self.rng.integers(5, 11))),
                       (int(60 * jitter), int(300 * jitter)), "11", np.array([158.0, 236.5, 312.0, 389.0]),
                       doctor=doctor, drug=_DRUG["XM01AEB065A001"], hours=(8, 16))
        g.patients |= set(people.tolist())
        g.places.add(int(clinic[0]))
        g.doctors |= {int(d) for d in doctor if d >= 0}

    def _plant_fake_admission(self, size: float, jitter: float) -> None:
        rng = self.rng
        gid, g = self.group("fake_admission", True)
        people = self.recruit(self._size(8, 16, size))
        small = np.concatenate([self.kind["clinic"], self.kind["mid"]])
        place = int(self.fresh_places(small, 1)[0])
        doctors = self.doctors_at(np.array([place, place]))
        dise = _DX[rng.choice(["M54.500", "K29.700", "I10.x00"])]
        broker_phone = "1" + str(int(rng.integers(5 * 10**9, 6 * 10**9)))
        for ep in range(int(rng.integers(3, 6))):
            base = int(rng.integers(0, self.days - 14))
            present = people[rng.random(len(people)) < 0.85]
            spread = max(1, int(round(jitter)))
            begin = base + rng.integers(-spread, spread + 1, len(present))
            begin = np.clip(begin, 0, self.days - 12)
            los = int(rng.integers(5, 11))
            end = base + los + rng.integers(0, 2, len(present))
            self.add(psn=present, place=place, doctor=doctors[ep % 2], med_type="21", begn_day=begin,
                     end_day=np.maximum(end, begin + 2), ts=self.day_ts(np.maximum(end, begin + 2), self.time_of_day(len(present), 9, 11)),
                     dise=dise, total=np.round(los * rng.uniform(350, 600, len(present)), 2), fund_ratio=0.8, group=gid)
        with_phone = people[rng.random(len(people)) < 0.6]
        self.pop.persons.loc[with_phone, "tel"] = broker_phone
        g.patients |= set(people.tolist())
        g.places.add(place)
        g.doctors |= {int(d) for d in doctors if d >= 0}

    def _plant_doctor_collusion(self, size: float, jitter: float) -> None:
        rng = self.rng
        gid, g = self.group("doctor_collusion", True)
        people = self.recruit(self._size(5, 9, size), min_age=40)
        hospitals = np.concatenate([self.kind["mid"], self.kind["big"]])
        two = rng.choice(hospitals, 2, replace=False)
        doctors = self.fresh_doctors(two)
        every = int(rng.integers(7, 12))
        self.chronic_visits(people, every=every, jitter=max(1, int(2 * jitter)), qty=(3.0, 5.0),
                            doctor=int(doctors[0]), group=gid)
        # Half of them also fill the same drugs with a second doctor elsewhere (跨院重复开药).
        second = people[: max(2, len(people) // 2)]
        self.chronic_visits(second, every=30, jitter=3, qty=(2.0, 3.0), doctor=int(doctors[1]), group=gid)
        g.patients |= set(people.tolist())
        g.doctors |= {int(d) for d in doctors}

    def _plant_shared_identifier(self, size: float, jitter: float) -> None:
        gid, g = self.group("shared_identifier", True)
        people = self.recruit(self._size(8, 14, size))
        self.pop.persons.loc[people, "tel"] = "1" + str(int(self.rng.integers(6 * 10**9, 7 * 10**9)))
        g.patients |= set(people.tolist())

    def _plant_split_admission(self, size: float, jitter: float) -> None:
        rng = self.rng
        gid, g = self.group("split_admission", True)
        people = self.recruit(self._size(4, 8, size))
        place = int(self.fresh_places(self.kind["mid"], 1)[0])
        for p in people:
            dise = _DX[rng.choice(["I63.900", "J18.900", "M17.900"])]
            day = int(rng.integers(0, max(1, self.days - 45)))
            doc = self.doctors_at(np.array([place]))[0]
            for _ in range(int(rng.integers(3, 5))):
                los = int(rng.integers(4, 9))
                self.add(psn=p, place=place, doctor=doc, med_type="21", begn_day=day, end_day=day + los,
                         ts=self.day_ts(np.array([day + los]), self.time_of_day(1, 9, 16)), dise=dise,
                         total=round(los * float(rng.uniform(700, 1200)), 2), fund_ratio=0.8, group=gid)
                day += los + int(rng.integers(0, 3))
        g.patients |= set(people.tolist())
        g.places.add(place)

    def _plant_refund_cashout(self, size: float, jitter: float) -> None:
        rng = self.rng
        gid, g = self.group("refund_cashout", True)
        people = self.recruit(self._size(4, 8, size))
        pharms = self.fresh_places(self.kind["pharmacy"][1:], 1 + int(rng.random() < 0.4))
        rows = []
        for p in people:
            n = int(rng.integers(3, 7))
            day = self._days(n)
            rows.append(pd.DataFrame({"psn": p, "place": rng.choice(pharms, n), "doctor": -1, "med_type": "41",
                                      "ts": self.day_ts(day, self.time_of_day(n, 9, 19)), "dise": -1,
                                      "total": np.round(rng.uniform(300, 900, n), 0), "fund_ratio": 0.3,
                                      "drug": _DRUG["XL01EBA389A001"], "cnt": 1.0}))
        buys = pd.concat(rows, ignore_index=True)
        self.add(**{c: buys[c].to_numpy() for c in buys.columns}, group=gid)
        self._refund_of(buys.assign(group=gid), delay_s=rng.integers(300, DAY, len(buys)), group=gid)
        g.patients |= set(people.tolist())
        g.places |= set(pharms.tolist())

    # -- benign look-alikes --------------------------------------------------
    def plant_benign(self, n_patients: int) -> None:
        rng = self.rng
        persons = self.pop.persons
        hh = persons.groupby("household").size()
        families = hh[(hh >= 3)].index.to_numpy()
        for fam in rng.choice(families, size=min(len(families), max(2, n_patients // 5000)), replace=False):
            members = np.flatnonzero((persons["household"] == fam).to_numpy() & ~self.used)
            if len(members) < 3:
                continue
            self.used[members] = True
            gid, g = self.group("family_pharmacy", False)
            home = self.kind["pharmacy"][(fam * 7) % len(self.kind["pharmacy"])]
            self._sessions(gid, members, np.array([home]), self._days(int(rng.integers(5, 10))), (40, 180), "41",
                           np.array([45.5, 88.0, 120.0, 66.3]), drug=_DRUG["XC09AAL161A001"], presence=0.9)
            g.patients |= set(members.tolist())
            g.places.add(int(home))

        gid, g = self.group("busy_pharmacy", False)
        g.places.add(int(self.kind["pharmacy"][0]))

        gid, g = self.group("dialysis_cohort", False)
        cohort = self.recruit(int(rng.integers(10, 15)), min_age=40)
        big = int(self.kind["big"][0])
        doctors = self.doctors_at(np.array([big, big]))
        session_days = np.array([d for d in range(self.days) if d % 7 in (0, 2, 4)])
        for day in session_days:
            t = 12 * 3600 + np.sort(rng.integers(0, 2400, len(cohort)))
            self.add(psn=cohort, place=big, doctor=doctors[day % 2], med_type="14", begn_day=day, end_day=day,
                     ts=self.day_ts(np.full(len(cohort), day), t), dise=_DX["N18.500"],
                     total=np.round(rng.uniform(420, 460, len(cohort)), 2), fund_ratio=0.85, group=gid)
        g.patients |= set(cohort.tolist())
        g.places.add(big)

        gid, g = self.group("bus_accident", False)
        victims = self.recruit(int(rng.integers(12, 20)))
        day = int(rng.integers(0, self.days - 30))
        los = rng.integers(3, 20, len(victims))
        place = int(self.kind["big"][-1])
        self.add(psn=victims, place=place, doctor=self.doctors_at(np.full(len(victims), place)), med_type="21",
                 begn_day=day, end_day=day + los, ts=self.day_ts(day + los, self.time_of_day(len(victims), 9, 16)),
                 dise=_DX["S72.000"], total=np.round(los * rng.uniform(900, 1500, len(victims)), 2), fund_ratio=0.7,
                 group=gid)
        g.patients |= set(victims.tolist())
        g.places.add(place)

        gid, g = self.group("nursing_home", False)
        residents = self.recruit(int(rng.integers(15, 26)), min_age=65, max_age=99)
        persons.loc[residents, "addr"] = "浙江省杭州市上城区望江街道颐养路8号上城区福利院"
        persons.loc[residents, "tel"] = "057186001234"
        mid = int(self.kind["mid"][0])
        for r in residents:
            stays = int(rng.integers(1, 3))
            begin = self._days(stays)
            los = rng.integers(4, 12, stays)
            self.add(psn=r, place=mid, doctor=self.doctors_at(np.full(stays, mid)), med_type="21", begn_day=begin,
                     end_day=np.minimum(begin + los, self.days - 1),
                     ts=self.day_ts(np.minimum(begin + los, self.days - 1), self.time_of_day(stays, 9, 16)),
                     dise=_DX["J18.900"], total=np.round(los * rng.uniform(700, 1000, stays), 2), fund_ratio=0.8,
                     group=gid)
        g.patients |= set(residents.tolist())
        g.places.add(mid)

        gid, g = self.group("chronic_refills", False)
        refills = self.recruit(10, min_age=50)
        doctor = int(self.doctors_at(np.array([self.kind["mid"][-1]]))[0])
        self.chronic_visits(refills, every=30, jitter=2, qty=(1.0, 1.2), doctor=doctor, group=gid)
        g.patients |= set(refills.tolist())
        g.doctors.add(doctor)

        gid, g = self.group("chemo_cycles", False)
        chemo = self.recruit(5, min_age=40)
        big = int(self.kind["big"][0])
        for p in chemo:
            day = int(rng.integers(0, 20))
            doc = self.doctors_at(np.array([big]))[0]
            while day + 3 < self.days:
                self.add(psn=p, place=big, doctor=doc, med_type="21", begn_day=day, end_day=day + 2,
                         ts=self.day_ts(np.array([day + 2]), self.time_of_day(1, 9, 16)), dise=_DX["Z51.102"],
                         total=round(float(rng.uniform(6000, 9000)), 2), fund_ratio=0.8, group=gid)
                day += 21
        g.patients |= set(chemo.tolist())
        g.places.add(big)

        gid, g = self.group("placeholder_phone", False)
        placeholder = rng.choice(len(persons), size=max(50, n_patients // 100), replace=False)
        persons.loc[placeholder, "tel"] = "13800000000"
        g.patients |= set(placeholder.tolist())

    def frame(self) -> pd.DataFrame:
        events = pd.concat(self.parts, ignore_index=True)
        events = events.sort_values(["ts", "psn"], kind="stable").reset_index(drop=True)
        return events
