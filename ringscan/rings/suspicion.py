"""The suspicion graph: every rule's links as one weighted networkx graph of entities.

Nodes are ``"Type|id"`` strings (``Card|A3301…``). A link's weight becomes
``level × log2(1 + weight)`` so rules that count days, episodes or ratios add
on one scale. Two safeguards keep hubs from gluing strangers together:

* **household discount**: a link between two people (or their cards) who share
  an address that at most ``max_household`` people share (a phone, for people
  with no address on record) is multiplied by ``household_factor`` — family
  members fetch medicine for each other;
* **degree cap**: a node with more than ``max_degree`` neighbours has its
  links scaled by ``max_degree / degree``.

A card whose holder is known is the same actor as its holder: its links land
on the holder's node, so card evidence (co-swipes, refunds) and person
evidence (doctor links, co-admissions) about the same people make one ring,
not two. Rings list the cards again through their holders.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import pandas as pd

from ..rules.catalogue import LEVELS

__all__ = ["SuspicionParams", "node_key", "split_key", "households", "household_of", "suspicion_graph"]


@dataclass(frozen=True)
class SuspicionParams:
    max_household: int = 5
    household_factor: float = 0.1
    max_degree: int = 50


def node_key(kind: str, ident: str) -> str:
    return f"{kind}|{ident}"


def split_key(key: str) -> tuple[str, str]:
    kind, _, ident = key.partition("|")
    return kind, ident


def households(persons: pd.DataFrame, max_household: int) -> dict[str, set[str]]:
    """psn_no → household identifiers, shared by 2 to max_household people.

    A family shares an address (and often a phone); people at different
    addresses who share a phone are not a family — that is an intermediary's
    signature — so a phone marks a household only for people with no address
    on record.
    """
    out: dict[str, set[str]] = {}
    has_addr = persons["addr"].notna() if "addr" in persons else pd.Series(False, index=persons.index)
    for column, rows in (("addr", persons[has_addr]), ("tel", persons[~has_addr])):
        if column not in persons:
            continue
        values = rows[["psn_no", column]].dropna()
        sizes = values.groupby(column)["psn_no"].transform("nunique")
        small = values[(sizes >= 2) & (sizes <= max_household)]
        for psn, value in zip(small["psn_no"], small[column]):
            out.setdefault(psn, set()).add(f"{column}:{value}")
    return out


def household_of(persons: pd.DataFrame, max_household: int,
                 known: dict[str, set[str]] | None = None) -> dict[str, str]:
    """psn_no → a household id: people joined by small shared addresses/phones.

    ``known`` is :func:`households` already computed for the same persons.
    """
    B = nx.Graph()
    for psn, ids in (known if known is not None else households(persons, max_household)).items():
        for ident in ids:
            B.add_edge("psn:" + psn, ident)
    out = {}
    for component in nx.connected_components(B):
        people = sorted(n[4:] for n in component if n.startswith("psn:"))
        for psn in people:
            out[psn] = people[0]
    return out


def suspicion_graph(links: pd.DataFrame, holders: dict[str, str], persons: pd.DataFrame,
                    params: SuspicionParams = SuspicionParams(),
                    known: dict[str, set[str]] | None = None) -> nx.Graph:
    """Build the weighted graph; edge attributes keep families, rules and evidence.

    ``known`` is :func:`households` already computed for ``persons``.
    """
    hh = known if known is not None else households(persons, params.max_household)
    G = nx.Graph()
    def actor(kind: str, ident: str) -> str:
        if kind == "Card" and ident in holders:
            return node_key("Patient", holders[ident])
        return node_key(kind, ident)

    for row in links.itertuples(index=False):
        a, b = actor(row.a_type, row.a_id), actor(row.b_type, row.b_id)
        if a == b:
            continue
        w = LEVELS[row.level] * math.log2(1.0 + max(float(row.weight), 0.0))
        pa = row.a_id if row.a_type == "Patient" else holders.get(row.a_id) if row.a_type == "Card" else None
        pb = row.b_id if row.b_type == "Patient" else holders.get(row.b_id) if row.b_type == "Card" else None
        if pa and pb and (pa == pb or hh.get(pa, set()) & hh.get(pb, set())):
            w *= params.household_factor
        if G.has_edge(a, b):
            data = G[a][b]
        else:
            G.add_edge(a, b, weight=0.0, corroborated=0.0, families={}, rules=set(), evidence=set())
            data = G[a][b]
        data["weight"] += w
        if LEVELS[row.level] > LEVELS["low"]:
            data["corroborated"] += w
        data["families"][row.family] = data["families"].get(row.family, 0.0) + w
        data["rules"].add(row.rule)
        data["evidence"].update(row.evidence)
    for node in list(G.nodes):
        degree = G.degree(node)
        if degree > params.max_degree:
            factor = params.max_degree / degree
            for _, _, data in G.edges(node, data=True):
                data["weight"] *= factor
    return G
