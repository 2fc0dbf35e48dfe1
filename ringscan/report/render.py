"""Render a saved scan (rings.json and the CSVs beside it) into index.html and rings/<id>.html."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..rules.catalogue import RuleError, load_catalogue
from .i18n import KIND_NAMES, TYPE_NAMES, text
from .pages import esc, js_json, page
from .pii import Masker
from .ring_map import STYLE, build_map, map_svg

__all__ = ["ReportResult", "render_report"]


@dataclass
class ReportResult:
    index: Path
    pages: list[Path]


def _read_csv(path: Path, **kw) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"psn_no": str, "mdtrt_cert_no": str, "fixmedins_code": str, "atddr_no": str,
                                    "setl_id": str, "a_id": str, "b_id": str, "id": str, "certno": str, "tel": str,
                                    "entity_id": str}, keep_default_na=True, **kw) if path.exists() else pd.DataFrame()


def _rule_catalogue() -> dict:
    try:
        return {r.id: r for r in load_catalogue(check=False)}
    except RuleError:
        return {}


def render_report(rings_json: Path, out_dir: Path | None = None, *, lang: str = "zh", reveal_pii: bool = False,
                  node_cap: int = 300) -> ReportResult:
    """Write index.html and one page per ring. ``out_dir`` defaults to the scan folder."""
    rings_json = Path(rings_json)
    src = rings_json.parent
    out = Path(out_dir) if out_dir else src
    (out / "rings").mkdir(parents=True, exist_ok=True)
    doc = json.loads(rings_json.read_text(encoding="utf-8"))
    links = _read_csv(src / "links.csv")
    if len(links):
        links["evidence"] = links["evidence"].fillna("").map(lambda s: [e for e in str(s).split(";") if e])
    evidence = _read_csv(src / "evidence.csv")
    people_df = _read_csv(src / "people.csv")
    people = {r["psn_no"]: r for r in people_df.to_dict("records")} if len(people_df) else {}
    names_df = _read_csv(src / "names.csv")
    names = {(r["type"], r["id"]): r["name"] for r in names_df.to_dict("records") if pd.notna(r.get("name"))} \
        if len(names_df) else {}
    masker = Masker(reveal_pii)
    rules = _rule_catalogue()
    notice = text(lang, "pii_revealed" if reveal_pii else "pii_masked")
    pages = []
    for ring in doc["rings"]:
        pages.append(_ring_page(ring, doc["scan"], links, evidence, people, names, masker, rules, lang, notice,
                                out, node_cap))
    index = out / "index.html"
    index.write_text(_index_page(doc, lang, notice, reveal_pii), encoding="utf-8")
    return ReportResult(index, pages)


def _members_of(ring: dict, kind: str) -> set[str]:
    return {m["id"] for m in ring["members"] if m["type"] == kind}


def _ring_page(ring, scan, links, evidence, people, names, masker, rules, lang, notice, out, node_cap) -> Path:
    keys = {(m["type"], m["id"]) for m in ring["members"]}
    ring_links = links[[((a, b) in keys and (c, d) in keys) for a, b, c, d in
                        zip(links["a_type"], links["a_id"], links["b_type"], links["b_id"])]] if len(links) else links
    ring_evidence = evidence[evidence["setl_id"].isin(set(ring["evidence"]))].sort_values(["setl_ts", "setl_id"]) \
        if len(evidence) else evidence
    data = build_map(ring, ring_links, ring_evidence, people, names, masker, lang, node_cap)
    svg = map_svg(data, lang)
    kind_name = KIND_NAMES[lang].get(ring["kind"], ring["kind"])
    explanation = ring["explanation"] if lang == "zh" else ring.get("explanation_en", ring["explanation"])
    t = lambda k: esc(text(lang, k))  # noqa: E731

    rule_rows = []
    for rid in ring["rules"]:
        rule = rules.get(rid)
        title = rule.title if rule else rid
        seeds = "; ".join(rule.seeds) if rule else ""
        rule_rows.append(f"<tr><td>{esc(rid)}</td><td>{esc(title)}</td><td>{esc(seeds)}</td></tr>")
    members = []
    for m in ring["members"]:
        shown = masker.card(m["id"]) if m["type"] == "Card" else m["id"]
        extra = ""
        if m["type"] == "Patient" and m["id"] in people:
            p = people[m["id"]]
            extra = " · ".join(str(x) for x in (masker.name(_s(p.get("psn_name"))), masker.id_number(_s(p.get("certno"))),
                                                masker.phone(_s(p.get("tel"))), masker.address(_s(p.get("addr")))) if x)
        elif (m["type"], m["id"]) in names:
            extra = names[(m["type"], m["id"])]
        members.append(f"<tr><td>{esc(TYPE_NAMES[lang][m['type']])}</td><td>{esc(shown)}</td><td>{esc(extra)}</td></tr>")

    headers = [("setl_id", "ring", False), ("setl_time", "setl_time", False), ("place", "place", False),
               ("card", "card", False), ("patient", "patient", False), ("doctor", "doctor", False),
               ("total", "total", True), ("fund", "fund", True), ("refund", "refund", False)]
    rows, csv_rows = [], [[text(lang, h[1]) if h[0] != "setl_id" else "setl_id" for h in headers]]
    for r in ring_evidence.itertuples(index=False):
        person = people.get(r.psn_no, {})
        values = [r.setl_id, pd.Timestamp(int(r.setl_ts), unit="s").strftime("%Y-%m-%d %H:%M:%S"),
                  names.get((r.place_label, r.fixmedins_code), r.fixmedins_code), masker.card(r.mdtrt_cert_no),
                  masker.name(_s(person.get("psn_name"))) or r.psn_no,
                  names.get(("Doctor", r.atddr_no), _s(r.atddr_no) or ""),
                  f"{r.medfee_sumamt:.2f}", f"{r.fund_pay:.2f}", "1" if r.refund else ""]
        csv_rows.append(values)
        cells = "".join(f'<td class="num" data-v="{esc(v)}">{esc(v)}</td>' if h[2] else f"<td>{esc(v)}</td>"
                        for v, h in zip(values, headers))
        rows.append(f"<tr>{cells}</tr>")
    head = "".join(f'<th class="num">{t(h[1]) if h[0] != "setl_id" else "setl_id"}</th>' if h[2]
                   else f'<th>{t(h[1]) if h[0] != "setl_id" else "setl_id"}</th>' for h in headers)
    legend = "".join(f'<span><i style="background:{colour}"></i>{esc(TYPE_NAMES[lang][k])}</span>'
                     for k, (_, colour, _) in STYLE.items())
    body = f"""
<p class="no-print"><a href="../index.html">← {t('back')}</a></p>
<section><h2>{t('summary')}</h2>
<dl class="summary">
<dt>{t('ring')}</dt><dd>{esc(ring['id'])} · {t('rank')} {esc(ring['rank'])}</dd>
<dt>{t('kind')}</dt><dd><span class="kind">{esc(kind_name)}</span></dd>
<dt>{t('score')}</dt><dd>{esc(ring['score'])}</dd>
<dt>{t('amount')}</dt><dd>¥{ring['amount']:,.2f}</dd>
<dt>{t('period')}</dt><dd>{esc(ring['first_seen'] or '')} — {esc(ring['last_seen'] or '')}</dd>
<dt>{t('explanation')}</dt><dd>{esc(explanation)}</dd>
</dl></section>
<section><h2>{t('rules_fired')}</h2>
<table><thead><tr><th>id</th><th>{t('rules')}</th><th>{t('legal_basis')}</th></tr></thead>
<tbody>{''.join(rule_rows)}</tbody></table>
<p class="note">{esc('seeds: ' if lang == 'en' else '依据文件: ')}000 拉萨市堆龙德庆区 2019 · 001 京医保发〔2019〕6号 · 002 固原市原州区 2023 · 003 重庆市江北区 2023</p>
</section>
<section><h2>{t('map')}</h2>
<div class="legend">{legend}</div>
{f'<p class="note">{t("collapsed")}</p>' if data.collapsed else ''}
<div id="map"></div>
<figure class="static" style="display:none">{svg}</figure>
<div class="toolbar"><button id="svg-download">{t('download_svg')}</button></div>
</section>
<section><h2>{t('members')} ({len(ring['members'])})</h2>
<table class="sortable"><thead><tr><th>{t('kind')}</th><th>id</th><th></th></tr></thead><tbody>{''.join(members)}</tbody></table>
</section>
<section><h2>{t('evidence')} ({len(rows)})</h2>
<div class="toolbar"><button id="csv-download">{t('download_csv')}</button><span class="note">{t('sort_hint')}</span></div>
<table class="sortable" id="evidence"><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>
</section>
<footer>{t('generated')} · {esc(scan.get('started', ''))} · {t('offline')}</footer>
"""
    script = f"""
const nodes = new vis.DataSet({js_json(data.nodes)});
const edges = new vis.DataSet({js_json(data.edges)});
const network = new vis.Network(document.getElementById('map'), {{nodes, edges}}, {js_json(data.options)});
network.once('stabilizationIterationsDone', () => network.setOptions({{physics: false}}));
window.ringscanNetwork = network;
const csvRows = {js_json(csv_rows)};
function download(name, type, content) {{
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([content], {{type}}));
  a.download = name; document.body.appendChild(a); a.click(); a.remove();
}}
document.getElementById('csv-download').addEventListener('click', () => download({js_json(ring['id'] + '.csv')},
  'text/csv;charset=utf-8', '\\ufeff' + csvRows.map(r => r.map(v => '"' + String(v).replace(/"/g, '""') + '"').join(',')).join('\\n')));
document.getElementById('svg-download').addEventListener('click', () => download({js_json(ring['id'] + '.svg')},
  'image/svg+xml', document.querySelector('figure.static').innerHTML));
"""
    title = f"{text(lang, 'ring_title')} {ring['id']} · {kind_name}"
    path = out / "rings" / f"{ring['id']}.html"
    path.write_text(page(title, notice, masker.reveal, body, lang=lang, with_vis=True, scripts=script), encoding="utf-8")
    (out / "rings" / f"{ring['id']}.svg").write_text(svg, encoding="utf-8")
    return path


def _s(value) -> str | None:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _index_page(doc: dict, lang: str, notice: str, revealed: bool) -> str:
    t = lambda k: esc(text(lang, k))  # noqa: E731
    scan, rings = doc["scan"], doc["rings"]
    kinds = sorted({r["kind"] for r in rings})
    rows = []
    for r in rings:
        people = sum(m["type"] == "Patient" for m in r["members"])
        rows.append(
            f'<tr data-kind="{esc(r["kind"])}"><td class="num" data-v="{r["rank"]}">{r["rank"]}</td>'
            f'<td><a href="rings/{esc(r["id"])}.html">{esc(r["id"])}</a></td>'
            f'<td>{esc(KIND_NAMES[lang].get(r["kind"], r["kind"]))}</td>'
            f'<td class="num" data-v="{people}">{people}</td>'
            f'<td class="num" data-v="{r["amount"]}">{r["amount"]:,.2f}</td>'
            f'<td class="num" data-v="{r["score"]}">{r["score"]:.1f}</td>'
            f'<td>{esc(r["first_seen"] or "")} — {esc(r["last_seen"] or "")}</td>'
            f'<td>{esc(r["explanation"] if lang == "zh" else r.get("explanation_en", r["explanation"]))}</td></tr>')
    totals = []
    for kind in kinds:
        mine = [r for r in rings if r["kind"] == kind]
        totals.append(f"<tr><td>{esc(KIND_NAMES[lang].get(kind, kind))}</td><td class='num'>{len(mine)}</td>"
                      f"<td class='num'>{sum(r['amount'] for r in mine):,.2f}</td></tr>")
    options = "".join(f'<option value="{esc(k)}">{esc(KIND_NAMES[lang].get(k, k))}</option>' for k in kinds)
    period = scan.get("period") or ["", ""]
    params = "; ".join(f"{rid}: {json.dumps(p, ensure_ascii=False)}" for rid, p in scan.get("params", {}).items())
    body = f"""
<section><h2>{t('scan')}</h2>
<dl class="summary">
<dt>{t('data_period')}</dt><dd>{esc(period[0])} — {esc(period[1])}</dd>
<dt>{t('records')}</dt><dd>{scan.get('records', 0):,}</dd>
<dt>{t('backend')}</dt><dd>{esc(scan.get('backend', ''))}</dd>
<dt>{t('started')}</dt><dd>{esc(scan.get('started', ''))}</dd>
<dt>{t('rules')}</dt><dd>{esc(', '.join(scan.get('rules', [])))}</dd>
<dt>{t('params')}</dt><dd class="note">{esc(params)}</dd>
</dl></section>
<section><h2>{t('totals')}</h2>
<table><thead><tr><th>{t('kind')}</th><th class="num">{t('rings')}</th><th class="num">{t('amount')}</th></tr></thead>
<tbody>{''.join(totals)}</tbody></table></section>
<section><h2>{t('rings')} ({len(rings)})</h2>
<div class="toolbar"><label>{t('filter')} <select id="kind-filter"><option value="">{t('all_kinds')}</option>{options}</select></label>
<span class="note">{t('sort_hint')}</span></div>
{'<p>' + t('no_rings') + '</p>' if not rings else ''}
<table class="sortable" id="rings"><thead><tr><th class="num">{t('rank')}</th><th>{t('ring')}</th><th>{t('kind')}</th>
<th class="num">{t('size')}</th><th class="num">{t('amount')}</th><th class="num">{t('score')}</th><th>{t('period')}</th>
<th>{t('explanation')}</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>
<footer>{t('generated')} · {t('offline')}</footer>
"""
    script = """
document.getElementById('kind-filter').addEventListener('change', e => {
  document.querySelectorAll('#rings tbody tr').forEach(tr => {
    tr.style.display = !e.target.value || tr.dataset.kind == e.target.value ? '' : 'none';
  });
});
"""
    return page(text(lang, "index_title"), notice, revealed, body, lang=lang, scripts=script)
