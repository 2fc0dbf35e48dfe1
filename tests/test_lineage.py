"""Stable ring ids: the overlap rule, every status, deterministic ties (ringscan/history/lineage.py)."""
from __future__ import annotations

import itertools

from ringscan.history.lineage import Group, LineageParams, link_rings


def people(*ids: int) -> frozenset[str]:
    return frozenset(f"Patient|{i}" for i in ids) | frozenset(f"Card|c{i}" for i in ids)


def test_a_ring_that_gains_a_member_keeps_its_id_and_first_detection():
    old = [Group("R-a", people(1, 2, 3, 4, 5), "2026-01-01")]
    (s,), gone = link_rings(old, [Group("R-new-hash", people(1, 2, 3, 4, 5, 6))])
    assert (s.id, s.status, s.first_detected, s.previous_ids) == ("R-a", "grown", "2026-01-01", ["R-a"])
    assert s.added == frozenset({"Patient|6", "Card|c6"}) and not s.removed and gone == []


def test_unchanged_shrunk_new_and_gone():
    old = [Group("R-a", people(1, 2, 3, 4), "d1"), Group("R-b", people(10, 11, 12, 13), "d1"),
           Group("R-c", people(20, 21, 22), "d1")]
    new = [Group("x", people(1, 2, 3, 4)), Group("y", people(10, 11, 12)), Group("z", people(30, 31, 32))]
    got, gone = link_rings(old, new)
    assert [(s.id, s.status) for s in got] == [("R-a", "unchanged"), ("R-b", "shrunk"), ("z", "new")]
    assert got[2].first_detected is None and got[2].previous_ids == []
    assert gone == ["R-c"]


def test_merged_keeps_the_id_of_the_larger_part_and_lists_both():
    old = [Group("R-big", people(*range(1, 9)), "d1"), Group("R-small", people(20, 21, 22), "d2")]
    (s,), gone = link_rings(old, [Group("m", people(*range(1, 9), 20, 21, 22))])
    assert (s.id, s.status, s.previous_ids, s.first_detected) == ("R-big", "merged", ["R-big", "R-small"], "d1")
    assert gone == []  # a ring that merged into another is not gone


def test_split_gives_the_id_to_the_part_most_like_the_old_ring():
    old = [Group("R-a", people(*range(1, 11)), "d1")]
    got, gone = link_rings(old, [Group("p", people(1, 2, 3, 4, 5, 6, 7)), Group("q", people(8, 9, 10))])
    assert [(s.id, s.status, s.previous_ids) for s in got] == [("R-a", "split", ["R-a"]), ("q", "split", ["R-a"])]
    assert gone == []


def test_a_ring_that_doubled_is_still_that_ring_when_nothing_else_relates():
    old = [Group("R-a", people(1, 2, 3), "d1")]
    (s,), _ = link_rings(old, [Group("x", people(1, 2, 3, 4, 5, 6, 7))])  # Jaccard 3/7 < 0.5
    assert (s.id, s.status) == ("R-a", "grown")


def test_below_the_overlap_rule_rings_are_unrelated():
    old = [Group("R-a", people(1, 2, 3, 4, 5, 6), "d1")]
    (s,), gone = link_rings(old, [Group("x", people(1, 2, 40, 41, 42, 43))])  # shares 2 of 6
    assert (s.id, s.status) == ("x", "new") and gone == ["R-a"]
    strict = LineageParams(related_share=0.2)
    (s,), gone = link_rings(old, [Group("x", people(1, 2, 40, 41, 42, 43))], strict)
    assert (s.id, s.status) == ("R-a", "grown") and gone == []


def test_ties_are_broken_the_same_way_whatever_the_input_order():
    # Two earlier rings equally like one new ring: the earlier first detection wins, then the smaller id.
    old = [Group("R-b", people(1, 2, 3, 4), "2026-01-02"), Group("R-a", people(3, 4, 5, 6), "2026-01-02"),
           Group("R-c", people(1, 2, 5, 6), "2026-01-01")]
    new = Group("x", people(1, 2, 3, 4, 5, 6))
    winners = {link_rings(list(order), [new])[0][0].id for order in itertools.permutations(old)}
    assert winners == {"R-c"}


def test_a_ring_missed_by_one_scan_comes_back_under_its_id():
    old = [Group("R-a", people(1, 2, 3, 4), "d1", age=0), Group("R-dormant", people(7, 8, 9), "d0", age=3)]
    got, gone = link_rings(old, [Group("x", people(1, 2, 3, 4)), Group("y", people(7, 8, 9))])
    assert [(s.id, s.status) for s in got] == [("R-a", "unchanged"), ("R-dormant", "unchanged")]
    too_old = [Group("R-dormant", people(7, 8, 9), "d0", age=31)]
    assert link_rings(too_old, [Group("y", people(7, 8, 9))])[0][0].status == "new"


def test_a_new_ring_never_takes_an_id_another_ring_had():
    (s,), _ = link_rings([], [Group("R-x", people(1, 2, 3))], taken=frozenset({"R-x"}))
    assert s.id == "R-x-2" and s.status == "new"


def test_recorded_ids_match_themselves_in_a_diff():
    # Comparing two recorded scans: rings already carry their stable ids, which decide the pairs.
    old = [Group("R-a", people(1, 2, 3, 4), "d1"), Group("R-b", people(1, 2, 3, 4, 5), "d1")]
    got, _ = link_rings(old, [Group("R-b", people(1, 2, 3, 4))])
    assert (got[0].id, got[0].status) == ("R-b", "merged")
