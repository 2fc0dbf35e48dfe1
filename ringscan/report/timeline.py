"""The rhythm of a ring: members down the side, their evidence settlements along time (an SVG).

A settlement is a tick in its member's row, coloured by place; a refund a
hollow ring; a hospital stay a translucent bar from admission to discharge,
so a batch admission shows as bars stacked over the same days and a sitting
as a column of ticks. Drawn from the same evidence rows as the table.
"""
from __future__ import annotations

import datetime as dt
import html

import pandas as pd

from .directory import Directory
from .layout import FONT, text_width
from .records import records

__all__ = ["timeline_svg", "PALETTE"]

PALETTE = ("#4e79a7", "#e15759", "#59a14f", "#b07aa1", "#f28e2b", "#76b7b2", "#9c755f", "#edc948")
WIDTH = 760.0  # px; printed across an A4 page a label stays about 7.5 pt
FONT_SIZE = 11.0
_DAY = 86400


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _ticks(start: int, end: int, plot_w: float) -> list[tuple[int, str]]:
    """Day, week or month ticks, as many as fit without their labels touching."""
    epoch = dt.date(1970, 1, 1)
    first, last = epoch + dt.timedelta(days=start // _DAY), epoch + dt.timedelta(days=end // _DAY + 1)
    span = (last - first).days or 1
    for step in (1, 2, 7, 14, 30, 61, 91, 182, 365):
        if step < 30:
            days = [first + dt.timedelta(days=i) for i in range(0, span + 1, step)]
            fmt = "%m-%d"
        else:
            months = max(step // 30, 1)
            days, d = [], dt.date(first.year, first.month, 1)
            while d <= last:
                if d >= first:
                    days.append(d)
                m = d.month - 1 + months
                d = dt.date(d.year + m // 12, m % 12 + 1, 1)
            fmt = "%Y-%m"
        if len(days) < 2 or plot_w / max(len(days), 1) >= text_width("2024-01", FONT_SIZE) + 12:
            return [((d - epoch).days * _DAY, d.strftime(fmt)) for d in days]
    return []


def timeline_svg(rows: pd.DataFrame, directory: Directory, names: dict, lang: str) -> str:
    """The ring's timeline; ``rows`` are its evidence rows (evidence.csv)."""
    if not len(rows):
        return ""
    people = rows.groupby("psn_no")["setl_ts"].min().sort_values().index.tolist()
    labels = {p: directory.person_label(p) for p in people}
    row_h = 14.0 if len(people) <= 40 else 12.0 if len(people) <= 100 else 9.0
    size = min(FONT_SIZE, row_h - 2)
    left = max(text_width(v, size) for v in labels.values()) + 16
    stays = rows["begn_day"].notna() & rows["end_day"].notna() & (rows["med_type"].astype(str) == "21")
    start = int(min(rows["setl_ts"].min(), (rows.loc[stays, "begn_day"] * _DAY).min() if stays.any() else 1e12))
    end = int(max(rows["setl_ts"].max(), ((rows.loc[stays, "end_day"] + 1) * _DAY).max() if stays.any() else 0))
    start -= _DAY // 2
    end += _DAY // 2
    plot_w = WIDTH - left - 12
    x = lambda ts: left + (ts - start) / max(end - start, 1) * plot_w  # noqa: E731
    places = rows.groupby("fixmedins_code")["setl_ts"].count().sort_values(ascending=False).index.tolist()
    colour = {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(places)}
    top = 8.0
    axis_y = top + row_h * len(people) + 4
    legend, lx, ly = [], left, axis_y + 30
    for place in places[:len(PALETTE)]:
        label = names.get(("Pharmacy", place)) or names.get(("Institution", place)) or directory.shown_id(place)
        w = 16 + text_width(label, FONT_SIZE) + 18
        if lx + w > WIDTH - 10 and lx > left:
            lx, ly = left, ly + 18
        legend.append(f'<rect x="{lx:.1f}" y="{ly - 5:.1f}" width="10" height="10" fill="{colour[place]}"/>')
        legend.append(f'<text x="{lx + 16:.1f}" y="{ly:.1f}" font-size="{FONT_SIZE:g}" dominant-baseline="central">'
                      f'{_esc(label)}</text>')
        lx += w
    height = ly + 14
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:.0f} {height:.0f}" width="{WIDTH:.0f}" '
             f'height="{height:.0f}" font-family="{_esc(FONT)}" role="img" class="timeline">',
             '<rect width="100%" height="100%" fill="#fff"/>']
    for ts, label in _ticks(start, end, plot_w):
        if start <= ts <= end:
            parts.append(f'<line x1="{x(ts):.1f}" y1="{top:.1f}" x2="{x(ts):.1f}" y2="{axis_y:.1f}" stroke="#eef1f5"/>')
            parts.append(f'<text x="{x(ts):.1f}" y="{axis_y + 14:.1f}" font-size="{FONT_SIZE:g}" text-anchor="middle" '
                         f'fill="#5f6b7a">{_esc(label)}</text>')
    row_of = {p: i for i, p in enumerate(people)}
    for i, p in enumerate(people):
        y = top + i * row_h + row_h / 2
        if i % 2:
            parts.append(f'<rect x="0" y="{y - row_h / 2:.1f}" width="{WIDTH:.0f}" height="{row_h:.1f}" fill="#f7f8fa"/>')
        parts.append(f'<text x="{left - 8:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="end" '
                     f'dominant-baseline="central">{_esc(labels[p])}</text>')
    for r in records(rows[stays]):
        y = top + row_of[r.psn_no] * row_h + 2
        x0, x1 = x(r.begn_day * _DAY), x((r.end_day + 1) * _DAY)
        parts.append(f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0, 2):.1f}" height="{row_h - 4:.1f}" '
                     f'fill="{colour[r.fixmedins_code]}" fill-opacity="0.45" stroke="{colour[r.fixmedins_code]}"/>')
    for r in records(rows[~stays]):
        y = top + row_of[r.psn_no] * row_h + row_h / 2
        c = colour[r.fixmedins_code]
        if int(r.refund):
            parts.append(f'<circle cx="{x(r.setl_ts):.1f}" cy="{y:.1f}" r="{row_h / 2 - 2:.1f}" fill="none" '
                         f'stroke="{c}" stroke-width="1.5"/>')
        else:
            parts.append(f'<rect x="{x(r.setl_ts) - 1.2:.1f}" y="{y - row_h / 2 + 2:.1f}" width="2.4" '
                         f'height="{row_h - 4:.1f}" fill="{c}"/>')
    parts.extend(legend)
    parts.append("</svg>")
    return "\n".join(parts)
