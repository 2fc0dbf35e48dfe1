"""From rule output to evidence links between actors, every weight in one currency.

An **actor** is an insured person (``Patient|psn_no``); a card whose holder is
known acts as its holder, a card without one stays ``Card|…``. Every link's
``weight`` is a surprise in orders of magnitude (``−log10`` of a chance
probability), whatever the family, so rings of any family compare:

* ``repeat`` links: pairs meeting on several days or episodes, scored against
  chance by the co-occurrence engine (rings.cooccurrence); ``at_risk`` is
  ``log10`` of the pairs that could have met, used to judge single members;
* ``burst`` links: pairs inside one window far busier than the place's traffic
  (corrected already), each pair a share of the burst;
* ``excess`` links: people far above their peers at one suspicious hub
  (rings.excess), each pair the members' own surprise shared out; ``hubs``
  carries the hub's corrected surprise and each member's corrected surprise,
  which a ring built on the hub is judged on;
* ``identifier`` links: shared phones and addresses. They strengthen links
  between people who have evidence and never recruit anyone (weight stays
  small and does not count towards significance).

Sessions of scheduled care (rings.schedule) are taken out of co-occurrence
before anything is paired.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations, groupby

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..graph.typed import is_in, strings
from ..rules.catalogue import Rule
from ..rules.run import RuleOutput
from .cooccurrence import SCALES, bursts, cooccurrence_pairs, distinct_counts
from .excess import ExcessParams, hub_excess

__all__ = ["EvidenceParams", "EvidenceLinks", "EvidenceBuilder", "Holders", "evidence_links", "actor_key", "split_key", "LINK_KINDS"]

LINK_KINDS = ("repeat", "burst", "excess", "identifier")
_COLUMNS = ["rule", "family", "level", "kind", "a", "b", "weight", "k", "mu", "at_risk", "episodes", "context",
            "hubs", "evidence"]


@dataclass(frozen=True)
class EvidenceParams:
    # A repeated meeting becomes a link when chance gives it at most 1% (10^-2):
    # weaker pairs are everywhere at busy places and only add noise to the graph.
    min_link_surprise: float = 2.0
    burst_min_size: int = 3      # a burst needs at least this many people (a pair is not a batch)


@dataclass
class EvidenceLinks:
    links: pd.DataFrame                 # _COLUMNS, one row per rule, kind and actor pair
    actors_at_risk: dict[str, int]      # per rule: actors who could have met (events rules)
    # Meeting episodes (``rule|place|rep``) → rule, place, actors present,
    # ``expected`` (events the place's usual traffic puts in its window),
    # ``place_events`` (that usual traffic over the span: a visit's chance to
    # fall in the episode is expected / place_events) and ``surprise`` (a
    # burst's, corrected; 0 for a repeated meeting's episode).
    episodes: dict[str, dict] = field(default_factory=dict)
    # (rule, place, actor) → the actor's distinct days (or stays) there.
    visits: dict[tuple[str, str, str], int] = field(default_factory=dict)


def actor_key(entity_type: str, entity_id: str, holders: dict[str, str]) -> str:
    if entity_type == "Card" and entity_id in holders:
        return f"Patient|{holders[entity_id]}"
    return f"{entity_type}|{entity_id}"


def split_key(key: str) -> tuple[str, str]:
    kind, _, ident = key.partition("|")
    return kind, ident


class Holders:
    """Card → holder as Arrow arrays (each card once), built once per scan rather than once per rule
    and column; at 10M settlements 1.37M cards, which as a dict of Python strings took 0.25 GB."""

    def __init__(self, cards: pa.Array, people: pa.Array):
        self.cards = cards.cast(pa.string())
        self.people = people.cast(pa.string())

    @classmethod
    def from_dict(cls, holders: dict[str, str]) -> "Holders":
        return cls(pa.array(list(holders), type=pa.string()), pa.array(list(holders.values()), type=pa.string()))

    def as_dict(self) -> dict[str, str]:
        return dict(zip(self.cards.to_pylist(), self.people.to_pylist()))


def _actors(frame: pd.DataFrame, holders: Holders, type_col: str, id_col: str) -> pd.Series:
    """``Type|id`` per row, a card with a known holder as ``Patient|holder`` (vectorised with pyarrow)."""
    if frame.empty:
        return pd.Series([], index=frame.index, dtype="string")
    ids, kinds = strings(frame[id_col]), strings(frame[type_col])
    holder = holders.people.take(pc.index_in(ids, value_set=holders.cards))
    held = pc.and_kleene(pc.equal(kinds, "Card"), pc.is_valid(holder))
    out = pc.if_else(held, pc.binary_join_element_wise("Patient", holder, "|"),
                     pc.binary_join_element_wise(kinds, ids, "|"))
    actors = out.to_pandas(types_mapper=pd.ArrowDtype).astype("string")
    actors.index = frame.index
    return actors


def _event_links(rule: Rule, params: dict, rows: pd.DataFrame, holders: Holders, scheduled: pa.Array,
                 p: EvidenceParams, episodes: dict, visits: dict) -> tuple[list[pd.DataFrame], int]:
    """Repeat and burst links of one events rule; fills ``episodes`` and ``visits`` (see EvidenceLinks)."""
    kept = ~is_in(rows["setl_id"], scheduled) & rows[["entity_id", "place", "t", "rep"]].notna().all(axis=1).to_numpy()
    if not kept.all():  # most rules lose no row here: no copy of their rows then
        rows = rows[kept]
    if rows.empty:
        return [], 0
    ev = pd.DataFrame({"actor": _actors(rows, holders, "entity_type", "entity_id"), "place": rows["place"].astype(str),
                       "t": rows["t"].astype("int64"), "rep": rows["rep"].astype("int64"),
                       "setl_id": rows["setl_id"].astype(str)})
    if "attr" in rows:
        ev["attr"] = rows["attr"]
    del rows  # the events hold what is used of them
    scale = SCALES[rule.scale or "sitting"]
    window = int(params["window"])
    min_repeats = int(params.get("min_repeats", 2))
    prefix = f"{rule.id}|"
    out = []

    def episode(key: str, expected: float, place_events: float, actors: list[str], surprise: float = 0.0) -> None:
        entry = episodes.setdefault(prefix + key, {"rule": rule.id, "place": key.rpartition("|")[0], "expected": 0.0,
                                                   "place_events": place_events, "actors": set(), "surprise": 0.0})
        entry["expected"] = max(entry["expected"], float(expected))
        entry["surprise"] = max(entry["surprise"], float(surprise))
        entry["actors"].update(actors)

    pairs, at_risk, info = cooccurrence_pairs(ev, scale=scale, window=window, min_repeats=min_repeats)
    pairs = pairs[pairs["surprise"] >= p.min_link_surprise]
    active = int((distinct_counts(pd.factorize(ev["actor"])[0], ev["rep"]) >= min_repeats).sum())
    if len(pairs):
        known = dict(zip(info["episode"].tolist(), zip(info["expected"].tolist(), info["place_events"].tolist())))
        for a, b, eps in zip(pairs["a"].tolist(), pairs["b"].tolist(), pairs["episodes"].tolist()):
            for key in eps:
                episode(key, known[key][0], known[key][1], [a, b])
        out.append(pd.DataFrame({"kind": "repeat", "a": pairs["a"], "b": pairs["b"], "weight": pairs["surprise"],
                                 "k": pairs["k"], "mu": pairs["mu"], "at_risk": np.log10(at_risk),
                                 "episodes": pairs["episodes"].map(lambda e: [prefix + x for x in e]),
                                 "context": [[] for _ in range(len(pairs))], "hubs": [{} for _ in range(len(pairs))],
                                 "evidence": pairs["evidence"]}))
    found = bursts(ev, scale=scale, window=window, min_size=int(params.get("burst_min_size", p.burst_min_size))) \
        if params.get("bursts", True) else pd.DataFrame()
    if len(found):
        cited = ev[is_in(ev["setl_id"], pa.array(sorted(set().union(*found["evidence"])), type=pa.string()))]
        actor_of = dict(zip(cited["setl_id"].tolist(), cited["actor"].tolist()))
        rows_out = []
        for burst in found.itertuples(index=False):
            by_actor: dict[str, list[str]] = {}
            for sid in burst.evidence:
                by_actor.setdefault(actor_of[sid], []).append(sid)
            key = f"{burst.place}|{burst.rep}"
            episode(key, burst.expected, burst.place_events, sorted(by_actor), burst.surprise)
            share = burst.surprise / (burst.size - 1)
            for a, b in combinations(sorted(by_actor), 2):
                rows_out.append((a, b, share, [prefix + key], sorted(by_actor[a] + by_actor[b])))
        frame = pd.DataFrame(rows_out, columns=["a", "b", "weight", "episodes", "evidence"])
        frame = frame.groupby(["a", "b"], as_index=False).agg(
            weight=("weight", "sum"), k=("weight", "size"), episodes=("episodes", lambda e: sorted(set().union(*e))),
            evidence=("evidence", lambda e: sorted(set().union(*e))))
        out.append(frame.assign(kind="burst", mu=np.nan, at_risk=0.0, context=[[] for _ in range(len(frame))],
                                hubs=[{} for _ in range(len(frame))]))
    # How often each actor in an episode visited that place (distinct days or stays).
    seen = {a for entry in episodes.values() if entry["rule"] == rule.id for a in entry["actors"]}
    days = ev[ev["actor"].isin(seen)].groupby(["place", "actor"])["rep"].nunique()
    visits.update({(rule.id, place, actor): int(n) for (place, actor), n in days.items()})
    return out, active


def _excess_links(rule: Rule, params: dict, rows: pd.DataFrame, holders: Holders) -> list[pd.DataFrame]:
    ep = ExcessParams(**{k: params[k] for k in ("min_ratio", "min_surprise", "rate", "per_fill") if k in params})
    handed = [rows.assign(entity_id=_actors(rows, holders, "entity_type", "entity_id"), entity_type="")]
    del rows  # hub_excess keeps the anomalous few of millions: the rest go as it narrows them down
    found = hub_excess(handed.pop(), ep)
    if found.empty:
        return []
    # Per hub and member: the member's surprise and corrected surprise (the largest of its rows)
    # and the settlements of all its rows. One grouping for every hub: a grouping per hub, with
    # the evidence joined by a Python aggregate, took 0.17 s for doctor-overprescription's 48 hubs
    # at 470k settlements.
    keys = ["hub_type", "hub_id", "entity_id"]
    per = found.groupby(keys, sort=True).agg(surprise=("surprise", "max"), corrected=("surprise_corrected", "max"))
    settled: dict[tuple[str, str, str], set[str]] = {}
    for key, evidence in zip(zip(*(found[k].tolist() for k in keys)), found["evidence"].tolist()):
        settled.setdefault(key, set()).update(evidence)
    hub_surprise = {(t, h): float(x) for t, h, x in found.drop_duplicates(["hub_type", "hub_id"])[
        ["hub_type", "hub_id", "hub_surprise"]].itertuples(index=False)}
    members = list(per.index)  # (hub_type, hub_id, person), a hub's members next to each other
    surprise, corrected = per["surprise"].tolist(), per["corrected"].tolist()
    out = []
    for (hub_type, hub_id), group in groupby(range(len(members)), key=lambda i: members[i][:2]):
        at = list(group)
        m = len(at)
        if m < 2:
            continue
        hub = {f"{rule.id}|{hub_type}|{hub_id}": (hub_surprise[(hub_type, hub_id)],
                                                  {members[i][2]: float(corrected[i]) for i in at})}
        for i, j in combinations(at, 2):
            out.append((members[i][2], members[j][2], (surprise[i] + surprise[j]) / (m - 1),
                        [f"{hub_type}|{hub_id}"], hub, sorted(settled[members[i]] | settled[members[j]])))
    if not out:
        return []
    frame = pd.DataFrame(out, columns=["a", "b", "weight", "context", "hubs", "evidence"])
    frame = frame.groupby(["a", "b"], as_index=False).agg(
        weight=("weight", "sum"), k=("weight", "size"), context=("context", lambda c: sorted(set().union(*c))),
        hubs=("hubs", lambda h: {k: v for d in h for k, v in d.items()}),
        evidence=("evidence", lambda e: sorted(set().union(*e))))
    return [frame.assign(kind="excess", mu=np.nan, at_risk=0.0, episodes=[[] for _ in range(len(frame))],
                         )]


def _identifier_links(rows: pd.DataFrame, holders: Holders) -> list[pd.DataFrame]:
    if rows.empty:
        return []
    a = _actors(rows, holders, "a_type", "a_id")
    b = _actors(rows, holders, "b_type", "b_id")
    frame = pd.DataFrame({"a": np.minimum(a, b), "b": np.maximum(a, b), "weight": rows["weight"].astype(float),
                          "evidence": rows["evidence"]})
    frame = frame[frame["a"] != frame["b"]]
    empty: list[list[str]] = [[] for _ in range(len(frame))]
    return [frame.assign(kind="identifier", k=1, mu=np.nan, at_risk=0.0, episodes=empty, context=empty,
                         hubs=[{} for _ in range(len(frame))])]


class EvidenceBuilder:
    """Evidence links built a rule at a time, as each rule's rows arrive (``rules.run.Take``):
    a scan hands every rule's rows over and lets them go, rather than holding all of them.

    What it gives (``links``) does not depend on the order the rules come in: links are sorted,
    and episodes, visits and the actors at risk are ordered by rule id.
    """

    def __init__(self, holders: dict[str, str] | Holders, scheduled: set[str],
                 params: EvidenceParams = EvidenceParams()):
        self.params = params
        self._holders = holders if isinstance(holders, Holders) else Holders.from_dict(holders)
        self._care = pa.array(sorted(scheduled), type=pa.string())
        self._parts: list[pd.DataFrame] = []
        self._at_risk: dict[str, int] = {}
        self._episodes: dict[str, dict] = {}
        self._visits: dict[tuple[str, str, str], int] = {}

    def add(self, rule: Rule, bound: dict, rows: pd.DataFrame) -> None:
        """One rule's rows (events, observations or links, as ``run_rules`` orders them)."""
        # Handed on, not kept here: the rows go as soon as what follows no longer needs them (an
        # events rule's 5.5M rows at 10M settlements are 0.85 GB).
        handed = [rows]
        del rows
        if rule.emits == "events":
            made, self._at_risk[rule.id] = _event_links(rule, bound, handed.pop(), self._holders, self._care,
                                                        self.params, self._episodes, self._visits)
        elif rule.emits == "observations":
            made = _excess_links(rule, bound, handed.pop(), self._holders)
        elif rule.emits == "link":
            made = _identifier_links(handed.pop(), self._holders)
        else:
            return
        self._parts += [m.assign(rule=rule.id, family=rule.family, level=rule.level) for m in made]

    def links(self) -> EvidenceLinks:
        links = pd.concat(self._parts, ignore_index=True) if self._parts else pd.DataFrame(columns=_COLUMNS)
        links = links[links["a"] != links["b"]].reindex(columns=_COLUMNS)
        links = links.sort_values(["rule", "kind", "a", "b"], kind="stable").reset_index(drop=True)
        # Sorted by rule alone (a stable sort): within a rule, the order its rows made them in.
        episodes = dict(sorted(self._episodes.items(), key=lambda item: item[1]["rule"]))
        visits = dict(sorted(self._visits.items(), key=lambda item: item[0][0]))
        return EvidenceLinks(links, dict(sorted(self._at_risk.items())), episodes, visits)


def evidence_links(output: RuleOutput, rules: list[Rule], holders: dict[str, str], scheduled: set[str],
                   params: EvidenceParams = EvidenceParams()) -> EvidenceLinks:
    """Actor–actor links from every rule's output (see module docstring)."""
    by_id = {r.id: r for r in rules}
    builder = EvidenceBuilder(holders, scheduled, params)
    for frame in (output.events, output.observations, output.links):
        for rule_id, rows in frame.groupby("rule", sort=True):
            rule = by_id[rule_id]
            builder.add(rule, output.params.get(rule_id, rule.params), rows)
    return builder.links()
