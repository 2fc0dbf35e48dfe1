"""Load input files into a graph store, losing nothing.

For every run ``read = loaded + rejected + duplicates``: each row read is
either written (or completes a stored record), rejected with a reason into the
rejects file, or an identical copy of a row already read or already stored.
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Settings
from ..graph.backend import GraphBackend, Progress, WriteResult
from ..graph.journal import begin_load, finish_load, resumes
from ..graph.model import NODES, STORED_FEE_LINES, GraphFrames, build_graph_frames
from ..graph.typed import is_in, joined, same_values, typed
from ..heap import give_back
from .inputs import COLUMN_THREADS, Batch, inspect_inputs, read_file_slices, read_inputs, resolve_inputs
from .readers import LINE_COL, sliceable_rows
from .rejects import append_rejects, new_load_id
from .schema import TABLES, Mapping
from .validate import REJECT_COLUMNS, Reason, rejects_frame, row_hashes

__all__ = ["LoadReport", "load_files", "stage_files"]

# Order matters: fee details refer to settlements read in the same run.
_SOURCE_COLUMNS = {"src_file", "src_line"}  # where a row came from, not what it says
_TABLE_ORDER = ("institutions", "persons", "settlements", "fee_details")
SLICE_ROWS = Settings.slice_rows  # why this many: config.py
# A file of up to this many slices is read whole: whole is faster, and a file of two default
# slices (2M rows) fits in about 4 GB (config.py, slice_rows).
WHOLE_UP_TO_SLICES = 2
# A plain CSV file is measured for slicing (a pass of the parser) only from this size per row
# sliced: a settlement or fee line takes at least 32 bytes (ids, amounts and separators; the
# 10M district's fee lines average 115), so a smaller file cannot hold more rows than a slice.
_BYTES_PER_ROW_AT_LEAST = 32


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
    # Wall time per stage: read, dedupe, graph, write; and staged_during_write, the fee details'
    # read, dedupe and graph, which ran while the engine copied the other tables (in write's time).
    seconds: dict[str, float] = field(default_factory=dict)
    load_id: str = ""  # in the store's load journal and on this load's rejects
    resumed: bool = False  # an earlier load had not finished: stored rows were written again

    def absorb(self, other: "LoadReport", *, during_write: bool = False) -> None:
        """Add the accounting of files staged apart (``during_write``: while the engine copied)."""
        self.read += other.read
        self.loaded += other.loaded
        self.rejected += other.rejected
        self.duplicates += other.duplicates
        self.by_reason += other.by_reason
        self.files += other.files
        if during_write:  # not on the load's critical path: kept apart from its stages
            self.seconds["staged_during_write"] = sum(other.seconds.values())
        else:
            for stage, seconds in other.seconds.items():
                self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    @property
    def reject_rate(self) -> float:
        return self.rejected / self.read if self.read else 0.0

    def as_dict(self) -> dict:
        return {"read": self.read, "loaded": self.loaded, "rejected": self.rejected,
                "duplicates": self.duplicates, "by_reason": dict(sorted(self.by_reason.items())),
                "files": self.files, "written": self.written, "rejects_file": self.rejects_path,
                "load_id": self.load_id, "resumed": self.resumed}


def _stored_rows(backend: GraphBackend, label: str, keys: pd.Series, props: list[str]) -> tuple[pa.Table, np.ndarray]:
    """Stored values of ``props`` for ``keys`` (each stored), in the order of ``keys``.

    One key lookup per row (UNWIND): the rows to compare are the few that are
    stored already, never the whole table.
    """
    spec = NODES[label]
    returns = ", ".join(f"n.{p} AS {p}" for p in props)
    found = backend.query(f"UNWIND $keys AS k MATCH (n:{label} {{{spec.key}: k}}) RETURN n.{spec.key} AS __key, {returns}",
                          {"keys": keys.astype(str).tolist()})
    hit = is_in(keys, found["__key"])
    found = found.drop_duplicates("__key").set_index("__key").reindex(keys.astype(str).to_numpy())
    return typed(found, {p: spec.properties[p] for p in props}), hit


def _stored_same(backend: GraphBackend, table: str, rows: pd.DataFrame) -> np.ndarray:
    """For rows whose key is stored: does the store already hold every value they carry?

    Settlements must match exactly (otherwise the id is in conflict); a person or
    place row that only adds values the store lacks is loaded to complete the record.
    Fee details are kept as relationship properties and count as the same row.
    """
    if table == "fee_details" or rows.empty:
        return np.ones(len(rows), dtype=bool)
    key = TABLES[table].key[0]
    labels = ["Settlement"] if table == "settlements" else ["Patient"] if table == "persons" else ["Institution", "Pharmacy"]
    same = np.zeros(len(rows), dtype=bool)
    for label in labels:
        spec = NODES[label]
        props = [c for c in spec.properties if c in rows.columns and c not in _SOURCE_COLUMNS and c != spec.key]
        stored, here = _stored_rows(backend, label, rows[key], props)
        incoming = typed(rows, {c: spec.properties[c] for c in props})
        if table == "settlements":
            same |= here & same_values(incoming, stored)
        else:  # covered: every value given is the stored one (empty cells say nothing)
            covered = np.ones(len(rows), dtype=bool)
            for c in props:
                given = np.asarray(pc.is_valid(incoming[c]))
                covered &= ~given | same_values(incoming.select([c]), stored.select([c]))
            same |= covered & here
    return same


def _repeats(keys: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Whether each key occurs more than once, and whether each row is its key's first: one
    factorisation for both (two ``duplicated`` calls cost 0.13 s per million rows each)."""
    codes, uniques = pd.factorize(keys)  # a missing key is -1: one group of its own, as pandas counts it
    codes = np.where(codes < 0, len(uniques), codes)
    repeated = np.bincount(codes)[codes] > 1
    first = np.zeros(len(codes), dtype=bool)
    first[np.unique(codes, return_index=True)[1]] = True
    return repeated, first


def _dedupe(table: str, good: pd.DataFrame, raw_by_file: dict[str, pd.DataFrame],
            backend: GraphBackend, stored_keys: pa.ChunkedArray | None, *,
            rewrite_stored: bool = False, within: str | None = None,
            maybe_stored: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Drop identical repeats; reject same-key rows with different content.

    Only rows whose key repeats in this load, or is already stored, are compared
    (usually none): a fresh month costs a set lookup, not a hash of every row.
    ``rewrite_stored`` keeps rows stored identically (a resumed load writes them again).
    ``within``: the key is unique within this column's values only (a fee line's number within its
    settlement); a row is then known by the two joined (``PAIR_SEP``), spelt out only for the rows compared.
    ``maybe_stored``: the rows that can be stored at all (the others are not looked up).
    """
    key = TABLES[table].key[0]
    content = [c for c in good.columns if c not in _SOURCE_COLUMNS]
    repeated, first = _repeats(good[key])
    if within is not None and repeated.any():  # the same number under two settlements is two lines
        again = np.flatnonzero(repeated)
        repeated[again], first[again] = _repeats(_pair_keys(good.iloc[again], within, key))
    conflict = np.zeros(len(good), dtype=bool)
    duplicate = np.zeros(len(good), dtype=bool)
    if repeated.any():
        sub = good[repeated]
        hashes = row_hashes(sub, content)
        ids = sub[key] if within is None else _pair_keys(sub, within, key)
        first_hash = ids.map(hashes[first[repeated]].set_axis(ids[first[repeated]]))
        same_as_first = (hashes == first_hash).to_numpy()
        conflict[repeated] = ~first[repeated] & ~same_as_first
        duplicate[repeated] = ~first[repeated] & same_as_first
    if stored_keys is not None:
        in_store = np.zeros(len(good), dtype=bool)
        rows = np.flatnonzero(maybe_stored) if maybe_stored is not None else np.arange(len(good))
        sub = good.iloc[rows]
        in_store[rows] = is_in(sub[key] if within is None else _pair_keys(sub, within, key), stored_keys)
        if in_store.any():
            same = _stored_same(backend, table, good[in_store])
            if table == "settlements":  # a settlement id means one settlement
                conflict[in_store] |= ~same
            duplicate[in_store] = same & ~conflict[in_store] & (not rewrite_stored)
    rejects = []
    for file, rows in good[conflict].groupby("src_file", sort=False):
        raw = raw_by_file[file]
        mask = raw[LINE_COL].isin(rows["src_line"])
        rejects.append(rejects_frame(raw, mask, file, table, key, Reason.CONFLICTING_DUPLICATE,
                                     f"`{key}` already read or stored with different content"))
    rejects_df = pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame(columns=REJECT_COLUMNS)
    return good[~conflict & ~duplicate].reset_index(drop=True), rejects_df, int(duplicate.sum())


# Where the keys of people and places are stored: read whole, as there are only as many
# as the population. Settlements and fee lines grow with every month: a load looks up its own.
_KEY_QUERIES = {
    "persons": ["MATCH (n:Patient) RETURN n.psn_no AS k"],
    "institutions": ["MATCH (n:Institution) RETURN n.fixmedins_code AS k",
                     "MATCH (n:Pharmacy) RETURN n.fixmedins_code AS k"],
}
_STORED_SETTLEMENTS = "MATCH (n:Settlement {setl_id: key}) RETURN n.setl_id AS k"


def _pair_keys(rows: pd.DataFrame, within: str, key: str) -> pd.Series:
    return joined(rows[within], rows[key])


def _lookup(backend: GraphBackend, cypher: str, keys: pd.Series) -> pa.ChunkedArray:
    """What the store holds of ``keys`` (each looked up once)."""
    return backend.lookup(cypher, pa.array(pd.unique(keys.dropna().astype(str)), type=pa.string()))


def _stored_keys(backend: GraphBackend, table: str) -> pa.ChunkedArray | None:
    """Keys of ``table`` already stored, None when none are (a fresh store compares nothing)."""
    chunks = []
    for query in _KEY_QUERIES[table]:
        counted = query.replace(query[query.index("RETURN"):], "RETURN count(n) AS n")
        if int(backend.query(counted)["n"].iloc[0]):
            chunks.extend(backend.column(query).chunks)
    return pa.chunked_array(chunks, type=pa.string()) if chunks else None
def load_files(paths: list[Path], backend: GraphBackend, *, mapping: Mapping | None = None,
               rejects_path: Path | None = None, max_amount: float = 5_000_000.0,
               progress: Progress | None = None, slice_rows: int = SLICE_ROWS,
               ) -> LoadReport:
    """Read, validate and write ``paths`` into ``backend``; returns the accounting.

    The load is journalled in the store (graph/journal.py): if an earlier load
    never finished, this one resumes, writing rows already stored again so
    that what the killed load left out is filled in.

    ``slice_rows``: a settlement or fee-detail file holding more than ``WHOLE_UP_TO_SLICES``
    times this many rows is read and written this many rows at a time (see ``_load_in_slices``);
    0 reads every file whole.
    """
    mapping = mapping or Mapping()
    resolved = resolve_inputs(paths)[0]
    files = [str(f.resolve()) for f in resolved]
    plans = inspect_inputs(resolved, mapping)  # every file's header checked before anything is read
    sliced = _sliced_files(resolved, plans, slice_rows)
    if sliced:
        return _load_in_slices(resolved, [p.table for p in plans], sliced, backend, mapping=mapping,
                               rejects_path=rejects_path, max_amount=max_amount, rows=slice_rows,
                               progress=progress)
    first = [f for f, plan in zip(resolved, plans, strict=True) if plan.table != "fee_details"]
    fees = [f for f, plan in zip(resolved, plans, strict=True) if plan.table == "fee_details"]
    resume = resumes(backend, files)
    stored: dict[str, pa.ChunkedArray | None] = {}  # the store's keys, read once for both stages
    stage = partial(stage_files, backend=backend, mapping=mapping, max_amount=max_amount, progress=progress,
                    resume=resume, stored_keys=stored, checked=True)
    report, rejects, graph = stage(first or fees)
    give_back()  # what reading and staging freed (330 MB of the 470k district's first files)
    ids = graph.nodes["Settlement"]["setl_id"] if "Settlement" in graph.nodes else None
    overlap = bool(first and fees) and graph.rows() > backend.transaction_rows
    if first and fees and not overlap:  # one write: a second commit on a non-empty store costs its checkpoint
        fee_report, fee_rejects, fee_graph = stage(fees, settlements=ids)
        report.absorb(fee_report)
        rejects = pd.concat([rejects, fee_rejects], ignore_index=True)
        graph.update(fee_graph)
    if not overlap:
        stored.clear()  # the stored keys were for staging: let them go before the write
    report.load_id = new_load_id()
    report.resumed = resume
    begin_load(backend, report.load_id, files)
    started = time.perf_counter()
    # Stopped part-way, a write leaves the journal row unfinished and the next load resumes.
    if overlap:
        # A big load's fee details are read and checked while the engine copies the rest: the
        # copy runs in the engine's own threads, so the staging's Python work takes the other core.
        with ThreadPoolExecutor(max_workers=1) as writer:
            copying = writer.submit(backend.write, graph, progress)
            fee_report, fee_rejects, fee_graph = stage(fees, settlements=ids, threads=1)
            stored.clear()
            give_back()  # what staging the fee details freed, while the engine still copies
            written = copying.result()
        report.absorb(fee_report, during_write=True)
        rejects = pd.concat([rejects, fee_rejects], ignore_index=True)
        written.add(backend.write(fee_graph, progress=progress))
    else:
        written = backend.write(graph, progress=progress)
    report.seconds["write"] = time.perf_counter() - started
    report.written = {"nodes": written.nodes, "relationships": written.rels}
    # After the store committed: a load killed before this point is rerun whole and
    # finds the same rejects again, so none is lost and none is written twice.
    if rejects_path is not None:
        report.rejects_path = str(append_rejects(rejects_path, rejects, report.load_id))
    finish_load(backend, report.load_id, files)
    return report


def _sliced_files(files: list[Path], plans: list, rows: int) -> dict[Path, int]:
    """The settlement and fee-detail files to read a slice of ``rows`` rows at a time: those
    holding more than ``WHOLE_UP_TO_SLICES`` slices' rows which ``readers.sliceable_rows`` can
    read so (plain CSV, a line a row)."""
    if rows <= 0:
        return {}
    sliced = {}
    most = rows * WHOLE_UP_TO_SLICES
    for path, plan in zip(files, plans, strict=True):
        if plan.table in ("settlements", "fee_details") and path.stat().st_size > most * _BYTES_PER_ROW_AT_LEAST:
            count = sliceable_rows(path)
            if count is not None and count > most:
                sliced[path] = count
    give_back()  # counting passed the files through Arrow's parser: 170 MB kept at 470k settlements
    return sliced


def _even_slice(count: int, rows: int) -> int:
    """Rows per slice of a file of ``count`` rows read about ``rows`` at a time: as many slices as
    ``rows`` makes to the nearest whole, all of a size (at most 1.25 times ``rows`` for a file of
    over two slices). A slice's write costs seconds whatever its size, more as the store grows: the
    10M district's last 13,333 settlements, a slice of their own, took 8.9-9.4 s to write."""
    return -(-count // max(1, round(count / rows)))


def _load_in_slices(files: list[Path], tables: list[str], sliced: dict[Path, int], backend: GraphBackend, *,
                    mapping: Mapping, rejects_path: Path | None, max_amount: float, rows: int,
                    progress: Progress | None) -> LoadReport:
    """A load too big to hold at once, written in parts, each checked and written while the next is
    read: memory holds a part and the next, not the load.

    Parts go in the order rows refer to each other: people, places and the settlements read whole;
    then each big settlement file a slice at a time; then fee details, whole files and slices.
    Each part is staged against the store as it stands, so a part's rows are checked against
    everything written before it (a repeat across slices is a duplicate or a conflict there) and
    a fee line finds its settlement in the store. Each part's write commits; the load is one
    journal entry, finished after the last part, so a load stopped part-way is resumed whole by
    the next (graph/journal.py), and the rejects are appended once, after the last write.
    """
    names = [str(f.resolve()) for f in files]
    resume = resumes(backend, names)
    whole_first = [f for f, t in zip(files, tables, strict=True) if f not in sliced and t != "fee_details"]
    whole_fees = [f for f, t in zip(files, tables, strict=True) if f not in sliced and t == "fee_details"]
    sliced_first = [f for f, t in zip(files, tables, strict=True) if f in sliced and t != "fee_details"]
    sliced_fees = [f for f, t in zip(files, tables, strict=True) if f in sliced and t == "fee_details"]
    size = {path: _even_slice(n, rows) for path, n in sliced.items()}  # rows per slice of each sliced file

    def parts(threads: int) -> Iterator[list[Batch]]:
        read = partial(read_inputs, mapping=mapping, max_amount=max_amount, checked=True, threads=threads)
        def slices(path: Path) -> Iterator[Batch]:
            return read_file_slices(path, mapping, rows=size[path], max_amount=max_amount, threads=threads)
        if whole_first:
            yield read(whole_first)
        for path in sliced_first:
            yield from ([batch] for batch in slices(path))
        if whole_fees:
            yield read(whole_fees)
        for path in sliced_fees:
            yield from ([batch] for batch in slices(path))

    report = LoadReport(load_id=new_load_id(), resumed=resume)
    rejects: list[pd.DataFrame] = []
    written = WriteResult()
    begin_load(backend, report.load_id, names)
    # The next part is read while this one is checked and written: the engine copies in threads
    # of its own, so the reading's Python work has the other core (one thread for its columns).
    with ThreadPoolExecutor(max_workers=1) as reader:
        upcoming = parts(threads=1)
        following = reader.submit(next, upcoming, None)
        done = 0
        total = sum(-(-n // size[path]) for path, n in sliced.items()) + bool(whole_first) + bool(whole_fees)
        while (batches := following.result()) is not None:
            following = reader.submit(next, upcoming, None)
            part, part_rejects, graph = _stage_batches(batches, backend, resume=resume, stored_keys={})
            del batches
            give_back()  # the part as read: freed, but held by the C heap unless handed back
            started = time.perf_counter()
            wrote = backend.write(graph)
            part.seconds["write"] = time.perf_counter() - started
            del graph
            backend.hand_back()  # what the engine's copies grew (7.4 GiB by the end of a 10M load)
            give_back()  # the staged rows and what the engine freed at its checkpoint and close
            report.absorb(part)
            rejects.append(part_rejects)
            written.add(wrote)
            done += 1
            if progress:
                progress("write", done, total)
    report.files = _per_file(report.files)
    report.written = {"nodes": written.nodes, "relationships": written.rels}
    if rejects_path is not None:
        report.rejects_path = str(append_rejects(rejects_path, pd.concat(rejects, ignore_index=True),
                                                 report.load_id))
    finish_load(backend, report.load_id, names)
    return report


def _per_file(entries: list[dict]) -> list[dict]:
    """One accounting entry per file, its slices' rows added up."""
    merged: dict[str, dict] = {}
    for entry in entries:
        into = merged.setdefault(entry["file"], {**entry, "rows": 0, "rejected": 0})
        into["rows"] += entry["rows"]
        into["rejected"] += entry["rejected"]
    return list(merged.values())


def stage_files(paths: list[Path], backend: GraphBackend, *, mapping: Mapping | None = None,
                max_amount: float = 5_000_000.0, progress: Progress | None = None, resume: bool = False,
                settlements: pd.Series | None = None, stored_keys: dict[str, pa.ChunkedArray | None] | None = None,
                checked: bool = False, threads: int = COLUMN_THREADS) -> tuple[LoadReport, pd.DataFrame, GraphFrames]:
    """Everything a load does before writing: the accounting, the rejects and the graph rows to add.

    ``resume``: an earlier load of some of these files did not finish, so rows
    stored identically are kept for the write (and counted as loaded) rather than
    counted as duplicates; rows that conflict with the store are still rejected.
    ``settlements``: ids of settlements this load writes from other files (fee details
    staged apart from their settlements may refer to them). ``stored_keys``: what the
    store held before this load wrote anything (people and places whole, this load's own
    settlements as looked up), shared by the stages of one load so that the store is read
    once (filled in here as tables are read). ``checked``: the
    headers and mapping were checked over the whole load (see ``read_inputs``). ``threads``:
    a file's columns read at once (one while the engine copies: its threads have the cores).
    """
    mapping = mapping or Mapping()
    started = time.perf_counter()
    batches = read_inputs(paths, mapping, max_amount=max_amount, progress=progress, checked=checked,
                          threads=threads)
    read = time.perf_counter() - started
    report, rejects, graph = _stage_batches(batches, backend, resume=resume, settlements=settlements,
                                            stored_keys=stored_keys)
    report.seconds = {"read": read, **report.seconds}
    return report, rejects, graph


def _stage_batches(batches: list[Batch], backend: GraphBackend, *, resume: bool,
                   settlements: pd.Series | None = None, stored_keys: dict[str, pa.ChunkedArray | None] | None = None,
                   ) -> tuple[LoadReport, pd.DataFrame, GraphFrames]:
    """``stage_files`` for batches already read: dedupe against this load and the store, then the graph rows."""
    cache = {} if stored_keys is None else stored_keys

    def keys(table: str) -> pa.ChunkedArray | None:
        if table not in cache:
            cache[table] = _stored_keys(backend, table)
        return cache[table]

    report = LoadReport()
    started = time.perf_counter()
    all_rejects: list[pd.DataFrame] = []
    frames: dict[str, pd.DataFrame] = {}
    # A fresh store looks nothing up (the first load of a district, and every benchmark's).
    fresh_store = backend.query("MATCH (n:Settlement) RETURN n.setl_id AS k LIMIT 1").empty
    for table in _TABLE_ORDER:
        mine = [b for b in batches if b.table == table]
        if not mine:
            continue
        for b in mine:
            report.read += len(b.raw)
            all_rejects.append(b.rejects)
        good = pd.concat([b.good for b in mine], ignore_index=True)
        maybe_stored = None
        if table == "settlements":
            # Read before this load writes (a big load stages its fee lines during the write).
            stored = cache["settlements"] = None if fresh_store else \
                _lookup(backend, _STORED_SETTLEMENTS, good["setl_id"])
        elif table == "fee_details":
            here = is_in(good["setl_id"], frames["settlements"]["setl_id"]) if "settlements" in frames \
                else np.zeros(len(good), dtype=bool)
            if settlements is not None:
                here |= is_in(good["setl_id"], settlements)
            earlier = pa.chunked_array([], type=pa.string()) if fresh_store else \
                _lookup(backend, _STORED_SETTLEMENTS, good["setl_id"][~here])  # settlements of other loads
            ours = cache.get("settlements")
            with_lines = pa.chunked_array([*earlier.chunks, *(ours.chunks if ours is not None else [])], type=pa.string())
            maybe_stored = is_in(good["setl_id"], with_lines)
            stored = _lookup(backend, STORED_FEE_LINES, good["setl_id"][maybe_stored]) if maybe_stored.any() else None
        else:
            stored = keys(table)
        kept, conflicts, duplicates = _dedupe(table, good, {b.file: b.raw for b in mine}, backend,
                                              stored if stored is not None and len(stored) else None,
                                              rewrite_stored=resume, within="setl_id" if table == "fee_details" else None,
                                              maybe_stored=maybe_stored)
        all_rejects.append(conflicts)
        report.duplicates += duplicates
        if table == "fee_details":
            known = is_in(kept["setl_id"], earlier)
            if "settlements" in frames:
                known |= is_in(kept["setl_id"], frames["settlements"]["setl_id"])
            if settlements is not None:
                known |= is_in(kept["setl_id"], settlements)
            orphan = ~known
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

    known_places = {}
    for label in ("Institution", "Pharmacy") if "settlements" in frames or "institutions" in frames else ():
        for code in backend.query(f"MATCH (n:{label}) RETURN n.fixmedins_code AS k")["k"]:
            known_places[code] = label
    report.seconds["dedupe"] = time.perf_counter() - started
    started = time.perf_counter()
    graph = build_graph_frames(frames, known_places)
    if not resume:  # a resumed load keeps rows stored identically: the writer must look again
        graph.unstored = frozenset({"Settlement", "INCLUDES"})
    report.seconds["graph"] = time.perf_counter() - started
    return report, rejects, graph
