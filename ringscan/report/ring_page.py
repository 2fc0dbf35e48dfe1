"""One ring's page, an A4 case sheet when printed.

Page 1: summary, explanation, the rules that fired and the clauses they enforce
(document title in 《》, issuer, number, date, clause, what it forbids).
Page 2: the map, alone, at full width. Then the timeline, the members and the
evidence, whose table repeats its header on every printed page.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .csvsafe import safe_cell
from .directory import Directory
from .evidence_tables import Table, evidence_table
from .i18n import TYPE_NAMES, gender_name, kind_name, rule_title, text
from .legal import clause_dict, document_dict, resolve_all
from .lineage_html import lineage_rows
from .map_svg import legend_svg, map_svg
from .pages import esc, js_json, page
from .ring_map import build_map, vis_data
from .timeline import timeline_svg

__all__ = ["RingPage", "ring_page"]

_HUBS = ("Pharmacy", "Institution", "Doctor")


@dataclass
class RingPage:
    html: str
    svg: str
    layout_seconds: float


def _legal(ring: dict, scan: dict, rules: dict) -> list[tuple[dict, list[dict]]]:
    """Clauses grouped by document: from rings.json when the scan wrote them, else from the rule catalogue."""
    clauses = ring.get("legal_basis")
    documents = dict(scan.get("legal_documents") or {})
    if clauses is None:
        resolved = resolve_all(s for rid in ring["rules"] if rid in rules for s in rules[rid].seeds)
        clauses = [clause_dict(c) for c in resolved]
        documents.update({c.document.key: document_dict(c.document) for c in resolved})
    grouped: dict[str, list[dict]] = {}
    for clause in clauses:
        grouped.setdefault(clause["document"], []).append(clause)
    return [(documents.get(key, {"title": c[0]["title"], "number": c[0].get("number")}), c) for key, c in grouped.items()]


def _legal_html(ring: dict, scan: dict, rules: dict, lang: str) -> str:
    t = lambda k, **kw: esc(text(lang, k, **kw))  # noqa: E731
    en = lang == "en"
    items = []
    for doc, clauses in _legal(ring, scan, rules):
        title = doc.get("title_en") if en else doc.get("title")
        number = (doc.get("number_en") if en else doc.get("number")) or text(lang, "no_number")
        meta = " · ".join(esc(x) for x in ((doc.get("issuer_en") if en else doc.get("issuer")), number,
                                              (doc.get("date_en") if en else doc.get("date"))) if x)
        note = doc.get("note_en") if en else doc.get("note")
        rows = "".join(f'<li><span class="clause-no">{esc(c["clause_en"] if en else c["clause"])}</span>: '
                       f'{esc(c["summary_en"] if en else c["summary"])}</li>' for c in clauses)
        items.append(f'<li><div class="doc">{esc(title)}</div><div class="doc-meta">{meta}</div>'
                     f'{f"<div class=note>{esc(note)}</div>" if note else ""}<ol>{rows}</ol></li>')
    rule_rows = []
    for rid in ring["rules"]:
        rule = rules.get(rid)
        level = text(lang, rule.level) if rule and rule.level in ("high", "medium", "low") else ""
        rule_rows.append(f'<tr><td>{esc(rule_title(rule.title, lang) if rule else rid)}</td><td>{esc(level)}</td>'
                         f'<td class="id">{esc(rid)}</td></tr>')
    return f"""<section class="legal"><h2>{t('rules_fired')}</h2>
<table><thead><tr><th>{t('rule')}</th><th>{t('level')}</th><th>{t('rule_id')}</th></tr></thead>
<tbody>{''.join(rule_rows)}</tbody></table>
<h2>{t('legal_basis')}</h2><ul class="clauses">{''.join(items)}</ul></section>"""


def _members_html(ring: dict, evidence: pd.DataFrame, directory: Directory, names: dict, lang: str) -> str:
    t = lambda k, **kw: esc(text(lang, k, **kw))  # noqa: E731
    count = evidence.groupby("psn_no")["setl_id"].count() if len(evidence) else pd.Series(dtype=int)
    fund = evidence[evidence["refund"].astype(int) == 0].groupby("psn_no")["fund_pay"].sum() \
        if len(evidence) else pd.Series(dtype=float)
    cards_of: dict[str, list[str]] = {}
    loose = []
    patients = [m["id"] for m in ring["members"] if m["type"] == "Patient"]
    for m in ring["members"]:
        if m["type"] == "Card":
            holder = directory.holder.get(m["id"])
            if holder is not None and holder in patients:
                cards_of.setdefault(holder, []).append(m["id"])
            else:
                loose.append(m["id"])
    revealed = directory.revealed
    head = [t("patient"), t("code"), t("gender"), t("birth_year"), t("address") if revealed else t("district"), t("phone")]
    head += [t("cert")] if revealed else []
    head += [t("cards"), t("settlements"), t("fund")]
    rows = []
    for psn in patients:
        p = directory.persons.get(psn, {})
        cells = [esc(directory.person_label(psn)), f'<span class="id">{esc(directory.shown_id(psn))}</span>',
                 esc(gender_name(lang, p.get("gender"))), esc(p.get("birth_year", "")), esc(p.get("district", "")),
                 f'<span class="id">{esc(p.get("phone", ""))}</span>']
        if revealed:
            cells.append(f'<span class="id">{esc(p.get("cert", ""))}</span>')
        cells.append("<br>".join(f'<span class="id">{esc(directory.card(c))}</span>' for c in cards_of.get(psn, [])))
        cells += [f'{int(count.get(psn, 0))}', f'{float(fund.get(psn, 0.0)):,.2f}']
        numeric = len(cells) - 2
        rows.append("<tr>" + "".join(f'<td class="num">{c}</td>' if i >= numeric else f"<td>{c}</td>"
                                     for i, c in enumerate(cells)) + "</tr>")
    others = []
    for kind, ident in [(m["type"], m["id"]) for m in ring["members"] if m["type"] in _HUBS] + \
                       [("Card", c) for c in loose]:
        column = {"Doctor": "atddr_no", "Card": "mdtrt_cert_no"}.get(kind, "fixmedins_code")
        mine = evidence[evidence[column].astype(str) == str(ident)] if len(evidence) else evidence
        shown = directory.card(ident) if kind == "Card" else directory.shown_id(ident)
        name = directory.name(kind, ident) or names.get((kind, ident)) or ""
        others.append(f'<tr><td>{esc(TYPE_NAMES[lang][kind])}</td><td>{esc(name)}</td><td class="id">{esc(shown)}</td>'
                      f'<td class="num">{len(mine)}</td>'
                      f'<td class="num">{mine.loc[mine["refund"].astype(int) == 0, "fund_pay"].sum() if len(mine) else 0:,.2f}'
                      f'</td></tr>')
    pseudonymised = any(m.get("pseudonym") for m in ring["members"]) and not revealed
    note = f'<p class="note">ID~…: {t("pseudonym_note")}</p>' if pseudonymised else ""
    numeric_from = len(head) - 2
    head_html = "".join(f'<th class="num">{h}</th>' if i >= numeric_from else f"<th>{h}</th>" for i, h in enumerate(head))
    return f"""<section><h2>{t('members')} · {t('people_count', **_counts(ring))}</h2>
<table><thead><tr>{head_html}</tr></thead><tbody>{''.join(rows)}</tbody></table>
{f'''<h3>{t('place')} · {t('doctor')}</h3><table><thead><tr><th>{t('kind')}</th><th>{t('name')}</th><th>{t('code')}</th>
<th class="num">{t('settlements')}</th><th class="num">{t('fund')}</th></tr></thead><tbody>{''.join(others)}</tbody></table>'''
   if others else ''}{note}</section>"""


def _counts(ring: dict) -> dict:
    kinds = [m["type"] for m in ring["members"]]
    return {"patients": kinds.count("Patient"), "cards": kinds.count("Card"),
            "places": kinds.count("Pharmacy") + kinds.count("Institution"), "doctors": kinds.count("Doctor")}


def _table_html(table: Table) -> str:
    head = "".join(f'<th class="num">{esc(h)}</th>' if num else f"<th>{esc(h)}</th>" for h, num in table.headers)
    last = len(table.headers) - 1
    rows = []
    for i, row in enumerate(table.rows):
        if i in table.groups:
            rows.append(f'<tr class="group"><td colspan="{len(table.headers)}">{esc(table.groups[i])}</td></tr>')
        cells = []
        for j, (value, (_, num)) in enumerate(zip(row, table.headers)):
            cls = "num" if num else "id" if j == last else "nw" if _is_time(value) else ""
            data = f' data-v="{esc(value.replace(",", ""))}"' if num else ""
            cells.append(f'<td class="{cls}"{data}>{esc(value)}</td>' if cls else f"<td>{esc(value)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f'<table class="{"" if table.groups else "sortable"}" id="evidence"><thead><tr>{head}</tr></thead>' \
           f'<tbody>{"".join(rows)}</tbody></table>'


def _is_time(value: str) -> bool:
    return len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-"


def ring_page(ring: dict, scan: dict, links: pd.DataFrame, evidence: pd.DataFrame, drugs: pd.DataFrame,
              directory: Directory, names: dict, rules: dict, lang: str, notice: str, node_cap: int = 300) -> RingPage:
    t = lambda k, **kw: esc(text(lang, k, **kw))  # noqa: E731
    data = build_map(ring, links, evidence, directory, names, lang, node_cap)
    svg = map_svg(data, lang)
    vis_nodes, vis_edges, options = vis_data(data)
    kind = kind_name(lang, ring["kind"])
    explanation = ring["explanation"] if lang == "zh" else ring.get("explanation_en", ring["explanation"])
    table = evidence_table(ring["kind"], evidence, drugs, directory, names, lang, scan.get("params", {}), ring["rules"])
    csv_rows = [[safe_cell(v) for v in row] for row in table.csv_rows(ring["id"], lang)]
    body = f"""
<p class="no-print"><a href="../index.html">← {t('back')}</a></p>
<section><h2>{t('summary')}</h2>
<dl class="summary">
<dt>{t('ring')}</dt><dd><span class="id">{esc(ring['id'])}</span> · {t('rank')} {esc(ring['rank'])}</dd>
<dt>{t('kind')}</dt><dd><span class="kind">{esc(kind)}</span></dd>
<dt>{t('score')}</dt><dd>{float(ring['score']):.1f}</dd>
<dt>{t('amount')}</dt><dd>¥{float(ring['amount']):,.2f}</dd>
<dt>{t('period')}</dt><dd>{esc(ring['first_seen'] or '')} — {esc(ring['last_seen'] or '')}</dd>
<dt>{t('members')}</dt><dd>{t('people_count', **_counts(ring))}</dd>
<dt>{t('evidence')}</dt><dd>{t('evidence_count', n=len(evidence))}</dd>
<dt>{t('explanation')}</dt><dd>{esc(explanation)}</dd>
{lineage_rows(ring, lang)}
</dl></section>
{_legal_html(ring, scan, rules, lang)}
<section class="sheet-page map-page"><h2>{t('map')}</h2>
<p class="note no-print">{t('map_hint')}</p>
{f'<p class="note">{t("collapsed")}</p>' if data.collapsed else ''}
{f'<p class="note">{t("backbone", shown=data.pairs_drawn, pairs=data.pairs)}</p>' if data.pairs_drawn < data.pairs else ''}
<div id="map"></div>
<div class="no-print">{legend_svg(data, lang)}</div>
<figure class="static">{svg}</figure>
<div class="toolbar"><button id="svg-download">{t('download_svg')}</button></div>
</section>
<section class="sheet-page"><h2>{t('timeline')}</h2>
<p class="note">{t('timeline_note')}</p>
<figure class="timeline">{timeline_svg(evidence, directory, names, lang)}</figure>
</section>
{_members_html(ring, evidence, directory, names, lang)}
<section><h2>{t('evidence')} · {t('evidence_count', n=len(evidence))}</h2>
<div class="toolbar"><button id="csv-download">{t('download_csv')}</button>{'' if table.groups else f'<span class="note">{t("sort_hint")}</span>'}</div>
{f'<p class="note">{esc(table.note)}</p>' if table.note else ''}
{_table_html(table)}
</section>
<footer>{t('generated')} · {esc(str(scan.get('started', ''))[:16].replace('T', ' '))} · {t('offline')}</footer>
"""
    script = f"""
const nodes = new vis.DataSet({js_json(vis_nodes)});
const edges = new vis.DataSet({js_json(vis_edges)});
const network = new vis.Network(document.getElementById('map'), {{nodes, edges}}, {js_json(options)});
network.once('afterDrawing', () => network.fit({{animation: false}}));
window.ringscanNetwork = network;
const csvRows = {js_json(csv_rows)};
function download(name, type, content) {{
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([content], {{type}}));
  a.download = name; document.body.appendChild(a); a.click(); a.remove();
}}
document.getElementById('csv-download').addEventListener('click', () => download({js_json(ring['id'] + '.csv')},
  'text/csv;charset=utf-8', '\\ufeff' + csvRows.map(r => r.map(v => '"' + String(v).replace(/"/g, '""') + '"').join(',')).join('\\r\\n')));
document.getElementById('svg-download').addEventListener('click', () => download({js_json(ring['id'] + '.svg')},
  'image/svg+xml', document.querySelector('figure.static').innerHTML));
"""
    title = f"{text(lang, 'ring_title')} {ring['id']} · {kind}"
    state = text(lang, "revealed_short" if directory.revealed else "masked_short")
    html = page(title, notice, directory.revealed, body, lang=lang, with_vis=True, scripts=script,
                margin_left=f"{text(lang, 'ring_title')} {ring['id']} · {kind}", margin_right=state,
                page_label=text(lang, "page"))
    return RingPage(html, svg, data.seconds)
