"""The suspicion graph: actors (people, or cards whose holder is unknown) joined by evidence links.

Edges sum the links of every family between two actors (weights are surprises
in orders of magnitude; see rings.evidence) and keep what they rest on:
families, rules, kinds of link (weight per kind), meeting episodes per kind,
hub context, settlements.

* **Households**: people sharing a small address (2 to ``max_household``
  people; a phone only for people with no address on record) are one
  household. Links between members of one household count ``household_factor``:
  a family fetching medicine together is not a ring.
* **Identifiers strengthen, never recruit**: shared phones and addresses add
  ``weight`` only between actors that already have evidence links; they add
  nothing to ``evidence_weight``, which is what rings are judged on.
"""
from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["SuspicionParams", "household_of", "suspicion_graph"]


@dataclass(frozen=True)
class SuspicionParams:
    max_household: int = 5        # a family home holds at most this many insured people (PATTERNS: 2–5)
    household_factor: float = 0.1  # a link inside one household counts a tenth


def _ties(persons: pd.DataFrame, max_household: int) -> pd.DataFrame:
    """One row per person and household identifier (``psn``, ``ident``): a small shared address,
    or a small shared phone of people with no address on record.

    A family shares an address (and often a phone); people at different
    addresses who share a phone are not a family — that is an intermediary's
    signature — so a phone marks a household only for people with no address
    on record.
    """
    parts = []
    has_addr = persons["addr"].notna() if "addr" in persons else pd.Series(False, index=persons.index)
    for column, rows in (("addr", persons[has_addr]), ("tel", persons[~has_addr])):
        if column not in persons:
            continue
        values = rows[["psn_no", column]].dropna()
        sizes = values.groupby(column)["psn_no"].transform("nunique")
        small = values[(sizes >= 2) & (sizes <= max_household)]
        parts.append(pd.DataFrame({"psn": small["psn_no"].astype("str").to_numpy(),
                                   "ident": (column + ":" + small[column].astype("str")).to_numpy()}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"psn": [], "ident": []})


def household_of(persons: pd.DataFrame, max_household: int) -> dict[str, str]:
    """psn_no → a household id (the first of its people, as text sorts): people joined by small
    shared addresses and phones, a chain of them one household.

    Each person starts as their own household and takes the smallest household of the people
    they share an identifier with until none changes (a person holds one address or one phone,
    so that is a pass or two): 0.1 s for the 470k district's 58k people in households, where a
    networkx graph of strings took 0.55 s.
    """
    ties = _ties(persons, max_household)
    if ties.empty:
        return {}
    person, people = pd.factorize(ties["psn"])
    ident = pd.factorize(ties["ident"])[0]
    # People numbered in text order: a household's smallest number is its first person.
    order = pc.sort_indices(pa.array(people, type=pa.string())).to_numpy()
    number = np.empty(len(people), dtype=np.int64)
    number[order] = np.arange(len(people))
    home = number.copy()  # each person's household, as the number of its first person
    while True:
        smallest = np.full(int(ident.max()) + 1, len(people))
        np.minimum.at(smallest, ident, home[person])
        joined = home.copy()
        np.minimum.at(joined, person, smallest[ident])
        if np.array_equal(joined, home):
            break
        home = joined
    first = np.asarray(people, dtype=object)[order]
    return dict(zip(people.tolist(), first[home].tolist()))


def _home(actor: str, home: dict[str, str]) -> str:
    kind, _, ident = actor.partition("|")
    return home.get(ident, actor) if kind == "Patient" else actor


def suspicion_graph(links: pd.DataFrame, home: dict[str, str],
                    params: SuspicionParams = SuspicionParams()) -> nx.Graph:
    """Build the weighted actor graph from evidence links (rings.evidence).

    ``home`` maps psn_no to its household id (:func:`household_of`).
    """
    G = nx.Graph()
    if links.empty:
        return G
    links = links.reset_index(drop=True)
    homes = {x: _home(x, home) for x in pd.unique(pd.concat([links["a"], links["b"]]))}
    same_home = links["a"].map(homes) == links["b"].map(homes)
    links = links.assign(weight=links["weight"].astype(float).where(~same_home, links["weight"] * params.household_factor))
    evidence = links[links["kind"] != "identifier"]
    pair = ["a", "b"]
    by_pair = evidence.groupby(pair, sort=True)
    kinds = evidence.pivot_table(index=pair, columns="kind", values="weight", aggfunc="sum")
    families = evidence.pivot_table(index=pair, columns="family", values="weight", aggfunc="sum")
    numbers = by_pair.agg(total=("weight", "sum"), at_risk=("at_risk", "max"), k=("k", "max"))
    # What each pair's links rest on, gathered in one pass over them (a pandas aggregate per pair
    # and a pair's lookup in a two-level Series each cost tens of microseconds, a few thousand
    # pairs a scan). A pair's episodes by kind, in the order its kinds first come, then "again":
    # two people in two or more of the same bursts (batches, sittings) met again.
    rules: dict[tuple[str, str], set[str]] = {}
    context: dict[tuple[str, str], set[str]] = {}
    found: dict[tuple[str, str], set[str]] = {}
    episodes: dict[tuple[str, str], dict[str, set[str]]] = {}
    hubs: dict[tuple[str, str], dict] = {}
    again = ((evidence["kind"] == "repeat") | ((evidence["kind"] == "burst") & (evidence["k"] >= 2))).tolist()
    columns = [evidence[c].tolist() for c in ("a", "b", "rule", "kind", "context", "evidence", "episodes", "hubs")]
    met_again = []
    for a, b, rule, kind, ctx, ev, eps, h, repeated in zip(*columns, again):
        key = (a, b)
        rules.setdefault(key, set()).add(rule)
        context.setdefault(key, set()).update(ctx)
        found.setdefault(key, set()).update(ev)
        episodes.setdefault(key, {}).setdefault(kind, set()).update(eps)
        if h:
            hubs.setdefault(key, {}).update(h)
        if repeated:
            met_again.append((key, eps))
    for key, eps in met_again:
        episodes[key].setdefault("again", set()).update(eps)
    kind_rows = {key: {k: float(v) for k, v in row.items() if v == v} for key, row in kinds.to_dict("index").items()}
    family_rows = {key: {k: float(v) for k, v in row.items() if v == v}
                   for key, row in families.to_dict("index").items()}
    edges = []
    for key, total, at_risk, k in zip(numbers.index, numbers["total"].tolist(), numbers["at_risk"].tolist(),
                                      numbers["k"].tolist()):
        total = float(total)
        edges.append((key[0], key[1], {
            "weight": total, "evidence_weight": total, "families": family_rows[key], "kinds": kind_rows[key],
            # Tied by something other than time and place: a hub they both exceed at.
            "tied": "excess" in kind_rows[key], "rules": rules[key], "at_risk": float(at_risk),
            "k": int(k) if k == k else 1, "episodes": episodes.get(key, {}),
            "hubs": hubs.get(key, {}), "context": context[key], "evidence": found[key]}))
    G.add_edges_from(edges)
    identifiers = links[(links["kind"] == "identifier") & links["a"].isin(G) & links["b"].isin(G)]
    for (a, b), rows in identifiers.groupby(pair, sort=True):
        w = float(rows["weight"].sum())
        # A shared phone (level medium and up) ties two people; an address alone
        # does not (exports cut addresses at the building; nursing homes share one).
        tied = bool(rows["level"].isin(["medium", "high"]).any())
        if G.has_edge(a, b):
            G[a][b]["weight"] += w
            G[a][b]["rules"] |= set(rows["rule"])
            G[a][b]["tied"] = G[a][b]["tied"] or tied
        else:
            G.add_edge(a, b, weight=w, evidence_weight=0.0, families={}, kinds={"identifier": w}, tied=tied,
                       rules=set(rows["rule"]), at_risk=0.0, k=0, episodes={}, hubs={}, context=set(),
                       evidence=set())
    return G
