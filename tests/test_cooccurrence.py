"""Co-occurrence against chance: repeated meetings, bursts, a place's own traffic."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ringscan.rings.cooccurrence import SCALES, bursts, cooccurrence_pairs, poisson_surprise

DAY = 86_400


def _background(rng: np.random.Generator, place: str, people: int, visits: int, days: int = 120) -> list[dict]:
    """Unrelated customers at ``place``, each on ``visits`` random days at random opening hours."""
    rows = []
    for p in range(people):
        for day in rng.choice(days, size=visits, replace=False):
            t = int(day) * DAY + int(rng.integers(8 * 3600, 20 * 3600))
            rows.append({"actor": f"{place}-bg{p}", "place": place, "t": t, "rep": int(day)})
    return rows


def _events(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["setl_id"] = [f"S{i}" for i in range(len(frame))]
    return frame


def _stack(cards: list[str], place: str, days: list[int], start_h: int = 15, gap_s: int = 90) -> list[dict]:
    return [{"actor": c, "place": place, "t": d * DAY + start_h * 3600 + i * gap_s, "rep": d}
            for d in days for i, c in enumerate(cards)]


def test_poisson_surprise_matches_the_tail():
    assert poisson_surprise(np.array([0]), np.array([1.0]))[0] == 0.0
    assert poisson_surprise(np.array([1]), np.array([1.0]))[0] == pytest.approx(-np.log10(1 - np.exp(-1)))
    assert poisson_surprise(np.array([5]), np.array([0.01]))[0] > 10


def test_repeated_sittings_stand_out_and_busy_place_coincidences_do_not():
    rng = np.random.default_rng(1)
    rows = _background(rng, "P1", people=300, visits=6) + _stack(["a", "b", "c", "d"], "P1", [10, 31, 55, 80])
    pairs, at_risk, info = cooccurrence_pairs(_events(rows), scale=SCALES["sitting"], window=900)
    ring = pairs[pairs["a"].isin(list("abcd")) & pairs["b"].isin(list("abcd"))]
    others = pairs[~pairs.index.isin(ring.index)]
    assert len(ring) == 6 and (ring["k"] == 4).all()
    assert ring["surprise"].min() > np.log10(at_risk)            # beyond every pair one could have tried
    assert others.empty or others["surprise"].max() < ring["surprise"].min()
    assert set(info["episode"]) >= {"P1|10", "P1|31", "P1|55", "P1|80"}


def test_meeting_at_a_quiet_place_counts_more_than_at_a_busy_one():
    rng = np.random.default_rng(2)
    quiet = _background(rng, "Q", people=20, visits=4) + _stack(["a", "b"], "Q", [5, 40])
    busy = _background(rng, "B", people=20, visits=4) + _stack(["c", "d"], "B", [5, 40])
    # the busy place: the same two customers meet amid a crowd arriving every few minutes
    busy += [{"actor": f"crowd{i}", "place": "B", "t": d * DAY + 15 * 3600 + 60 * i, "rep": d}
             for d in range(0, 120, 2) for i in range(30)]
    pairs, _, _ = cooccurrence_pairs(_events(quiet + busy), scale=SCALES["sitting"], window=900)
    by_pair = pairs.set_index(["a", "b"])["surprise"]
    assert by_pair[("a", "b")] > by_pair[("c", "d")]


def test_a_batch_is_a_burst_and_a_batch_with_one_diagnosis_drops_the_ordinary_admissions():
    rows = [{"actor": f"p{i}", "place": "H", "t": 3 * i, "rep": 3 * i, "attr": "I10"} for i in range(40)]
    rows += [{"actor": f"r{i}", "place": "H", "t": 60 + i % 3, "rep": 60 + i % 3, "attr": "J18"} for i in range(9)]
    rows += [{"actor": "x", "place": "H", "t": 61, "rep": 61, "attr": "K29"}]
    found = bursts(_events(rows), scale=SCALES["episode"], window=3)
    assert len(found) == 1
    assert found["actors"].iloc[0] == [f"r{i}" for i in range(9)]  # not the K29 admission of that week


def test_a_place_whose_every_admission_is_a_recruit_does_not_set_its_own_baseline():
    batches = [{"actor": f"r{i}", "place": "W", "t": d + i % 2, "rep": d + i % 2} for d in (10, 40, 70) for i in range(8)]
    quiet = [{"actor": f"q{i}", "place": "W", "t": d, "rep": d}
             for i, d in enumerate((2, 18, 25, 33, 48, 55, 63, 80, 88, 95))]
    found = bursts(_events(batches + quiet), scale=SCALES["episode"], window=3)
    assert len(found) == 3 and (found["size"] == 8).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 5), st.one_of(st.none(), st.integers(0, 4))), max_size=40))
def test_distinct_counts_is_a_grouped_nunique(rows):
    """Per code, the distinct non-null values, as pandas' grouped nunique counts them (a negative
    code belongs to no group)."""
    from ringscan.rings.cooccurrence import distinct_counts

    codes = np.array([c for c, _ in rows], dtype=np.int64)
    values = pd.Series([v for _, v in rows], dtype="Int64")
    got = distinct_counts(codes, values)
    frame = pd.DataFrame({"c": codes, "v": values})
    expected = frame[frame["c"] >= 0].groupby("c")["v"].nunique()
    width = int(codes.max()) + 1 if len(codes) else 0
    assert len(got) == width
    assert list(got) == [int(expected.get(c, 0)) for c in range(width)]
