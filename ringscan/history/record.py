"""Record a scan in the store: stable ids, statuses and lineage for its rings, then the history rows.

``record_scan`` runs after :func:`ringscan.scan.run_scan`, on a store opened
for writing (under the store's writer lock). It renames the scan's rings to
their stable ids, adds ``status``, ``first_detected``, ``previous_ids`` and,
where an analyst decided on the ring, ``case`` to each ring of ``rings.json``,
and ``scan_id``, ``previous_scan``, ``gone`` and ``lineage`` to its scan
section (added keys only; the contract stays). Neo4j users then find the
rings under their stable ids as ``(:Ring)-[:HAS_MEMBER]->(member)``.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from ..graph.writeback import write_back
from .lineage import Group, LineageParams, Succession, identity, link_rings
from .store import (
    CaseRow,
    RingRow,
    ScanRow,
    ensure_history,
    latest_cases,
    latest_rings,
    ring_ids,
    scans,
    write_scan_record,
)

__all__ = ["Recorded", "record_scan", "scan_time_id", "previous_groups"]

# Parts of a scan's meta kept in the history (the rest is timing).
_PARAM_KEYS = ("rules", "params", "communities", "min_score", "suspicion", "ring", "evidence", "schedule")


@dataclass
class Recorded:
    scan: ScanRow
    successions: dict[str, Succession]  # stable ring id → its lineage
    cases: dict[str, CaseRow]           # stable ring id → the current decision


def scan_time_id(when: dt.datetime) -> str:
    """A scan's id and folder name: its local start time, e.g. ``2026-11-24T030000``."""
    return when.astimezone().strftime("%Y-%m-%dT%H%M%S")


def previous_groups(backend, last: ScanRow | None, params: LineageParams) -> list[Group]:
    """The rings a new scan is compared with: ``last``'s, and the dormant ones before it."""
    if last is None:
        return []
    since = max(0, last.seq - params.dormant_scans)
    return [Group(r.ring_id, identity(r.members), r.first_detected, last.seq - r.seq)
            for r in latest_rings(backend, last.seq, since)]


def record_scan(backend, result, params: LineageParams = LineageParams(), *, scan_id: str | None = None,
                now: dt.datetime | None = None) -> Recorded:
    """Give ``result``'s rings their stable ids and lineage, and record the scan in ``backend``."""
    ensure_history(backend)
    now = now or dt.datetime.now().astimezone()
    past = scans(backend)
    last = past[-1] if past else None
    current = [Group(r.id, identity(r.members)) for r in result.rings]
    successions, gone = link_rings(previous_groups(backend, last, params), current, params,
                                   frozenset(ring_ids(backend)))
    today = now.astimezone().date().isoformat()
    decided = latest_cases(backend)
    by_id: dict[str, Succession] = {}
    for ring, succession in zip(result.rings, successions):
        ring.id = succession.id
        by_id[ring.id] = succession
        keys: dict[str, Any] = {"status": succession.status,
                                "first_detected": succession.first_detected or today,
                                "previous_ids": succession.previous_ids}
        if ring.id in decided:
            keys["case"] = {k: v for k, v in decided[ring.id].as_dict().items() if k != "ring_id"}
        result.ring_keys[ring.id] = keys
    taken = {s.scan_id for s in past}
    base = scan_id or scan_time_id(now)
    scan_id, n = base, 1
    while scan_id in taken:
        n += 1
        scan_id = f"{base}-{n}"
    counts = Counter(s.status for s in successions)
    meta = result.meta
    row = ScanRow(scan_id, (last.seq + 1) if last else 1, meta.get("started", ""), now.isoformat(timespec="seconds"),
                  meta.get("backend", ""), int(meta.get("records", 0)), list(meta.get("period") or ["", ""]),
                  len(result.rings), last.scan_id if last else None, gone,
                  {**{s: counts.get(s, 0) for s in ("new", "unchanged", "grown", "shrunk", "merged", "split")},
                   "gone": len(gone)},
                  {k: meta[k] for k in _PARAM_KEYS if k in meta})
    rings = [RingRow(scan_id, row.seq, r.id, r.kind, r.score, r.rank, r.amount,
                     sum(m["type"] == "Patient" for m in r.members), r.first_seen, r.last_seen,
                     by_id[r.id].status, result.ring_keys[r.id]["first_detected"], by_id[r.id].previous_ids,
                     r.members, list(r.evidence)) for r in result.rings]
    write_scan_record(backend, row, rings)
    meta.update({"scan_id": scan_id, "previous_scan": row.previous, "gone": gone,
                 "lineage": {**asdict(params), "identity": "people and cards (Patient, Card members)"}})
    if write_back(backend, result.rings, meta.get("started", "")):
        meta["written_back"] = True
    return Recorded(row, by_id, {k: v for k, v in decided.items() if k in by_id})
