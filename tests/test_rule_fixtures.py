"""Per-rule regression data: small settlement sets with what must and must not be linked or flagged.

Each case builds settlements (with some ordinary background traffic, which the
chance models need), loads them into a fresh embedded store, runs one rule and
the evidence stage (rings.evidence) and checks the linked people or flagged
entities, including the rule's benign look-alike.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ringscan.graph.embedded import EmbeddedBackend
from ringscan.ingest.load import load_files
from ringscan.rings.evidence import evidence_links
from ringscan.rules.catalogue import load_catalogue
from ringscan.rules.run import run_rules

RULES = {r.id: r for r in load_catalogue()}


def setl(sid, psn, place, day, time="10:00:00", *, card=None, doctor=None, med="11", total=100.0, begin=None,
         end=None, dise=None, gend=None, refund="0"):
    return {"setl_id": sid, "psn_no": psn, "mdtrt_cert_no": card or f"C{psn}", "fixmedins_code": place,
            "fixmedins_type": "2" if place.startswith("P") else "1", "med_type": med,
            "setl_time": f"{_date(day)} {time}", "begndate": _date(begin), "enddate": _date(end),
            "atddr_no": doctor, "dise_codg": dise, "gend": gend, "medfee_sumamt": total,
            "hifp_pay": abs(total) * 0.5 if total >= 0 else total * 0.5, "acct_pay": 0.0, "refd_setl_flag": refund}


def _date(day):
    if day is None:
        return None
    return (pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(day))).strftime("%Y-%m-%d")


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def background(place: str, people: int, visits: int, *, seed: int, days: int = 150, doctor=None, med="11",
               prefix="bg", dise="J06.900") -> list[dict]:
    """Ordinary visitors of ``place`` on random days and opening hours, each on their own."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(people):
        for v, day in enumerate(sorted(rng.choice(days, size=visits, replace=False))):
            when = _clock(int(rng.integers(8 * 3600, 19 * 3600)))
            rows.append(setl(f"{prefix}{place}-{p}-{v}", f"{prefix}{place}{p}", place, day, when, doctor=doctor,
                             med=med, dise=dise, total=float(rng.integers(20, 300))))
    return rows


def run(tmp_path: Path, rule_id: str, settlements: list[dict], persons: list[dict] | None = None,
        fees: list[dict] | None = None):
    """The rule's raw output and the evidence links it makes (actor pairs, see rings.evidence)."""
    files = []
    for name, rows in (("settlements", settlements), ("persons", persons), ("fee_details", fees)):
        if rows:
            path = tmp_path / f"{name}.csv"
            pd.DataFrame(rows).to_csv(path, index=False)
            files.append(path)
    with EmbeddedBackend(tmp_path / "db") as store:
        report = load_files(files, store)
        assert report.rejected == 0, report.by_reason
        out = run_rules(store, [RULES[rule_id]])
        holders = store.query("MATCH (p:Patient)-[:HOLDS]->(c:Card) RETURN p.psn_no AS psn, c.mdtrt_cert_no AS card")
    links = evidence_links(out, [RULES[rule_id]], dict(zip(holders["card"], holders["psn"])), set()).links
    return out, links


def linked(links: pd.DataFrame, kind: str | None = None) -> set[tuple[str, str]]:
    rows = links if kind is None else links[links["kind"] == kind]
    return {(a.split("|", 1)[1], b.split("|", 1)[1]) for a, b in zip(rows["a"], rows["b"])}


def clique(people) -> set[tuple[str, str]]:
    people = sorted(people)
    return {(a, b) for i, a in enumerate(people) for b in people[i + 1:]}


def test_pharmacy_co_swipe(tmp_path):
    rows = background("P1", 120, 4, seed=1)
    for i, day in enumerate((3, 19, 40, 66)):  # the stack: four cards swiped minutes apart, again and again
        for j, psn in enumerate(("1", "2", "3", "4")):
            rows.append(setl(f"S{i}{j}", psn, "P1", day, f"15:0{2 * j}:00"))
    rows += [setl("B1", "x", "P1", 5, "15:00:00"), setl("B2", "y", "P1", 5, "15:04:00")]  # strangers, once
    _, links = run(tmp_path, "pharmacy-co-swipe", rows)
    assert linked(links, "repeat") == clique("1234")  # the strangers x, y meet once: no repeated meeting


def test_card_pool_billed_through_the_day(tmp_path):
    rows = background("H1", 80, 4, seed=2, doctor="D1")
    for i, day in enumerate((2, 9, 23, 37, 51, 64)):  # a pool of four cards keyed in over the day, same days
        for j, psn in enumerate(("1", "2", "3", "4")):
            rows.append(setl(f"S{i}{j}", psn, "H1", day, _clock(9 * 3600 + j * 7000), doctor="D1"))
    _, links = run(tmp_path, "card-pool-clinic", rows)
    repeat = links[links["kind"] == "repeat"]
    pool = repeat["a"].str[-1].isin(list("1234")) & repeat["b"].str[-1].isin(list("1234")) \
        & ~repeat["a"].str.contains("bg")
    assert linked(repeat[pool]) == clique("1234")
    assert repeat.loc[~pool, "weight"].max() < repeat.loc[pool, "weight"].min()  # chance meetings weigh less


def test_card_pool_keyed_in_after_hours(tmp_path):
    rows = background("H2", 80, 4, seed=3)
    for i, day in enumerate((4, 18, 33, 47)):
        for j, psn in enumerate(("1", "2", "3")):
            rows.append(setl(f"S{i}{j}", psn, "H2", day, f"21:{10 + 3 * j}:00"))
    _, links = run(tmp_path, "card-pool-sitting", rows)
    assert clique("123") <= linked(links, "repeat")


def test_admissions_in_batches_are_linked_and_a_bus_accident_only_as_one_burst(tmp_path):
    rng = np.random.default_rng(4)
    rows = []
    for k, day in enumerate(sorted(rng.choice(150, size=30, replace=False))):  # ordinary admissions
        rows.append(setl(f"O{k}", f"o{k}", "H1", day + 6, begin=day, end=day + 6, med="21", dise="K80.200"))
    for e, day in enumerate((20, 60, 100)):  # recruits admitted over two days, discharged one by one
        for j, psn in enumerate(("1", "2", "3", "4", "5")):
            rows.append(setl(f"R{e}{j}", psn, "H1", day + 5 + j, begin=day + j % 2, end=day + 5 + j, med="21",
                             dise="J18.900"))
    for j in range(6):  # bus accident at another hospital: admitted together once
        rows.append(setl(f"A{j}", f"bus{j}", "H2", 40, begin=30, end=30 + 3 + j, med="21", dise="S72.000"))
    _, links = run(tmp_path, "admission-co-admit", rows)
    again = links[links["episodes"].map(len) >= 2]  # met in two or more episodes (bursts or repeats)
    assert linked(again) == clique("12345")
    bus = links[links["a"].str.startswith("Patient|bus")]
    assert (bus["kind"] == "burst").all() and (bus["k"] == 1).all()  # once at most: the ring stage makes no ring


def test_card_use_during_stay(tmp_path):
    rows = [setl("A1", "1", "H1", 20, begin=10, end=20, med="21", total=5000.0),
            setl("U1", "1", "P9", 15),                                    # inside the stay: flagged
            setl("A2", "2", "H1", 20, begin=10, end=20, med="21", total=5000.0),
            setl("U2", "2", "P9", 10, "08:00:00")]                       # admission day: not
    out, _ = run(tmp_path, "card-use-during-stay", rows)
    assert set(out.flags["entity_id"]) == {"C1"}
    assert set(out.flags.loc[out.flags["entity_id"] == "C1", "evidence"].iloc[0]) == {"A1", "U1"}


def test_card_impossible_diagnosis(tmp_path):
    rows = [setl("S1", "1", "H1", 3, dise="O80.000", gend="1"), setl("S2", "2", "H1", 3, dise="O80.000", gend="2"),
            setl("S3", "3", "H1", 3, dise="N40.x00", gend="2"), setl("S4", "4", "H1", 3, dise="N40.x00", gend="1")]
    out, _ = run(tmp_path, "card-impossible-diagnosis", rows)
    assert set(out.flags["entity_id"]) == {"C1", "C3"}


def test_identity_shared_phone(tmp_path):
    persons = [{"psn_no": f"G{i}", "tel": "15500000001", "addr": f"路{i}号"} for i in range(5)]       # intermediary
    persons += [{"psn_no": f"F{i}", "tel": "13900000002", "addr": "家1号"} for i in range(3)]         # family
    persons += [{"psn_no": f"N{i}", "tel": "057186001234", "addr": "福利院"} for i in range(8)]       # nursing home
    persons += [{"psn_no": f"Z{i}", "tel": "13800000000", "addr": f"街{i}号"} for i in range(60)]     # placeholder
    out, _ = run(tmp_path, "identity-shared-phone", [], persons)
    assert set(out.links["a_id"]) | set(out.links["b_id"]) == {f"G{i}" for i in range(5)}
    assert len(out.links) == 10


def test_identity_shared_address(tmp_path):
    names = "王李张刘陈杨"
    persons = [{"psn_no": f"G{i}", "psn_name": names[i] + "某", "addr": "景芳路9号中介服务部"} for i in range(6)]
    persons += [{"psn_no": f"F{i}", "psn_name": "赵某", "addr": "家1号"} for i in range(5)]              # family
    persons += [{"psn_no": f"N{i}", "psn_name": names[i] + "某", "addr": "上城区福利院"} for i in range(6)]  # nursing home
    out, _ = run(tmp_path, "identity-shared-address", [], persons)
    assert set(out.links["a_id"]) | set(out.links["b_id"]) == {f"G{i}" for i in range(6)}


def test_intermediary_phone_and_one_clinic(tmp_path):
    persons = [{"psn_no": f"G{i}", "tel": "15500000001", "addr": f"路{i}号"} for i in range(10)]
    persons += [{"psn_no": f"Z{i}", "tel": "13800000000", "addr": f"街{i}号"} for i in range(30)]
    persons += [{"psn_no": f"bgH{h}{p}", "tel": f"1390000{h}{p:03d}", "addr": f"巷{h}-{p}"} for h in range(4)
                for p in range(60)]
    rows = [r for h in range(4) for r in background(f"H{h}", 60, 2, seed=10 + h)]
    rows += [setl(f"G{i}-{v}", f"G{i}", "H9", 10 + 7 * v + i % 3) for i in range(8) for v in range(2)]  # escorted
    rows += [setl(f"Z{i}", f"Z{i}", f"H{i % 4}", 20 + i) for i in range(30)]  # placeholder holders: anywhere
    _, links = run(tmp_path, "identity-phone-scheme", rows, persons)
    assert linked(links) == clique([f"G{i}" for i in range(8)])


def _fills(rows, fees, psn, place, doctor, days, qty, drug="INSULIN", prefix=None):
    for v, day in enumerate(days):
        sid = f"{prefix or psn}-{place}-{v}"
        rows.append(setl(sid, psn, place, day, doctor=doctor, med="14"))
        fees.append({"feedetl_sn": sid + "-1", "setl_id": sid, "med_list_codg": drug, "cnt": qty, "pric": 168})


def test_doctor_overprescription(tmp_path):
    rows, fees = [], []
    for d in range(6):  # peers: monthly refills, 3 pens a time, at six doctors
        for p in range(10):
            _fills(rows, fees, f"n{d}-{p}", "H1", f"D{d}", range(5 + p, 180, 30), 3)
    for p in range(4):  # colluding doctor: every ten days, 12 pens a time
        _fills(rows, fees, f"x{p}", "H2", "D9", range(3 + p, 180, 10), 12)
    _, links = run(tmp_path, "doctor-overprescription", rows, fees=fees)
    assert linked(links) == clique(["x0", "x1", "x2", "x3"])
    assert {c for ctx in links["context"] for c in ctx} == {"Doctor|D9"}


def test_doctor_cross_hospital_duplicate(tmp_path):
    rows, fees = [], []
    for d in range(4):  # ordinary patients, one doctor each
        for p in range(12):
            _fills(rows, fees, f"n{d}-{p}", f"H{d}", f"D{d}", range(p, 180, 30), 28, drug="CLOPI")
    for d, (a, b) in enumerate((("D0", "D1"), ("D2", "D3"))):  # two who changed hospital once
        _fills(rows, fees, f"m{d}", f"H{d * 2}", a, [10, 40], 28, drug="CLOPI", prefix=f"m{d}a")
        _fills(rows, fees, f"m{d}", f"H{d * 2 + 1}", b, [70, 100], 28, drug="CLOPI", prefix=f"m{d}b")
    for p in range(5):  # the same patients fill at two hospitals every month
        _fills(rows, fees, f"x{p}", "H5", "D5", range(p, 180, 30), 28, drug="CLOPI", prefix=f"x{p}a")
        _fills(rows, fees, f"x{p}", "H6", "D6", range(p + 9, 180, 30), 28, drug="CLOPI", prefix=f"x{p}b")
    _, links = run(tmp_path, "doctor-cross-hospital-duplicate", rows, fees=fees)
    assert linked(links) == clique([f"x{p}" for p in range(5)])


def test_admission_split(tmp_path):
    rng = np.random.default_rng(5)
    rows = []
    for h in range(4):  # ordinary stays at four hospitals, now and then a genuine readmission
        for k, day in enumerate(sorted(rng.choice(170, size=40, replace=False))):
            rows.append(setl(f"O{h}-{k}", f"o{h}-{k}", f"H{h}", day + 5, begin=day, end=day + 5, med="21",
                             dise="K80.200"))
    for p in range(4):  # one ward splits every stay in three
        for s in range(3):
            start = 20 * p + 6 * s
            rows.append(setl(f"S{p}{s}", f"s{p}", "H9", start + 5, begin=start, end=start + 5, med="21",
                             dise="I63.900"))
    for k in range(5):  # chemotherapy every 21 days: scheduled, and beyond the gap
        rows.append(setl(f"K{k}", "chemo", "H9", 21 * k + 2, begin=21 * k, end=21 * k + 2, med="21", dise="Z51.102"))
    _, links = run(tmp_path, "admission-split", rows)
    assert linked(links) == clique([f"s{p}" for p in range(4)])


def test_refund_cashout(tmp_path):
    rows = []
    for place in ("P1", "P2", "P3"):  # ordinary customers, and a mistaken purchase now and then
        rows += background(place, 600, 2, seed=len(rows))
    rows += [setl(f"M{k}", f"m{k}", f"P{1 + k % 3}", 30 + k, "10:00:00", med="41", total=80.0) for k in range(6)]
    rows += [setl(f"MR{k}", f"m{k}", f"P{1 + k % 3}", 30 + k, "10:30:00", med="41", total=-80.0, refund="1")
             for k in range(6)]
    for c in range(4):  # holders who buy a key drug monthly and are refunded in cash days later, each alone
        for k in range(5):
            day = 5 + 30 * k + 3 * c
            rows += [setl(f"B{c}{k}", f"h{c}", "P1", day, "10:00:00", med="41", total=600.0),
                     setl(f"R{c}{k}", f"h{c}", "P1", day + 2, "17:00:00", med="41",
                          total=-600.0 if k % 2 else 350.0, refund="1")]  # partial refunds, either sign
    _, links = run(tmp_path, "refund-cashout", rows)
    assert linked(links) == clique([f"h{c}" for c in range(4)])
