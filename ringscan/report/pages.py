"""Self-contained HTML pages: everything inlined, no request to any network address.

vis-network's JS and CSS come from the copy pyvis ships and are inlined; there
is no Bootstrap and no CDN. Every value from the input goes through
:func:`esc` (HTML) or :func:`js_json` (data inside ``<script>``).
"""
from __future__ import annotations

import html
import json
from functools import lru_cache
from pathlib import Path

import pyvis

__all__ = ["esc", "js_json", "page", "vis_assets"]

_VIS = Path(pyvis.__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2"

CSS = """
:root { --ink:#1d2433; --muted:#5f6b7a; --line:#d9dee5; --accent:#b3261e; }
* { box-sizing: border-box; }
body { font-family: "PingFang SC","Microsoft YaHei","Noto Sans CJK SC",system-ui,sans-serif; color: var(--ink);
       margin: 0; background: #f6f7f9; }
header { background: #1d2433; color: #fff; padding: 14px 24px; }
header h1 { margin: 0; font-size: 20px; }
header .pii { margin-top: 6px; font-size: 13px; color: #c9d1dc; }
header .pii.revealed { color: #ffd2cc; font-weight: bold; }
main { padding: 18px 24px; max-width: 1400px; margin: 0 auto; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 14px 18px; margin-bottom: 16px; }
h2 { font-size: 16px; margin: 0 0 10px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f5; cursor: pointer; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0; }
dl.summary dt { color: var(--muted); }
.kind { display: inline-block; padding: 1px 8px; border-radius: 10px; background: #fde8e6; color: var(--accent); }
#map { height: 620px; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
.legend span { display: inline-flex; align-items: center; margin-right: 16px; font-size: 13px; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 5px; border: 1px solid #333; }
.toolbar { margin: 8px 0; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
button, select { font: inherit; padding: 4px 10px; }
.note { color: var(--muted); font-size: 12px; }
figure.static svg { max-width: 100%; height: auto; }
footer { color: var(--muted); font-size: 12px; padding: 12px 24px; }
@media print {
  body { background: #fff; }
  header { background: #fff; color: #000; border-bottom: 2px solid #000; }
  header .pii, header .pii.revealed { color: #000; }
  .toolbar, .no-print, #map, .legend { display: none !important; }
  section { border: none; padding: 0; page-break-inside: avoid; }
  figure.static { display: block !important; }
  th { background: #fff; border-bottom: 1px solid #000; }
  a { color: #000; text-decoration: none; }
}
"""

SORT_JS = """
function sortTable(table, col, numeric) {
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const dir = table.dataset.sortCol == col && table.dataset.sortDir == 'asc' ? 'desc' : 'asc';
  rows.sort((a, b) => {
    const x = a.cells[col].dataset.v ?? a.cells[col].textContent;
    const y = b.cells[col].dataset.v ?? b.cells[col].textContent;
    const c = numeric ? (parseFloat(x) - parseFloat(y)) : x.localeCompare(y);
    return dir == 'asc' ? c : -c;
  });
  rows.forEach(r => body.appendChild(r));
  table.dataset.sortCol = col; table.dataset.sortDir = dir;
}
document.querySelectorAll('table.sortable').forEach(t => {
  Array.from(t.tHead.rows[0].cells).forEach((th, i) =>
    th.addEventListener('click', () => sortTable(t, i, th.classList.contains('num'))));
});
"""


def esc(value: object) -> str:
    """Text from the input, safe in HTML content and attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def js_json(value: object) -> str:
    """JSON safe to place inside <script>: no tag, comment or line-terminator breaks out."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


@lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str]:
    js = (_VIS / "vis-network.min.js").read_text(encoding="utf-8")
    css = (_VIS / "vis-network.css").read_text(encoding="utf-8")
    return js.replace("</script", "<\\/script"), css


def page(title: str, pii_notice: str, revealed: bool, body: str, *, lang: str, with_vis: bool = False,
         scripts: str = "") -> str:
    vis_js, vis_css = vis_assets() if with_vis else ("", "")
    return f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; connect-src 'none'">
<title>{esc(title)}</title>
<style>{vis_css}{CSS}</style>
{'<script>' + vis_js + '</script>' if with_vis else ''}
</head>
<body>
<header><h1>{esc(title)}</h1><div class="pii{' revealed' if revealed else ''}">{esc(pii_notice)}</div></header>
<main>
{body}
</main>
<script>{SORT_JS}{scripts}</script>
</body>
</html>
"""
