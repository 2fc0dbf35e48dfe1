"""What a store remembers between runs: scans and their rings, case decisions, files loaded.

Kept in the graph store itself (both backends), so the history travels with
the data. Node labels, one row each:

* ``RingscanScan``: a scan (id, order, time, parameters, counts, the scan before it, ``gone``);
* ``RingscanRing``: one ring of one scan (stable id, status, lineage, members,
  score, amount, evidence; members are the store's raw ids);
* ``RingscanCase``: one case decision (ring id, status, note, author, time);
* ``RingscanFile``: one input file loaded (SHA-256 of its bytes, name, size, rows).

Lists are JSON text, so both engines hold the same values. Nothing here is
ever updated in place: a scan or a decision is a new row.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..graph.bookkeeping import Table, ensure_tables, has_table, read_table, write_all

__all__ = ["SCANS", "RINGS", "CASES", "FILES", "TABLES", "ScanRow", "RingRow", "CaseRow", "CASE_STATUSES",
           "scans", "scan_rings", "latest_rings", "ring_ids", "cases", "latest_cases", "add_case", "loaded_files",
           "add_files", "write_scan_record", "ensure_history", "HistoryError"]

SCANS = Table("RingscanScan", "scan_id", {
    "scan_id": "STRING", "seq": "INT64", "started": "STRING", "recorded": "STRING", "backend": "STRING",
    "records": "INT64", "period_first": "STRING", "period_last": "STRING", "rings": "INT64",
    "previous": "STRING", "gone": "STRING", "counts": "STRING", "params": "STRING"})
RINGS = Table("RingscanRing", "key", {
    "key": "STRING", "scan_id": "STRING", "seq": "INT64", "ring_id": "STRING", "kind": "STRING",
    "score": "DOUBLE", "rank": "INT64", "amount": "DOUBLE", "people": "INT64", "first_seen": "STRING",
    "last_seen": "STRING", "status": "STRING", "first_detected": "STRING", "previous_ids": "STRING",
    "members": "STRING", "evidence": "STRING"})
CASES = Table("RingscanCase", "key", {
    "key": "STRING", "ring_id": "STRING", "status": "STRING", "note": "STRING", "author": "STRING",
    "at": "STRING"})
FILES = Table("RingscanFile", "sha256", {
    "sha256": "STRING", "name": "STRING", "size": "INT64", "rows": "INT64", "loaded_at": "STRING"})
TABLES = [SCANS, RINGS, CASES, FILES]

CASE_STATUSES = ("open", "investigating", "confirmed", "dismissed")


class HistoryError(ValueError):
    """A history request that cannot be met; the message says what to do."""


@dataclass
class ScanRow:
    scan_id: str
    seq: int
    started: str
    recorded: str
    backend: str
    records: int
    period: list[str]
    rings: int
    previous: str | None
    gone: list[str]
    counts: dict[str, int]
    params: dict[str, Any]

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class RingRow:
    scan_id: str
    seq: int
    ring_id: str
    kind: str
    score: float
    rank: int
    amount: float
    people: int
    first_seen: str | None
    last_seen: str | None
    status: str
    first_detected: str
    previous_ids: list[str]
    members: list[dict]
    evidence: list[str] = field(default_factory=list)


@dataclass
class CaseRow:
    ring_id: str
    status: str
    note: str
    author: str
    at: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def ensure_history(backend) -> None:
    ensure_tables(backend, TABLES)


def _s(value) -> str | None:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _i(value) -> int:
    return 0 if value is None or pd.isna(value) else int(value)


def scans(backend) -> list[ScanRow]:
    """Every recorded scan, oldest first."""
    frame = read_table(backend, SCANS)
    out = [ScanRow(r["scan_id"], _i(r["seq"]), _s(r["started"]) or "", _s(r["recorded"]) or "",
                   _s(r["backend"]) or "", _i(r["records"]), [_s(r["period_first"]) or "", _s(r["period_last"]) or ""],
                   _i(r["rings"]), _s(r["previous"]), json.loads(_s(r["gone"]) or "[]"),
                   json.loads(_s(r["counts"]) or "{}"), json.loads(_s(r["params"]) or "{}"))
           for r in frame.to_dict("records")]
    return sorted(out, key=lambda s: s.seq)


def _ring_rows(frame: pd.DataFrame) -> list[RingRow]:
    return [RingRow(r["scan_id"], _i(r["seq"]), r["ring_id"], _s(r["kind"]) or "", float(r["score"] or 0.0),
                    _i(r["rank"]), float(r["amount"] or 0.0), _i(r["people"]), _s(r["first_seen"]),
                    _s(r["last_seen"]), _s(r["status"]) or "", _s(r["first_detected"]) or "",
                    json.loads(_s(r["previous_ids"]) or "[]"),
                    [{"type": t, "id": i} for t, _, i in (k.partition("|") for k in json.loads(_s(r["members"]) or "[]"))],
                    json.loads(_s(r["evidence"]) or "[]"))
            for r in frame.to_dict("records")]


def scan_rings(backend, scan_id: str) -> list[RingRow]:
    """The rings of one recorded scan, by rank."""
    frame = read_table(backend, RINGS, "WHERE n.scan_id = $s", {"s": scan_id})
    return sorted(_ring_rows(frame), key=lambda r: (r.rank, r.ring_id))


def latest_rings(backend, up_to_seq: int, since_seq: int) -> list[RingRow]:
    """Each ring id as last recorded by the scans ``since_seq``..``up_to_seq`` (members only, no evidence)."""
    frame = read_table(backend, RINGS, "WHERE n.seq >= $a AND n.seq <= $b", {"a": since_seq, "b": up_to_seq})
    latest: dict[str, RingRow] = {}
    for row in _ring_rows(frame.drop(columns=["evidence"]).assign(evidence="[]") if len(frame) else frame):
        if row.ring_id not in latest or row.seq > latest[row.ring_id].seq:
            latest[row.ring_id] = row
    return sorted(latest.values(), key=lambda r: (-r.seq, r.rank, r.ring_id))


def ring_ids(backend) -> set[str]:
    """Every ring id any recorded scan used."""
    if not has_table(backend, RINGS):
        return set()
    frame = backend.query(f"MATCH (n:{RINGS.label}) RETURN DISTINCT n.ring_id AS id")
    return set(frame["id"]) if len(frame) else set()


def write_scan_record(backend, scan: ScanRow, rings: list[RingRow]) -> None:
    """Record a scan and its rings in one transaction."""
    ensure_history(backend)
    scan_row = {"scan_id": scan.scan_id, "seq": scan.seq, "started": scan.started, "recorded": scan.recorded,
                "backend": scan.backend, "records": scan.records, "period_first": scan.period[0] or None,
                "period_last": scan.period[1] or None, "rings": scan.rings, "previous": scan.previous,
                "gone": json.dumps(scan.gone), "counts": json.dumps(scan.counts),
                "params": json.dumps(scan.params, ensure_ascii=False, default=str)}
    ring_rows = [{"key": f"{scan.scan_id}/{r.ring_id}", "scan_id": scan.scan_id, "seq": scan.seq,
                  "ring_id": r.ring_id, "kind": r.kind, "score": float(r.score), "rank": int(r.rank),
                  "amount": float(r.amount), "people": int(r.people), "first_seen": r.first_seen,
                  "last_seen": r.last_seen, "status": r.status, "first_detected": r.first_detected,
                  "previous_ids": json.dumps(r.previous_ids),
                  "members": json.dumps([f"{m['type']}|{m['id']}" for m in r.members], ensure_ascii=False),
                  "evidence": json.dumps(r.evidence)} for r in rings]
    write_all(backend, [(SCANS.create_rows(), {"rows": [scan_row]}), (RINGS.create_rows(), {"rows": ring_rows})])


def cases(backend) -> list[CaseRow]:
    """Every case decision, oldest first."""
    frame = read_table(backend, CASES)
    rows = [CaseRow(r["ring_id"], r["status"], _s(r["note"]) or "", _s(r["author"]) or "", r["at"])
            for r in frame.to_dict("records")]
    return sorted(rows, key=lambda c: (c.at, c.ring_id))


def latest_cases(backend) -> dict[str, CaseRow]:
    """The current decision per ring id."""
    return {c.ring_id: c for c in cases(backend)}


def add_case(backend, ring_id: str, status: str, note: str, author: str, at: str | None = None) -> CaseRow:
    """Record a decision on a ring any recorded scan found."""
    if status not in CASE_STATUSES:
        raise HistoryError(f"case status `{status}` is unknown; use one of {', '.join(CASE_STATUSES)}")
    known = ring_ids(backend)
    if ring_id not in known:
        raise HistoryError(f"no recorded scan found ring {ring_id}; `ringscan history` lists the scans and "
                           "each scan's rings.json its ring ids")
    at = at or dt.datetime.now().astimezone().isoformat(timespec="microseconds")
    row = CaseRow(ring_id, status, note, author, at)
    ensure_history(backend)
    write_all(backend, [(CASES.create_rows(), {"rows": [{"key": f"{ring_id}/{at}", **row.as_dict()}]})])
    return row


def loaded_files(backend) -> dict[str, dict]:
    """Files loaded so far, by SHA-256."""
    frame = read_table(backend, FILES)
    return {r["sha256"]: {"name": r["name"], "size": _i(r["size"]), "rows": _i(r["rows"]),
                          "loaded_at": _s(r["loaded_at"])} for r in frame.to_dict("records")}


def add_files(backend, files: list[dict]) -> int:
    """Record loaded files (``sha256``, ``name``, ``size``, ``rows``); files known already are left as they are."""
    known = loaded_files(backend)
    at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    rows, seen = [], set(known)
    for f in files:
        if f["sha256"] in seen:
            continue
        seen.add(f["sha256"])
        rows.append({"sha256": f["sha256"], "name": f["name"], "size": int(f["size"]), "rows": int(f["rows"]),
                     "loaded_at": at})
    ensure_history(backend)
    write_all(backend, [(FILES.create_rows(), {"rows": rows})])
    return len(rows)
