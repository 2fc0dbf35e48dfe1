"""The one small interface every graph store implements, and how to open one."""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import pandas as pd
import pyarrow as pa

from ..config import Settings
from .model import GraphFrames

__all__ = ["GraphBackend", "BackendError", "WriteResult", "Progress", "Then", "open_backend"]

# progress(stage, done, total): the CLI turns these into progress bars.
Progress = Callable[[str, int, int], None]
# What ``query_many`` does with each statement's rows (its position, its rows) in the thread that
# read them, before handing them over: a caller's reshaping runs beside its work on earlier rows.
Then = Callable[[int, pd.DataFrame], pd.DataFrame]


class BackendError(RuntimeError):
    """The graph store cannot be reached or used; the message says what to do."""


@dataclass
class WriteResult:
    """What a write added: nodes and relationships per label/type."""

    nodes: dict[str, int] = field(default_factory=dict)
    rels: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def add(self, other: "WriteResult") -> None:
        for mine, theirs in ((self.nodes, other.nodes), (self.rels, other.rels), (self.updated, other.updated)):
            for key, n in theirs.items():
                mine[key] = mine.get(key, 0) + n


class GraphBackend(Protocol):
    name: str
    # The most rows ``write`` puts in one transaction; 0 when it always commits in parts.
    transaction_rows: int

    def write(self, frames: GraphFrames, progress: Progress | None = None) -> WriteResult:
        """Add what is new in ``frames``; rows already in the store change nothing.

        Not all or nothing: a write stopped part-way keeps what it committed, and
        the load journal (graph/journal.py) has the next load of the files resume it.

        A backend may empty ``frames`` as it writes (to let go of each table once
        copied); callers do not read them afterwards."""

    def query(self, cypher: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """Run one Cypher statement with parameters; rows as a frame."""

    def column(self, cypher: str) -> pa.ChunkedArray:
        """The first column of a read-only query's result, as Arrow (millions of ids without pandas)."""

    def query_many(self, statements: list[tuple[str, dict[str, Any]]],
                   then: Then | None = None) -> Generator[pd.DataFrame, None, None]:
        """Run read-only statements, concurrently where the store allows; results in the given order,
        each as the caller takes it (a few may run ahead, never all: results can be large). A column
        of lists may come as Python lists or as ``pd.ArrowDtype`` lists (the embedded store's).
        ``then``: each result passed through it first, in the thread that read it."""

    def lookup(self, cypher: str, keys: pa.Array) -> pa.ChunkedArray:
        """The first column of read-only ``cypher`` run for each of ``keys`` (strings), bound as
        ``key``, e.g. ``MATCH (n:Settlement {setl_id: key}) RETURN n.setl_id``: what the store
        holds of a load's own keys, at a cost that follows the keys rather than the store."""

    def hand_back(self) -> None:
        """Let go of the working memory this process's statements grew in the store, e.g. between
        the parts of a load too big to hold at once (the embedded engine keeps it until its
        database closes). A backend waits for statements still running on the store."""

    def close(self) -> None: ...


def open_backend(settings: Settings, *, read_only: bool = False) -> GraphBackend:
    if settings.backend == "neo4j":
        from .neo4j_store import Neo4jBackend

        return Neo4jBackend.from_env(batch_size=settings.batch_size)
    from .embedded import EmbeddedBackend

    return EmbeddedBackend(settings.db, read_only=read_only, buffer_pool_mb=settings.buffer_pool_mb,
                           transaction_rows=settings.transaction_rows)
