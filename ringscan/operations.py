"""What each command does to a store, under the store's lock: one library call per command.

    load     writer lock: read the files, write them, remember their content hashes
    scan     reader lock: run the rules and find rings; then writer lock: give the
             rings their stable ids, record the scan; then write the folder and changes
    history  reader lock: the recorded scans
    diff     reader lock: what changed between two recorded scans
    case     writer lock: record a decision on a ring (reader lock to list them)

The CLI renders what these return; ``ringscan nightly`` (:mod:`ringscan.nightly`)
strings load and scan together under one writer lock. Locks: :mod:`ringscan.graph.lock`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .config import Settings
from .graph.backend import Progress, open_backend
from .graph.lock import store_lock
from .history.changes import Changes, diff_scans, store_pseudonymiser, write_changes
from .history.lineage import LineageParams
from .history.record import Recorded, record_scan
from .history.store import CaseRow, RingRow, ScanRow, add_case, add_files, cases, latest_rings, scans

__all__ = ["ScanRun", "load", "scan", "history", "diff", "case", "case_list", "file_hash", "record_loaded_files",
           "read_store"]

Notify = Callable[[str], None]


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes: how a file already loaded is recognised under any name."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_loaded_files(store, paths: list[Path], report) -> int:
    """Remember ``paths`` as loaded (hash, name, size, rows read), after a load that completed."""
    rows: dict[str, int] = {}
    for entry in report.files:
        rows[str(entry["file"])] = rows.get(str(entry["file"]), 0) + int(entry.get("rows", 0))
    return add_files(store, [{"sha256": file_hash(Path(p)), "name": Path(p).name, "size": Path(p).stat().st_size,
                              "rows": rows.get(str(p), 0)} for p in paths if Path(p).is_file()])


def load(settings: Settings, paths: list[Path], *, mapping=None, rejects_path: Path | None = None,
         progress: Progress | None = None, notify: Notify | None = None):
    """Load ``paths`` into the store as its one writer; returns the load's :class:`LoadReport`."""
    from .ingest.load import load_files

    with store_lock(settings, writer=True, notify=notify):
        store = open_backend(settings)
        try:
            report = load_files(paths, store, mapping=mapping, rejects_path=rejects_path,
                                max_amount=settings.max_settlement_amount,
                                slice_rows=settings.slice_rows, progress=progress)
            record_loaded_files(store, paths, report)
        finally:
            store.close()
    return report


@dataclass
class ScanRun:
    result: Any          # the ScanResult, rings under their stable ids
    rings_json: Path
    recorded: Recorded
    changes: Changes
    change_files: list[Path]


def scan(settings: Settings, catalogue: list, out_dir: Path, *, overrides: dict | None = None,
         min_score: float = 0.0, alert_score: float = 0.0, lineage: LineageParams = LineageParams(),
         progress: Progress | None = None, notify: Notify | None = None, scan_id: str | None = None,
         store=None) -> ScanRun:
    """Scan the store, record the scan in its history and write the scan folder (rings.json, CSVs, changes).

    ``store``: a store this process already holds for writing (nightly); by default
    the store is read under a reader lock and written under a writer lock.
    """
    from .scan import run_scan, write_scan

    def find(backend):
        return run_scan(backend, catalogue, overrides=overrides, seed=settings.seed, method=settings.communities,
                        min_score=min_score, progress=progress)

    def record(backend, result):
        recorded = record_scan(backend, result, lineage, scan_id=scan_id)
        changes = diff_scans(backend, recorded.scan.previous, recorded.scan.scan_id, lineage)
        return recorded, changes, store_pseudonymiser(backend)

    if store is not None:
        result = find(store)
        recorded, changes, pseudo = record(store, result)
    else:
        with store_lock(settings, writer=False, notify=notify):
            backend = open_backend(settings, read_only=True)
            try:
                result = find(backend)
            finally:
                backend.close()
        with store_lock(settings, writer=True, notify=notify):
            backend = open_backend(settings)
            try:
                recorded, changes, pseudo = record(backend, result)
            finally:
                backend.close()
    path = write_scan(result, out_dir)
    files = write_changes(changes, Path(out_dir), pseudo=pseudo, lang=settings.lang, alert_score=alert_score)
    return ScanRun(result, path, recorded, changes, files)


def read_store(settings: Settings, fn: Callable, *args, notify: Notify | None = None, **kwargs):
    """``fn(store, *args, **kwargs)`` on the store opened read-only, under a reader lock."""
    with store_lock(settings, writer=False, notify=notify):
        store = open_backend(settings, read_only=True)
        try:
            return fn(store, *args, **kwargs)
        finally:
            store.close()


def _write_store(settings: Settings, fn: Callable, *args, notify: Notify | None = None, **kwargs):
    with store_lock(settings, writer=True, notify=notify):
        store = open_backend(settings)
        try:
            return fn(store, *args, **kwargs)
        finally:
            store.close()


def history(settings: Settings, *, notify: Notify | None = None) -> list[ScanRow]:
    """Every recorded scan, oldest first."""
    return read_store(settings, scans, notify=notify)


def diff(settings: Settings, scan_a: str | None = None, scan_b: str | None = None, *, out_dir: Path | None = None,
         alert_score: float = 0.0, notify: Notify | None = None) -> tuple[Changes, list[Path]]:
    """What changed from ``scan_a`` to ``scan_b`` (default: the last two scans); written to ``out_dir`` if given."""
    def run(store):
        return diff_scans(store, scan_a, scan_b), store_pseudonymiser(store)

    changes, pseudo = read_store(settings, run, notify=notify)
    files = write_changes(changes, out_dir, pseudo=pseudo, lang=settings.lang, alert_score=alert_score) \
        if out_dir is not None else []
    return changes, files


def case(settings: Settings, ring_id: str, status: str, note: str = "", author: str = "", *,
         notify: Notify | None = None) -> CaseRow:
    """Record a decision on ring ``ring_id``."""
    return _write_store(settings, add_case, ring_id, status, note, author, notify=notify)


def case_list(settings: Settings, *, notify: Notify | None = None) -> list[tuple[CaseRow, RingRow | None]]:
    """The current decision per ring, with the ring as last recorded (None if no scan kept it)."""
    def run(store):
        current = {c.ring_id: c for c in cases(store)}
        all_scans = scans(store)
        last = {r.ring_id: r for r in latest_rings(store, all_scans[-1].seq, 0)} if all_scans else {}
        return [(c, last.get(c.ring_id)) for c in sorted(current.values(), key=lambda c: c.at, reverse=True)]

    return read_store(settings, run, notify=notify)
