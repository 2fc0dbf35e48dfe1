"""Co-occurrence scored against chance: who meets whom, how often, and how unlikely that is.

Two people (or cards) settling at the same place at about the same time is
evidence only in proportion to how unlikely it is given the place's traffic and
the two people's own activity there. For every pair that meets on at least
``min_repeats`` distinct days (or episodes) we compare the number of meetings
``k`` with what independent behaviour would give:

* each place's events form a Poisson process whose intensity follows the
  place's own profile (share of its events per hour of the day, per weekday, or
  flat over its active span), estimated from all its events;
* the expected number of times b is within ±window of one of a's events is
  ``n_b × h_p(t_a) × (2·window + u) / (bin × periods_p)``, summed over a's
  events (``u`` = 1 for whole-day units); ``μ`` is the mean of the two
  directions, summed over the places where both were seen;
* ``surprise = −log10 P(Poisson(μ) ≥ k)``: how many orders of magnitude the
  meetings are beyond chance. A busy place gives a large ``μ``, so meeting
  there counts for little, without a list of hub places.

``chance_links`` is the number of pairs that could have met (pairs of repeat
visitors sharing a place, summed over places): ``surprise − log10(pairs at
risk)`` is how far a pair stands above what that many tries give by chance.

**Bursts** are the other half: a window at one place holding far more people
than its traffic gives (a batch of recruits admitted within three days at a
hospital that admits one a week; a stack of cards in one sitting). Its
surprise, less ``log10`` of the number of windows looked at, is shared among the
pairs inside it, so a recruit brought in once is tied to the batch, while a
single batch alone (a bus accident, a health check) is not repetition and
makes no ring by itself (see rings.assemble).

This is the pairwise part of the lockstep idea of CopyCatch (Beutel et al.,
WWW 2013: the same targets within one time window, again and again) with the
degree-aware weighting of FRAUDAR (Hooi et al., KDD 2016): busy places and very
active people are discounted by their own traffic.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .chance import poisson_logsf

__all__ = ["Scale", "SCALES", "cooccurrence_pairs", "bursts", "poisson_surprise"]

_DAY_S = 86_400
_LOG10E = 1.0 / np.log(10.0)


@dataclass(frozen=True)
class Scale:
    """A time scale at which meetings are counted.

    ``unit_s`` is the length of one unit of ``t`` in seconds (1: ``t`` is epoch
    seconds; 86400: ``t`` is a day number). ``profile`` is how a place's
    traffic varies: ``hour`` (time of day), ``weekday`` or ``flat``.
    """

    name: str
    unit_s: int
    profile: str


SCALES = {
    "sitting": Scale("sitting", 1, "hour"),        # minutes apart: one sitting with a stack of cards
    "day": Scale("day", _DAY_S, "weekday"),        # the same day at one place: a pool billed through the day
    "episode": Scale("episode", _DAY_S, "flat"),   # admissions a few days apart: a batch of recruits
}

_BINS = {"hour": (24, 3_600, _DAY_S), "weekday": (7, _DAY_S, 7 * _DAY_S), "flat": (1, None, None)}


def poisson_surprise(k: np.ndarray | float, mu: np.ndarray | float) -> np.ndarray:
    """``−log10 P(X ≥ k)`` for ``X ~ Poisson(mu)``; 0 where ``k`` ≤ 0."""
    k = np.asarray(k, dtype=float)
    mu = np.maximum(np.asarray(mu, dtype=float), 1e-300)
    return np.where(k > 0, -poisson_logsf(k - 1, mu) * _LOG10E, 0.0)


def _profile(events: pd.DataFrame, scale: Scale) -> tuple[np.ndarray, np.ndarray]:
    """Per event: the place's traffic share at the event's phase and the rate factor.

    Returns ``h`` (share of the place's events in the event's profile bin) and
    ``c`` (``(2·window + u) / (bin × periods)`` without the window term, i.e.
    ``1 / (bin_width × periods)`` in units of ``t``), both per event.
    """
    bins, width_s, period_s = _BINS[scale.profile]
    t = events["t"].to_numpy()
    place = events["_p"].to_numpy()
    by_place = events.groupby("_p")["t"]
    span = (by_place.max() - by_place.min()).to_numpy()
    if scale.profile == "flat":
        # One bin as wide as the place's active span (at least one unit).
        h = np.ones(len(events))
        width = np.maximum(span[place] + 1, 1).astype(float)
        return h, 1.0 / width
    assert width_s is not None and period_s is not None  # only the flat profile has no bins
    phase = ((t * scale.unit_s) % period_s) // width_s
    places = int(place.max()) + 1
    counts = np.bincount(place * bins + phase.astype(np.int64), minlength=places * bins).reshape(places, bins)
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    h = share[place, phase.astype(int)]
    periods = np.maximum((span * scale.unit_s + scale.unit_s) / period_s, 1.0)
    width = width_s / scale.unit_s
    return h, 1.0 / (width * periods[place])


def _usual_traffic(events: pd.DataFrame, scale: Scale, trim: float) -> np.ndarray:
    """Per place: its events over its active span as its quieter periods give them.

    Periods are days (hour profile) or weeks; the busiest ``trim`` share of a
    place's periods is left out of the mean, so batches and sittings do not set
    the baseline they are judged against (a small ward whose every admission is
    a recruit would otherwise look busy).
    """
    day = (events["t"].to_numpy() * scale.unit_s) // _DAY_S
    period = day if scale.profile == "hour" else day // 7
    frame = pd.DataFrame({"p": events["_p"].to_numpy(), "period": period})
    counts = frame.groupby(["p", "period"]).size()
    out = np.zeros(int(frame["p"].max()) + 1)
    p = counts.index.get_level_values(0).to_numpy()
    values = counts.to_numpy().astype(float)
    periods = counts.index.get_level_values(1).to_numpy()
    first, last = pd.Series(periods).groupby(p).agg(["min", "max"]).to_numpy().T
    places = np.unique(p)
    span = (last - first + 1).astype(np.int64)
    # Each place's periods with events, sorted; the empty ones (zeros) come first in its sorted list.
    keep = np.maximum(1, np.ceil(span * (1 - trim)).astype(np.int64))  # quietest periods kept
    zeros = span - np.bincount(np.searchsorted(places, p), minlength=len(places))
    order = np.lexsort((values, p))
    sorted_values, sorted_p = values[order], np.searchsorted(places, p[order])
    rank = np.arange(len(order)) - np.searchsorted(sorted_p, sorted_p, side="left") + zeros[sorted_p]
    kept = rank < keep[sorted_p]
    total = np.bincount(sorted_p, weights=np.where(kept, sorted_values, 0.0), minlength=len(places))
    out[places] = np.maximum(total / keep, 1.0 / span) * span
    return out


def distinct_counts(codes: np.ndarray, values: pd.Series) -> np.ndarray:
    """Per code (0..max; a negative code is no group), how many distinct non-null ``values`` its
    rows hold: ``groupby(codes)[values].nunique()`` on integers (5.5M events: 1.5 s grouped by
    text, 0.5 s here)."""
    groups = int(codes.max()) + 1 if len(codes) else 0
    value_codes, uniques = pd.factorize(values)
    held = (value_codes >= 0) & (codes >= 0)
    width = max(len(uniques), 1)
    pairs = pd.unique(codes[held].astype(np.int64) * width + value_codes[held])
    return np.bincount(pairs // width, minlength=groups)


def _by_place_and_time(place: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The stable order of events by place, then time: ``np.lexsort((t, place))``, as one stable
    sort of a combined integer key (half the time: 30 against 15 ms for 200k events)."""
    if len(t) == 0:
        return np.empty(0, dtype=np.int64)
    base = t.astype(np.int64) - int(t.min())
    return np.argsort(place.astype(np.int64) * (int(base.max()) + 1) + base, kind="stable")


def _window_pairs(place: np.ndarray, t: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) of events at one place with ``t_j − t_i ≤ window``; input sorted by (place, t)."""
    n = len(t)
    if n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    base = t - t.min()
    key = place.astype(np.int64) * (int(base.max()) + window + 1) + base
    right = np.searchsorted(key, key + window, side="right")
    counts = right - np.arange(n) - 1
    total = int(counts.sum())
    i = np.repeat(np.arange(n), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    j = i + 1 + (np.arange(total) - starts)
    return i, j


def _lists_by_pair(rows: pd.DataFrame, column: str) -> pd.Series:
    """Each pair's values of ``column`` as a list, indexed by (``a``, ``b``): ``rows`` sorted by pair,
    so each pair's rows are a run (``groupby(["a", "b"]).agg(list)`` makes a Python call per pair)."""
    a, b = rows["a"].to_numpy(), rows["b"].to_numpy()
    starts = np.flatnonzero(np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]) if len(a) else np.empty(0, int)
    values = rows[column].tolist()
    ends = np.r_[starts[1:], len(a)]
    return pd.Series([values[s:e] for s, e in zip(starts.tolist(), ends.tolist())],
                     index=pd.MultiIndex.from_arrays([a[starts], b[starts]], names=["a", "b"]), dtype=object)


def cooccurrence_pairs(events: pd.DataFrame, *, scale: Scale, window: int, min_repeats: int = 2,
                       trim: float = 0.25) -> tuple[pd.DataFrame, float, pd.DataFrame]:
    """Pairs of actors meeting at one place within ``window`` on ``min_repeats``+ distinct days.

    ``events``: one row per settlement with ``actor``, ``place``, ``t`` (in the
    scale's unit), ``rep`` (the repetition unit: the day, or the episode) and
    ``setl_id``. Returns the pairs (``a < b``) with ``k`` (distinct place-days
    met), ``mu`` (expected under independence), ``surprise``, ``episodes``
    (``place|rep`` of each meeting) and ``evidence`` (the settlements of their meetings);
    the number of pairs at risk (for a multiple-testing correction); and per
    meeting episode (``episode``: ``place|rep``) the events the place's usual
    traffic puts in such a window (``expected``) and that usual traffic over the
    whole span (``place_events``): one visit's chance to fall in the episode is
    their ratio.
    """
    columns = ["a", "b", "k", "mu", "surprise", "episodes", "evidence"]
    info_columns = ["episode", "expected", "place_events"]
    if events.empty:
        return pd.DataFrame(columns=columns), 1.0, pd.DataFrame(columns=info_columns)
    ev = events.reset_index(drop=True)
    ev["_p"], places = pd.factorize(ev["place"], sort=True)
    actor_codes, actors = pd.factorize(ev["actor"], sort=True)
    ev["_a"] = actor_codes
    h, c = _profile(ev, scale)
    ev["_h"] = h * c
    usual = _usual_traffic(ev, scale, trim)
    # Only actors seen on min_repeats distinct days can meet that often; the
    # pairs at risk are the pairs of such actors who share a place.
    active = (distinct_counts(ev["_a"].to_numpy(), ev["rep"]) >= min_repeats)[ev["_a"].to_numpy()]
    settlements = ev["setl_id"]  # text, taken only for the meetings kept (row ``_r``)
    ev = ev.loc[active, ["_p", "_a", "t", "rep", "_h"]].assign(_r=np.flatnonzero(active))
    ev = ev.iloc[_by_place_and_time(ev["_p"].to_numpy(), ev["t"].to_numpy())].reset_index(drop=True)
    sharing = distinct_counts(ev["_p"].to_numpy(), ev["_a"]).astype(float)
    at_risk = max(float((sharing * (sharing - 1) / 2).sum()), 1.0)
    i, j = _window_pairs(ev["_p"].to_numpy(), ev["t"].to_numpy(), window)
    a_i, a_j = ev["_a"].to_numpy()[i], ev["_a"].to_numpy()[j]
    keep = a_i != a_j
    i, j, a_i, a_j = i[keep], j[keep], a_i[keep], a_j[keep]
    lo, hi = np.minimum(a_i, a_j), np.maximum(a_i, a_j)
    # A pair that met fewer than min_repeats times met on fewer distinct days: at a busy clinic
    # nearly every pair of the day's patients meets once (10M settlements: 8.0M meetings of
    # 7.9M pairs, of which 166k meetings of pairs met twice or more). Left out before counting.
    _, pair, met = np.unique(lo.astype(np.int64) * len(actors) + hi, return_inverse=True, return_counts=True)
    again = met[pair] >= min_repeats
    i, j, lo, hi = i[again], j[again], lo[again], hi[again]
    meet = pd.DataFrame({"a": lo, "b": hi, "p": ev["_p"].to_numpy()[i], "rep": ev["rep"].to_numpy()[i],
                         "i": i, "j": j})
    k = meet.drop_duplicates(["a", "b", "p", "rep"]).groupby(["a", "b"]).size().rename("k")
    k = k[k >= min_repeats]
    if k.empty:
        return pd.DataFrame(columns=columns), at_risk, pd.DataFrame(columns=info_columns)
    meet = meet.join(k, on=["a", "b"], how="inner")
    # Expected meetings: per place, n_b × Σ_{v∈a} h(v) c(v) × window width, both directions.
    pair_places = meet[["a", "b", "p"]].drop_duplicates()
    involved = ev[np.isin(ev["_a"].to_numpy(), np.union1d(pair_places["a"], pair_places["b"]))]
    per = involved.groupby(["_a", "_p"]).agg(n=("t", "size"), H=("_h", "sum"))
    A = per.reindex(pd.MultiIndex.from_arrays([pair_places["a"], pair_places["p"]])).to_numpy()
    B = per.reindex(pd.MultiIndex.from_arrays([pair_places["b"], pair_places["p"]])).to_numpy()
    span = 2 * window + (1 if scale.unit_s == _DAY_S else 0)
    pair_places = pair_places.assign(mu=0.5 * span * (B[:, 0] * A[:, 1] + A[:, 0] * B[:, 1]))
    mu = pair_places.groupby(["a", "b"])["mu"].sum()
    out = k.to_frame().join(mu)
    out["mu"] = np.minimum(out["mu"], 1e9)
    out["surprise"] = poisson_surprise(out["k"].to_numpy(), out["mu"].to_numpy())
    place_names = np.asarray(places)
    meet["episode"] = place_names[meet["p"].to_numpy()].astype(str) + "|" + meet["rep"].astype(str)
    episodes = meet.drop_duplicates(["a", "b", "episode"]).sort_values(["a", "b", "episode"], kind="stable")
    out["episodes"] = _lists_by_pair(episodes, "episode")
    both = pd.concat([meet[["a", "b", "i"]], meet[["a", "b", "j"]].rename(columns={"j": "i"})], ignore_index=True)
    rows = ev["_r"].to_numpy()[both["i"].to_numpy()]
    both = both.assign(setl_id=settlements.iloc[rows].to_numpy()).drop_duplicates(["a", "b", "setl_id"])
    out["evidence"] = _lists_by_pair(both.sort_values(["a", "b", "setl_id"], kind="stable"), "setl_id")
    out = out.reset_index()
    out["a"] = np.asarray(actors)[out["a"].to_numpy()]
    out["b"] = np.asarray(actors)[out["b"].to_numpy()]
    first = meet.sort_values("i", kind="stable").drop_duplicates("episode")
    info = pd.DataFrame({"episode": first["episode"].to_numpy(),
                         "expected": usual[first["p"].to_numpy()] * ev["_h"].to_numpy()[first["i"].to_numpy()] * span,
                         "place_events": usual[first["p"].to_numpy()]})
    return out[columns], at_risk, info


def bursts(events: pd.DataFrame, *, scale: Scale, window: int, min_size: int = 3, trim: float = 0.25) -> pd.DataFrame:
    """Windows at one place holding far more distinct actors than the place's traffic gives.

    When the events carry an ``attr`` (what the event was about, e.g. the
    diagnosis of an admission), a burst keeps only the events of the attrs
    that are a burst on their own (each attr's expectation is the window's
    scaled by that attr's share of the place's events): a batch of recruits
    admitted for one or two diagnoses, without the ordinary patients who
    happened to be admitted the same days. When no attr is (a batch with
    varied diagnoses), the whole window stays.

    Returns one row per burst: ``place``, ``start`` (``t`` of its first event),
    ``rep``, ``size`` (distinct actors), ``expected`` (events the place's
    profile gives in such a window), ``surprise`` (corrected for the number of
    windows looked at, > 0), ``actors`` and ``evidence`` (setl ids), the
    ``attr`` kept (or None) and the place's events and distinct actors (of
    that attr): what one person's chance of being in the window is judged on.
    Bursts do not overlap: the most surprising window wins. A place's traffic
    is its usual traffic (``trim``: see ``_usual_traffic``).
    """
    columns = ["place", "start", "rep", "size", "expected", "surprise", "actors", "evidence", "attr",
               "place_events", "place_actors"]
    if events.empty:
        return pd.DataFrame(columns=columns)
    ev = events.reset_index(drop=True)
    ev["_p"], places = pd.factorize(ev["place"], sort=True)
    h, c = _profile(ev, scale)
    ev["_rate"] = h * c
    usual = _usual_traffic(ev, scale, trim)  # per place: the same in any order
    # Sorted by place and time, as arrays of integers: who and which settlements stay codes and row
    # numbers until a burst is kept (5.5M pharmacy events at 10M settlements: a sorted copy of the
    # events as a frame, made beside them, took 0.5 GB more).
    # Names are made Python strings only for the actors of a burst kept (1M actors at 10M settlements).
    actor_codes, actor_names = pd.factorize(ev["actor"], use_na_sentinel=False)  # as set() would keep a null
    settlements = ev["setl_id"]
    order = _by_place_and_time(ev["_p"].to_numpy(), ev["t"].to_numpy())
    place, t = ev["_p"].to_numpy()[order], ev["t"].to_numpy()[order]
    rep, rate = ev["rep"].to_numpy()[order], ev["_rate"].to_numpy()[order]
    actor, row = actor_codes[order], order
    attr = ev["attr"].fillna("").astype(str).to_numpy()[order] if "attr" in ev else None
    del ev, actor_codes
    n = len(place)
    base = t - t.min()
    key = place.astype(np.int64) * (int(base.max()) + window + 1) + base
    right = np.searchsorted(key, key + window, side="right")
    count = right - np.arange(n)
    del base, key
    traffic = np.bincount(place).astype(float)
    width = window + (1 if scale.unit_s == _DAY_S else 0)
    expected = usual[place] * rate * max(width, 1)
    del rate
    corrected = poisson_surprise(count, expected) - np.log10(max(n, 1))
    candidates = np.flatnonzero((corrected > 0) & (count >= min_size))
    if len(candidates) == 0:
        return pd.DataFrame(columns=columns)
    taken = np.zeros(n, dtype=bool)
    share: dict[tuple[int, str], float] = {}
    people = distinct_counts(place, pd.Series(actor))
    attr_people: dict[tuple[int, str], int] = {}
    if attr is not None:
        counts = pd.Series(1, index=pd.MultiIndex.from_arrays([place, attr])).groupby(level=[0, 1]).size()
        share = (counts / counts.groupby(level=0).transform("sum")).to_dict()
        attr_people = pd.Series(actor).groupby([place, attr]).nunique().to_dict()
    rows = []
    for i in candidates[np.lexsort((candidates, -corrected[candidates]))]:
        span = np.arange(i, right[i])
        if taken[span].any():
            continue
        expect = float(expected[i])
        kept_attr, events_at, actors_at = None, float(traffic[place[i]]), float(people[place[i]])
        if attr is not None:
            # Keep the attrs that are a burst on their own: a batch admitted for one or
            # two diagnoses, without the ordinary patients admitted the same days.
            values, freq = np.unique(attr[span], return_counts=True)
            shares = np.array([share.get((place[i], v), 1.0) for v in values])
            strong = poisson_surprise(freq, expect * shares) - np.log10(n) > 0
            pure = span[np.isin(attr[span], values[strong])]
            if strong.any() and len(set(actor[pure])) >= min_size:
                span, expect = pure, expect * float(shares[strong].sum())
                kept_attr = ";".join(sorted(map(str, values[strong])))
                events_at = float(traffic[place[i]] * shares[strong].sum())
                actors_at = float(sum(attr_people.get((place[i], v), 0) for v in values[strong])) or actors_at
        who = sorted(actor_names.take(np.unique(actor[span])).tolist())
        if len(who) < min_size:
            continue
        taken[np.arange(i, right[i])] = True
        rows.append((places[place[i]], int(t[i]), int(rep[i]), len(who), expect,
                     float(poisson_surprise(len(who), expect) - np.log10(n)), who,
                     sorted(settlements.iloc[row[span]].tolist()),
                     kept_attr, events_at, actors_at))
    out = pd.DataFrame(rows, columns=columns)
    return out[out["surprise"] > 0].sort_values(["place", "start"], kind="stable").reset_index(drop=True)
