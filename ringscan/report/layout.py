"""Map layout in which no box overlaps another, for rings of 3 to 300 members.

A map is laid out as *items*, each a box that already holds its labels: a
person (a patient beside the cards they hold, names below) or a hub (a
pharmacy, an institution, a doctor, with its name). Boxes that do not overlap
mean labels that do not overlap and no node hidden under another.

1. A force-directed layout of the item graph (networkx ``spring_layout``,
   seeded, so the same ring always looks the same): a person is pulled to the
   places their cards were used at, more by more settlements, and to the people
   they met; a doctor to their institution and patients.
2. Scaled to the boxes' total area, then overlaps removed by repeated
   separation of every overlapping pair along its axis of least overlap, hubs
   moving less than people; neighbourhoods of the force layout are kept.
Edge labels shown on the map go where their edge has room (:func:`free_spot`);
where it has none, the label becomes an item at the edge's middle and the
people around it make room (:func:`make_room`), the edge drawn through it.

>>> pos = layout_items([Item("a", 40, 20), Item("b", 40, 20), Item("c", 60, 30, mass=4)],
...                    [("a", "c", 2.0), ("b", "c", 2.0)], seed=1)
>>> overlapping([box_at(pos[k], w, h) for k, w, h in (("a", 40, 20), ("b", 40, 20), ("c", 60, 30))])
[]
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

import networkx as nx
import numpy as np

__all__ = ["Item", "Box", "layout_items", "make_room", "free_spot", "overlapping", "box_at", "text_width", "PAD", "FONT"]

PAD = 8.0            # free space kept between any two boxes (px)
# Labels are measured for, and drawn in, a CJK font (Debian: fonts-noto-cjk).
FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
_SPREAD = 2.2        # layout area per unit of box area before separation
_MAX_ROUNDS = 4000   # separation rounds; a ring of 300 members needs a few hundred
_PORTRAIT = 1.25     # taller than wide, as an A4 page
_MIN_STEP = 4.0      # px: the fallback spiral never steps less than half of this


@dataclass(frozen=True)
class Item:
    key: str
    w: float
    h: float
    mass: float = 1.0  # heavier items move less when overlaps are removed


Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def box_at(centre: tuple[float, float], w: float, h: float) -> Box:
    x, y = centre
    return (x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def text_width(text: str, size: float) -> float:
    """A generous estimate of a label's width in px (CJK and ×, … 1 em, Latin about 0.6 em), never under the real one."""
    width = 0.0
    for ch in str(text):
        if unicodedata.east_asian_width(ch) in ("W", "F", "A"):  # ambiguous (×, …) is full width in CJK fonts
            width += 1.0
        elif ch.isupper() or ch in "@%&#":
            width += 0.72
        elif ch.isdigit():
            width += 0.6
        elif ch in " .,:;'|!il":
            width += 0.34
        else:
            width += 0.6
    return width * size


def layout_items(items: list[Item], edges: list[tuple[str, str, float]], *, seed: int = 1,
                 pad: float = PAD) -> dict[str, tuple[float, float]]:
    """Centres of ``items`` (px, y down) such that no two boxes, grown by ``pad``, overlap."""
    if not items:
        return {}
    keys = [i.key for i in items]
    G = nx.Graph()
    G.add_nodes_from(keys)
    for a, b, w in edges:
        if a != b and a in G and b in G:
            G.add_edge(a, b, weight=G.get_edge_data(a, b, {"weight": 0.0})["weight"] + float(w))
    raw = nx.spring_layout(G, weight="weight", seed=seed, iterations=120) if len(items) > 1 else {keys[0]: (0, 0)}
    xy = np.array([raw[k] for k in keys], dtype=float)
    wh = np.array([(i.w, i.h) for i in items], dtype=float)
    area = float(((wh[:, 0] + pad) * (wh[:, 1] + pad)).sum())
    span = max(np.ptp(xy[:, 0]), np.ptp(xy[:, 1]), 1e-9)
    xy = (xy - xy.mean(axis=0)) / span * math.sqrt(_SPREAD * area) * np.array([1.0, _PORTRAIT])
    xy = _separate(xy, wh, np.array([i.mass for i in items], dtype=float), pad, seed)
    return {k: (float(x), float(y)) for k, (x, y) in zip(keys, xy)}


def make_room(items: list[Item], centres: dict[str, tuple[float, float]], *, seed: int = 1,
              pad: float = PAD) -> dict[str, tuple[float, float]]:
    """Remove the overlaps of ``items`` starting from ``centres`` (heavy items stay, light ones give way)."""
    xy = np.array([centres[i.key] for i in items], dtype=float)
    wh = np.array([(i.w, i.h) for i in items], dtype=float)
    xy = _separate(xy, wh, np.array([i.mass for i in items], dtype=float), pad, seed)
    return {i.key: (float(x), float(y)) for i, (x, y) in zip(items, xy)}


def free_spot(start: tuple[float, float], end: tuple[float, float], w: float, h: float, occupied: np.ndarray,
              *, pad: float = 2.0) -> tuple[float, float] | None:
    """The centre of a w×h box on the segment, as near its middle as possible, touching no occupied box."""
    (x1, y1), (x2, y2) = start, end
    for t in (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74):
        x, y = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
        if not len(occupied) or not ((occupied[:, 0] < x + w / 2 + pad) & (occupied[:, 2] > x - w / 2 - pad) &
                                     (occupied[:, 1] < y + h / 2 + pad) & (occupied[:, 3] > y - h / 2 - pad)).any():
            return (x, y)
    return None


def _separate(xy: np.ndarray, wh: np.ndarray, mass: np.ndarray, pad: float, seed: int) -> np.ndarray:
    n = len(xy)
    rng = np.random.default_rng(seed)
    xy = xy + rng.normal(0, 1e-3, xy.shape)  # no two centres exactly equal
    upper = np.triu(np.ones((n, n), dtype=bool), 1)
    tie = np.where(upper, -1.0, 1.0)
    share = mass[None, :] / (mass[:, None] + mass[None, :])  # i gives way in proportion to j's mass
    for _ in range(_MAX_ROUNDS):
        dx = xy[:, None, 0] - xy[None, :, 0]
        dy = xy[:, None, 1] - xy[None, :, 1]
        ox = (wh[:, None, 0] + wh[None, :, 0]) / 2 + pad - np.abs(dx)
        oy = (wh[:, None, 1] + wh[None, :, 1]) / 2 + pad - np.abs(dy)
        hit = (ox > 0) & (oy > 0)
        np.fill_diagonal(hit, False)
        if not hit.any():
            return xy
        along_x = ox <= oy
        sx = np.where(dx == 0, tie, np.sign(dx))
        sy = np.where(dy == 0, tie, np.sign(dy))
        # Each pair moves apart by its overlap (plus a little), shared by mass; damped where many pairs push at once.
        crowd = np.maximum(hit.sum(axis=1, keepdims=True), 1)
        step = np.where(hit & along_x, (ox + 0.5) * sx, 0.0) * share
        xy[:, 0] += step.sum(axis=1) / np.sqrt(crowd[:, 0])
        step = np.where(hit & ~along_x, (oy + 0.5) * sy, 0.0) * share
        xy[:, 1] += step.sum(axis=1) / np.sqrt(crowd[:, 0])
    return _place_greedily(xy, wh, mass, pad)


def _place_greedily(xy: np.ndarray, wh: np.ndarray, mass: np.ndarray, pad: float) -> np.ndarray:
    """Where pushing pairs apart does not settle (rare: a crowd that keeps trading places), place the
    boxes one by one, heaviest first, each at its spot or the first free one on a widening spiral
    (steps of half its own height; a whole ring of the spiral tried at once)."""
    out = xy.copy()
    placed = np.zeros(len(xy), dtype=bool)
    for i in np.argsort(-mass, kind="stable").tolist():
        step = max(float(wh[i].min()), _MIN_STEP) / 2
        x0, y0 = out[i]
        j = np.flatnonzero(placed)
        reach_x = (wh[j, 0] + wh[i, 0]) / 2 + pad
        reach_y = (wh[j, 1] + wh[i, 1]) / 2 + pad
        ring = 0
        while True:
            if ring:
                angle = np.linspace(0, 2 * math.pi, 8 * ring, endpoint=False)
                spots = np.column_stack([x0 + ring * step * np.cos(angle), y0 + ring * step * np.sin(angle)])
            else:
                spots = np.array([[x0, y0]])
            clash = ((np.abs(out[j, 0][None, :] - spots[:, :1]) < reach_x) &
                     (np.abs(out[j, 1][None, :] - spots[:, 1:]) < reach_y)).any(axis=1)
            if not clash.all():
                out[i] = spots[int(np.argmin(clash))]
                break
            ring += 1
        placed[i] = True
    return out


def overlapping(boxes: list[Box], *, pad: float = 0.0) -> list[tuple[int, int]]:
    """Index pairs of boxes that overlap (touching is not overlapping)."""
    b = np.array(boxes, dtype=float).reshape(-1, 4)
    hit = ((b[:, None, 0] < b[None, :, 2] - pad) & (b[:, None, 2] > b[None, :, 0] + pad) &
           (b[:, None, 1] < b[None, :, 3] - pad) & (b[:, None, 3] > b[None, :, 1] + pad))
    i, j = np.nonzero(np.triu(hit, 1))
    return list(zip(i.tolist(), j.tolist()))
