"""Community detection on the suspicion graph: Louvain (default), Leiden, label propagation.

Every method is deterministic for a given ``seed``: nodes are fed in sorted
order and the result is returned as sorted lists, largest first.

>>> import networkx as nx
>>> G = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("x", "y"), ("y", "z"), ("x", "z"), ("c", "x")])
>>> detect_communities(G, method="louvain", seed=1)
[['a', 'b', 'c'], ['x', 'y', 'z']]
"""
from __future__ import annotations

import networkx as nx

__all__ = ["METHODS", "detect_communities"]

METHODS = ("louvain", "leiden", "label_propagation")


def detect_communities(G: nx.Graph, *, method: str = "louvain", seed: int = 0,
                       resolution: float = 1.0, weight: str = "weight") -> list[list[str]]:
    """Partition ``G`` into communities (lists of node keys)."""
    if method not in METHODS:
        raise ValueError(f"community method `{method}` unknown; use one of {', '.join(METHODS)}")
    H = nx.Graph()
    H.add_nodes_from(sorted(G.nodes))
    H.add_weighted_edges_from(sorted((min(a, b), max(a, b), d.get(weight, 1.0)) for a, b, d in G.edges(data=True)))
    if H.number_of_nodes() == 0:
        return []
    if method == "louvain":
        parts = nx.community.louvain_communities(H, weight="weight", resolution=resolution, seed=seed)
    elif method == "label_propagation":
        parts = nx.community.asyn_lpa_communities(H, weight="weight", seed=seed)
    else:
        parts = _leiden(H, seed=seed, resolution=resolution)
    return sorted((sorted(p) for p in parts), key=lambda p: (-len(p), p))


def _leiden(H: nx.Graph, *, seed: int, resolution: float) -> list[set[str]]:
    try:
        import igraph as ig
        import leidenalg
    except ImportError as exc:  # an optional extra
        raise ValueError("Leiden needs the leidenalg package: pip install leidenalg") from exc
    nodes = list(H.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    g = ig.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b in H.edges])
    weights = [d["weight"] for _, _, d in H.edges(data=True)]
    part = leidenalg.find_partition(g, leidenalg.RBConfigurationVertexPartition, weights=weights,
                                    resolution_parameter=resolution, seed=seed)
    return [{nodes[i] for i in members} for members in part]
