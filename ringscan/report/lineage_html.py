"""What changed since the last scan, on the pages: status badges, the index's "since last scan" section,
and the ring page's lineage and case rows. Everything comes from rings.json (the keys recording a scan
adds, :mod:`ringscan.history.record`); a rings.json without them shows none of this."""
from __future__ import annotations

from ..history.changes import ALERT_STATUSES, status_name
from .i18n import kind_name
from .pages import esc

__all__ = ["status_badges", "since_last_scan", "lineage_rows"]

_TEXT = {
    "zh": {"since": "与上次扫描相比", "previous": "上次扫描", "first": "首次扫描: 以下团伙均为新发现",
           "gone": "消失的团伙 (本次未再出现)", "attention": "新发现或扩大的团伙", "none": "无",
           "status": "变化", "first_detected": "首次发现", "previous_ids": "此前编号", "case": "案件状态",
           "note": "备注", "by": "记录人", "counts": "新发现 {new} · 扩大 {grown} · 缩小 {shrunk} · 合并 {merged} · "
                                                 "拆分 {split} · 未变 {unchanged} · 消失 {gone}",
           "people": "{n} 人", "dismissed_note": "已排除的团伙不计入新发现, 扩大时再次列出"},
    "en": {"since": "Since the last scan", "previous": "Previous scan", "first": "First scan: every ring below is new",
           "gone": "Gone (not found again)", "attention": "New or grown rings", "none": "none",
           "status": "Change", "first_detected": "First detected", "previous_ids": "Earlier ids", "case": "Case",
           "note": "Note", "by": "By", "counts": "new {new} · grown {grown} · shrunk {shrunk} · merged {merged} · "
                                                "split {split} · unchanged {unchanged} · gone {gone}",
           "people": "{n} people",
           "dismissed_note": "dismissed rings are not listed as new; they come back when they grow"},
}


def _t(lang: str, key: str, **values) -> str:
    return _TEXT.get(lang, _TEXT["zh"])[key].format(**values)


def status_badges(ring: dict, lang: str) -> str:
    """The ring's status and, if an analyst decided on it, the case status, as small badges."""
    out = ""
    if ring.get("status"):
        out += f'<span class="status status-{esc(ring["status"])}">{esc(status_name(lang, ring["status"]))}</span>'
    case = ring.get("case") or {}
    if case.get("status"):
        title = f' title="{esc(case.get("note", ""))}"' if case.get("note") else ""
        out += f' <span class="case case-{esc(case["status"])}"{title}>{esc(status_name(lang, case["status"]))}</span>'
    return out


def since_last_scan(doc: dict, lang: str) -> str:
    """The index's section: counts per status, the new and grown rings, the rings gone."""
    scan, rings = doc["scan"], doc["rings"]
    if "gone" not in scan and not any("status" in r for r in rings):
        return ""
    counts = {s: 0 for s in ("new", "unchanged", "grown", "shrunk", "merged", "split")}
    for r in rings:
        counts[r.get("status", "unchanged")] = counts.get(r.get("status", "unchanged"), 0) + 1
    gone = scan.get("gone") or []
    if not scan.get("previous_scan"):
        return f'<section><h2>{esc(_t(lang, "since"))}</h2><p>{esc(_t(lang, "first"))}</p></section>'
    items = []
    for r in rings:
        dismissed = (r.get("case") or {}).get("status") == "dismissed"
        if r.get("status") in ALERT_STATUSES and not (dismissed and r.get("status") == "new"):
            people = sum(m["type"] == "Patient" for m in r["members"])
            items.append(f'<li><a class="id" href="rings/{esc(r["id"])}.html">{esc(r["id"])}</a> '
                         f'{status_badges(r, lang)} {esc(kind_name(lang, r["kind"]))} · {float(r["score"]):.1f} · '
                         f'{esc(_t(lang, "people", n=people))} · ¥{float(r["amount"]):,.0f}</li>')
    return f"""<section><h2>{esc(_t(lang, "since"))}</h2>
<dl class="summary"><dt>{esc(_t(lang, "previous"))}</dt><dd><span class="id">{esc(scan["previous_scan"])}</span></dd>
<dt>{esc(_t(lang, "status"))}</dt><dd>{esc(_t(lang, "counts", gone=len(gone), **counts))}</dd></dl>
<h3>{esc(_t(lang, "attention"))}</h3>
{'<ul>' + ''.join(items) + '</ul>' if items else '<p>' + esc(_t(lang, 'none')) + '</p>'}
<h3>{esc(_t(lang, "gone"))}</h3>
<p>{' '.join(f'<span class="id">{esc(g)}</span>' for g in gone) or esc(_t(lang, 'none'))}</p>
<p class="note">{esc(_t(lang, "dismissed_note"))}</p>
</section>"""


def lineage_rows(ring: dict, lang: str) -> str:
    """``<dt>/<dd>`` rows for the ring page's summary: status, first detection, earlier ids, case."""
    if "status" not in ring:
        return ""
    rows = [(_t(lang, "status"), status_badges({"status": ring["status"]}, lang)),
            (_t(lang, "first_detected"), esc(ring.get("first_detected") or ""))]
    earlier = [i for i in ring.get("previous_ids") or [] if i != ring["id"]]
    if earlier:
        rows.append((_t(lang, "previous_ids"), " ".join(f'<span class="id">{esc(i)}</span>' for i in earlier)))
    case = ring.get("case") or {}
    if case.get("status"):
        detail = " · ".join(esc(v) for v in (case.get("author"), str(case.get("at", ""))[:16].replace("T", " ")) if v)
        rows.append((_t(lang, "case"), status_badges({"case": case}, lang).strip() + (f" ({detail})" if detail else "")))
        if case.get("note"):
            rows.append((_t(lang, "note"), esc(case["note"])))
    return "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows)
