"""Write a scan's rings back into Neo4j: (:Ring)-[:HAS_MEMBER]->(member), replacing the last scan's.

The statements live in cypher/writeback/rings.cypher; they run in one
transaction so Browser/Bloom users never see half a scan.
"""
from __future__ import annotations

import re

from ..config import CYPHER_DIR
from .cypher_files import statements

__all__ = ["writeback_work", "write_rings", "write_back"]

_MEMBER_LABEL = re.compile(r"MATCH \(m:(\w+) ")


def writeback_work(rings: list, scanned_at: str) -> list[tuple[str, dict]]:
    """(statement, params) pairs that replace the stored rings with ``rings``."""
    found = statements(CYPHER_DIR / "writeback" / "rings.cypher")
    clear, create, member_statements = found[0], found[1], found[2:]
    ring_rows = [{"id": r.id, "kind": r.kind, "score": r.score, "rank": r.rank, "amount": r.amount,
                  "first_seen": r.first_seen, "last_seen": r.last_seen, "rules": list(r.rules),
                  "explanation": r.explanation, "explanation_en": r.explanation_en, "scanned_at": scanned_at}
                 for r in rings]
    work = [(clear, {}), (create, {"rings": ring_rows})]
    for statement in member_statements:
        labelled = _MEMBER_LABEL.search(statement)
        assert labelled is not None, statement  # every member statement in rings.cypher names its label
        label = labelled.group(1)
        rows = [{"ring": r.id, "id": m["id"]} for r in rings for m in r.members if m["type"] == label]
        if rows:
            work.append((statement, {"members": rows}))
    return work


def write_rings(backend, rings: list, scanned_at: str) -> tuple[int, int]:
    """Replace the rings stored in ``backend`` (a Neo4jBackend)."""
    return backend.run_transaction(writeback_work(rings, scanned_at))


def write_back(backend, rings: list, scanned_at: str) -> bool:
    """Write the rings where the store's own tools show them (Neo4j Browser/Bloom); False for a store without.

    Called once a scan's rings have their stable ids (:mod:`ringscan.history.record`).
    """
    if getattr(backend, "name", "") != "neo4j":
        return False
    write_rings(backend, rings, scanned_at)
    return True
