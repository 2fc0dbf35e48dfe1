"""Stable ring ids: which of this scan's rings continue which earlier rings.

A ring is compared with earlier rings by its **people and cards** (places and
doctors are context, shared by unrelated rings). The rule, with the
thresholds in :class:`LineageParams`:

* two rings are **related** when they share at least ``related_share`` of the
  smaller one's people and cards (a ring that absorbed a small one, or one of
  the parts a ring fell into, is related to it however large the other is);
* a ring **keeps the id** of a related earlier ring when their Jaccard overlap
  (shared ÷ together) is at least ``keep_jaccard``, or when each is the
  other's only relation (a ring that doubled is still that ring, grown). Each
  earlier id goes to at most one ring and each ring keeps at most one id: the
  pairs are taken by highest Jaccard first, then most shared members, then
  the earlier ring of the latest scan, the earliest first detection, the
  smaller ids — so the same inputs always give the same ids;
* a ring that keeps no id gets a new one (the hash of its people, as every
  scan makes them).

Its **status** says what happened since the last scan:

=========  =================================================================
new        related to no earlier ring
unchanged  continues one earlier ring with exactly its people and cards
grown      continues one earlier ring and gained people or cards (it may also
           have lost some)
shrunk     continues one earlier ring and only lost people or cards
merged     related to two or more earlier rings
split      its earlier ring is related to two or more of this scan's rings
=========  =================================================================

Earlier rings are the last scan's rings and, so that a ring missed by one scan
is not new the next time, the rings of the ``dormant_scans`` scans before it
whose ids the last scan did not have (each id as last seen). ``gone`` lists the
last scan's rings related to no ring of this scan.

>>> old = [Group("R-a", frozenset({"Patient|1", "Patient|2", "Patient|3", "Patient|4"}), "2026-01-05")]
>>> new = [Group("R-x", frozenset({"Patient|1", "Patient|2", "Patient|3", "Patient|4", "Patient|5"}))]
>>> succession, gone = link_rings(old, new)
>>> succession[0].id, succession[0].status, succession[0].first_detected, sorted(succession[0].added), gone
('R-a', 'grown', '2026-01-05', ['Patient|5'], [])
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["LineageParams", "Group", "Succession", "link_rings", "identity", "STATUSES", "IDENTITY_TYPES"]

STATUSES = ("new", "unchanged", "grown", "shrunk", "merged", "split")
# What a ring's identity is made of: the people and the cards they used.
IDENTITY_TYPES = ("Patient", "Card")


@dataclass(frozen=True)
class LineageParams:
    # A ring keeps an earlier ring's id at this Jaccard overlap of people and cards or more (or when
    # the two are each other's only relation). One more month of data changes rings by a few
    # members (Jaccard 0.64-0.96 on the generated districts); where a ring fell apart or two
    # joined, the part with half or more of the old people and cards is the one that goes on.
    keep_jaccard: float = 0.5
    # Two rings are related (merged into, split from, grown out of) when they share this share of
    # the smaller ring's people and cards.
    related_share: float = 0.5
    # Rings missing from the last scan are still matched when seen in one of this many scans before.
    dormant_scans: int = 30


@dataclass(frozen=True)
class Group:
    """A ring as lineage sees it."""

    id: str
    members: frozenset[str]   # "Patient|psn_no", "Card|mdtrt_cert_no"
    first_detected: str = ""  # date of the first scan that saw this id
    age: int = 0              # 0: a ring of the last scan; n: last seen n scans before it


@dataclass
class Succession:
    """What one ring of this scan continues."""

    id: str                       # the stable id
    status: str
    previous_ids: list[str]       # the earlier rings it is related to
    first_detected: str | None    # None: first detected by this scan
    added: frozenset[str] = field(default_factory=frozenset)    # people and cards none of them had
    removed: frozenset[str] = field(default_factory=frozenset)  # theirs, no longer in this ring


def identity(members: list[dict]) -> frozenset[str]:
    """The people and cards of a ring's member list (``{"type", "id"}`` dicts)."""
    return frozenset(f"{m['type']}|{m['id']}" for m in members if m["type"] in IDENTITY_TYPES)


def _related(a: frozenset[str], b: frozenset[str], share: float) -> bool:
    common = len(a & b)
    return common > 0 and common / min(len(a), len(b)) >= share


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def link_rings(previous: list[Group], current: list[Group], params: LineageParams = LineageParams(),
               taken: frozenset[str] = frozenset()) -> tuple[list[Succession], list[str]]:
    """Succession of each ``current`` ring (same order) and the ids of the last scan's rings now gone.

    ``current`` ids are the ids the scan made; a current ring whose id equals an
    earlier ring's is that ring (a diff between recorded scans). ``taken`` are ids
    used before by other rings: a new ring never reuses one.
    """
    previous = [p for p in previous if p.age <= params.dormant_scans]
    preds: dict[int, list[int]] = {c: [] for c in range(len(current))}
    succs: dict[int, list[int]] = {p: [] for p in range(len(previous))}
    for ci, c in enumerate(current):
        for pi, p in enumerate(previous):
            if c.id == p.id or _related(p.members, c.members, params.related_share):
                preds[ci].append(pi)
                succs[pi].append(ci)
    pairs = []
    for ci, c in enumerate(current):
        for pi in preds[ci]:
            p = previous[pi]
            j = _jaccard(p.members, c.members)
            if c.id == p.id or j >= params.keep_jaccard or (len(preds[ci]) == 1 and len(succs[pi]) == 1):
                pairs.append((c.id != p.id, -j, -len(p.members & c.members), p.age, p.first_detected, p.id,
                              c.id, pi, ci))
    kept: dict[int, int] = {}
    used: set[int] = set()
    for *_, pi, ci in sorted(pairs):
        if ci not in kept and pi not in used:
            kept[ci] = pi
            used.add(pi)
    out: list[Succession] = []
    assigned = {previous[pi].id for pi in kept.values()}
    for ci, c in enumerate(current):
        mine = [previous[pi] for pi in preds[ci]]
        before = frozenset().union(*(p.members for p in mine)) if mine else frozenset()
        if not mine:
            status = "new"
        elif len(mine) > 1:
            status = "merged"
        elif len(succs[preds[ci][0]]) > 1:
            status = "split"
        elif c.members == before:
            status = "unchanged"
        elif c.members - before:
            status = "grown"
        else:
            status = "shrunk"
        if ci in kept:
            p = previous[kept[ci]]
            ident, first = p.id, p.first_detected or None
        else:
            ident, first = _fresh_id(c.id, assigned | set(taken)), None
            assigned.add(ident)
        out.append(Succession(ident, status, sorted(p.id for p in mine), first,
                              c.members - before, before - c.members))
    gone = sorted(p.id for pi, p in enumerate(previous) if p.age == 0 and not succs[pi])
    return out, gone


def _fresh_id(candidate: str, taken: set[str]) -> str:
    """``candidate``, or with a suffix when another ring had that id."""
    ident, n = candidate, 1
    while ident in taken:
        n += 1
        ident = f"{candidate}-{n}"
    return ident
