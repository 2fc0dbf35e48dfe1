"""Load input files into a graph store, losing nothing.

For every run ``read = loaded + rejected + duplicates``: each row read is
either written (or completes a stored record), rejected with a reason into the
rejects file, or an identical copy of a row already read or already stored.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..graph.backend import GraphBackend, Progress
from ..graph.model import NODES, build_graph_frames
from .inputs import read_inputs
from .readers import LINE_COL
from .schema import TABLES, Mapping
from .validate import REJECT_COLUMNS, Reason, rejects_frame, row_hashes

__all__ = ["LoadReport", "load_files"]

# Order matters: fee details refer to settlements read in the same run.
_TABLE_ORDER = ("institutions", "persons", "settlements", "fee_details")


@dataclass
class LoadReport:
    read: int = 0
    loaded: int = 0
    rejected: int = 0
    duplicates: int = 0
    by_reason: Counter = field(default_factory=Counter)
    files: list[dict] = field(default_factory=list)
    written: dict[str, dict[str, int]] = field(default_factory=dict)
    rejects_path: str | None = None

    @property
    def reject_rate(self) -> float:
        return self.rejected / self.read if self.read else 0.0

    def as_dict(self) -> dict:
        return {"read": self.read, "loaded": self.loaded, "rejected": self.rejected,
                "duplicates": self.duplicates, "by_reason": dict(sorted(self.by_reason.items())),
                "files": self.files, "written": self.written, "rejects_file": self.rejects_path}


def _stored(backend: GraphBackend, label: str, columns: list[str]) -> pd.DataFrame:
    spec = NODES[label]
    returns = ", ".join(f"n.{c} AS {c}" for c in columns)
    return backend.query(f"MATCH (n:{label}) RETURN {returns}").set_index(spec.key) if columns else pd.DataFrame()


def _dedupe(table: str, good: pd.DataFrame, raw_by_file: dict[str, pd.DataFrame],
            stored_hashes: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Drop identical repeats; reject same-key rows with different content."""
    key = TABLES[table].key[0]
    content = [c for c in good.columns if c not in {"src_file", "src_line"}]
    good = good.assign(row_hash=row_hashes(good, content))
    first = ~good.duplicated(subset=[key], keep="first")
    same_as_first = good["row_hash"] == good[key].map(good.loc[first].set_index(key)["row_hash"])
    in_store = good[key].isin(stored_hashes.index)
    stored_hash = good[key].map(stored_hashes)
    # A stored row without a fingerprint (fee details) counts as the same row.
    stored_same = in_store & (stored_hash.isna() | (stored_hash == good["row_hash"]))
    conflict = (~first & ~same_as_first) | (in_store & ~stored_same)
    duplicate = ~conflict & (~first | stored_same)
    rejects = []
    for file, rows in good[conflict].groupby("src_file", sort=False):
        raw = raw_by_file[file]
        mask = raw[LINE_COL].isin(rows["src_line"])
        rejects.append(rejects_frame(raw, mask, file, table, key, Reason.CONFLICTING_DUPLICATE,
                                     f"`{key}` already read or stored with different content"))
    rejects_df = pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame(columns=REJECT_COLUMNS)
    return good[~conflict & ~duplicate].reset_index(drop=True), rejects_df, int(duplicate.sum())


def load_files(paths: list[Path], backend: GraphBackend, *, mapping: Mapping | None = None,
               rejects_path: Path | None = None, max_amount: float = 5_000_000.0,
               progress: Progress | None = None,
               ) -> LoadReport:
    """Read, validate and write ``paths`` into ``backend``; returns the accounting."""
    mapping = mapping or Mapping()
    batches = read_inputs(paths, mapping, max_amount=max_amount, progress=progress)
    report = LoadReport()
    all_rejects: list[pd.DataFrame] = []
    frames: dict[str, pd.DataFrame] = {}
    stored_settlements: pd.Index | None = None  # ids already in the store, read once
    for table in _TABLE_ORDER:
        mine = [b for b in batches if b.table == table]
        if not mine:
            continue
        for b in mine:
            report.read += len(b.raw)
            all_rejects.append(b.rejects)
        good = pd.concat([b.good for b in mine], ignore_index=True)
        stored = _stored_hashes(backend, table, good)
        if table == "settlements":
            stored_settlements = stored.index
        kept, conflicts, duplicates = _dedupe(table, good, {b.file: b.raw for b in mine}, stored)
        all_rejects.append(conflicts)
        report.duplicates += duplicates
        if table == "fee_details":
            if stored_settlements is None:
                stored_settlements = pd.Index(backend.query("MATCH (s:Settlement) RETURN s.setl_id AS k")["k"])
            known = set(frames.get("settlements", pd.DataFrame(columns=["setl_id"]))["setl_id"]) | set(stored_settlements)
            orphan = ~kept["setl_id"].isin(known)
            for file, rows in kept[orphan].groupby("src_file", sort=False):
                raw = next(b.raw for b in mine if b.file == file)
                all_rejects.append(rejects_frame(raw, raw[LINE_COL].isin(rows["src_line"]), file, table,
                                                 "setl_id", Reason.UNKNOWN_SETTLEMENT,
                                                 "fee detail refers to a settlement not loaded"))
            kept = kept[~orphan]
        frames[table] = kept
        for b in mine:
            report.files.append({"file": b.file, "table": table, "rows": len(b.raw), "rejected": len(b.rejects)})

    rejects = pd.concat(all_rejects, ignore_index=True) if all_rejects else pd.DataFrame(columns=REJECT_COLUMNS)
    report.rejected = len(rejects)
    report.by_reason = Counter(rejects["reason"])
    report.loaded = report.read - report.rejected - report.duplicates
    if rejects_path is not None:
        rejects_path.parent.mkdir(parents=True, exist_ok=True)
        rejects.to_csv(rejects_path, index=False, encoding="utf-8")
        report.rejects_path = str(rejects_path)

    known_places = {}
    for label in ("Institution", "Pharmacy"):
        for code in backend.query(f"MATCH (n:{label}) RETURN n.fixmedins_code AS k")["k"]:
            known_places[code] = label
    graph = build_graph_frames(frames, known_places)
    written = backend.write(graph, progress=progress)
    report.written = {"nodes": written.nodes, "relationships": written.rels}
    return report


def _stored_hashes(backend: GraphBackend, table: str, good: pd.DataFrame) -> pd.Series:
    """Content fingerprints of rows already stored, by key (NaN where not kept)."""
    if table == "settlements":
        stored = backend.query("MATCH (s:Settlement) RETURN s.setl_id AS k, s.row_hash AS h")
        return pd.Series(stored["h"].to_numpy(), index=stored["k"].to_numpy(), dtype=object)
    if table == "fee_details":
        stored = backend.query("MATCH ()-[r:INCLUDES]->() RETURN r.feedetl_sn AS k")
        return pd.Series(None, index=stored["k"].to_numpy(), dtype=object)
    # persons / institutions: a row is a duplicate only if the store already has
    # every value it carries; otherwise it is loaded and completes the stored record.
    labels = ["Patient"] if table == "persons" else ["Institution", "Pharmacy"]
    key = TABLES[table].key[0]
    content = [c for c in good.columns if c not in {"src_file", "src_line"}]
    hashes = []
    for label in labels:
        props = [c for c in content if c in NODES[label].properties]
        stored = _stored(backend, label, props)
        if stored.empty:
            continue
        incoming = good.drop_duplicates(key).set_index(key)
        common = incoming.index.intersection(stored.index)
        a = incoming.loc[common, [p for p in props if p != key]]
        b = stored.loc[common, [p for p in props if p != key]]
        same = (a.astype("string") == b.astype("string")).fillna(False)
        covered = (a.isna() | same).all(axis=1)
        fingerprint = row_hashes(good.drop_duplicates(key), content).to_numpy()
        fp = pd.Series(fingerprint, index=incoming.index)
        hashes.append(fp[covered[covered].index])
    if not hashes:
        return pd.Series(dtype=object)
    return pd.concat(hashes)
