"""Scan history in the store: round trip, stable ids, statuses, diff, case decisions (ringscan/history/)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from ringscan.history.changes import diff_scans, store_pseudonymiser, summary_text, write_changes
from ringscan.history.record import record_scan
from ringscan.history.store import HistoryError, add_case, add_files, latest_cases, loaded_files, scan_rings, scans
from ringscan.rings.assemble import Ring
from ringscan.scan import ScanResult

DAY = dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.timezone.utc)


def ring(content_id: str, persons: list[int], *, score: float = 50.0, amount: float = 1000.0,
         kind: str = "pharmacy_swipe") -> Ring:
    members = [{"type": "Pharmacy", "id": "P1"}]
    members += [{"type": "Patient", "id": f"psn{i}"} for i in persons]
    members += [{"type": "Card", "id": f"card{i}"} for i in persons]
    return Ring(content_id, kind, score, members, amount, "2026-01-01", "2026-01-31", ["pharmacy-co-swipe"],
                [f"S{i}" for i in persons], "说明", "explanation")


def result(*rings: Ring, records: int = 100) -> ScanResult:
    for rank, r in enumerate(rings, start=1):
        r.rank = rank
    meta = {"backend": "embedded", "started": "2026-11-24T03:00:00+00:00", "records": records,
            "period": ["2026-01-01", "2026-01-31"], "rules": ["pharmacy-co-swipe"], "params": {}}
    return ScanResult(meta, list(rings), pd.DataFrame(), pd.DataFrame(), pd.DataFrame())


def scan_at(store, day: int, *rings: Ring):
    res = result(*rings)
    recorded = record_scan(store, res, now=DAY + dt.timedelta(days=day))
    return res, recorded


def test_history_round_trip(store):
    res, recorded = scan_at(store, 0, ring("R-h1", [1, 2, 3], score=80.5, amount=1234.5), ring("R-h2", [7, 8, 9]))
    (row,) = scans(store)
    assert (row.scan_id, row.seq, row.records, row.rings, row.previous) == (recorded.scan.scan_id, 1, 100, 2, None)
    assert row.counts["new"] == 2 and row.params["rules"] == ["pharmacy-co-swipe"]
    stored = scan_rings(store, row.scan_id)
    assert [(r.ring_id, r.score, r.amount, r.rank, r.status) for r in stored] == \
        [("R-h1", 80.5, 1234.5, 1, "new"), ("R-h2", 50.0, 1000.0, 2, "new")]
    assert stored[0].members == res.rings[0].members and stored[0].evidence == ["S1", "S2", "S3"]
    assert stored[0].first_detected == "2026-11-24" and stored[0].people == 3


def test_ids_survive_growth_and_statuses_match_the_diff(store, tmp_path: Path):
    scan_at(store, 0, ring("R-a", [1, 2, 3, 4, 5]), ring("R-b", [10, 11, 12, 13]), ring("R-c", [20, 21, 22]))
    res, recorded = scan_at(store, 1, ring("R-a2", [1, 2, 3, 4, 5, 6], amount=1500.0), ring("R-b", [10, 11, 12, 13]),
                            ring("R-d", [30, 31, 32]))
    assert [r.id for r in res.rings] == ["R-a", "R-b", "R-d"]
    assert {r: k["status"] for r, k in res.ring_keys.items()} == {"R-a": "grown", "R-b": "unchanged", "R-d": "new"}
    assert res.ring_keys["R-a"]["first_detected"] == "2026-11-24" and res.ring_keys["R-d"]["first_detected"] == "2026-11-25"
    assert res.meta["gone"] == ["R-c"] and res.meta["previous_scan"] == scans(store)[0].scan_id

    changes = diff_scans(store)
    assert {r.id: r.status for r in changes.rings} == {r: k["status"] for r, k in res.ring_keys.items()}
    grown = next(r for r in changes.rings if r.id == "R-a")
    assert grown.people_added == ["psn6"] and grown.cards_added == ["card6"] and grown.evidence_added == ["S6"]
    assert grown.amount_before == 1000.0 and grown.amount_added == 500.0
    assert [g.ring_id for g in changes.gone] == ["R-c"]
    assert [r.id for r in changes.alerts(0)] == ["R-a", "R-d"]

    files = write_changes(changes, tmp_path, pseudo=store_pseudonymiser(store))
    doc = json.loads(files[0].read_text(encoding="utf-8"))
    assert {r["id"]: r["status"] for r in doc["rings"]} == {"R-a": "grown", "R-d": "new"}
    assert doc["unchanged"] == ["R-b"] and [g["id"] for g in doc["gone"]] == ["R-c"]
    csv = pd.read_csv(files[1])
    assert set(zip(csv["id"], csv["status"])) == {("R-a", "grown"), ("R-d", "new"), ("R-c", "gone")}
    text = files[2].read_text(encoding="utf-8")
    assert "扩大" in text and "新发现" in text and "消失: R-c" in text
    assert "gone: R-c" in summary_text(changes, "en")


def test_diff_between_any_two_scans_and_clear_errors(store):
    scan_at(store, 0, ring("R-a", [1, 2, 3]))
    scan_at(store, 1, ring("x", [1, 2, 3, 4]))
    scan_at(store, 2, ring("y", [1, 2, 3, 4, 5]))
    first, _, last = scans(store)
    changes = diff_scans(store, first.scan_id, last.scan_id)
    assert [(r.id, r.status, r.people_added) for r in changes.rings] == [("R-a", "grown", ["psn4", "psn5"])]
    with pytest.raises(HistoryError, match="no recorded scan `nope`"):
        diff_scans(store, "nope")
    with pytest.raises(HistoryError, match="not earlier"):
        diff_scans(store, last.scan_id, first.scan_id)


def test_a_dismissed_ring_stays_out_of_the_alert_until_it_grows(store):
    scan_at(store, 0, ring("R-a", [1, 2, 3, 4]), ring("R-b", [10, 11, 12]))
    add_case(store, "R-a", "dismissed", "同一家庭代购, 已核实", "王芳", at="2026-11-24T09:00:00+08:00")
    assert latest_cases(store)["R-a"].note == "同一家庭代购, 已核实"
    res, _ = scan_at(store, 1, ring("R-a", [1, 2, 3, 4]), ring("R-b", [10, 11, 12]), ring("R-n", [40, 41, 42]))
    assert res.ring_keys["R-a"]["case"]["status"] == "dismissed"
    assert [r.id for r in diff_scans(store).alerts(0)] == ["R-n"]
    res, _ = scan_at(store, 2, ring("R-a", [1, 2, 3, 4, 5]), ring("R-b", [10, 11, 12]), ring("R-n", [40, 41, 42]))
    changes = diff_scans(store)
    (alert,) = changes.alerts(0)
    assert (alert.id, alert.status, alert.case.status) == ("R-a", "grown", "dismissed")
    assert "已排除" in summary_text(changes)
    assert [r.id for r in changes.alerts(60)] == []  # below the alert score: nothing to say


def test_case_decisions_need_a_known_ring_and_status(store):
    scan_at(store, 0, ring("R-a", [1, 2, 3]))
    with pytest.raises(HistoryError, match="no recorded scan found ring R-zz"):
        add_case(store, "R-zz", "dismissed", "", "me")
    with pytest.raises(HistoryError, match="case status `closed` is unknown"):
        add_case(store, "R-a", "closed", "", "me")
    add_case(store, "R-a", "investigating", "", "me", at="2026-11-24T09:00:00+08:00")
    add_case(store, "R-a", "confirmed", "转稽核", "me", at="2026-11-25T09:00:00+08:00")
    assert latest_cases(store)["R-a"].status == "confirmed"


def test_files_loaded_are_remembered_once(store):
    assert loaded_files(store) == {}
    files = [{"sha256": "ab" * 32, "name": "settlements_2026-10.csv", "size": 10, "rows": 3}]
    assert add_files(store, files) == 1 and add_files(store, files) == 0
    assert loaded_files(store)["ab" * 32]["rows"] == 3


def test_a_store_without_history_reads_as_empty(tmp_path: Path):
    from ringscan.graph.embedded import EmbeddedBackend

    EmbeddedBackend(tmp_path / "g.lbdb").close()
    with EmbeddedBackend(tmp_path / "g.lbdb", read_only=True) as store:
        assert scans(store) == [] and loaded_files(store) == {} and latest_cases(store) == {}
        with pytest.raises(HistoryError, match="no recorded scans"):
            diff_scans(store)
