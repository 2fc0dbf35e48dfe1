"""From communities to rings: tight members, repetition, significance, score and explanation.

A community of the suspicion graph becomes rings in five steps:

1. **Members carry their own evidence.** A member stays only while its links to
   the other members add up to more than the pairs tried for it: its summed
   evidence weight, less ``log10`` of the pairs at risk of its repeated-meeting
   links, must exceed ``member_margin``. A member tied by meetings must also
   look more like the group than like a passer-by: attending ``j`` of the
   group's episodes in ``n`` visits to those places is compared under two
   explanations, a member (binomial with the group's own share of visits spent
   in its episodes) and chance (Poisson with the member's visits times the
   share of the place's usual traffic the episodes cover). A regular customer
   who bought once during one of fifteen sittings, or a clinic's regular who
   came on four of the pool's ten days among thirty visits, is a passer-by; a
   recruit admitted once in one of three batches, with no other stay there, is
   a member. Shared phones and addresses add nothing.
2. **Separate groups stay separate.** What remains is split into connected
   groups of evidence, and a part of a group (community detection inside the
   group) that only touches the rest — evidence to it at most ``split_cut`` of
   the evidence inside — stands alone; one collector's rotating subsets, cut
   apart, are joined again when their meetings are the same (two or more
   shared episodes, overlap ≥ ``merge_overlap``).
3. **Repetition beats proximity.** A ring needs evidence of repetition: a pair
   meeting again on distinct days or sharing two bursts, or people far above
   their peers at a hub. A single batch (a bus accident, a health check) is not
   a ring, and a burst counts inside a group only where the group meets again
   or between two people tied otherwise (the intermediary's phone on both).
4. **Significance**, in orders of magnitude beyond chance, on one scale for
   every family: the summed surprise of the ring's repeated meetings less
   ``log10 C(N, m)`` (the groups of its ``m`` repeatedly meeting members one
   could pick from the ``N`` actors with evidence), plus each of its bursts'
   corrected surprise once, plus, for each hub the ring is built on, the larger
   of the hub's corrected surprise and the sum of its members' corrected
   surprises (a burst or a hub is one test among those looked at, not a group
   picked from everyone). Below ``min_significance`` it is not reported.
5. **Score** (0–100) = ``100 × sig / (sig + half_score) × money × flags``:
   ``money`` runs from ``money_floor`` to 1 with log10 of the fund amount
   (``full_amount`` and above counts fully), each flagged member adds
   ``flag_bonus`` (at most ``max_flag_bonus``).

Places and doctors that a ``context_share`` of the evidence runs through, and the
hubs of excess links, join the ring as context. The kind is the family with the
most evidence weight inside the ring.
"""
from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import networkx as nx
import pandas as pd

from ..families import families
from ..graph.stats import day_to_date
from .chance import binom_logpmf, poisson_logpmf
from .evidence import split_key

__all__ = ["RingParams", "Ring", "assemble_rings", "log10_choose"]

MEMBER_ORDER = {"Pharmacy": 0, "Institution": 1, "Doctor": 2, "Patient": 3, "Card": 4}
_CONTEXT_TYPES = ("Pharmacy", "Institution", "Doctor")


@dataclass(frozen=True)
class RingParams:
    min_persons: int = 3          # fewer people than this is not a ring
    min_households: int = 3       # one family fetching medicine for each other is not a ring
    member_margin: float = 0.0    # a member's own evidence must at least pay for the pairs tried for it
    # A ring's evidence must lie this many orders of magnitude beyond chance (all
    # the groups of its size one could pick, all the hubs one looked at): fewer
    # than one chance ring in a thousand scans. Rings of the validation and variant
    # districts start at about 4; nothing but planted rings scored above 0.
    min_significance: float = 3.0
    merge_overlap: float = 0.5    # episode overlap at which two groups are one collector's rotating subsets
    # A batch (burst) counts inside a group only when the group's people also meet
    # again at that place within this many days of it: recruits admitted over two
    # or three days are one episode; a health check elsewhere is not theirs.
    episode_tolerance_d: int = 3
    # A part of a group is a ring of its own when its evidence to the rest is at
    # most this share of its evidence inside (it only touches the others).
    split_cut: float = 0.25
    context_share: float = 0.2    # a place/doctor in this share of the evidence joins as context
    half_score: float = 30.0      # significance at which a ring scores 50 before money and flags
    full_amount: float = 100_000  # fund amount (¥) at which money counts fully in the score
    money_floor: float = 0.6      # the money factor of a ring with no fund money
    flag_bonus: float = 0.02
    max_flag_bonus: float = 0.10


@dataclass
class Ring:
    id: str
    kind: str
    score: float
    members: list[dict]
    amount: float
    first_seen: str | None
    last_seen: str | None
    rules: list[str]
    evidence: list[str]
    explanation: str
    explanation_en: str
    family_weights: dict[str, float] = field(default_factory=dict)
    significance: float = 0.0
    rank: int = 0

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "score": self.score, "rank": self.rank,
                "members": self.members, "amount": self.amount, "first_seen": self.first_seen,
                "last_seen": self.last_seen, "rules": self.rules, "explanation": self.explanation,
                "explanation_en": self.explanation_en, "evidence": self.evidence,
                "family_weights": self.family_weights, "significance": self.significance,
                "map": f"rings/{self.id}.html"}


def log10_choose(n: int, k: int) -> float:
    """``log10`` of the binomial coefficient C(n, k) (0 when k is out of range)."""
    if k <= 0 or k >= n:
        return 0.0
    return (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)) / math.log(10)


def _ring_id(actors: list[str]) -> str:
    return "R-" + hashlib.sha1("\n".join(sorted(actors)).encode()).hexdigest()[:10]


def _episode(key: str) -> tuple[str, int]:
    place, _, rep = key.rpartition("|")
    return place, int(rep)


def _repeated(G: nx.Graph, members: set[str]) -> dict[str, list[int]]:
    """Places and days (or admission days) where members of the group met again.

    A repeated meeting, or two members sharing two or more bursts.
    """
    where: dict[str, list[int]] = {}
    for _, _, d in _edges_among(G, members):
        for key in d["episodes"].get("again", ()):
            place, rep = _episode(key)
            where.setdefault(place, []).append(rep)
    return where


def _weight(d: dict, repeated: dict[str, list[int]], tolerance: int) -> float:
    """An edge's evidence inside a group: bursts count where the group meets again, or between two
    people tied otherwise (a shared intermediary's phone, a hub they both exceed at)."""
    weight = sum(w for kind, w in d["kinds"].items() if kind not in ("burst", "identifier"))
    if d["kinds"].get("burst", 0) > 0 and d.get("tied"):
        return weight + d["kinds"]["burst"]
    if d["kinds"].get("burst", 0) > 0:
        for key in d["episodes"].get("burst", ()):
            place, rep = _episode(key)
            if any(abs(rep - r) <= tolerance for r in repeated.get(place, ())):
                return weight + d["kinds"]["burst"]
    return weight


def _burst_counted(d: dict, repeated: dict[str, list[int]], tolerance: int) -> bool:
    return d["kinds"].get("burst", 0.0) > 0 and \
        _weight(d, repeated, tolerance) > _weight({**d, "kinds": {k: v for k, v in d["kinds"].items() if k != "burst"}},
                                                  repeated, tolerance)


def _edges_among(G: nx.Graph, members: set[str]) -> Iterator[tuple[str, str, dict]]:
    """The edges between ``members``, each once as (a, b, data) with a before b as text sorts, in
    that order: the same whatever order a set of members iterates in (a subgraph view's edges
    follow it), and without a view's filtering, a few thousand groups a scan."""
    seen: set[str] = set()
    for a in sorted(members):
        for b, d in G.adj[a].items():
            if b in members and b not in seen and b != a:
                yield a, b, d
        seen.add(a)


def _evidence_edges(G: nx.Graph, members: set[str], tolerance: int,
                    repeated: dict[str, list[int]] | None = None) -> list[tuple[str, str, dict, float]]:
    """Edges between ``members`` with evidence inside the group, and that evidence (``_weight``);
    ``repeated``: ``_repeated(G, members)`` if the caller has it."""
    repeated = _repeated(G, members) if repeated is None else repeated
    out = []
    for a, b, d in _edges_among(G, members):
        w = _weight(d, repeated, tolerance)
        if w > 0:
            out.append((a, b, d, w))
    return out


@dataclass(frozen=True)
class EpisodeIndex:
    """The meeting episodes of a scan (rings.evidence) and how often each actor visits their places."""

    episodes: dict[str, dict]                    # rule|place|rep → rule, place, expected, place_events, actors
    visits: dict[tuple[str, str, str], int]      # (rule, place, actor) → distinct days (stays) there

    def passers_by(self, members: set[str], group_episodes: set[str]) -> set[str]:
        """Members whose presence in the group's episodes chance explains better than membership.

        For each member: ``n`` visits to the places of the group's episodes, ``j``
        of the group's episodes attended. As a member, ``j ~ Binomial(n, q)`` with
        ``q`` the group's own share of visits spent in its episodes; by chance,
        ``j ~ Poisson(Σ n × window share of the place's usual traffic)``.
        """
        present: dict[str, int] = {m: 0 for m in members}
        chance_per_visit: dict[tuple[str, str], float] = {}
        for key in sorted(group_episodes & self.episodes.keys()):
            info = self.episodes[key]
            spot = (info["rule"], info["place"])
            chance_per_visit[spot] = chance_per_visit.get(spot, 0.0) + \
                info["expected"] / max(info["place_events"], 1.0)
            for m in info["actors"] & members:
                present[m] += 1
        visits: dict[str, int] = {}
        mu: dict[str, float] = {}
        for m in members:
            for (rule, place), share in chance_per_visit.items():
                n = self.visits.get((rule, place, m), 0)
                visits[m] = visits.get(m, 0) + n
                mu[m] = mu.get(m, 0.0) + n * share
        attending = [m for m in members if present[m] > 0]
        if not attending:
            return set()
        q = sum(present[m] for m in attending) / max(sum(max(visits.get(m, 0), present[m]) for m in attending), 1)
        q = min(max(q, 0.05), 0.95)
        out = set()
        for m in attending:
            j = present[m]
            n = max(visits.get(m, 0), j)
            if poisson_logpmf(j, max(mu.get(m, 0.0), 1e-12)) > binom_logpmf(j, n, q):
                out.add(m)
        return out


def _tighten(G: nx.Graph, members: set[str], params: RingParams, index: EpisodeIndex) -> set[str]:
    """Drop members whose own evidence inside the group does not pay for what was tried for them."""
    members = set(members)
    tol = params.episode_tolerance_d
    while members:
        own = {m: 0.0 for m in members}
        cost = {m: 0.0 for m in members}
        meeting = {m: 0.0 for m in members}  # evidence from meetings (repeated or in bursts)
        hub = {m: 0.0 for m in members}      # evidence from a hub they exceed at
        group_episodes: set[str] = set()
        repeated = _repeated(G, members)
        for a, b, d, w in _evidence_edges(G, members, tol, repeated):
            group_episodes |= d["episodes"].get("repeat", set())
            if _burst_counted(d, repeated, tol):
                group_episodes |= d["episodes"].get("burst", set())
            for x in (a, b):
                own[x] += w
                cost[x] = max(cost[x], d["at_risk"])
                hub[x] += d["kinds"].get("excess", 0.0)
                meeting[x] += w - d["kinds"].get("excess", 0.0)
        weak = {m for m in members if own[m] <= 0 or own[m] - cost[m] < params.member_margin}
        judged = {m for m in members - weak if meeting[m] > 0 and hub[m] <= 0}
        weak |= index.passers_by(judged, group_episodes) if judged else set()
        if not weak:
            return members
        members -= weak
    return members


def _split(G: nx.Graph, group: set[str], params: RingParams, seed: int) -> list[set[str]]:
    """Separate groups that only touch: community detection inside the group; each part whose
    evidence to the rest is at most ``split_cut`` of its evidence inside stands alone, the
    other parts stay together."""
    if len(group) < 2 * params.min_persons:
        return [group]
    H = nx.Graph()
    H.add_nodes_from(sorted(group))
    H.add_weighted_edges_from(sorted((a, b, w) for a, b, _, w in _evidence_edges(G, group, params.episode_tolerance_d)))
    parts = sorted((set(p) for p in nx.community.louvain_communities(H, weight="weight", seed=seed)),
                   key=lambda p: sorted(p))
    if len(parts) < 2:
        return [group]
    alone, rest = [], set()
    for part in parts:
        inside = H.subgraph(part).size(weight="weight")
        if nx.cut_size(H, part, weight="weight") <= params.split_cut * inside:
            alone.append(part)
        else:
            rest |= part
    return alone + ([rest] if rest else [])


def _groups(G: nx.Graph, communities: list[list[str]], params: RingParams, index: EpisodeIndex,
            seed: int = 0) -> list[set[str]]:
    """Tight, connected evidence groups, with rotating subsets of one collector joined."""
    groups: list[set[str]] = []
    tol = params.episode_tolerance_d
    for community in communities:
        kept = _tighten(G, set(community), params, index)
        H = nx.Graph()
        H.add_nodes_from(sorted(kept))
        H.add_edges_from((a, b) for a, b, _, _ in _evidence_edges(G, kept, tol))
        for component in sorted(nx.connected_components(H), key=lambda c: sorted(c)):
            for part in _split(G, set(component), params, seed):
                if len(part) >= 2:  # a part may lean on meetings of the others: tighten again
                    groups += [g for g in [_tighten(G, part, params, index)] if len(g) >= 2]
    episodes = [set().union(*(set().union(*d["episodes"].values()) for _, _, d, _ in _evidence_edges(G, g, tol)))
                for g in groups]
    # Union-find over groups whose meetings are largely the same episodes.
    parent = list(range(len(groups)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_episode: dict[str, list[int]] = {}
    for i, eps in enumerate(episodes):
        for e in eps:
            by_episode.setdefault(e, []).append(i)
    for i, j in sorted({(i, j) for ids in by_episode.values() for i in ids for j in ids if i < j}):
        shared = len(episodes[i] & episodes[j])
        if shared >= 2 and shared / len(episodes[i] | episodes[j]) >= params.merge_overlap:
            parent[find(j)] = find(i)
    merged: dict[int, set[str]] = {}
    for i, g in enumerate(groups):
        merged.setdefault(find(i), set()).update(g)
    return sorted(merged.values(), key=lambda g: sorted(g))


def assemble_rings(G: nx.Graph, communities: list[list[str]], flags: pd.DataFrame, settlements: pd.DataFrame,
                   household: dict[str, str], params: RingParams = RingParams(),
                   episodes: dict[str, dict] | None = None, visits: dict | None = None, seed: int = 0) -> list[Ring]:
    """Rings from communities, ranked by score (ties by id).

    ``settlements`` holds at least the evidence settlements (scan.SETTLEMENT_FIELDS);
    ``household`` maps psn_no to its household id; ``episodes`` and ``visits``
    come from rings.evidence (who met in which episode, and how often they visit).
    """
    index = EpisodeIndex({k: {**v, "actors": set(v["actors"])} for k, v in (episodes or {}).items()}, visits or {})
    setl = settlements.set_index("setl_id") if len(settlements) else settlements
    flagged = flags.groupby(flags["entity_type"] + "|" + flags["entity_id"])["rule"].apply(set).to_dict() \
        if len(flags) else {}
    n_actors = sum(1 for n in G if any(d["evidence_weight"] > 0 for d in G[n].values()))
    order = list(families())
    rings = []
    for group in _groups(G, communities, params, index, seed):
        repeated = _repeated(G, group)
        edges = _evidence_edges(G, group, params.episode_tolerance_d, repeated)
        kinds: dict[str, float] = {}
        fams: dict[str, float] = {}
        rules: set[str] = set()
        evidence: set[str] = set()
        context: set[str] = set()
        repeated_weight = 0.0
        repeat_members: set[str] = set()
        group_bursts: set[str] = set()
        hubs: dict[str, tuple[float, dict[str, float]]] = {}
        for a, b, d, w in edges:
            if d["kinds"].get("repeat", 0.0) > 0:
                repeated_weight += d["kinds"]["repeat"]
                repeat_members |= {a, b}
            if _burst_counted(d, repeated, params.episode_tolerance_d):
                group_bursts |= d["episodes"].get("burst", set())
            hubs.update(d.get("hubs", {}))
            rules |= d["rules"]
            evidence |= d["evidence"]
            context |= {c for c in d["context"] if c.split("|", 1)[0] in _CONTEXT_TYPES}
            for k, kw in d["kinds"].items():
                kinds[k] = kinds.get(k, 0.0) + kw
            for f, fw in d["families"].items():
                fams[f] = fams.get(f, 0.0) + fw * w / max(d["evidence_weight"], 1e-12)
        if not (kinds.get("excess", 0) > 0 or any(d["episodes"].get("again") for _, _, d, _ in edges)):
            continue  # one batch or one sitting only: no repetition
        persons = sorted(group)
        homes = {household.get(split_key(k)[1], k) if k.startswith("Patient|") else k for k in persons}
        if len(persons) < params.min_persons or len(homes) < params.min_households:
            continue
        # Repeated meetings that do not pay for the groups one could have picked add
        # nothing; each burst counts once; each hub once.
        significance = max(0.0, repeated_weight - log10_choose(max(n_actors, len(repeat_members)), len(repeat_members))) \
            + sum(index.episodes[e]["surprise"] for e in group_bursts if e in index.episodes) \
            + sum(max(hub, sum(max(s, 0.0) for m, s in members.items() if m in group))
                  for hub, members in hubs.values())
        if significance < params.min_significance:
            continue
        rows = setl.loc[setl.index.intersection(sorted(evidence))] if len(setl) else setl
        members = _members(persons, rows, context, params)
        flag_rules = set().union(*(flagged.get(k, set()) for k in members)) if flagged else set()
        n_flagged = sum(1 for k in members if k in flagged)
        kind = max(order, key=lambda f: (fams.get(f, 0.0), -order.index(f)))
        bought = rows[rows["refund"] == 0] if len(rows) else rows
        amount = round(float(bought["fund_pay"].sum()) if len(bought) else 0.0, 2)
        money = params.money_floor + (1 - params.money_floor) * min(
            1.0, math.log10(1 + amount) / math.log10(1 + params.full_amount))
        bonus = 1 + min(params.max_flag_bonus, params.flag_bonus * n_flagged)
        score = round(min(100.0, 100 * significance / (significance + params.half_score) * money * bonus), 2)
        ordered = sorted(members, key=lambda k: (MEMBER_ORDER.get(split_key(k)[0], 9), k))
        days = rows["setl_day"] if len(rows) else pd.Series(dtype="int64")
        met: set[str] = set().union(*(set().union(*d["episodes"].values()) for _, _, d, _ in edges))
        facts = _facts(ordered, rows, amount, significance, len(met))
        rings.append(Ring(
            id=_ring_id(persons), kind=kind, score=score,
            members=[{"type": split_key(k)[0], "id": split_key(k)[1]} for k in ordered],
            amount=amount, first_seen=day_to_date(days.min()) if len(days) else None,
            last_seen=day_to_date(days.max()) if len(days) else None,
            rules=sorted(rules | flag_rules), evidence=sorted(evidence),
            explanation=families()[kind].text("explanation", "zh").format(**facts),
            explanation_en=families()[kind].text("explanation", "en").format(**facts),
            family_weights={f: round(w, 3) for f, w in sorted(fams.items())},
            significance=round(significance, 2),
        ))
    rings.sort(key=lambda r: (-r.score, r.id))
    for i, ring in enumerate(rings, start=1):
        ring.rank = i
    return rings


def _members(persons: list[str], rows: pd.DataFrame, context: set[str], params: RingParams) -> set[str]:
    """People with the cards they used in the evidence, and the places and doctors it runs through."""
    members = set(persons)
    if not len(rows):
        return members | context
    people = {split_key(k)[1] for k in persons if k.startswith("Patient|")}
    cards = {split_key(k)[1] for k in persons if k.startswith("Card|")}
    used = rows[rows["psn_no"].isin(people) | rows["mdtrt_cert_no"].isin(cards)]
    members |= {f"Card|{c}" for c in used["mdtrt_cert_no"].dropna().unique()}
    members |= {f"Patient|{p}" for p in rows.loc[rows["mdtrt_cert_no"].isin(cards), "psn_no"].dropna().unique()}
    for column, label in (("fixmedins_code", None), ("atddr_no", "Doctor")):
        share = used[column].value_counts(normalize=True)
        for ident, s in share.items():
            if s >= params.context_share:
                kind = label or used.loc[used[column] == ident, "place_label"].iloc[0]
                members.add(f"{kind}|{ident}")
    return members | context


def _facts(members: list[str], rows: pd.DataFrame, amount: float, significance: float, episodes: int) -> dict:
    count = {t: sum(1 for k in members if k.startswith(t + "|")) for t in MEMBER_ORDER}
    has = len(rows) > 0
    return {
        "patients": count["Patient"], "cards": count["Card"], "doctors": count["Doctor"],
        "pharmacies": int(rows.loc[rows["place_label"] == "Pharmacy", "fixmedins_code"].nunique()) if has else 0,
        "institutions": int(rows.loc[rows["place_label"] == "Institution", "fixmedins_code"].nunique()) if has else 0,
        "places": int(rows["fixmedins_code"].nunique()) if has else 0,
        "days": int(rows["setl_day"].nunique()) if has else 0,
        "episodes": episodes,
        "span": int(rows["setl_day"].max() - rows["setl_day"].min() + 1) if has else 0,
        "settlements": len(rows), "refunds": int(rows["refund"].sum()) if has else 0,
        "amount": f"{amount:,.0f}", "chance": f"{max(significance, 0):.0f}",
    }
