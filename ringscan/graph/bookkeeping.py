"""Tables a store keeps beside the settlements graph (scan history, case decisions, files loaded).

Other modules declare their tables as :class:`Table` (label, key, typed
properties) and write them with Cypher both engines run; this module is the
one place that knows how each engine wants the schema and a transaction:

* embedded: ``CREATE NODE TABLE IF NOT EXISTS``; several statements run
  between ``BEGIN TRANSACTION`` and ``COMMIT`` (``run_transaction``);
* Neo4j: a uniqueness constraint on the key; several statements run in one
  managed write transaction.

Values are strings, integers and floats only (lists travel as JSON text), so
the same rows read back the same from both engines.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = ["Table", "ensure_tables", "has_table", "write_all", "read_table"]


@dataclass(frozen=True)
class Table:
    label: str
    key: str
    properties: dict[str, str]  # name → STRING | INT64 | DOUBLE (the key among them)

    def returns(self, var: str = "n") -> str:
        return ", ".join(f"{var}.{p} AS {p}" for p in self.properties)

    def create_rows(self) -> str:
        """``UNWIND $rows … CREATE`` of whole rows (every property named, so both engines bind the same)."""
        props = ", ".join(f"{p}: r.{p}" for p in self.properties)
        return f"UNWIND $rows AS r CREATE (n:{self.label} {{{props}}})"


def _is_neo4j(backend) -> bool:
    return getattr(backend, "name", "") == "neo4j"


def ensure_tables(backend, tables: list[Table]) -> None:
    """Create what is missing; safe to call on every write."""
    for table in tables:
        if _is_neo4j(backend):
            backend.query(f"CREATE CONSTRAINT {table.label.lower()}_{table.key} IF NOT EXISTS "
                          f"FOR (n:{table.label}) REQUIRE n.{table.key} IS UNIQUE")
        else:
            props = ", ".join(f"{name} {kind}" for name, kind in table.properties.items())
            backend.query(f"CREATE NODE TABLE IF NOT EXISTS {table.label}({props}, PRIMARY KEY({table.key}))")


def has_table(backend, table: Table) -> bool:
    """Whether the store has ever held ``table`` (a store opened read-only cannot create it)."""
    if _is_neo4j(backend):
        return True  # a label nobody wrote simply matches nothing
    names = backend.query("CALL show_tables() RETURN name")
    return table.label in set(names["name"])


def read_table(backend, table: Table, where: str = "", params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Rows of ``table`` (``where`` filters on ``n``); an empty frame with its columns when there are none."""
    if not has_table(backend, table):
        return pd.DataFrame(columns=list(table.properties))
    frame = backend.query(f"MATCH (n:{table.label}) {where} RETURN {table.returns()}", params or {})
    if not len(frame.columns):
        frame = pd.DataFrame(columns=list(table.properties))
    return frame


def write_all(backend, work: list[tuple[str, dict[str, Any]]]) -> None:
    """Run write statements all or nothing."""
    work = [(s, p) for s, p in work if p.get("rows", [None])]  # an empty UNWIND list has no type to bind
    if not work:
        return
    backend.run_transaction(work)
