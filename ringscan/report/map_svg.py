"""The static map (SVG) of a ring: the live map's layout, for printing and case files.

Each label is a ``<text>`` centred on its box (``text-anchor="middle"``,
``dominant-baseline="central"``) with its box estimated by
:func:`.layout.text_width` in ``data-w``/``data-h``, so a test can recompute
every box from the SVG alone. The legend sits below the map, in its own rows.
"""
from __future__ import annotations

import html
import math

from ..families import families
from .i18n import TYPE_NAMES, text
from .layout import FONT, text_width
from .ring_map import CONTEXT_COLOUR, EDGE_LABEL_SIZE, HOLDS_COLOUR, LINE, STYLE, RingMap

__all__ = ["map_svg", "legend_svg"]

LEGEND_SIZE = 12.0
_MIN_WIDTH = 640.0


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _label(x: float, y: float, label: str, size: float, cls: str, extra: str = "") -> str:
    w, h = text_width(label, size), size * LINE
    return (f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="middle" '
            f'dominant-baseline="central" data-w="{w:.1f}" data-h="{h:.1f}"{extra}>{_esc(label)}</text>')


def map_svg(data: RingMap, lang: str) -> str:
    width = max(data.width, _MIN_WIDTH)
    legend, legend_h = _legend(data, lang, width, data.height + 10)
    height = data.height + 10 + legend_h
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
             f'height="{height:.0f}" font-family="{_esc(FONT)}" role="img" class="ring-map">',
             '<rect width="100%" height="100%" fill="#fff"/>']
    where = {n.id: n for n in data.nodes}
    for e in sorted(data.edges, key=lambda e: {"context": 0, "link": 1, "holds": 2}[e.kind]):
        a, b = where[e.a], where[e.b]
        dash = ' stroke-dasharray="4 3"' if e.dashes else ""
        via = f"{e.lx:.1f},{e.ly:.1f} " if e.label else ""  # a labelled edge runs through its label
        parts.append(f'<polyline points="{a.x:.1f},{a.y:.1f} {via}{b.x:.1f},{b.y:.1f}" fill="none" '
                     f'stroke="{_esc(e.colour)}" stroke-opacity="{e.opacity:g}" stroke-width="{e.width:g}"{dash}>'
                     f'<title>{_esc(e.title)}</title></polyline>')
    for n in data.nodes:
        parts.append(_marker(STYLE[n.kind][2], n.x, n.y, n.r, STYLE[n.kind][1], n.title))
    for n in data.nodes:
        parts.append(_label(n.lx, n.ly, n.label, n.size, "node-label",
                            ' paint-order="stroke" stroke="#fff" stroke-width="3" stroke-linejoin="round"'))
    for e in data.edges:
        if e.label:
            assert e.lx is not None and e.ly is not None  # ring_map keeps a label only where it has a place
            w, h = text_width(e.label, EDGE_LABEL_SIZE) + 6, EDGE_LABEL_SIZE * LINE
            parts.append(f'<rect x="{e.lx - w / 2:.1f}" y="{e.ly - h / 2:.1f}" width="{w:.1f}" height="{h:.1f}" '
                         f'rx="3" fill="#fff" stroke="{_esc(e.colour)}" stroke-width="0.8"/>')
            parts.append(_label(e.lx, e.ly, e.label, EDGE_LABEL_SIZE, "edge-label", ' fill="#333"'))
    parts.extend(legend)
    parts.append("</svg>")
    return "\n".join(parts)


def legend_svg(data: RingMap, lang: str, width: float = 1000.0) -> str:
    """The legend alone, shown under the live map."""
    parts, height = _legend(data, lang, width, 10)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height + 10:.0f}" '
            f'width="100%" font-family="{_esc(FONT)}" role="img" class="map-legend">' + "".join(parts[1:]) + "</svg>")


def _legend(data: RingMap, lang: str, width: float, top: float) -> tuple[list[str], float]:
    """Legend entries (marker or line sample, then text) flowed into rows across ``width``."""
    kinds = [k for k in STYLE if any(n.kind == k for n in data.nodes)]
    fams = families()
    entries = [("marker", k, TYPE_NAMES[lang][k]) for k in kinds]
    entries += [("line", fams[f].colour, fams[f].text("label", lang)) for f in data.families]
    if any(e.kind == "holds" for e in data.edges):
        entries.append(("line", HOLDS_COLOUR, text(lang, "holds")))
    if any(e.kind == "context" for e in data.edges):
        entries.append(("dash", CONTEXT_COLOUR, text(lang, "context")))
    if any(e.kind == "link" for e in data.edges):
        entries.append(("none", "", text(lang, "width_meaning")))
    parts, x, y, row_h = [f'<line x1="10" y1="{top - 4:.1f}" x2="{width - 10:.1f}" y2="{top - 4:.1f}" '
                          'stroke="#d9dee5"/>'], 10.0, top + 12, LEGEND_SIZE * 1.8
    for kind, what, label in entries:
        sample = 0 if kind == "none" else 22
        w = sample + text_width(label, LEGEND_SIZE) + 18
        if x + w > width - 10 and x > 10:
            x, y = 10.0, y + row_h
        if kind == "marker":
            parts.append(_marker(STYLE[what][2], x + 8, y, 6, STYLE[what][1], ""))
        elif kind in ("line", "dash"):
            dash = ' stroke-dasharray="4 3"' if kind == "dash" else ""
            parts.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + 16:.1f}" y2="{y:.1f}" stroke="{_esc(what)}" '
                         f'stroke-width="3"{dash}/>')
        tw = text_width(label, LEGEND_SIZE)
        parts.append(_label(x + sample + tw / 2, y, label, LEGEND_SIZE, "legend-label"))
        x += w
    return parts, y + row_h - top


def _marker(kind: str, x: float, y: float, r: float, colour: str, title: str) -> str:
    fill = f'fill="{_esc(colour)}" stroke="#333" stroke-width="0.8" class="node" data-r="{r:g}"'
    tip = f"<title>{_esc(title)}</title>" if title else ""
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {fill}>{tip}</circle>'
    if kind == "square":
        return f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" height="{2 * r:.1f}" {fill}>{tip}</rect>'
    if kind == "triangle":
        pts = [(x, y - r), (x - r, y + r), (x + r, y + r)]
    elif kind == "diamond":
        pts = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
    else:
        pts = [(x + r * math.cos(a), y + r * math.sin(a)) for a in (i * math.pi / 3 for i in range(6))]
    return f'<polygon points="{" ".join(f"{px:.1f},{py:.1f}" for px, py in pts)}" {fill} data-x="{x:.1f}" ' \
           f'data-y="{y:.1f}">{tip}</polygon>'
