"""Neo4j backend: the official ``neo4j`` driver over Bolt.

Connection settings come from the environment only (RINGSCAN_NEO4J_URI,
RINGSCAN_NEO4J_USER, RINGSCAN_NEO4J_PASSWORD, RINGSCAN_NEO4J_DATABASE); the
password is never a flag, never stored on the object, never printed.

Writes are batched ``UNWIND $rows … MERGE`` statements run as managed write
transactions, which the driver retries on transient errors (deadlocks,
leader switches). Statements interpolate only labels, types and keys from the
graph model (constants); every value travels as a parameter. The schema in
``cypher/schema/`` (uniqueness constraints, indexes) is applied first, with
IF NOT EXISTS, so it is idempotent.
"""
from __future__ import annotations

import math
import time
from collections.abc import Generator, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd
import pyarrow as pa

from ..config import CYPHER_DIR, neo4j_credentials
from .backend import BackendError, Progress, Then, WriteResult
from .cypher_files import statements
from .model import NODES, RELS, GraphFrames

__all__ = ["Neo4jBackend", "node_statement", "rel_statement", "batches", "to_rows", "schema_statements"]

# Labels whose stored nodes may be completed by later files (never overwritten).
_COMPLETABLE = ("Patient", "Card", "Doctor", "Institution", "Pharmacy", "Drug")


def schema_statements() -> list[str]:
    """Statements in cypher/schema/*.cypher, files in name order."""
    return [s for path in sorted((CYPHER_DIR / "schema").glob("*.cypher")) for s in statements(path)]


def node_statement(label: str) -> str:
    spec = NODES[label]
    statement = f"UNWIND $rows AS row MERGE (n:{label} {{{spec.key}: row.{spec.key}}}) ON CREATE SET n += row"
    if label in _COMPLETABLE:
        props = [p for p in spec.properties if p != spec.key]
        statement += " ON MATCH SET " + ", ".join(f"n.{p} = coalesce(n.{p}, row.{p})" for p in props)
    return statement


def rel_statement(rel: str, src: str, dst: str) -> str:
    a, b = NODES[src].key, NODES[dst].key
    head = (f"UNWIND $rows AS row MATCH (a:{src} {{{a}: row.from}}) MATCH (b:{dst} {{{b}: row.to}}) ")
    props = list(RELS[rel].properties)
    if not props:
        return head + f"MERGE (a)-[:`{rel}`]->(b)"
    first, rest = props[0], props[1:]
    sets = ", ".join(f"r.{p} = row.{p}" for p in rest)
    return head + f"MERGE (a)-[r:`{rel}` {{{first}: row.{first}}}]->(b)" + (f" ON CREATE SET {sets}" if sets else "")


def _plain(value: Any) -> Any:
    """numpy/pandas scalars → Python values the driver can send; NaN/NA → None."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value
    return value


def to_rows(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    present = [c for c in columns if c in frame.columns]
    return [{k: _plain(v) for k, v in zip(present, values)} for values in frame[present].itertuples(index=False)]


def batches(rows: list[dict], size: int) -> Iterator[list[dict]]:
    if size < 1:
        raise ValueError("batch size must be at least 1")
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


NEO4J_SCHEMES = {"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}


def masked_uri(uri: str, *, drop: bool = False) -> str:
    """``uri`` without its password (``***`` in its place, or no credentials at all with ``drop``).

    >>> masked_uri("bolt://neo4j:s3cret@db:7687"), masked_uri("bolt://neo4j:s3cret@db:7687", drop=True)
    ('bolt://neo4j:***@db:7687', 'bolt://db:7687')
    """
    parts = urlsplit(uri)
    if parts.username is None and parts.password is None:
        return uri
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    if not drop:
        host = f"{parts.username or ''}{':***' if parts.password is not None else ''}@{host}"
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


class Neo4jBackend:
    name = "neo4j"
    transaction_rows = 0  # batches of `batch_size` rows, each its own transaction

    def __init__(self, uri: str, user: str, password: str | None, database: str | None, *, batch_size: int = 5000):
        from neo4j import GraphDatabase
        from neo4j.exceptions import AuthError, ConfigurationError, ServiceUnavailable

        scheme = urlsplit(uri).scheme.lower()
        if scheme not in NEO4J_SCHEMES:
            raise BackendError(f"RINGSCAN_NEO4J_URI {masked_uri(uri)}: the scheme must be one of "
                               f"{', '.join(sorted(NEO4J_SCHEMES))} (e.g. bolt://localhost:7687)")
        # Credentials come from RINGSCAN_NEO4J_USER/PASSWORD; any inside the URI never reach a message.
        uri_user, uri_password = urlsplit(uri).username, urlsplit(uri).password
        user, password = user if uri_user is None else uri_user, password if uri_password is None else uri_password
        uri = masked_uri(uri, drop=True)
        self.uri, self.database, self.batch_size = uri, database, batch_size
        try:
            self._driver = GraphDatabase.driver(uri, auth=(user, password or ""))
            self._driver.verify_connectivity()
        except AuthError as exc:
            raise BackendError(f"Neo4j at {uri} refused the credentials in RINGSCAN_NEO4J_USER/RINGSCAN_NEO4J_PASSWORD") from exc
        except (ServiceUnavailable, ConfigurationError, ValueError, OSError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise BackendError(f"cannot reach Neo4j at {uri}: {reason}") from exc
        self._schema_applied = False
        # Constraints and indexes first: rules and MERGE rely on them, also after a neo4j-admin import.
        self.apply_schema()

    @classmethod
    def from_env(cls, *, batch_size: int = 5000, env: dict[str, str] | None = None) -> "Neo4jBackend":
        creds = neo4j_credentials(env)
        if not creds["uri"]:
            raise BackendError("the neo4j backend needs RINGSCAN_NEO4J_URI (e.g. bolt://localhost:7687), "
                               "RINGSCAN_NEO4J_USER and RINGSCAN_NEO4J_PASSWORD in the environment")
        return cls(creds["uri"], creds["user"] or "neo4j", creds["password"], creds["database"], batch_size=batch_size)

    # -- queries -------------------------------------------------------------
    def query(self, cypher: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
        from neo4j.exceptions import Neo4jError

        try:
            records, _, keys = self._driver.execute_query(cypher, params or {}, database_=self.database)
        except Neo4jError as exc:
            raise BackendError(f"query failed on Neo4j at {self.uri}: {exc.message or exc}") from exc
        return pd.DataFrame([r.values() for r in records], columns=keys)

    def column(self, cypher: str, params: dict[str, Any] | None = None) -> pa.ChunkedArray:
        """The first column of a query's result as Arrow."""
        frame = self.query(cypher, params)
        return pa.chunked_array([pa.array(frame.iloc[:, 0].tolist(), from_pandas=True)])

    def lookup(self, cypher: str, keys: pa.Array) -> pa.ChunkedArray:
        """``cypher`` after ``UNWIND $keys AS key``, ``batch_size`` keys per query."""
        values = keys.to_pylist()
        chunks = [self.column(f"UNWIND $keys AS key {cypher}", {"keys": values[i:i + self.batch_size]}).combine_chunks().cast(pa.string())
                  for i in range(0, len(values), self.batch_size)]
        return pa.chunked_array(chunks, type=pa.string())

    def run_write(self, statement: str, rows: list[dict]) -> tuple[int, int]:
        """One batch in a managed write transaction (retried on transient errors)."""
        return self.run_transaction([(statement, {"rows": rows})])

    def query_many(self, statements: list[tuple[str, dict[str, Any]]],
                   then: Then | None = None) -> Generator[pd.DataFrame, None, None]:
        """One after the other, each when the caller takes it: the server parallelises each query itself.
        ``then`` runs here, in the caller's thread."""
        for i, (cypher, params) in enumerate(statements):
            started = time.perf_counter()
            frame = self.query(cypher, params)
            frame.attrs["seconds"] = time.perf_counter() - started
            if then is not None:
                frame = then(i, frame)
            handed = [frame]  # handed over, not kept while the caller works on it
            del frame
            yield handed.pop()

    def run_transaction(self, work: list[tuple[str, dict]]) -> tuple[int, int]:
        """Several statements in one managed write transaction; (nodes, relationships) created."""

        def unit(tx):
            nodes = rels = 0
            for statement, params in work:
                counters = tx.run(statement, params).consume().counters
                nodes += counters.nodes_created
                rels += counters.relationships_created
            return nodes, rels

        with self._driver.session(database=self.database) as session:
            return session.execute_write(unit)

    def apply_schema(self) -> None:
        if self._schema_applied:
            return
        for statement in schema_statements():
            self._driver.execute_query(statement, database_=self.database)
        self._schema_applied = True

    def hand_back(self) -> None:
        """Nothing to do: the server's memory is the server's to manage."""

    def close(self) -> None:
        self._driver.close()

    def __enter__(self) -> "Neo4jBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes --------------------------------------------------------------
    def write(self, frames: GraphFrames, progress: Progress | None = None) -> WriteResult:
        self.apply_schema()
        result = WriteResult()
        jobs = [(node_statement(label), to_rows(frame, list(NODES[label].properties)), ("node", label))
                for label, frame in frames.nodes.items()]
        jobs += [(rel_statement(rel, src, dst), to_rows(frame, ["from", "to", *RELS[rel].properties]), ("rel", rel))
                 for (rel, src, dst), frame in frames.rels.items()]
        total = sum(math.ceil(len(rows) / self.batch_size) for _, rows, _ in jobs) or 1
        done = 0
        for statement, rows, (kind, name) in jobs:
            for batch in batches(rows, self.batch_size):
                nodes, rels = self.run_write(statement, batch)
                target = result.nodes if kind == "node" else result.rels
                target[name] = target.get(name, 0) + (nodes if kind == "node" else rels)
                done += 1
                if progress:
                    progress("write", done, total)
        return result
