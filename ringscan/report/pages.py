"""Self-contained HTML pages: everything inlined, no request to any network address, A4 when printed.

vis-network's JS and CSS come from the copy pyvis ships and are inlined; there
is no Bootstrap and no CDN. Every value from the input goes through
:func:`esc` (HTML) or :func:`js_json` (data inside ``<script>``).

Printed (or saved as PDF) a page is an A4 portrait case sheet: every page
carries the ring id, "masked" or "unmasked" and its page number in the margin
(``@page`` margin boxes); sections marked ``sheet-page`` start a new page.
"""
from __future__ import annotations

import html
import importlib.util
import json
from functools import lru_cache
from pathlib import Path

__all__ = ["esc", "js_json", "page", "vis_assets", "css_string"]

def _package_dir(name: str) -> Path:
    """Where an installed package's files are, without importing it (importing pyvis imports
    IPython: 60 ms of every scan's start for two files read from its folder)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"the {name} package is not installed")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


_VIS = _package_dir("pyvis") / "templates" / "lib" / "vis-9.1.2"

CSS = """
:root { --ink:#1d2433; --muted:#5f6b7a; --line:#d9dee5; --accent:#b3261e; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif;
       color: var(--ink); margin: 0; background: #f6f7f9; font-size: 14px; line-height: 1.5; }
header { background: #1d2433; color: #fff; padding: 14px 24px; }
header h1 { margin: 0; font-size: 20px; }
header .pii { margin-top: 6px; font-size: 13px; color: #c9d1dc; }
header .pii.revealed { color: #ffd2cc; font-weight: bold; }
main { padding: 18px 24px; max-width: 1200px; margin: 0 auto; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 14px 18px; margin-bottom: 16px; }
h2 { font-size: 16px; margin: 0 0 10px; }
h3 { font-size: 14px; margin: 12px 0 6px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 7px; text-align: left; vertical-align: top; }
th { background: #eef1f5; white-space: nowrap; }
table.sortable th { cursor: pointer; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.nw { white-space: nowrap; }
td.id, span.id { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; white-space: nowrap; }
tr.group td { background: #f3f5f8; font-weight: bold; border-top: 2px solid var(--line); }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.summary dt { color: var(--muted); }
.kind { display: inline-block; padding: 1px 8px; border-radius: 10px; background: #fde8e6; color: var(--accent); }
.status, .case { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 12px; background: #eef1f5;
                 color: var(--muted); white-space: nowrap; font-family: inherit; }
.status-new, .status-grown, .status-merged { background: #fde8e6; color: var(--accent); font-weight: bold; }
.case { border: 1px solid var(--line); background: #fff; }
.clauses { margin: 0; padding: 0; list-style: none; }
.clauses > li { margin: 0 0 10px; }
.doc { font-weight: bold; }
.doc-meta { color: var(--muted); font-size: 13px; }
.clauses ol { margin: 4px 0 0; padding-left: 18px; }
.clauses ol li { margin: 2px 0; }
.clause-no { font-weight: bold; }
#map { height: 640px; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
.toolbar { margin: 8px 0; display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
button, select { font: inherit; padding: 4px 10px; }
.note { color: var(--muted); font-size: 12px; }
figure { margin: 0; }
figure.static { display: none; }
figure.static svg, figure.timeline svg { width: 100%; height: auto; display: block; }
footer { color: var(--muted); font-size: 12px; padding: 12px 24px; }
@media print {
  body { background: #fff; font-size: 8.5pt; line-height: 1.3; }
  dl.summary { gap: 0.6mm 5mm; }
  section.legal { font-size: 8pt; }
  section.legal table { font-size: 7.5pt; }
  .clauses > li { margin: 0 0 2mm; }
  .doc-meta { font-size: 7.5pt; }
  header { background: #fff; color: #000; padding: 0 0 4mm; border-bottom: 1.5pt solid #000; }
  header h1 { font-size: 14pt; }
  header .pii, header .pii.revealed { color: #000; font-size: 8.5pt; }
  main { padding: 0; max-width: none; }
  section { border: none; padding: 0; margin: 0 0 5mm; border-radius: 0; }
  h2 { font-size: 11pt; margin: 3mm 0 2mm; }
  .sheet-page { break-before: page; }
  .map-page { break-after: page; }
  .toolbar, .no-print, #map { display: none !important; }
  figure.static { display: block !important; }
  figure.static svg { max-height: 235mm; }
  table { font-size: 7.5pt; }
  th, td { padding: 0.45mm 1.2mm; line-height: 1.25; }
  th { background: #fff; border-bottom: 1pt solid #000; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  tr.group { break-after: avoid; }
  td.id, span.id { font-size: 7pt; }
  a { color: #000; text-decoration: none; }
  footer { display: none; }  /* the page margins carry ring, page and masking; no page of its own */
}
"""

PAGE_CSS = """
@page {{ size: A4 portrait; margin: 15mm 12mm 15mm 12mm;
  @top-left {{ content: "{left}"; font-size: 8pt; color: #555; }}
  @top-right {{ content: "{right}"; font-size: 8pt; color: #555; }}
  @bottom-center {{ content: {pages}; font-size: 8pt; color: #555; }}
}}
"""

SORT_JS = """
function sortTable(table, col, numeric) {
  const body = table.tBodies[0];
  const rows = Array.from(body.rows).filter(r => !r.classList.contains('group'));
  body.querySelectorAll('tr.group').forEach(r => r.remove());
  const dir = table.dataset.sortCol == col && table.dataset.sortDir == 'asc' ? 'desc' : 'asc';
  rows.sort((a, b) => {
    const x = a.cells[col].dataset.v ?? a.cells[col].textContent;
    const y = b.cells[col].dataset.v ?? b.cells[col].textContent;
    const c = numeric ? (parseFloat(x || 0) - parseFloat(y || 0)) : x.localeCompare(y);
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


def css_string(value: str) -> str:
    """Text safe inside a CSS string literal in a <style> element."""
    out = []
    for ch in str(value):
        if ch.isalnum() or ch in " -_.·:/()|,（）" or ord(ch) > 0x2E7F:
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):x} ")
    return "".join(out)


@lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str]:
    js = (_VIS / "vis-network.min.js").read_text(encoding="utf-8")
    css = (_VIS / "vis-network.css").read_text(encoding="utf-8")
    return js.replace("</script", "<\\/script"), css


def page(title: str, pii_notice: str, revealed: bool, body: str, *, lang: str, with_vis: bool = False,
         scripts: str = "", margin_left: str = "", margin_right: str = "", page_label: str = "") -> str:
    """A whole page. ``margin_left``/``margin_right`` are printed at the top of every A4 page, ``page_label``
    (with ``{page}`` for the number) at the bottom."""
    vis_js, vis_css = vis_assets() if with_vis else ("", "")
    before, _, after = (page_label or "{page}").partition("{page}")
    pages = f'"{css_string(before)}" counter(page) "{css_string(after)}"'
    at_page = PAGE_CSS.format(left=css_string(margin_left), right=css_string(margin_right), pages=pages)
    return f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; connect-src 'none'">
<title>{esc(title)}</title>
<style>{vis_css}{CSS}{at_page}</style>
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
