"""Embedded graph store: LadybugDB (the maintained fork of Kùzu), on disk, in-process.

New nodes and relationships are bulk-copied from Arrow tables (COPY is the
fast path, ~1M rows/s); rows whose key is already stored are filtered out
first, so loading the same file twice changes nothing. Nodes that gain
properties later (a person first seen in settlements, then in persons.csv)
are completed with ``coalesce`` updates, never overwritten.
"""
from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from .backend import BackendError, Progress, WriteResult
from .model import NODES, RELS, GraphFrames

__all__ = ["EmbeddedBackend", "schema_statements"]

_ARROW = {"STRING": pa.string(), "INT64": pa.int64(), "DOUBLE": pa.float64()}
# Labels whose nodes can be completed by later files (not settlements).
_COMPLETABLE = ("Patient", "Card", "Doctor", "Institution", "Pharmacy", "Drug")
_UPDATE_BATCH = 20_000
# Rule queries run this many at once: the engine parallelises one query only in part,
# so two at a time keep both cores of a small machine busy.
READ_THREADS = min(2, os.cpu_count() or 1)


def schema_statements() -> list[str]:
    out = []
    for node in NODES.values():
        props = ", ".join(f"{name} {kind}" for name, kind in node.properties.items())
        out.append(f"CREATE NODE TABLE IF NOT EXISTS {node.label}({props}, PRIMARY KEY({node.key}))")
    for rel in RELS.values():
        pairs = ", ".join(f"FROM {a} TO {b}" for a, b in rel.pairs)
        props = "".join(f", {name} {kind}" for name, kind in rel.properties.items())
        out.append(f"CREATE REL TABLE IF NOT EXISTS `{rel.type}`({pairs}{props})")
    return out


def _arrow(frame: pd.DataFrame, types: dict[str, str]) -> pa.Table:
    arrays = []
    for column, kind in types.items():
        values = frame[column] if column in frame else pd.Series(None, index=frame.index)
        if kind == "STRING":
            values = values.astype("string")
        elif kind == "INT64":
            values = pd.to_numeric(values, errors="coerce").astype("Int64")
        else:
            values = pd.to_numeric(values, errors="coerce").astype("float64")
        arrays.append(pa.array(values, type=_ARROW[kind], from_pandas=True))
    return pa.Table.from_arrays(arrays, names=list(types))


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, path: Path | str, *, read_only: bool = False):
        import ladybug

        self.path = Path(path)
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise BackendError(f"no graph database at {self.path}; load data first with `ringscan load FILES --db {self.path}`")
        try:
            self._db = ladybug.Database(str(self.path), read_only=read_only)
            self._conn = ladybug.Connection(self._db)
        except RuntimeError as exc:
            raise BackendError(f"cannot open the graph database at {self.path}: {exc}") from exc
        if not read_only:
            for statement in schema_statements():
                self._conn.execute(statement)

    # -- queries -------------------------------------------------------------
    def query(self, cypher: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        try:
            result = self._conn.execute(cypher, params or {})
        except RuntimeError as exc:
            raise BackendError(f"query failed on the embedded store: {exc}") from exc
        frame = result.get_as_df()
        result.close()
        return frame

    def query_many(self, statements: list[tuple[str, dict[str, Any]]]) -> list[pd.DataFrame]:
        """Read-only statements on ``READ_THREADS`` connections at once (the engine releases the GIL).

        Each frame's ``attrs["seconds"]`` is its query's wall time.
        """
        import ladybug

        local = threading.local()

        def run(item: tuple[str, dict[str, Any]]) -> pd.DataFrame:
            if not hasattr(local, "conn"):
                local.conn = ladybug.Connection(self._db)
            started = time.perf_counter()
            try:
                result = local.conn.execute(item[0], item[1] or {})
            except RuntimeError as exc:
                raise BackendError(f"query failed on the embedded store: {exc}") from exc
            frame = result.get_as_df()
            result.close()
            frame.attrs["seconds"] = time.perf_counter() - started
            return frame

        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            return list(pool.map(run, statements))

    def close(self) -> None:
        if not self.read_only:  # fold the write-ahead log into the database file now
            self._conn.execute("CHECKPOINT")
        self._conn.close()
        self._db.close()

    def __enter__(self) -> "EmbeddedBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes --------------------------------------------------------------
    def _keys(self, label: str) -> pd.Index:
        key = NODES[label].key
        frame = self.query(f"MATCH (n:{label}) RETURN n.{key} AS k")
        return pd.Index(frame["k"])

    def _pairs(self, rel: str, src: str, dst: str) -> pd.MultiIndex:
        a, b = NODES[src].key, NODES[dst].key
        frame = self.query(f"MATCH (x:{src})-[:`{rel}`]->(y:{dst}) RETURN x.{a} AS f, y.{b} AS t")
        return pd.MultiIndex.from_frame(frame) if len(frame) else pd.MultiIndex.from_arrays([[], []])

    def write(self, frames: GraphFrames, progress: Progress | None = None) -> WriteResult:
        result = WriteResult()
        steps = len(frames.nodes) + len(frames.rels)
        done = 0
        new_settlements: pd.Index = pd.Index([])
        for label, frame in frames.nodes.items():
            spec = NODES[label]
            existing = self._keys(label)
            is_new = ~frame[spec.key].isin(existing)
            fresh = frame[is_new]
            if len(fresh):
                # COPY ... FROM <name> scans the Python variable of that name.
                arrow_rows = _arrow(fresh, spec.properties)  # noqa: F841
                self._conn.execute(f"COPY {label} FROM arrow_rows")
            if label == "Settlement":
                new_settlements = pd.Index(fresh[spec.key])
            if label in _COMPLETABLE:
                result.updated[label] = self._complete(label, frame[~is_new])
            result.nodes[label] = len(fresh)
            done += 1
            if progress:
                progress("write", done, steps)
        for (rel, src, dst), frame in frames.rels.items():
            if src == "Settlement" and rel != "INCLUDES":
                fresh = frame[frame["from"].isin(new_settlements)]
            elif rel == "INCLUDES":
                stored = self.query("MATCH ()-[r:INCLUDES]->() RETURN r.feedetl_sn AS sn")["sn"]
                fresh = frame[~frame["feedetl_sn"].isin(stored)]
            else:
                pairs = pd.MultiIndex.from_frame(frame[["from", "to"]])
                fresh = frame[~pairs.isin(self._pairs(rel, src, dst))]
            if len(fresh):
                types = {"from": "STRING", "to": "STRING", **RELS[rel].properties}
                arrow_rows = _arrow(fresh, types)  # noqa: F841
                self._conn.execute(f"COPY `{rel}` FROM arrow_rows (from='{src}', to='{dst}')")
            result.rels[rel] = result.rels.get(rel, 0) + len(fresh)
            done += 1
            if progress:
                progress("write", done, steps)
        return result

    def _complete(self, label: str, frame: pd.DataFrame) -> int:
        """Fill properties still empty on stored nodes from newly read rows."""
        spec = NODES[label]
        # Only properties that carry a value: an all-empty column has no type to bind.
        props = [p for p in spec.properties if p != spec.key and p in frame and frame[p].notna().any()]
        frame = frame.dropna(subset=props, how="all") if props else frame.iloc[0:0]
        if frame.empty:
            return 0
        sets = ", ".join(f"n.{p} = coalesce(n.{p}, r.{p})" for p in props)
        statement = f"UNWIND $rows AS r MATCH (n:{label} {{{spec.key}: r.{spec.key}}}) SET {sets}"
        table = _arrow(frame, {p: spec.properties[p] for p in [spec.key, *props]})
        for start in range(0, len(frame), _UPDATE_BATCH):
            rows = table.slice(start, _UPDATE_BATCH).to_pylist()
            self._conn.execute(statement, {"rows": rows})
        return len(frame)
