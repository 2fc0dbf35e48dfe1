"""A ring as a graph for the page: pyvis nodes/edges/options, plus a static SVG for case files.

Node shape and colour by member type, size by fund money in the ring's
settlements; edges labelled by what links them (同时段刷卡 ×7 …) with the
supporting settlements (dates, places, amounts) as tooltip text. Tooltips are
plain text: vis-network puts strings in with ``innerText``. A ring above
``node_cap`` nodes is drawn with its patients and cards grouped per type, so
the browser never has to lay out thousands of nodes.
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass

import networkx as nx
import pandas as pd
from pyvis.network import Network

from .i18n import LINK_LABELS, TYPE_NAMES
from .pii import Masker

__all__ = ["MapData", "STYLE", "build_map", "map_svg"]

# type → (vis shape, colour, SVG marker)
STYLE = {
    "Patient": ("dot", "#4e79a7", "circle"), "Card": ("square", "#f28e2b", "square"),
    "Doctor": ("triangle", "#59a14f", "triangle"), "Pharmacy": ("diamond", "#e15759", "diamond"),
    "Institution": ("hexagon", "#76b7b2", "hexagon"),
}
FAMILY_COLOURS = {"pharmacy_swipe": "#e15759", "shared_card": "#f28e2b", "fake_admission": "#4e79a7",
                  "doctor_collusion": "#59a14f", "shared_identifier": "#b07aa1", "split_admission": "#9c755f",
                  "refund_cashout": "#edc948", "context": "#bbbbbb", "holds": "#8899aa"}
TOOLTIP_ROWS = 15


@dataclass
class MapData:
    nodes: list[dict]
    edges: list[dict]
    options: dict
    collapsed: bool


def _fmt_time(ts: float) -> str:
    return pd.Timestamp(int(ts), unit="s").strftime("%Y-%m-%d %H:%M")


def _label(kind: str, ident: str, people: dict, names: dict, masker: Masker) -> str:
    if kind == "Patient":
        person = people.get(ident, {})
        return masker.name(person.get("psn_name")) or ident
    if kind == "Card":
        return masker.card(ident)
    return names.get((kind, ident)) or ident


def build_map(ring: dict, links: pd.DataFrame, evidence: pd.DataFrame, people: dict, names: dict,
              masker: Masker, lang: str = "zh", node_cap: int = 300) -> MapData:
    members = [(m["type"], m["id"]) for m in ring["members"]]
    money: dict[tuple[str, str], float] = {}
    count: dict[tuple[str, str], int] = {}
    for row in evidence.itertuples(index=False):
        for key in (("Patient", row.psn_no), ("Card", row.mdtrt_cert_no), (row.place_label, row.fixmedins_code),
                    ("Doctor", row.atddr_no)):
            money[key] = money.get(key, 0.0) + (float(row.fund_pay) if row.refund == 0 else 0.0)
            count[key] = count.get(key, 0) + 1
    collapsed = len(members) > node_cap
    group_of = {}
    if collapsed:  # patients and cards become one node per type
        for kind, ident in members:
            group_of[(kind, ident)] = (kind, "*") if kind in ("Patient", "Card") else (kind, ident)
    node_key = lambda k: "|".join(str(x) for x in group_of.get(k, k))  # noqa: E731

    net = Network(directed=False)
    top = max(money.values(), default=1.0) or 1.0
    added = set()
    for kind, ident in members:
        key = node_key((kind, ident))
        if key in added:
            continue
        added.add(key)
        shape, colour, _ = STYLE[kind]
        if key.endswith("|*"):
            n = sum(1 for m in members if m[0] == kind)
            label, value, title = f"{TYPE_NAMES[lang][kind]} ×{n}", sum(v for k, v in money.items() if k[0] == kind), ""
        else:
            label = _label(kind, ident, people, names, masker)
            value = money.get((kind, ident), 0.0)
            shown_id = masker.card(ident) if kind == "Card" else ident
            title = f"{TYPE_NAMES[lang][kind]} {shown_id}\n¥{value:,.2f} · {count.get((kind, ident), 0)}"
        size = 12 + 28 * math.sqrt(value / top) if top else 12
        net.add_node(key, label=label, shape=shape, color=colour, size=round(size, 1), title=title,
                     kind=kind, font={"size": 14})
    settle = evidence.set_index("setl_id") if len(evidence) else evidence
    linked_pairs = set()
    for row in links.itertuples(index=False):
        a, b = node_key((row.a_type, row.a_id)), node_key((row.b_type, row.b_id))
        if a not in added or b not in added or a == b:
            continue
        linked_pairs.add(frozenset((a, b)))
        n = row.weight if row.family not in ("doctor_collusion",) else round(row.weight, 1)
        label = LINK_LABELS[lang][row.family].format(n=int(n) if float(n).is_integer() else n)
        rows = settle.loc[settle.index.intersection(row.evidence)].sort_values("setl_ts") if len(settle) else settle
        lines = [f"{_fmt_time(r.setl_ts)}  {names.get((r.place_label, r.fixmedins_code), r.fixmedins_code)}  "
                 f"¥{r.medfee_sumamt:,.2f}" for r in rows.head(TOOLTIP_ROWS).itertuples()]
        if len(rows) > TOOLTIP_ROWS:
            lines.append(f"… +{len(rows) - TOOLTIP_ROWS}")
        net.add_edge(a, b, label=label, title="\n".join([label, *lines]), color=FAMILY_COLOURS[row.family],
                     width=min(1 + float(row.weight) / 2, 6))
    # Who holds which card (持卡).
    for ident, person in sorted(people.items()):
        a = node_key(("Patient", ident))
        for card in str(person.get("cards") or "").split(";"):
            b = node_key(("Card", card))
            if card and a in added and b in added and a != b and frozenset((a, b)) not in linked_pairs:
                linked_pairs.add(frozenset((a, b)))
                net.add_edge(a, b, label="", title=LINK_LABELS[lang]["holds"], color=FAMILY_COLOURS["holds"], width=2)
    # Context: where the ring's people settled (places and doctors of its settlements).
    context: dict[tuple[str, str], int] = {}
    for row in evidence.itertuples(index=False):
        person = node_key(("Card", row.mdtrt_cert_no)) if node_key(("Card", row.mdtrt_cert_no)) in added \
            else node_key(("Patient", row.psn_no))
        for target in (node_key((row.place_label, row.fixmedins_code)), node_key(("Doctor", row.atddr_no))):
            if person in added and target in added and frozenset((person, target)) not in linked_pairs:
                context[(person, target)] = context.get((person, target), 0) + 1
    for (a, b), n in sorted(context.items()):
        net.add_edge(a, b, label="", title=f"{LINK_LABELS[lang]['context']} ×{n}", color=FAMILY_COLOURS["context"],
                     dashes=True, width=1)
    nodes, edges, _, _, _, _ = net.get_network_data()
    options = {
        "physics": {"solver": "forceAtlas2Based", "stabilization": {"enabled": True, "iterations": 250, "fit": True},
                    "forceAtlas2Based": {"gravitationalConstant": -60, "springLength": 120}},
        "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": False},
        "edges": {"smooth": False, "font": {"size": 11, "align": "middle"}},
    }
    return MapData(nodes, edges, options, collapsed)


def map_svg(data: MapData, lang: str, seed: int = 1, size: int = 900) -> str:
    """A static SVG of the map (a seeded spring layout), for printing and case files."""
    G = nx.Graph()
    G.add_nodes_from(n["id"] for n in data.nodes)
    G.add_edges_from((e["from"], e["to"]) for e in data.edges)
    pos = nx.spring_layout(G, seed=seed) if len(G) else {}
    pad = 60
    scale = lambda v: pad + (v + 1) / 2 * (size - 2 * pad)  # noqa: E731
    esc = lambda s: html.escape(str(s), quote=True)  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size + 40}" width="{size}" '
             f'height="{size + 40}" font-family="sans-serif" role="img">', '<rect width="100%" height="100%" fill="#fff"/>']
    for e in data.edges:
        (x1, y1), (x2, y2) = pos[e["from"]], pos[e["to"]]
        dash = ' stroke-dasharray="4 3"' if e.get("dashes") else ""
        parts.append(f'<line x1="{scale(x1):.1f}" y1="{scale(y1):.1f}" x2="{scale(x2):.1f}" y2="{scale(y2):.1f}" '
                     f'stroke="{esc(e["color"])}" stroke-width="{e.get("width", 1):.1f}"{dash}/>')
        if e.get("label"):
            parts.append(f'<text x="{(scale(x1) + scale(x2)) / 2:.1f}" y="{(scale(y1) + scale(y2)) / 2:.1f}" '
                         f'font-size="10" fill="#555" text-anchor="middle">{esc(e["label"])}</text>')
    for n in data.nodes:
        x, y = (scale(v) for v in pos[n["id"]])
        r = n.get("size", 12) / 2 + 4
        parts.append(_marker(STYLE[n["kind"]][2], x, y, r, n["color"]))
        parts.append(f'<text x="{x:.1f}" y="{y + r + 12:.1f}" font-size="11" text-anchor="middle">{esc(n["label"])}</text>')
    x = 10
    for kind, (_, colour, marker) in STYLE.items():
        parts.append(_marker(marker, x + 8, size + 20, 7, colour))
        parts.append(f'<text x="{x + 20}" y="{size + 24}" font-size="12">{esc(TYPE_NAMES[lang][kind])}</text>')
        x += 110
    parts.append("</svg>")
    return "\n".join(parts)


def _marker(kind: str, x: float, y: float, r: float, colour: str) -> str:
    fill = f'fill="{html.escape(colour)}" stroke="#333" stroke-width="0.8"'
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {fill}/>'
    if kind == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" {fill}/>'
    if kind == "triangle":
        pts = [(x, y - r), (x - r, y + r), (x + r, y + r)]
    elif kind == "diamond":
        pts = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
    else:
        pts = [(x + r * math.cos(a), y + r * math.sin(a)) for a in (i * math.pi / 3 for i in range(6))]
    return f'<polygon points="{" ".join(f"{px:.1f},{py:.1f}" for px, py in pts)}" {fill}/>'
