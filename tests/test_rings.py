"""The ring stage: communities are partitions, households and single batches do not make rings,
identifiers never recruit, groups that only touch are separate rings."""
from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringscan.rings.assemble import RingParams, assemble_rings, log10_choose
from ringscan.rings.communities import METHODS, detect_communities
from ringscan.rings.suspicion import household_of, suspicion_graph

NO_FLAGS = pd.DataFrame(columns=["rule", "entity_type", "entity_id"])


def _link(a, b, weight, *, kind="repeat", family="pharmacy_swipe", episodes=("P1|1", "P1|2"), at_risk=2.0,
          k=2, level="high", evidence=None, hubs=None):
    return {"rule": f"r-{family}", "family": family, "level": level, "kind": kind, "a": f"Patient|{a}",
            "b": f"Patient|{b}", "weight": weight, "k": k, "mu": 0.01, "at_risk": at_risk,
            "episodes": [f"r-{family}|{e}" for e in episodes], "context": [], "hubs": hubs or {},
            "evidence": evidence if evidence is not None else [f"S-{a}", f"S-{b}"]}


def _clique(people, weight, **kw):
    return [_link(a, b, weight, **kw) for i, a in enumerate(people) for b in people[i + 1:]]


def _settlements(people, days=(19800, 19801)):
    return pd.DataFrame([{"setl_id": f"S-{p}", "mdtrt_cert_no": f"c{p}", "psn_no": p, "fixmedins_code": "P1",
                          "place_label": "Pharmacy", "atddr_no": None, "setl_day": days[0], "setl_ts": days[0] * 86400,
                          "fund_pay": 50.0, "refund": 0} for p in people])


def _persons(addresses: dict[str, str]):
    return pd.DataFrame({"psn_no": list(addresses), "addr": list(addresses.values()), "tel": [None] * len(addresses)})


def _rings(links, persons, people, params=RingParams()):
    homes = household_of(persons, 5)
    G = suspicion_graph(pd.DataFrame(links), homes)
    return assemble_rings(G, detect_communities(G, seed=0), NO_FLAGS, _settlements(people), homes, params)


def _two_cliques() -> nx.Graph:
    G = nx.Graph()
    for group in (["a", "b", "c", "d"], ["w", "x", "y", "z"]):
        G.add_weighted_edges_from((u, v, 3.0) for i, u in enumerate(group) for v in group[i + 1:])
    G.add_edge("d", "w", weight=0.1)
    return G


@pytest.mark.parametrize("method", METHODS)
def test_communities_partition_the_graph(method):
    G = _two_cliques()
    parts = detect_communities(G, method=method, seed=2)
    assert sorted(n for p in parts for n in p) == sorted(G.nodes)
    assert parts == [["a", "b", "c", "d"], ["w", "x", "y", "z"]]


def test_communities_are_deterministic_for_a_seed():
    G = nx.gnp_random_graph(60, 0.08, seed=5)
    nx.set_edge_attributes(G, 1.0, "weight")
    G = nx.relabel_nodes(G, {n: f"n{n:02d}" for n in G})
    assert detect_communities(G, seed=9) == detect_communities(G, seed=9)


def test_unknown_method_is_a_value_error():
    with pytest.raises(ValueError, match="unknown"):
        detect_communities(_two_cliques(), method="magic")


def test_household_links_are_discounted():
    homes = household_of(_persons({"p1": "家1", "p2": "家1", "q1": "别处"}), 5)
    G = suspicion_graph(pd.DataFrame([_link("p1", "p2", 5.0), _link("p1", "q1", 5.0)]), homes)
    assert G["Patient|p1"]["Patient|p2"]["weight"] == pytest.approx(0.1 * G["Patient|p1"]["Patient|q1"]["weight"])


def _households_by_networkx(persons: pd.DataFrame, max_household: int) -> dict[str, str]:
    """The grouping as a graph of strings: people and their small shared addresses (or, with no
    address, phones); each component's people go to the first of them as text sorts."""
    B = nx.Graph()
    has_addr = persons["addr"].notna()
    for column, rows in (("addr", persons[has_addr]), ("tel", persons[~has_addr])):
        values = rows[["psn_no", column]].dropna()
        for value, group in values.groupby(column):
            if 2 <= group["psn_no"].nunique() <= max_household:
                B.add_edges_from(("psn:" + psn, f"{column}:{value}") for psn in group["psn_no"])
    out = {}
    for component in nx.connected_components(B):
        people = sorted(n[4:] for n in component if n.startswith("psn:"))
        out.update({psn: people[0] for psn in people})
    return out


_people = st.lists(st.tuples(st.sampled_from(["p1", "p2", "p10", "q", "Q", "张三", "z9", "a-1"]),
                             st.one_of(st.none(), st.sampled_from(["家1", "家2", "楼", "x"])),
                             st.one_of(st.none(), st.sampled_from(["138", "139", "000"]))), max_size=25)


@settings(max_examples=200, deadline=None)
@given(_people, st.integers(min_value=2, max_value=5))
def test_households_are_the_components_of_shared_identifiers(rows, max_household):
    persons = pd.DataFrame(rows, columns=["psn_no", "addr", "tel"]).drop_duplicates("psn_no")
    assert household_of(persons, max_household) == _households_by_networkx(persons, max_household)


def test_a_chain_of_shared_identifiers_is_one_household():
    persons = pd.DataFrame({"psn_no": ["b", "a", "c", "d"], "addr": ["家1", "家1", None, None],
                            "tel": [None, None, "139", "139"]})
    assert household_of(persons, 5) == {"a": "a", "b": "a", "c": "c", "d": "c"}
    persons.loc[persons["psn_no"] == "c", "addr"] = "家1"  # c has an address: its phone no longer counts
    assert household_of(persons, 5) == {"a": "a", "b": "a", "c": "a"}


def test_identifiers_strengthen_but_never_recruit():
    links = _clique(["a", "b", "c"], 10.0) + [_link("a", "z", 0.5, kind="identifier", level="medium", evidence=[])]
    G = suspicion_graph(pd.DataFrame(links), {})
    assert "Patient|z" not in G


def test_a_ring_of_repeated_meetings_is_found_with_its_significance():
    people = ["a", "b", "c", "d"]
    rings = _rings(_clique(people, 12.0), _persons(dict(zip(people, "甲乙丙丁"))), people)
    assert len(rings) == 1
    ring = rings[0]
    assert {m["id"] for m in ring.members if m["type"] == "Patient"} == set(people)
    assert {m["id"] for m in ring.members if m["type"] == "Card"} == {f"c{p}" for p in people}
    assert ring.significance == pytest.approx(6 * 12.0 - log10_choose(4, 4), abs=0.01)
    assert ring.kind == "pharmacy_swipe" and 0 < ring.score <= 100 and ring.amount == 200.0


def test_one_household_is_not_a_ring():
    people = ["p1", "p2", "p3"]
    assert _rings(_clique(people, 12.0), _persons(dict.fromkeys(people, "家1")), people) == []


def test_a_single_batch_is_not_a_ring():
    people = list("abcdef")  # a bus accident: admitted together once, no repeated meeting
    links = _clique(people, 3.0, kind="burst", family="fake_admission", episodes=("H1|5",), k=1, at_risk=0.0)
    assert _rings(links, _persons(dict(zip(people, "甲乙丙丁戊己"))), people) == []


def test_weak_evidence_is_not_significant():
    people = list("abc")
    links = _clique(people, 2.0, at_risk=0.0)  # three links each 10^-2: chance, among fifty people with evidence
    others = [f"x{i}" for i in range(50)]
    filler = [_link(a, b, 2.0, at_risk=0.0, episodes=("P9|1",)) for a, b in zip(others[::2], others[1::2])]
    persons = _persons({p: p for p in people + others})
    assert _rings(links + filler, persons, people, RingParams(min_significance=3.0)) == []


def test_groups_that_only_touch_are_separate_rings():
    left, right = list("abcd"), list("wxyz")
    links = _clique(left, 10.0) + _clique(right, 10.0, episodes=("P2|7", "P2|9")) + [_link("d", "w", 2.5)]
    persons = _persons({p: p for p in left + right})
    rings = _rings(links, persons, left + right)
    assert sorted(sorted(m["id"] for m in r.members if m["type"] == "Patient") for r in rings) == [left, right]


def test_a_phone_shared_across_addresses_is_not_a_household():
    persons = pd.DataFrame({"psn_no": ["f1", "f2", "g1", "g2", "n1", "n2"],
                            "addr": ["家", "家", "甲", "乙", None, None],
                            "tel": ["139", "139", "155", "155", "186", "186"]})
    homes = household_of(persons, 5)
    assert homes["f1"] == homes["f2"]          # family: one address
    assert "g1" not in homes and "g2" not in homes  # an intermediary's phone at two addresses
    assert homes["n1"] == homes["n2"]          # no address on record: the phone decides
