"""Per-rule regression data: tiny settlement sets with what must and must not be flagged.

Each case builds a handful of settlements (plus persons where the rule needs
them), loads them into a fresh embedded store, runs the one rule and checks
the linked pairs or flagged entities, including the rule's benign look-alike.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ringscan.graph.embedded import EmbeddedBackend
from ringscan.ingest.load import load_files
from ringscan.rules.catalogue import load_catalogue
from ringscan.rules.run import run_rules

RULES = {r.id: r for r in load_catalogue()}
DAY = "2024-03-{:02d}"


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
    return (pd.Timestamp("2024-01-01") + pd.Timedelta(days=day)).strftime("%Y-%m-%d")


def run(tmp_path: Path, rule_id: str, settlements: list[dict], persons: list[dict] | None = None,
        fees: list[dict] | None = None) -> pd.DataFrame:
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
    return out.links if RULES[rule_id].emits == "link" else out.flags


def pairs(links: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(links["a_id"], links["b_id"]))


def test_pharmacy_co_swipe(tmp_path):
    rows = []
    for i, day in enumerate((3, 9, 20)):  # the stack: C1, C2, C3 swiped minutes apart on three days
        for j, psn in enumerate(("1", "2", "3")):
            rows.append(setl(f"S{i}{j}", psn, "P1", day, f"10:0{2 * j}:00"))
    rows += [setl("B1", "4", "P1", 5, "15:00:00"), setl("B2", "5", "P1", 5, "15:04:00")]  # busy pharmacy, once
    links = run(tmp_path, "pharmacy-co-swipe", rows)
    assert pairs(links) == {("C1", "C2"), ("C1", "C3"), ("C2", "C3")}
    assert set(links["weight"]) == {3.0}


def test_card_pool_clinic(tmp_path):
    rows = []
    for i, day in enumerate((2, 6, 11)):
        for j, psn in enumerate(("1", "2", "3")):
            rows.append(setl(f"S{i}{j}", psn, "H1", day, f"09:{10 * j:02d}:00", doctor="D1"))
            # dialysis cohort: same doctor, same minutes, but 门特 (14): scheduled care
            rows.append(setl(f"T{i}{j}", f"9{psn}", "H1", day, f"13:{5 * j:02d}:00", doctor="D2", med="14"))
    rows += [setl("X1", "7", "H1", 4, "09:00:00", doctor="D1"), setl("X2", "8", "H1", 4, "09:05:00", doctor="D1"),
             setl("X3", "7", "H1", 8, "09:00:00", doctor="D1"), setl("X4", "8", "H1", 8, "09:05:00", doctor="D1")]
    links = run(tmp_path, "card-pool-clinic", rows)
    assert pairs(links) == {("C1", "C2"), ("C1", "C3"), ("C2", "C3")}  # not C7–C8 (two days only)


def test_card_pool_ignores_scheduled_care_and_missing_doctor(tmp_path):
    rows = []
    for i, day in enumerate((2, 6, 11)):
        for j, psn in enumerate(("1", "2", "3")):  # pool billed with no doctor recorded
            rows.append(setl(f"S{i}{j}", psn, "H1", day, f"09:{10 * j:02d}:00"))
            # dialysis exported as ordinary outpatient visits: excluded by diagnosis
            rows.append(setl(f"T{i}{j}", f"9{psn}", "H2", day, f"13:{5 * j:02d}:00", doctor="D2", dise="N18.500"))
    links = run(tmp_path, "card-pool-clinic", rows)
    assert pairs(links) == {("C1", "C2"), ("C1", "C3"), ("C2", "C3")}


def test_card_use_during_stay(tmp_path):
    rows = [setl("A1", "1", "H1", 20, begin=10, end=20, med="21", total=5000.0),
            setl("U1", "1", "P9", 15),                                    # inside the stay: flagged
            setl("A2", "2", "H1", 20, begin=10, end=20, med="21", total=5000.0),
            setl("U2", "2", "P9", 10, "08:00:00")]                       # admission day: not
    flags = run(tmp_path, "card-use-during-stay", rows)
    assert set(flags["entity_id"]) == {"C1"}
    assert set(flags.loc[flags["entity_id"] == "C1", "evidence"].iloc[0]) == {"A1", "U1"}


def test_card_impossible_diagnosis(tmp_path):
    rows = [setl("S1", "1", "H1", 3, dise="O80.000", gend="1"), setl("S2", "2", "H1", 3, dise="O80.000", gend="2"),
            setl("S3", "3", "H1", 3, dise="N40.x00", gend="2"), setl("S4", "4", "H1", 3, dise="N40.x00", gend="1")]
    flags = run(tmp_path, "card-impossible-diagnosis", rows)
    assert set(flags["entity_id"]) == {"C1", "C3"}


def test_admission_co_admit(tmp_path):
    rows = [setl("A1", "1", "H1", 17, begin=10, end=17, med="21"), setl("A2", "2", "H1", 17, begin=11, end=17, med="21"),
            setl("A3", "1", "H1", 47, begin=40, end=47, med="21"), setl("A4", "2", "H1", 48, begin=40, end=48, med="21"),
            # bus accident: admitted together once
            setl("B1", "3", "H2", 30, begin=20, end=30, med="21"), setl("B2", "4", "H2", 31, begin=20, end=31, med="21")]
    for k, day in enumerate(range(2, 60, 7)):  # dialysis: same-day sessions, every week
        rows += [setl(f"D{k}a", "5", "H1", day, begin=day, end=day, med="14"),
                 setl(f"D{k}b", "6", "H1", day, begin=day, end=day, med="14")]
    links = run(tmp_path, "admission-co-admit", rows)
    assert pairs(links) == {("1", "2")}
    assert links["weight"].iloc[0] == 2.0


def test_identity_shared_phone(tmp_path):
    persons = [{"psn_no": f"G{i}", "tel": "15500000001", "addr": f"路{i}号"} for i in range(5)]       # intermediary
    persons += [{"psn_no": f"F{i}", "tel": "13900000002", "addr": "家1号"} for i in range(3)]         # family
    persons += [{"psn_no": f"N{i}", "tel": "057186001234", "addr": "福利院"} for i in range(8)]       # nursing home
    persons += [{"psn_no": f"Z{i}", "tel": "13800000000", "addr": f"街{i}号"} for i in range(60)]     # placeholder
    links = run(tmp_path, "identity-shared-phone", [], persons)
    linked = set(links["a_id"]) | set(links["b_id"])
    assert linked == {f"G{i}" for i in range(5)}
    assert len(links) == 10


def test_identity_shared_address(tmp_path):
    names = "王李张刘陈杨"
    persons = [{"psn_no": f"G{i}", "psn_name": names[i] + "某", "addr": "景芳路9号中介服务部"} for i in range(6)]
    persons += [{"psn_no": f"F{i}", "psn_name": "赵某", "addr": "家1号"} for i in range(5)]              # family
    persons += [{"psn_no": f"N{i}", "psn_name": names[i] + "某", "addr": "上城区福利院"} for i in range(6)]  # nursing home
    links = run(tmp_path, "identity-shared-address", [], persons)
    assert set(links["a_id"]) | set(links["b_id"]) == {f"G{i}" for i in range(6)}


def test_doctor_overprescription(tmp_path):
    rows, fees = [], []
    for p in range(12):  # peers: monthly refills, 3 pens a time
        for v in range(6):
            sid = f"N{p}-{v}"
            rows.append(setl(sid, f"n{p}", "H1", 5 + 30 * v, doctor="D1", med="14"))
            fees.append({"feedetl_sn": sid + "-1", "setl_id": sid, "med_list_codg": "INSULIN", "cnt": 3, "pric": 168})
    for v in range(9):  # colluding doctor: every ten days, 12 pens a time
        sid = f"X{v}"
        rows.append(setl(sid, "x", "H2", 3 + 10 * v, doctor="D9", med="14"))
        fees.append({"feedetl_sn": sid + "-1", "setl_id": sid, "med_list_codg": "INSULIN", "cnt": 12, "pric": 168})
    links = run(tmp_path, "doctor-overprescription", rows, fees=fees)
    assert pairs(links) == {("D9", "x")}


def test_doctor_visit_amount_without_fee_details(tmp_path):
    rows = []
    for p in range(8):  # peers: monthly chronic visits, ordinary money for the diagnosis
        rows += [setl(f"N{p}-{v}", f"n{p}", "H1", 5 + 30 * v, doctor="D1", med="14", dise="E11.900", total=500.0)
                 for v in range(6)]
    for p in range(8):  # dialysis: many visits, ordinary money per visit
        rows += [setl(f"K{p}-{v}", f"k{p}", "H1", 2 * v, doctor="D3", med="14", dise="N18.500", total=440.0)
                 for v in range(40)]
    rows += [setl(f"X{v}", "x", "H2", 3 + 10 * v, doctor="D9", med="14", dise="E11.900", total=4000.0) for v in range(9)]
    # every five days at ordinary money per visit: frequency far above peers
    rows += [setl(f"Y{v}", "y", "H2", 1 + 5 * v, doctor="D8", med="14", dise="E11.900", total=500.0) for v in range(30)]
    links = run(tmp_path, "doctor-visit-amount", rows)
    assert pairs(links) == {("D9", "x"), ("D8", "y")}


def test_doctor_cross_hospital_duplicate(tmp_path):
    rows, fees = [], []

    def visit(sid, psn, place, doctor, day):
        rows.append(setl(sid, psn, place, day, doctor=doctor, med="14"))
        fees.append({"feedetl_sn": sid + "-1", "setl_id": sid, "med_list_codg": "CLOPI", "cnt": 28, "pric": 6.8})

    for k in range(4):  # two hospitals every month
        visit(f"A{k}", "1", "H1", "D1", 30 * k)
        visit(f"B{k}", "1", "H2", "D2", 30 * k + 8)
    visit("C0", "2", "H1", "D1", 0)  # changed hospital once
    visit("C1", "2", "H2", "D2", 20)
    links = run(tmp_path, "doctor-cross-hospital-duplicate", rows, fees=fees)
    assert pairs(links) == {("D2", "1"), ("D1", "1")}


def test_admission_split(tmp_path):
    rows = [setl("S1", "1", "H1", 5, begin=0, end=5, med="21", dise="I63.900"),
            setl("S2", "1", "H1", 11, begin=6, end=11, med="21", dise="I63.900"),
            setl("S3", "1", "H1", 16, begin=12, end=16, med="21", dise="I63.900")]
    for k in range(5):  # chemotherapy every 21 days
        rows.append(setl(f"K{k}", "2", "H1", 21 * k + 2, begin=21 * k, end=21 * k + 2, med="21", dise="Z51.102"))
    links = run(tmp_path, "admission-split", rows)
    assert pairs(links) == {("1", "H1")}


def test_refund_cashout(tmp_path):
    rows = []
    for k in range(3):  # bought, refunded the same evening, three times, at two pharmacies
        place = "P1" if k < 2 else "P2"
        rows += [setl(f"B{k}", "1", place, 3 + 10 * k, "10:00:00", med="41", total=600.0),
                 setl(f"R{k}", "1", place, 3 + 10 * k, "18:00:00", med="41", total=-600.0, refund="1")]
    rows += [setl("B9", "2", "P1", 4, "10:00:00", med="41", total=80.0),  # one mistaken purchase
             setl("R9", "2", "P1", 4, "10:30:00", med="41", total=-80.0, refund="1")]
    for k in range(3):  # partial refunds exported with positive amounts and the flag: still cash-outs
        rows += [setl(f"B3{k}", "3", "P3", 5 + 10 * k, "10:00:00", med="41", total=500.0),
                 setl(f"R3{k}", "3", "P3", 5 + 10 * k, "17:00:00", med="41", total=300.0, refund="1")]
    links = run(tmp_path, "refund-cashout", rows)
    assert pairs(links) == {("C1", "P1"), ("C1", "P2"), ("C3", "P3")}
