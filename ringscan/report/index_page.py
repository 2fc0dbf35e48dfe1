"""The index page: the scan, its rules and their parameters as a table, totals by kind, ranked rings."""
from __future__ import annotations

from .i18n import kind_name, param_name, param_value, rule_title, text
from .lineage_html import since_last_scan, status_badges
from .pages import esc, page

__all__ = ["index_page"]


def _params_table(scan: dict, rules: dict, lang: str) -> str:
    t = lambda k: esc(text(lang, k))  # noqa: E731
    rows = []
    for rid, params in (scan.get("params") or {}).items():
        rule = rules.get(rid)
        title = rule_title(rule.title, lang) if rule else rid
        items = list(params.items()) or [("", None)]
        for i, (name, value) in enumerate(items):
            lead = (f'<td rowspan="{len(items)}">{esc(title)}<br><span class="id">{esc(rid)}</span></td>'
                    if i == 0 else "")
            rows.append(f"<tr>{lead}<td>{esc(param_name(lang, name))}</td><td>{esc(param_value(lang, value))}</td></tr>")
    return (f"<table><thead><tr><th>{t('rule')}</th><th>{t('params')}</th><th>{t('param_value')}</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def index_page(doc: dict, rules: dict, lang: str, notice: str, revealed: bool) -> str:
    t = lambda k: esc(text(lang, k))  # noqa: E731
    scan, rings = doc["scan"], doc["rings"]
    kinds = sorted({r["kind"] for r in rings})
    rows = []
    for r in rings:
        people = sum(m["type"] == "Patient" for m in r["members"])
        explanation = r["explanation"] if lang == "zh" else r.get("explanation_en", r["explanation"])
        rows.append(
            f'<tr data-kind="{esc(r["kind"])}"><td class="num" data-v="{esc(r["rank"])}">{esc(r["rank"])}</td>'
            f'<td class="id"><a href="rings/{esc(r["id"])}.html">{esc(r["id"])}</a> {status_badges(r, lang)}</td>'
            f'<td>{esc(kind_name(lang, r["kind"]))}</td>'
            f'<td class="num" data-v="{people}">{people}</td>'
            f'<td class="num" data-v="{float(r["amount"])}">{float(r["amount"]):,.2f}</td>'
            f'<td class="num" data-v="{float(r["score"])}">{float(r["score"]):.1f}</td>'
            f'<td class="nw">{esc(r["first_seen"] or "")} — {esc(r["last_seen"] or "")}</td>'
            f'<td>{esc(explanation)}</td></tr>')
    totals = []
    for kind in kinds:
        mine = [r for r in rings if r["kind"] == kind]
        totals.append(f"<tr><td>{esc(kind_name(lang, kind))}</td><td class='num'>{len(mine)}</td>"
                      f"<td class='num'>{sum(float(r['amount']) for r in mine):,.2f}</td></tr>")
    options = "".join(f'<option value="{esc(k)}">{esc(kind_name(lang, k))}</option>' for k in kinds)
    period = scan.get("period") or ["", ""]
    body = f"""
<section><h2>{t('scan')}</h2>
<dl class="summary">
<dt>{t('data_period')}</dt><dd>{esc(period[0])} — {esc(period[1])}</dd>
<dt>{t('records')}</dt><dd>{int(scan.get('records', 0)):,}</dd>
<dt>{t('backend')}</dt><dd>{esc(scan.get('backend', ''))}</dd>
<dt>{t('started')}</dt><dd>{esc(scan.get('started', ''))}</dd>
<dt>{t('rules')}</dt><dd>{len(scan.get('rules', []))}</dd>
</dl></section>
{since_last_scan(doc, lang)}
<section><h2>{t('totals')}</h2>
<table><thead><tr><th>{t('kind')}</th><th class="num">{t('rings')}</th><th class="num">{t('amount')}</th></tr></thead>
<tbody>{''.join(totals)}</tbody></table></section>
<section><h2>{t('ring_list')} ({len(rings)})</h2>
<div class="toolbar"><label>{t('filter')} <select id="kind-filter"><option value="">{t('all_kinds')}</option>{options}</select></label>
<span class="note">{t('sort_hint')}</span></div>
{'<p>' + t('no_rings') + '</p>' if not rings else ''}
<table class="sortable" id="rings"><thead><tr><th class="num">{t('rank')}</th><th>{t('ring')}</th><th>{t('kind')}</th>
<th class="num">{t('size')}</th><th class="num">{t('amount')}</th><th class="num">{t('score')}</th><th>{t('period')}</th>
<th>{t('explanation')}</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>
<section class="sheet-page"><h2>{t('params')}</h2>{_params_table(scan, rules, lang)}</section>
<footer>{t('generated')} · {t('offline')}</footer>
"""
    script = """
document.getElementById('kind-filter').addEventListener('change', e => {
  document.querySelectorAll('#rings tbody tr').forEach(tr => {
    tr.style.display = !e.target.value || tr.dataset.kind == e.target.value ? '' : 'none';
  });
});
"""
    return page(text(lang, "index_title"), notice, revealed, body, lang=lang, scripts=script,
                margin_left=text(lang, "index_title"),
                margin_right=text(lang, "revealed_short" if revealed else "masked_short"), page_label=text(lang, "page"))
