"""Evidence per kind: stays for admissions, drugs for prescriptions, refund pairs, sittings; timeline; ring_id."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st
import pytest

from report_helpers import hostile_scan as _hostile_scan, visible_text
from ringscan.report.directory import Directory
from ringscan.report.evidence_tables import admission_batches, evidence_table, refund_pairs, sittings
from ringscan.report.timeline import timeline_svg


@pytest.fixture(scope="module")
def scan(district: Path, tmp_path_factory) -> Path:
    return _hostile_scan(district, tmp_path_factory) / "out"


def _rows(specs: list[dict]) -> pd.DataFrame:
    base = {"psn_no": "p1", "mdtrt_cert_no": "c1", "fixmedins_code": "P1", "place_label": "Pharmacy",
            "atddr_no": None, "med_type": "41", "begn_day": float("nan"), "end_day": float("nan"),
            "dise_name": None, "medfee_sumamt": 100.0, "fund_pay": 90.0, "refund": 0, "stay_days": float("nan"),
            "admit_date": "", "discharge_date": ""}
    rows = [{**base, "setl_id": f"S{i}", **s} for i, s in enumerate(specs)]
    for r in rows:
        r["setl_day"] = r["setl_ts"] // 86400
    return pd.DataFrame(rows)


def test_evidence_csv_carries_ring_id(scan: Path):
    evidence = pd.read_csv(scan / "evidence.csv", dtype=str)
    assert evidence.columns[0] == "ring_id"
    for ring in json.loads((scan / "rings.json").read_text(encoding="utf-8"))["rings"]:
        assert set(evidence.loc[evidence["ring_id"] == ring["id"], "setl_id"]) == set(ring["evidence"])


def test_sittings_list_cards_in_order_with_minutes_between():
    day = 19800 * 86400
    rows = _rows([{"setl_ts": day + 600, "mdtrt_cert_no": "c2"}, {"setl_ts": day, "mdtrt_cert_no": "c1"},
                  {"setl_ts": day + 86400 * 3, "mdtrt_cert_no": "c1"}])
    found = sittings(rows, 900)
    assert [list(s["mdtrt_cert_no"]) for s in found] == [["c1", "c2"], ["c1"]]
    table = evidence_table("pharmacy_swipe", rows, pd.DataFrame(), Directory(), {}, "en", {}, ["pharmacy-co-swipe"])
    assert table.groups and table.rows[1][1] == "10.0", "minutes after the previous card of the sitting"


def test_a_sitting_table_does_not_depend_on_the_rows_labels():
    """Rows are read once by label: labels repeated or out of order must not mix two rows up."""
    day = 19800 * 86400
    rows = _rows([{"setl_ts": day + 60 * i, "mdtrt_cert_no": f"c{i % 3}", "psn_no": f"p{i}", "fund_pay": float(i)}
                  for i in range(7)] + [{"setl_ts": day + 86400, "mdtrt_cert_no": "c9", "fixmedins_code": "P2"}])
    plain = evidence_table("pharmacy_swipe", rows, pd.DataFrame(), Directory(), {}, "en", {}, ["pharmacy-co-swipe"])
    relabelled = rows.set_axis([5, 5, 3, 0, 3, 1, 1, 5]).iloc[::-1]
    again = evidence_table("pharmacy_swipe", relabelled, pd.DataFrame(), Directory(), {}, "en", {},
                           ["pharmacy-co-swipe"])
    assert again.rows == plain.rows and again.groups == plain.groups
    assert [r[-1] for r in plain.rows] == [f"S{i}" for i in range(8)]


def test_refunds_stand_beside_their_purchase():
    day = 19800 * 86400
    rows = _rows([{"setl_ts": day, "medfee_sumamt": 300.0}, {"setl_ts": day + 2 * 86400, "medfee_sumamt": -300.0,
                                                             "refund": 1}, {"setl_ts": day + 9 * 86400}])
    pairs = refund_pairs(rows, 5)
    assert [(b is not None, r is not None) for b, r in pairs] == [(True, True), (True, False)]
    table = evidence_table("refund_cashout", rows, pd.DataFrame(columns=["setl_id", "med_list_name"]), Directory(),
                           {}, "en", {}, ["refund-cashout"])
    assert table.rows[0][8] == "2.0" and table.rows[0][2] and table.rows[0][6]


def test_admissions_show_dates_stay_and_batches():
    day = 19800
    rows = _rows([{"setl_ts": (day + 5) * 86400, "psn_no": f"p{i}", "med_type": "21", "begn_day": day + i,
                   "end_day": day + 5, "stay_days": 5 - i, "admit_date": "x", "discharge_date": "y",
                   "place_label": "Institution", "fixmedins_code": "H1"} for i in range(3)] +
                 [{"setl_ts": (day + 40) * 86400, "psn_no": "p0", "med_type": "21", "begn_day": day + 35,
                   "end_day": day + 40, "stay_days": 5, "place_label": "Institution", "fixmedins_code": "H1"}])
    assert list(admission_batches(rows, 3)) == [1, 1, 1, 2]
    table = evidence_table("fake_admission", rows, pd.DataFrame(), Directory(), {}, "zh", {}, [])
    assert [h for h, _ in table.headers][:4] == ["批次", "入院日期", "出院日期", "住院天数"]
    svg = timeline_svg(rows, Directory(), {}, "zh")
    assert svg.count('fill-opacity="0.45"') == 4, "each stay is a bar"


def _page(scan: Path, kind: str) -> str | None:
    rings = [r for r in json.loads((scan / "rings.json").read_text(encoding="utf-8"))["rings"] if r["kind"] == kind]
    if not rings:
        return None
    return visible_text((scan / "rings" / f"{rings[0]['id']}.html").read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind,headers", [
    ("fake_admission", ["入院日期", "出院日期", "住院天数", "批次"]),
    ("split_admission", ["入院日期", "出院日期", "住院天数", "距上次出院"]),
    ("doctor_collusion", ["药品", "数量", "常规单次量", "可用天数", "距下次取药"]),
    ("refund_cashout", ["购药时间", "退费时间", "退费金额", "间隔 (天)"]),
    ("pharmacy_swipe", ["刷卡批次", "间隔 (分钟)"]),
    ("shared_card", ["刷卡批次", "间隔 (分钟)"]),
])
def test_ring_pages_show_the_evidence_of_their_kind(scan: Path, kind: str, headers: list[str]):
    text = _page(scan, kind)
    if text is None:
        pytest.skip(f"no {kind} ring in this district")
    for header in headers:
        assert header in text, f"{kind}: {header}"
    assert "时间线" in text


def test_every_evidence_settlement_is_a_mark_on_the_timeline(scan: Path):
    evidence = pd.read_csv(scan / "evidence.csv", dtype={"ring_id": str})
    ring = json.loads((scan / "rings.json").read_text(encoding="utf-8"))["rings"][0]
    page = (scan / "rings" / f"{ring['id']}.html").read_text(encoding="utf-8")
    timeline = page.split('role="img" class="timeline">')[1].split("</svg>")[0]
    marks = timeline.count('width="2.4"') + timeline.count('fill="none"') + timeline.count('fill-opacity="0.45"')
    assert marks == (evidence["ring_id"] == ring["id"]).sum()


@given(st.lists(st.tuples(st.one_of(st.none(), st.text(max_size=3)), st.one_of(st.none(), st.integers(-5, 5)),
                          st.one_of(st.none(), st.floats(allow_nan=True))), max_size=8),
       st.booleans())
def test_records_are_the_frames_itertuples(rows, index):
    """Rows read a column at a time carry what itertuples gives: the same fields, values and types."""
    from ringscan.report.records import records

    frame = pd.DataFrame(rows, columns=["setl_id", "n", "class"]).astype({"setl_id": "str"})
    frame.index = frame.index * 3 + 1
    frame["t"] = pd.to_datetime(frame["n"], unit="D", errors="coerce")
    ours, theirs = list(records(frame, index=index)), list(frame.itertuples(index=index))
    assert [r._fields for r in ours] == [r._fields for r in theirs]
    assert [[repr(v) for v in r] for r in ours] == [[repr(v) for v in r] for r in theirs]


@given(st.lists(st.tuples(st.sampled_from(["A01", "B02", "C03"]), st.sampled_from([0.5, 1.0, 2.0, 3.0, 7.25, 30.0])),
                min_size=1, max_size=40))
def test_a_drugs_usual_fill_is_the_median_of_its_counted_fills(fills):
    """The store counts each quantity of a drug's fills; the median of those counts is the
    median of the fills themselves, as pandas takes it (the mean of the two middle ones)."""
    from ringscan.report.folder import _medians

    frame = pd.DataFrame(fills, columns=["code", "cnt"])
    counted = frame.groupby(["code", "cnt"]).size().rename("n").reset_index().sample(frac=1, random_state=0)
    assert _medians(counted).to_dict() == frame.groupby("code")["cnt"].median().to_dict()
