"""The ring stage: communities are partitions, households and hubs do not make rings."""
from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from ringscan.rings.assemble import assemble_rings
from ringscan.rings.communities import METHODS, detect_communities
from ringscan.rings.suspicion import SuspicionParams, household_of, suspicion_graph


def _links(rows):
    return pd.DataFrame([{"rule": "r", "family": fam, "level": "high", "a_type": at, "a_id": a, "b_type": bt,
                          "b_id": b, "weight": w, "evidence": ev} for fam, at, a, bt, b, w, ev in rows])


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
    persons = pd.DataFrame({"psn_no": ["p1", "p2", "q1"], "addr": ["家1", "家1", "别处"], "tel": [None, None, None]})
    holders = {"c1": "p1", "c2": "p2", "c3": "q1"}
    G = suspicion_graph(_links([("pharmacy_swipe", "Card", "c1", "Card", "c2", 5, []),
                                ("pharmacy_swipe", "Card", "c1", "Card", "c3", 5, [])]), holders, persons)
    assert G["Patient|p1"]["Patient|p2"]["weight"] == pytest.approx(0.1 * G["Patient|p1"]["Patient|q1"]["weight"])


def test_hub_links_are_scaled_down():
    rows = [("refund_cashout", "Card", f"c{i}", "Pharmacy", "hub", 3, []) for i in range(10)]
    G = suspicion_graph(_links(rows), {}, pd.DataFrame(columns=["psn_no", "addr", "tel"]),
                        SuspicionParams(max_degree=5))
    plain = suspicion_graph(_links(rows[:1]), {}, pd.DataFrame(columns=["psn_no", "addr", "tel"]))
    assert G["Card|c0"]["Pharmacy|hub"]["weight"] == pytest.approx(plain["Card|c0"]["Pharmacy|hub"]["weight"] * 0.5)


def _sittings(people, days=(19800, 19801)):
    """Each listed person's card swiped in one chain at P1 on each day."""
    return pd.DataFrame([{"setl_id": f"S-{p}-{d}", "mdtrt_cert_no": f"c{p}", "psn_no": p, "fixmedins_code": "P1",
                          "place_label": "Pharmacy", "atddr_no": None, "setl_day": d, "setl_ts": d * 86400 + 60 * i,
                          "fund_pay": 50.0, "refund": 0} for d in days for i, p in enumerate(people)])


def _pair_links(group, settlements):
    ids = lambda p: settlements.loc[settlements["psn_no"] == p, "setl_id"].tolist()  # noqa: E731
    return [("pharmacy_swipe", "Card", f"c{a}", "Card", f"c{b}", 6, ids(a) + ids(b))
            for i, a in enumerate(group) for b in group[i + 1:]]


def _rings(persons, rows, settlements):
    holders = {f"c{p}": p for p in persons["psn_no"]}
    G = suspicion_graph(_links(rows), holders, persons)
    return assemble_rings(G, detect_communities(G, seed=0), pd.DataFrame(columns=["rule", "entity_type", "entity_id"]),
                          settlements, holders, {p: [f"c{p}"] for p in persons["psn_no"]}, household_of(persons, 5))


def test_one_household_is_not_a_ring():
    persons = pd.DataFrame({"psn_no": ["p1", "p2", "p3", "s1", "s2", "s3"],
                            "addr": ["家1", "家1", "家1", "甲", "乙", "丙"], "tel": [None] * 6})
    settlements = _sittings(["p1", "p2", "p3", "s1", "s2", "s3"])
    rows = _pair_links(["p1", "p2", "p3"], settlements) + _pair_links(["s1", "s2", "s3"], settlements)
    rings = _rings(persons, rows, settlements)
    assert len(rings) == 1
    assert {m["id"] for m in rings[0].members if m["type"] == "Patient"} == {"s1", "s2", "s3"}
    assert rings[0].kind == "pharmacy_swipe" and 0 < rings[0].score <= 100
    assert rings[0].amount == 300.0


def test_cards_that_only_meet_in_pairs_are_not_a_swipe_ring():
    persons = pd.DataFrame({"psn_no": ["a", "b", "c"], "addr": ["甲", "乙", "丙"], "tel": [None] * 3})
    # a–b meet on day 1, b–c on day 2, a–c on day 3: never three cards in one sitting
    settlements = pd.concat([_sittings(["a", "b"], (1,)), _sittings(["b", "c"], (2,)), _sittings(["a", "c"], (3,))],
                            ignore_index=True)
    assert _rings(persons, _pair_links(["a", "b", "c"], settlements), settlements) == []


def test_low_level_evidence_alone_is_not_a_ring():
    persons = pd.DataFrame({"psn_no": list("abcdef"), "addr": ["同一楼"] * 6, "tel": [None] * 6})
    links = _links([("shared_identifier", "Patient", a, "Patient", b, 0.4, []) for a in "abcdef" for b in "abcdef" if a < b])
    links["level"] = "low"
    G = suspicion_graph(links, {}, persons.assign(addr=list("甲乙丙丁戊己")))
    rings = assemble_rings(G, detect_communities(G, seed=0), pd.DataFrame(columns=["rule", "entity_type", "entity_id"]),
                           pd.DataFrame(), {}, {}, {})
    assert rings == []
    links["level"] = "medium"
    G = suspicion_graph(links, {}, persons.assign(addr=list("甲乙丙丁戊己")))
    assert len(assemble_rings(G, detect_communities(G, seed=0), pd.DataFrame(columns=["rule", "entity_type", "entity_id"]),
                              pd.DataFrame(), {}, {}, {})) == 1


def test_a_card_and_its_holder_make_one_ring():
    persons = pd.DataFrame({"psn_no": list("abcd"), "addr": list("甲乙丙丁"), "tel": [None] * 4})
    holders = {f"c{p}": p for p in "abcd"}
    settlements = _sittings(list("abcd"))
    rows = _pair_links(list("abcd"), settlements)  # card–card evidence …
    rows += [("doctor_collusion", "Doctor", "D1", "Patient", p, 8, []) for p in "abcd"]  # … and person evidence
    G = suspicion_graph(_links(rows), holders, persons)
    assert not any(node.startswith("Card|") for node in G)  # cards land on their holders
    rings = assemble_rings(G, detect_communities(G, seed=0), pd.DataFrame(columns=["rule", "entity_type", "entity_id"]),
                           settlements, holders, {p: [f"c{p}"] for p in "abcd"}, household_of(persons, 5))
    assert len(rings) == 1
    assert {m["type"] for m in rings[0].members} >= {"Card", "Patient", "Doctor"}
    assert set(rings[0].family_weights) == {"pharmacy_swipe", "doctor_collusion"}


def test_a_phone_shared_across_addresses_is_not_a_household():
    persons = pd.DataFrame({"psn_no": ["f1", "f2", "g1", "g2", "n1", "n2"],
                            "addr": ["家", "家", "甲", "乙", None, None],
                            "tel": ["139", "139", "155", "155", "186", "186"]})
    homes = household_of(persons, 5)
    assert homes["f1"] == homes["f2"]          # family: one address
    assert "g1" not in homes and "g2" not in homes  # an intermediary's phone at two addresses
    assert homes["n1"] == homes["n2"]          # no address on record: the phone decides
