"""A ring as a map: people beside their cards, cards around the places they were used, doctors apart.

The map is laid out once (:mod:`.layout`) and drawn twice from the same
coordinates: live in the page (vis-network, positions fixed, no physics) and as
a static SVG for printing (:mod:`.map_svg`). Every label is its own positioned
text, so what was checked free of overlaps is what both show.

Edges: one per pair of people, its width growing with how often they met and its
colour the family of the strongest link; only the few strongest carry a label,
the others show it on hover (with the settlements behind it). A patient and
their card are joined by a short line; a card and the places and doctors of its
settlements by a dashed one. A ring above ``node_cap`` members is drawn with its
patients and cards grouped per type.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..families import families
from .directory import Directory
from .i18n import TYPE_NAMES, link_label, text
from .layout import FONT, Item, box_at, free_spot, layout_items, make_room, text_width
from .records import records

__all__ = ["MapNode", "MapEdge", "RingMap", "STYLE", "build_map", "vis_data", "HOLDS_COLOUR", "CONTEXT_COLOUR"]

# type → (vis shape, colour, SVG marker, base radius)
STYLE = {
    "Patient": ("dot", "#4e79a7", "circle", 8.0), "Card": ("square", "#f28e2b", "square", 7.0),
    "Doctor": ("triangle", "#59a14f", "triangle", 11.0), "Pharmacy": ("diamond", "#e15759", "diamond", 14.0),
    "Institution": ("hexagon", "#76b7b2", "hexagon", 14.0),
}
HOLDS_COLOUR = "#8899aa"
CONTEXT_COLOUR = "#b8bec6"
LABEL_SIZE = 12.0        # px, people and cards
HUB_LABEL_SIZE = 13.0    # px, places and doctors
EDGE_LABEL_SIZE = 11.0
LINE = 1.3               # a label's line height, in font sizes
GAP = 6.0                # between the columns of a person box
MAX_EDGE_LABELS = 6      # the strongest pairs get a label on the map; the rest on hover
DENSE_PAIRS = 4          # above this many pairs per person a ring is drawn with each person's strongest ties
PAIRS_PER_PERSON = 3
CARD_TAIL = 6            # a card on the map shows its last digits (the full number is in its tooltip)
TOOLTIP_ROWS = 15
MARGIN = 12.0            # px around the map
TEXT_MARGIN = 0.01       # vis pads text by 5 px unless told; 0 itself is ignored (and stops the text drawing)
_HUBS = ("Pharmacy", "Institution", "Doctor")


@dataclass
class MapNode:
    id: str
    kind: str
    x: float
    y: float
    r: float
    label: str
    lx: float
    ly: float
    size: float
    title: str


@dataclass
class MapEdge:
    a: str
    b: str
    colour: str
    width: float
    title: str
    kind: str  # link | holds | context
    dashes: bool = False
    label: str = ""
    lx: float | None = None
    ly: float | None = None
    opacity: float = 0.75


@dataclass
class RingMap:
    nodes: list[MapNode]
    edges: list[MapEdge]
    width: float
    height: float
    collapsed: bool
    families: list[str] = field(default_factory=list)
    seconds: float = 0.0
    pairs: int = 0        # pairs of people who met
    pairs_drawn: int = 0  # fewer in a dense ring (each person's strongest ties)


def _time(ts) -> str:
    return pd.Timestamp(int(ts), unit="s").strftime("%Y-%m-%d %H:%M")


def _short_cards(cards: list[str], directory: Directory) -> dict[str, str]:
    """Card labels for the map: the last digits, as many as keep them apart."""
    shown = {c: directory.card(c) for c in cards}
    for tail in range(CARD_TAIL, 40):
        short = {c: (s if len(s) <= tail + 2 else "…" + s[-tail:]) for c, s in shown.items()}
        if len(set(short.values())) == len(short):
            return short
    return shown


def build_map(ring: dict, links: pd.DataFrame, evidence: pd.DataFrame, directory: Directory, names: dict,
              lang: str = "zh", node_cap: int = 300, seed: int = 1) -> RingMap:
    """The ring's map, laid out. ``links`` and ``evidence`` are the ring's rows of links.csv and evidence.csv."""
    import time

    started = time.perf_counter()
    members = [(m["type"], str(m["id"])) for m in ring["members"]]
    collapsed = len(members) > node_cap
    money: dict[tuple[str, str], float] = defaultdict(float)
    count: dict[tuple[str, str], int] = defaultdict(int)
    settled = list(records(evidence, index=False))  # read three times below
    for r in settled:
        for kind, ident in (("Patient", r.psn_no), ("Card", r.mdtrt_cert_no), (r.place_label, r.fixmedins_code),
                            ("Doctor", r.atddr_no)):
            member = (kind, str(ident))
            money[member] += float(r.fund_pay) if not int(r.refund) else 0.0
            count[member] += 1
    patients = [i for k, i in members if k == "Patient"]
    cards = [i for k, i in members if k == "Card"]
    hubs = [(k, i) for k, i in members if k in _HUBS]
    node_of: dict[tuple[str, str], str] = {}
    nodes: dict[str, MapNode] = {}
    items: list[Item] = []
    inner: dict[str, list[tuple[str, float, float]]] = {}  # item → (node, dx, dy) from the item's centre

    def radius(kind: str, key: tuple[str, str]) -> float:
        base = STYLE[kind][3]
        top = max((v for k, v in money.items() if k[0] == kind), default=0.0) or 1.0
        return round(base * (1 + 0.6 * math.sqrt(money.get(key, 0.0) / top)), 1)

    def column(kind: str, ident: str, label: str, size: float, title: str, key=None) -> tuple[str, float, float, float]:
        node_id = f"{kind}|{ident}"
        r = radius(kind, key or (kind, ident))
        nodes[node_id] = MapNode(node_id, kind, 0, 0, r, label, 0, 0, size, title)
        return node_id, r, max(2 * r, text_width(label, size)), size * LINE

    def add_item(key: str, cols: list[tuple[str, float, float, float]], mass: float) -> None:
        rmax = max(c[1] for c in cols)
        lh = max(c[3] for c in cols)
        w = sum(c[2] for c in cols) + GAP * (len(cols) - 1)
        h = 2 * rmax + 3 + lh
        x = -w / 2
        placed = []
        for node_id, _r, cw, _ in cols:
            placed.append((node_id, x + cw / 2, -h / 2 + rmax))
            x += cw + GAP
        inner[key] = placed
        items.append(Item(key, w, h, mass))

    def tip(kind: str, ident: str) -> str:
        shown = directory.card(ident) if kind == "Card" else directory.shown_id(ident)
        name = directory.name(kind, ident)
        head = " ".join(x for x in (TYPE_NAMES[lang][kind], name, shown) if x)
        return f"{head}\n¥{money.get((kind, ident), 0.0):,.2f} · {text(lang, 'evidence_count', n=count.get((kind, ident), 0))}"

    if collapsed:
        for kind, idents in (("Patient", patients), ("Card", cards)):
            if idents:
                label = f"{TYPE_NAMES[lang][kind]} ×{len(idents)}"
                col = column(kind, "*", label, LABEL_SIZE, label)
                add_item(f"group|{kind}", [col], 2.0)
                for ident in idents:
                    node_of[(kind, ident)] = col[0]
    else:
        short = _short_cards(cards, directory)
        held: dict[str, list[str]] = defaultdict(list)
        for card in cards:
            holder = directory.holder.get(card)
            held[holder if holder in set(patients) else f"card:{card}"].append(card)
        for psn in patients + [k for k in held if k.startswith("card:")]:
            cols = []
            if not psn.startswith("card:"):
                cols.append(column("Patient", psn, directory.person_label(psn), LABEL_SIZE, tip("Patient", psn)))
                node_of[("Patient", psn)] = cols[-1][0]
            for card in held.get(psn, []):
                cols.append(column("Card", card, short[card], LABEL_SIZE, tip("Card", card)))
                node_of[("Card", card)] = cols[-1][0]
            add_item(f"unit|{psn}", cols, 1.0)
    for kind, ident in hubs:
        label = directory.name(kind, ident) or directory.shown_id(ident)
        col = column(kind, ident, label, HUB_LABEL_SIZE, tip(kind, ident))
        node_of[(kind, ident)] = col[0]
        add_item(f"hub|{col[0]}", [col], 4.0 if kind != "Doctor" else 2.0)
    item_of = {node_id: key for key, cols in inner.items() for node_id, _, _ in cols}

    edges: list[MapEdge] = []
    layout_edges: list[tuple[str, str, float]] = []
    # People who met: one edge per pair, width by meetings, colour by the strongest family.
    pairs: dict[tuple[str, str], dict] = {}
    line_of = {s.setl_id: (s.setl_ts, f"{_time(s.setl_ts)}  {names.get((s.place_label, s.fixmedins_code), s.fixmedins_code)}"
                                        f"  ¥{s.medfee_sumamt:,.2f}") for s in settled}
    for r in records(links, index=False):
        a, b = node_of.get((r.a_type, str(r.a_id))), node_of.get((r.b_type, str(r.b_id)))
        if a is None or b is None or a == b:
            continue
        pair = pairs.setdefault((min(a, b), max(a, b)), {"k": 0, "families": defaultdict(float), "by": defaultdict(int),
                                                         "evidence": set()})
        k = int(r.k) if "k" in links.columns and not pd.isna(r.k) else 1
        pair["k"] += k
        pair["families"][r.family] += float(r.weight)
        pair["by"][r.family] += k
        pair["evidence"].update(r.evidence)
    fams = families()
    top_k = max((p["k"] for p in pairs.values()), default=1)
    all_pairs = len(pairs)
    pairs = _backbone(pairs, len(items))
    for (a, b), pair in sorted(pairs.items(), key=lambda kv: (-kv[1]["k"], kv[0])):
        family = max(pair["families"], key=lambda f: (pair["families"][f], f))
        label = link_label(lang, family, pair["by"][family])
        lines = [link_label(lang, f, n) for f, n in sorted(pair["by"].items())]
        rows = sorted(line_of[e] for e in pair["evidence"] if e in line_of)
        lines += [line for _, line in rows[:TOOLTIP_ROWS]]
        if len(rows) > TOOLTIP_ROWS:
            lines.append(f"… +{len(rows) - TOOLTIP_ROWS}")
        colour = fams[family].colour if family in fams else "#999999"
        strength = pair["k"] / top_k  # the ring's strongest pair is drawn boldest, rare meetings fade
        edges.append(MapEdge(a, b, colour, round(0.8 + 3.7 * strength, 1), "\n".join(lines), "link", label=label,
                             opacity=round(0.3 + 0.6 * strength, 2)))
        if item_of.get(a) != item_of.get(b):
            layout_edges.append((item_of[a], item_of[b], 0.4 * math.log1p(pair["k"])))
    # A patient holds their cards.
    for unit, placed_nodes in inner.items():
        if unit.startswith("unit|") and not unit.startswith("unit|card:") and len(placed_nodes) > 1:
            for node_id, _, _ in placed_nodes[1:]:
                edges.append(MapEdge(placed_nodes[0][0], node_id, HOLDS_COLOUR, 2.0, text(lang, "holds"), "holds"))
    # Where and by whom the ring's cards were settled.
    context: dict[tuple[str, str], int] = defaultdict(int)
    for r in settled:
        who = node_of.get(("Card", str(r.mdtrt_cert_no))) or node_of.get(("Patient", str(r.psn_no)))
        for target in (node_of.get((r.place_label, str(r.fixmedins_code))), node_of.get(("Doctor", str(r.atddr_no)))):
            if who and target and who != target:
                context[(who, target)] += 1
        doctor, place = node_of.get(("Doctor", str(r.atddr_no))), node_of.get((r.place_label, str(r.fixmedins_code)))
        if doctor and place:
            context[(doctor, place)] += 1
    for (a, b), n in sorted(context.items()):
        edges.append(MapEdge(a, b, CONTEXT_COLOUR, round(min(0.8 + 0.5 * math.log2(1 + n), 4), 1),
                             f"{text(lang, 'context')} ×{n}", "context", dashes=True))
        weight = 3.0 if a.startswith("Doctor|") and b.split("|")[0] in ("Institution", "Pharmacy") else 1 + math.log1p(n)
        layout_edges.append((item_of[a], item_of[b], weight))

    def place_nodes(centres: dict) -> None:
        for unit, placed_nodes in inner.items():
            cx, cy = centres[unit]
            for node_id, dx, dy in placed_nodes:
                node = nodes[node_id]
                node.x, node.y = round(cx + dx, 1), round(cy + dy, 1)
                node.lx, node.ly = node.x, round(node.y + node.r + 3 + node.size * LINE / 2, 1)

    centres = layout_items(items, layout_edges, seed=seed)
    place_nodes(centres)
    # The strongest pairs carry their label on the map: on the edge where it has room, else as an item of
    # its own at the edge's middle that the people around make room for (the edge then runs through it).
    strongest = [e for e in edges if e.kind == "link" and item_of[e.a] != item_of[e.b]][:MAX_EDGE_LABELS]
    occupied = np.array([box_at(centres[i.key], i.w, i.h) for i in items]).reshape(-1, 4)
    crowded: list[tuple[MapEdge, str]] = []
    for edge in strongest:
        w, h = text_width(edge.label, EDGE_LABEL_SIZE) + 8, EDGE_LABEL_SIZE * LINE + 2
        spot = free_spot((nodes[edge.a].x, nodes[edge.a].y), (nodes[edge.b].x, nodes[edge.b].y), w, h, occupied)
        if spot is None:
            key = f"edge-label|{len(crowded)}"
            crowded.append((edge, key))
            items.append(Item(key, w, h, 50.0))
            centres[key] = ((nodes[edge.a].x + nodes[edge.b].x) / 2, (nodes[edge.a].y + nodes[edge.b].y) / 2)
        else:
            edge.lx, edge.ly = round(spot[0], 1), round(spot[1], 1)
            occupied = np.vstack([occupied, box_at(spot, w, h)])
    if crowded:
        labelled = [e for e in strongest if e.lx is not None]
        for e in labelled:  # labels already on free spots stay where they are
            assert e.lx is not None and e.ly is not None
            key = f"edge-label|fixed|{id(e)}"
            items.append(Item(key, text_width(e.label, EDGE_LABEL_SIZE) + 8, EDGE_LABEL_SIZE * LINE + 2, 50.0))
            centres[key] = (e.lx, e.ly)
        centres = make_room(items, centres, seed=seed)
        place_nodes(centres)
        for edge, key in crowded:
            edge.lx, edge.ly = (round(v, 1) for v in centres[key])
        for e in labelled:
            e.lx, e.ly = (round(v, 1) for v in centres[f"edge-label|fixed|{id(e)}"])
    for edge in edges:
        if edge.lx is None:
            edge.label = ""
    boxes = [box_at(centres[i.key], i.w, i.h) for i in items]
    dx, dy = MARGIN - min((b[0] for b in boxes), default=0), MARGIN - min((b[1] for b in boxes), default=0)
    for node in nodes.values():  # the map's top left corner at (MARGIN, MARGIN)
        node.x, node.y, node.lx, node.ly = (round(v, 1) for v in (node.x + dx, node.y + dy, node.lx + dx, node.ly + dy))
    for edge in edges:
        if edge.label:
            assert edge.lx is not None and edge.ly is not None  # a label is kept only where it has a place
            edge.lx, edge.ly = round(edge.lx + dx, 1), round(edge.ly + dy, 1)
    width = max((b[2] for b in boxes), default=0) + dx + MARGIN
    height = max((b[3] for b in boxes), default=0) + dy + MARGIN
    present = sorted({e.colour for e in edges if e.kind == "link"})
    return RingMap(list(nodes.values()), edges, round(width, 1), round(height, 1), collapsed,
                   [f for f in fams if fams[f].colour in present], time.perf_counter() - started, all_pairs,
                   len(pairs))


def _backbone(pairs: dict, people: int) -> dict:
    """All pairs, or in a dense ring (a card pool where everyone met everyone) each person's strongest few,
    so the map shows who is tied to whom instead of a solid mesh."""
    if len(pairs) <= DENSE_PAIRS * max(people, 1):
        return pairs
    ranked = sorted(pairs.items(), key=lambda kv: (-kv[1]["k"], kv[0]))
    kept: dict = {}
    count: dict[str, int] = defaultdict(int)
    for (a, b), pair in ranked:
        if count[a] < PAIRS_PER_PERSON or count[b] < PAIRS_PER_PERSON:
            kept[(a, b)] = pair
            count[a] += 1
            count[b] += 1
    return kept


def vis_data(data: RingMap) -> tuple[list[dict], list[dict], dict]:
    """Nodes, edges and options for vis-network: the same positions, labels as their own text nodes."""
    font = FONT
    nodes, edges = [], []
    for n in data.nodes:
        nodes.append({"id": n.id, "x": n.x, "y": n.y, "shape": STYLE[n.kind][0], "size": n.r,
                      "color": {"background": STYLE[n.kind][1], "border": "#333333"}, "borderWidth": 1,
                      "title": n.title, "fixed": True, "physics": False})
        nodes.append({"id": f"label|{n.id}", "x": n.lx, "y": n.ly, "shape": "text", "label": n.label, "margin": TEXT_MARGIN,
                      "font": {"size": n.size, "face": font, "color": "#1d2433", "strokeWidth": 3,
                               "strokeColor": "#ffffff"}, "fixed": True, "physics": False, "chosen": False})
    for i, e in enumerate(data.edges):
        line = {"color": {"color": e.colour, "opacity": e.opacity}, "width": e.width, "title": e.title,
                "dashes": e.dashes, "smooth": False}
        if not e.label:
            edges.append({"id": f"e{i}", "from": e.a, "to": e.b, **line})
            continue
        label = f"edge-label|{i}"  # the edge runs through its label, as in the static map
        nodes.append({"id": label, "x": e.lx, "y": e.ly, "shape": "text", "label": e.label, "margin": TEXT_MARGIN,
                      "font": {"size": EDGE_LABEL_SIZE, "face": font, "color": "#333333", "background": "#ffffff"},
                      "title": e.title, "fixed": True, "physics": False, "chosen": False})
        edges += [{"id": f"e{i}a", "from": e.a, "to": label, **line}, {"id": f"e{i}b", "from": label, "to": e.b, **line}]
    options = {"physics": {"enabled": False},
               "interaction": {"hover": True, "tooltipDelay": 100, "dragNodes": False, "navigationButtons": False},
               "edges": {"smooth": False, "hoverWidth": 1.5}, "layout": {"improvedLayout": False},
               # labels stay drawn when a large ring is fitted into the frame (vis hides text under 5 px)
               "nodes": {"scaling": {"label": {"drawThreshold": 1}}}}
    return nodes, edges, options
