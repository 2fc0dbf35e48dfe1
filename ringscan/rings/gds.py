"""Community detection with Neo4j's Graph Data Science plugin (``--communities gds``).

The suspicion graph is written as temporary :SuspectNode nodes, projected into
GDS, partitioned with Louvain (or Leiden with ``algorithm="leiden"``), and
everything temporary is removed again. Statements: cypher/gds/communities.cypher.
"""
from __future__ import annotations

import networkx as nx

from ..config import CYPHER_DIR
from ..graph.backend import BackendError
from ..graph.cypher_files import named_statements

__all__ = ["gds_communities", "GRAPH_NAME"]

GRAPH_NAME = "ringscan-suspicion"


def gds_communities(backend, G: nx.Graph, *, seed: int = 0, algorithm: str = "louvain") -> list[list[str]]:
    if getattr(backend, "name", "") != "neo4j":
        raise ValueError("--communities gds needs the neo4j backend (Graph Data Science runs inside Neo4j)")
    q = named_statements(CYPHER_DIR / "gds" / "communities.cypher")
    try:
        backend.query(q["version"])
    except BackendError as exc:
        raise BackendError(f"the Graph Data Science plugin is not available on Neo4j at {backend.uri}; "
                           "install it (docker-compose.yml does) or use --communities louvain") from exc
    edges = [{"a": min(a, b), "b": max(a, b), "w": float(d["weight"])} for a, b, d in G.edges(data=True)]
    if not edges:
        return []
    backend.run_transaction([(q["clear"], {}), (q["edges"], {"edges": sorted(edges, key=lambda e: (e["a"], e["b"]))})])
    try:
        backend.query(q["project"], {"graph": GRAPH_NAME})
        rows = backend.query(q[algorithm], {"graph": GRAPH_NAME, "seed": seed})
    finally:
        backend.query(q["drop"], {"graph": GRAPH_NAME})
        backend.run_transaction([(q["clear"], {})])
    groups = rows.groupby("community")["key"].apply(sorted)
    return sorted(groups.tolist(), key=lambda p: (-len(p), p))
