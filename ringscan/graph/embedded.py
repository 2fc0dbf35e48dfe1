"""Embedded graph store: LadybugDB (the maintained fork of Kùzu), on disk, in-process.

New nodes and relationships are bulk-copied from Arrow tables (COPY is the
fast path, ~1M rows/s): a small write in one transaction, a big one committing
each copy (see ``write``); a load killed part-way is resumed by the next load of
its files (graph/journal.py); rows whose key is already stored are
filtered out first (Arrow set operations, skipped on an empty store), so
loading the same file twice changes nothing. Nodes that gain
properties later (a person first seen in settlements, then in persons.csv)
are completed with ``coalesce`` updates, never overwritten.
"""
from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager, nullcontext
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..config import Settings
from .backend import BackendError, Progress, Then, WriteResult
from .model import NODES, RELS, STORED_FEE_LINES, GraphFrames
from .stall import stall_watch
from .typed import PAIR_SEP, is_in, joined, typed

__all__ = ["EmbeddedBackend", "schema_statements"]

# Labels whose nodes can be completed by later files (not settlements).
_COMPLETABLE = ("Patient", "Card", "Doctor", "Institution", "Pharmacy", "Drug")
_UPDATE_BATCH = 20_000
# Rows per COPY statement. A node COPY of more rows than one of the engine's
# node groups (2^17 rows) can park every engine thread for good (LadybugDB issue
# 643; with 0.22.0, 168k addresses in one COPY hung 4 times in 7 tries here, 150k
# once in 3, and never in slices of 131,072 or fewer: bench/engine_copy_hang.py).
# Node tables are copied one node group per COPY (at 1M settlements this costs
# about 1.5 s of a 19 s load); relationship tables, with no key index to build,
# in slices of COPY_ROWS, which bounds each COPY's working memory.
NODE_COPY_ROWS = 131_072
TRANSACTION_ROWS = Settings.transaction_rows  # why this many: config.py
COPY_ROWS = 1_000_000
# Rule queries run this many at once: the engine parallelises one query only in part,
# so two at a time keep both cores of a small machine busy.
READ_THREADS = min(2, os.cpu_count() or 1)
# ... and this many are read ahead of the result the caller takes (below ONE_AT_A_TIME_FROM): a
# query that finishes while the caller still works on an earlier rule's rows lets the next one
# start at once. The 470k district's rules stage, medians of 6-8 interleaved runs: 4.32 s with
# two ahead, 4.10 s with four, 4.01 s with eight; each result there is tens of MB.
READ_AHEAD = 4
# From a store of this many settlements on, ``query_many`` runs one statement at a time (still one
# ahead of the result taken). A big rule's query then needs gigabytes of the engine's memory
# (doctor-overprescription alone 3.7 GiB at 10M settlements), and two at once, beside a rule's rows
# being made evidence, made the scan's peak: one at a time, the 10M scan peaked at 8.9 GiB against
# 10.1 and the 3M scan at 2.8 against 3.4, in the same time (3M: 47-50 s either way). Below it two at
# once use both cores: the 470k district's rules took 4.2-4.7 s against 4.7-5.1 s one at a time.
ONE_AT_A_TIME_FROM = 2_000_000
# On such a store, a rule query that ran this long has the database opened again after it. The
# engine keeps the working memory a query grew to until its database closes (doctor-overprescription
# alone takes 3.7 GiB at 10M settlements), and the long queries are the big ones. A reopen costs the
# next queries a cold page cache: after every rule query, the 10M scan peaked at 6.58 GiB against
# 7.29 but took 260.7 s against 243.0 (back to back, outputs byte-identical).
HAND_BACK_AFTER_SECONDS = 5.0


def _out_of_memory(exc: BaseException) -> bool:
    """The engine's buffer pool could not hold the statement (beside the others running)."""
    return "buffer pool is full" in str(exc).lower()


def _frame(conn: Any, cypher: str, params: dict[str, Any], *, arrow_lists: bool = False) -> pd.DataFrame:
    """One statement's rows on ``conn``; an engine error as a BackendError. ``arrow_lists``: a
    column of lists of text stays in Arrow (``pd.ArrowDtype``) rather than a Python list per row."""
    try:
        result = conn.execute(cypher, params)
    except RuntimeError as exc:
        raise BackendError(f"query failed on the embedded store: {exc}") from exc
    try:
        if result.get_num_tuples() == 0:
            return result.get_as_df()
        table = result.get_as_arrow(chunk_size=-1)
        if not _sound(table):
            result.reset_iterator()
            return result.get_as_df()
        return _as_frame(table, arrow_lists=arrow_lists)
    finally:
        result.close()


def _sound(table: pa.Table) -> bool:
    """Whether the engine's Arrow export of a result is well formed. LadybugDB 0.22.0 exports a
    list of lists with no inner list at all (``evidence`` of admission-split when no stay was
    followed by another) with an offset left uninitialised; pandas then slices at a garbage
    offset and aborts the process (bench/engine_arrow_nested_list.py). Such a result is read
    through ``get_as_df``, which is correct. Checking costs a pass over the result's buffers."""
    try:
        table.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _as_frame(table: pa.Table, *, arrow_lists: bool = False) -> pd.DataFrame:
    """A result read as Arrow, in the frame the engine's own ``get_as_df`` makes, at a fraction of
    its cost: text and numbers stay in Arrow's buffers, where ``get_as_df`` makes a Python object
    of every value (a 4-5M-row rule result at 10M settlements: 5-10 s and a 2-3 GiB spike). Lists
    and other nested values become Python objects as there (but for ``arrow_lists``), and a text
    column of nulls holds None."""
    def flat(kind: pa.DataType) -> bool:
        return pa.types.is_string(kind) or pa.types.is_integer(kind) or pa.types.is_floating(kind)

    frame = table.select([i for i, column in enumerate(table.columns) if flat(column.type)]).to_pandas()
    for i, (name, column) in enumerate(zip(table.column_names, table.columns)):
        if arrow_lists and pa.types.is_list(column.type) and pa.types.is_string(column.type.value_type):
            frame.insert(i, name, pd.Series(pd.arrays.ArrowExtensionArray(column), index=frame.index))
        elif not flat(column.type):
            frame.insert(i, name, pd.Series(column.to_pylist(), index=frame.index, dtype=object))
        elif pa.types.is_string(column.type) and column.null_count == len(column):
            frame[name] = pd.Series([None] * len(column), index=frame.index, dtype=object)
    return frame


def schema_statements() -> list[str]:
    out = []
    for node in NODES.values():
        props = ", ".join(f"{name} {kind}" for name, kind in node.properties.items())
        out.append(f"CREATE NODE TABLE IF NOT EXISTS {node.label}({props}, PRIMARY KEY({node.key}))")
    for rel in RELS.values():
        pairs = ", ".join(f"FROM {a} TO {b}" for a, b in rel.pairs)
        props = "".join(f", {name} {kind}" for name, kind in rel.properties.items())
        one_way = "" if rel.backward else " WITH (storage_direction='fwd')"
        out.append(f"CREATE REL TABLE IF NOT EXISTS `{rel.type}`({pairs}{props}){one_way}")
    return out


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, path: Path | str, *, read_only: bool = False, buffer_pool_mb: int = 0,
                 transaction_rows: int = TRANSACTION_ROWS):
        """``buffer_pool_mb``: the engine's page cache, the bulk of a scan's memory; 0 leaves the
        engine's own default (80 % of the machine's memory, which a big store then fills).
        ``transaction_rows``: see ``write``."""
        import ladybug

        self.path = Path(path)
        self.read_only = read_only
        self.transaction_rows = transaction_rows
        if read_only and not self.path.exists():
            raise BackendError(f"no graph database at {self.path}; load data first with `ringscan load FILES --db {self.path}`")
        self._buffer_pool_mb = max(int(buffer_pool_mb), 0)
        # Connections opened on self._db and not yet closed; ``hand_back`` waits for none.
        self._connections = threading.Condition()
        self._connections_out = 0
        self._reopen_failed = False  # ``hand_back`` could not open the database again
        try:
            self._db = self._open_database()
            self._conn = ladybug.Connection(self._db)
            # Held by a write for its whole run. Only statements of this thread's open transaction use
            # self._conn (``_own_transaction``); every other statement runs on a connection of its own.
            self._conn_lock = threading.RLock()
            self._in_transaction = False  # a write's transaction is open on self._conn
            if not read_only:
                for statement in schema_statements():
                    self._conn.execute(statement)
        except RuntimeError as exc:
            if hasattr(self, "_db"):
                self._db.close()  # let go of the file before reporting
            raise BackendError(f"cannot open the graph database at {self.path}: {exc}") from exc

    def _open_database(self):
        import ladybug

        return ladybug.Database(str(self.path), read_only=self.read_only, buffer_pool_size=self._buffer_pool_mb * 2**20)

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        """A connection of its own on the database, closed after use (``hand_back`` waits for it)."""
        import ladybug

        with self._connections:
            self._connections_out += 1
        try:
            conn = ladybug.Connection(self._db)
            try:
                yield conn
            finally:
                conn.close()
        finally:
            with self._connections:
                self._connections_out -= 1
                self._connections.notify_all()

    def hand_back(self) -> None:
        """Close the database and open it again, to hand back what its statements grew: a big
        load's copies (between slices) and a big scan's long queries (``_read_and_hand_back``).

        The engine keeps the working memory its bulk copies grew to until the database
        closes, not just the connection (a fresh write connection per slice changed nothing):
        a 10M-settlement load in 2M-row slices held 7.4 GiB of it by its end, with its buffer
        pool bounded to 3 GiB or not. Reopened after each slice, the same load peaked at 7.6 GiB
        against 9.2, in the same time (265 s against 277); reopening took 0.2 s after the first
        slice and 0.9 s after the last. Waits for the connections in use to close.
        """
        import ladybug

        with self._connections:
            self._connections.wait_for(lambda: self._connections_out == 0)
            self._conn.close()
            self._db.close()
            try:
                self._db = self._open_database()
                self._conn = ladybug.Connection(self._db)
            except RuntimeError as exc:
                self._reopen_failed = True
                self._db.close()  # the one opened, if the connection failed; a no-op on the closed one
                raise BackendError(f"cannot open the graph database at {self.path} again: {exc}") from exc

    # -- queries -------------------------------------------------------------
    def query(self, cypher: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """One statement. Inside a write's transaction on the store's connection (its reads must
        see what the transaction wrote); otherwise on a connection of its own (see ``_read``)."""
        if not self._own_transaction():
            return self._read((cypher, params or {}))
        try:
            return _frame(self._conn, cypher, params or {})
        finally:
            self._conn_lock.release()

    def run_transaction(self, work: list[tuple[str, dict[str, Any]]]) -> None:
        """Statements all or nothing: one transaction on the store's connection."""
        with self._conn_lock:
            try:
                self._conn.execute("BEGIN TRANSACTION")
            except RuntimeError as exc:
                raise BackendError(f"cannot write to the embedded store: {exc}") from exc
            self._in_transaction = True
            try:
                for statement, params in work:
                    _frame(self._conn, statement, params)
                try:
                    self._conn.execute("COMMIT")
                except RuntimeError as exc:
                    raise BackendError(f"cannot write to the embedded store: {exc}") from exc
            except BaseException:
                try:
                    self._conn.execute("ROLLBACK")
                except RuntimeError:
                    pass  # the engine ended the transaction itself
                raise
            finally:
                self._in_transaction = False

    def _own_transaction(self) -> bool:
        """Whether this thread's write has a transaction open on the store's connection (its lock
        is then taken once more, for the caller to release)."""
        return not self.read_only and self._in_transaction and self._conn_lock.acquire(blocking=False)

    def _read(self, item: tuple[str, dict[str, Any]], arrow_lists: bool = False) -> pd.DataFrame:
        """A statement on a connection opened for it and closed once its rows are read.

        An engine connection keeps the working memory its queries grew to until it
        closes (at 3M settlements, gigabytes over a scan's queries); opening one costs
        milliseconds. ``attrs["seconds"]`` is the statement's wall time.
        """
        started = time.perf_counter()
        with self._connection() as conn:
            frame = _frame(conn, item[0], item[1] or {}, arrow_lists=arrow_lists)
        frame.attrs["seconds"] = time.perf_counter() - started
        return frame

    def query_many(self, statements: list[tuple[str, dict[str, Any]]],
                   then: Then | None = None) -> Generator[pd.DataFrame, None, None]:
        """Read-only statements, ``READ_THREADS`` at once (the engine releases the GIL), each on a
        connection of its own (``_read``); results in the given order as the caller takes them.
        At most ``READ_AHEAD`` statements are read ahead of the result taken: at 10M settlements a
        rule returns up to 1 GB of rows, so memory holds a few results, never all of them.
        Each frame's ``attrs["seconds"]`` is its query's wall time. A column of lists of text comes
        as ``pd.ArrowDtype`` (a rule's evidence: 4M lists at 10M settlements, most let go unread).
        ``then`` runs in the thread that read the rows, while the caller works on earlier ones.

        On a store of ``ONE_AT_A_TIME_FROM`` settlements or more, one statement runs at a time, and
        the database is opened again after a long one (``_read_and_hand_back``). With a bounded
        buffer pool (``buffer_pool_mb``) two big queries may not fit beside each other: a statement
        the engine could not find memory for is run again alone, once the others running have
        finished, and the rest then run one at a time.
        """
        todo = enumerate(statements)
        ahead = max(READ_AHEAD, READ_THREADS) if self._settlements() < ONE_AT_A_TIME_FROM else 1
        reader = self._read_and_hand_back if ahead == 1 else (lambda item: self._read(item, True))

        def read(numbered: tuple[int, tuple[str, dict[str, Any]]], again: bool = False) -> pd.DataFrame:
            i, item = numbered  # ``again``: run once more, alone, after the engine ran out of memory
            frame = self._read(item, True) if again else reader(item)
            return frame if then is None else then(i, frame)

        with ThreadPoolExecutor(max_workers=READ_THREADS) as pool:
            # (the statement running, what it is, whether it runs alone)
            running = deque((pool.submit(read, item), item, ahead == 1) for item in islice(todo, ahead))
            while running:
                future, numbered, alone = running.popleft()
                try:
                    frame = future.result()
                except BackendError as exc:
                    if alone or not _out_of_memory(exc):
                        raise
                    wait([other for other, _, _ in running])  # their own failures come when they are taken
                    ahead = 1
                    frame = read(numbered, again=True)
                del future  # it holds the rows too
                if len(running) < ahead and (following := next(todo, None)) is not None:
                    running.append((pool.submit(read, following), following, ahead == 1 and not running))
                # Handed over, not kept: the caller may let the rows go while this generator waits.
                handed = [frame]
                del frame
                yield handed.pop()

    def _read_and_hand_back(self, item: tuple[str, dict[str, Any]]) -> pd.DataFrame:
        """A statement's rows; after a long one (``HAND_BACK_AFTER_SECONDS``), the database opened
        again (``hand_back``) before the next statement starts."""
        frame = self._read(item, True)
        if frame.attrs["seconds"] >= HAND_BACK_AFTER_SECONDS:
            self.hand_back()
        return frame

    def _settlements(self) -> int:
        """How many settlements the store holds (the engine counts a table in milliseconds at 10M)."""
        return int(self.query("MATCH (s:Settlement) RETURN count(s) AS n")["n"].iloc[0])

    def lookup(self, cypher: str, keys: pa.Array) -> pa.ChunkedArray:
        """``cypher`` over ``keys`` read from Arrow (``LOAD FROM``): 34k ids looked up by primary
        key in 0.015 s, against 0.05 s as an ``UNWIND`` list and 0.06 s to read and compare all
        168k stored ids (five months of a 200k-settlement district)."""
        if len(keys) == 0:
            return pa.chunked_array([], type=pa.string())
        lookup_keys = pa.table({"key": keys})  # noqa: F841 (LOAD FROM scans this variable)
        return self.column(f"LOAD FROM lookup_keys {cypher}")

    def close(self) -> None:
        if self._reopen_failed:  # closed already, and reported
            return
        if not self.read_only:  # fold the write-ahead log into the database file now
            self._conn.execute("CHECKPOINT")
        self._conn.close()
        self._db.close()

    def __enter__(self) -> "EmbeddedBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes --------------------------------------------------------------
    def count(self, pattern: str) -> int:
        """How many matches of a one-variable pattern, e.g. ``(n:Settlement)`` or ``()-[n:HOLDS]->()``."""
        return int(self.query(f"MATCH {pattern} RETURN count(n) AS n")["n"].iloc[0])

    def column(self, cypher: str) -> pa.ChunkedArray:
        """The first column of a query's result as Arrow (no pandas round trip for millions of ids),
        on the store's connection or one of its own as ``query`` chooses."""
        mine = self._own_transaction()
        try:
            with nullcontext(self._conn) if mine else self._connection() as conn:
                result = conn.execute(cypher)
                table = result.get_as_arrow()
                result.close()
        except RuntimeError as exc:
            raise BackendError(f"query failed on the embedded store: {exc}") from exc
        finally:
            if mine:
                self._conn_lock.release()
        return table.column(0)

    def _keys(self, label: str) -> pa.ChunkedArray | None:
        """Keys stored under ``label``; None when there are none (a fresh store needs no comparison)."""
        if not self.count(f"(n:{label})"):
            return None
        return self.column(f"MATCH (n:{label}) RETURN n.{NODES[label].key} AS k")

    def _pairs(self, rel: str, src: str, dst: str) -> pa.ChunkedArray | None:
        """Stored (from, to) pairs of ``rel`` as joined strings; None when there are none."""
        if not self.count(f"(:{src})-[n:`{rel}`]->(:{dst})"):
            return None
        a, b = NODES[src].key, NODES[dst].key
        return self.column(f"MATCH (x:{src})-[:`{rel}`]->(y:{dst}) RETURN x.{a} + '{PAIR_SEP}' + y.{b} AS k")

    def _missing_pairs(self, rel: str, src: str, dst: str, frame: pd.DataFrame) -> pd.DataFrame:
        """Rows of ``frame`` whose (from, to) pair the store does not hold yet."""
        pairs = self._pairs(rel, src, dst)
        if pairs is None:
            return frame
        return frame[~is_in(joined(frame["from"], frame["to"]), pairs)]

    def _copy(self, target: str, table: pa.Table, options: str = "", *, rows: int = COPY_ROWS) -> None:
        """Bulk-copy ``table`` in slices of ``rows`` rows (see NODE_COPY_ROWS for why).

        Outside a transaction the copy runs on a connection of its own, closed after
        the table: the engine's Python binding keeps every Arrow table a connection
        copied from alive until that connection closes (at 1M settlements the
        234 MB Settlement table stayed to the end of the load, where the peak is).
        """
        with nullcontext(self._conn) if self._in_transaction else self._connection() as conn:
            for start in range(0, table.num_rows, rows):
                copy_rows = table.slice(start, rows)  # noqa: F841 (COPY ... FROM <name> scans this variable)
                with stall_watch(f"the bulk copy into {target.strip('`')}"):
                    conn.execute(f"COPY {target} FROM copy_rows{options}")

    def write(self, frames: GraphFrames, progress: Progress | None = None) -> WriteResult:
        """Add what is new in ``frames``: in one transaction when they hold at most
        ``transaction_rows`` rows, otherwise each bulk copy committing on its own.

        A big write is not one transaction: the engine holds a transaction's copies
        in memory until the commit, 0.85 GiB more at 1M settlements and 2.3 GiB more
        at 3M (``bench/load_bench.py``, ``copy_arrow`` against ``copy_arrow_tx``).
        A small one is: each commit on a non-empty store checkpoints what it touched.
        Either way a load killed or failing part-way leaves its journal row
        unfinished (graph/journal.py), with some tables written or none: a scan
        refuses such a store, and the next load of the same files resumes and adds
        what is missing.

        ``frames`` is emptied table by table as each is copied, so the staged rows
        are let go while the engine takes them.

        The copies of a big write do not checkpoint as they commit (the engine's automatic
        checkpoint is off while it runs, a setting of the whole database); the write checkpoints
        once, at its end. Checkpointing after each copy made each copy into a big table cost more
        than the last: 131k settlements into a table of 2.75M took 1.27 s, against 0.46 s
        without (copies of the 3M district's Settlement table, one after another). What is committed and
        not yet checkpointed is in the write-ahead log (a killed load loses none of it) and in
        memory, about 0.2 GB per million settlements, which slices bound (ingest/load.py).
        """
        one = frames.rows() <= self.transaction_rows
        self._conn_lock.acquire()  # reads from other threads go elsewhere meanwhile (see ``query``)
        try:
            if one:
                self._conn.execute("BEGIN TRANSACTION")
                self._in_transaction = True
            else:  # the engine's setting, for every connection: turned on again below
                self._conn.execute("CALL auto_checkpoint=false")
            result = self._write(frames, progress)
            if one:
                self._conn.execute("COMMIT")
            else:
                self._conn.execute("CHECKPOINT")
            return result
        except BaseException as exc:
            if one:
                try:
                    self._conn.execute("ROLLBACK")
                except RuntimeError:
                    pass  # the engine ended the transaction itself (e.g. its buffer pool was full)
            if isinstance(exc, RuntimeError) and not isinstance(exc, BackendError):
                raise BackendError(f"writing to the embedded store stopped part-way ({exc}); "
                                   "run the same load again to complete it") from exc
            raise
        finally:
            self._in_transaction = False
            try:
                if not one:
                    self._conn.execute("CALL auto_checkpoint=true")
            finally:
                self._conn_lock.release()

    def _write(self, frames: GraphFrames, progress: Progress | None) -> WriteResult:
        result = WriteResult()
        steps = len(frames.nodes) + len(frames.rels)
        done = 0
        new_settlements: pa.Array | None = None  # None: every settlement in frames is new
        for label, frame in frames.take_nodes():
            spec = NODES[label]
            existing = None if label in frames.unstored else self._keys(label)
            is_new = np.ones(len(frame), dtype=bool) if existing is None else ~is_in(frame[spec.key], existing)
            fresh = frame[is_new]
            if len(fresh):
                self._copy(label, typed(fresh, spec.properties), rows=NODE_COPY_ROWS)
            if label == "Settlement" and existing is not None:
                new_settlements = typed(fresh, {spec.key: "STRING"}).column(0)
            if label in _COMPLETABLE and not is_new.all():
                result.updated[label] = self._complete(label, frame[~is_new])
            result.nodes[label] = len(fresh)
            done += 1
            if progress:
                progress("write", done, steps)
        for (rel, src, dst), frame in frames.take_rels():
            if rel == "INCLUDES" and rel not in frames.unstored:  # a fee line is its settlement's line
                stored = self.lookup(STORED_FEE_LINES, pa.array(pd.unique(frame["from"].astype(str)), type=pa.string()))
                fresh = frame[~is_in(joined(frame["from"], frame["feedetl_sn"]), stored)]
            elif src == "Settlement" and new_settlements is not None:
                new = is_in(frame["from"], new_settlements)
                # Rows of settlements already stored come only with a resumed load (graph/journal.py):
                # add the relationships the store lacks. A normal load never reads the stored pairs.
                fresh = frame if new.all() else pd.concat([frame[new], self._missing_pairs(rel, src, dst, frame[~new])])
            elif src == "Settlement":
                fresh = frame
            else:
                fresh = self._missing_pairs(rel, src, dst, frame)
            count = len(fresh)
            if count:
                table = typed(fresh, {"from": "STRING", "to": "STRING", **RELS[rel].properties})
                del frame, fresh  # the engine copies from the Arrow table: let the frame go first
                self._copy(f"`{rel}`", table, f" (from='{src}', to='{dst}')")
                del table
            result.rels[rel] = result.rels.get(rel, 0) + count
            done += 1
            if progress:
                progress("write", done, steps)
        return result

    def _fills_gaps(self, label: str, frame: pd.DataFrame, props: list[str]) -> np.ndarray:
        """Rows that give a value the stored node lacks (most rows of a new month give none)."""
        spec = NODES[label]
        returns = ", ".join(f"n.{p} AS {p}" for p in [spec.key, *props])
        result = self._conn.execute(f"MATCH (n:{label}) RETURN {returns}")
        stored = result.get_as_arrow()
        result.close()
        if stored.num_rows == 0:
            return np.zeros(len(frame), dtype=bool)
        incoming = typed(frame, {p: spec.properties[p] for p in [spec.key, *props]})
        at = pc.index_in(incoming.column(spec.key), value_set=stored.column(spec.key).combine_chunks())
        fills = np.zeros(len(frame), dtype=bool)
        for p in props:
            gap = pc.is_null(pc.take(stored.column(p), pc.fill_null(at, 0)))
            fills |= np.asarray(pc.and_(pc.is_valid(incoming.column(p)), gap).to_numpy(zero_copy_only=False), dtype=bool)
        return fills & np.asarray(pc.is_valid(at).to_numpy(zero_copy_only=False), dtype=bool)

    def _complete(self, label: str, frame: pd.DataFrame) -> int:
        """Fill properties still empty on stored nodes from newly read rows."""
        spec = NODES[label]
        # Only properties that carry a value: an all-empty column has no type to bind.
        props = [p for p in spec.properties if p != spec.key and p in frame and frame[p].notna().any()]
        frame = frame.dropna(subset=props, how="all") if props else frame.iloc[0:0]
        if frame.empty:
            return 0
        frame = frame[self._fills_gaps(label, frame, props)]
        if frame.empty:
            return 0
        sets = ", ".join(f"n.{p} = coalesce(n.{p}, r.{p})" for p in props)
        statement = f"UNWIND $rows AS r MATCH (n:{label} {{{spec.key}: r.{spec.key}}}) SET {sets}"
        table = typed(frame, {p: spec.properties[p] for p in [spec.key, *props]})
        for start in range(0, len(frame), _UPDATE_BATCH):
            rows = table.slice(start, _UPDATE_BATCH).to_pylist()
            self._conn.execute(statement, {"rows": rows})
        return len(frame)
