"""What changed between two recorded scans: new, grown, shrunk, merged, split and gone rings.

``diff_scans`` compares two scans of the store's history with the same rule
that gave the rings their ids (:mod:`.lineage`), so the changes of a scan
against the one before it say exactly what its rings.json says. Each changed
ring comes with the people, cards, money and evidence settlements it gained.

Written as ``changes.json`` (everything), ``changes.csv`` (one row per changed
or gone ring, spreadsheet-safe) and ``changes.txt`` (a short summary to paste
into a message to the team, Chinese unless ``lang="en"``). People and cards
that are personal data appear as the store's keyed pseudonyms, as in every
file of a scan folder.

A ring **needs attention** when it is new, grown or merged (it gained people),
scores at least the alert score, and — unless it grew — no analyst dismissed
it (``ringscan case``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..report.csvsafe import write_csv
from ..report.i18n import kind_name
from .lineage import STATUSES, Group, LineageParams, identity, link_rings
from .record import previous_groups
from .store import CaseRow, HistoryError, RingRow, ScanRow, latest_cases, latest_rings, scan_rings, scans

__all__ = ["RingChange", "Changes", "diff_scans", "write_changes", "summary_text", "store_pseudonymiser",
           "ALERT_STATUSES", "CHANGE_FILES"]

# Statuses of rings that gained people: what a nightly run alerts on.
ALERT_STATUSES = ("new", "grown", "merged")
CHANGE_FILES = ("changes.json", "changes.csv", "changes.txt")


@dataclass
class RingChange:
    id: str
    status: str
    kind: str
    score: float
    rank: int
    amount: float
    people: int
    first_detected: str
    previous_ids: list[str]
    amount_before: float | None        # the earlier rings' amount (None for a new ring or a part of a split)
    people_added: list[str] = field(default_factory=list)
    people_removed: list[str] = field(default_factory=list)
    cards_added: list[str] = field(default_factory=list)
    cards_removed: list[str] = field(default_factory=list)
    evidence_added: list[str] = field(default_factory=list)
    case: CaseRow | None = None

    @property
    def amount_added(self) -> float | None:
        return None if self.amount_before is None else round(self.amount - self.amount_before, 2)

    def needs_attention(self, alert_score: float) -> bool:
        if self.status not in ALERT_STATUSES or self.score < alert_score:
            return False
        return not (self.case is not None and self.case.status == "dismissed" and self.status == "new")

    def as_dict(self, pseudo=None) -> dict:
        p = pseudo or (lambda v: v)
        return {"id": self.id, "status": self.status, "kind": self.kind, "score": self.score, "rank": self.rank,
                "amount": self.amount, "amount_before": self.amount_before, "amount_added": self.amount_added,
                "people": self.people, "first_detected": self.first_detected, "previous_ids": self.previous_ids,
                "people_added": [p(x) for x in self.people_added],
                "people_removed": [p(x) for x in self.people_removed],
                "cards_added": [p(x) for x in self.cards_added], "cards_removed": [p(x) for x in self.cards_removed],
                "evidence_added": self.evidence_added,
                "case": None if self.case is None else {k: v for k, v in self.case.as_dict().items() if k != "ring_id"}}


@dataclass
class Changes:
    before: ScanRow | None
    after: ScanRow
    rings: list[RingChange]   # every ring of the later scan, by rank
    gone: list[RingRow]       # the earlier scan's rings with no successor

    def counts(self) -> dict[str, int]:
        counts = {s: 0 for s in STATUSES}
        for ring in self.rings:
            counts[ring.status] += 1
        counts["gone"] = len(self.gone)
        return counts

    def changed(self) -> list[RingChange]:
        return [r for r in self.rings if r.status != "unchanged"]

    def alerts(self, alert_score: float = 0.0) -> list[RingChange]:
        return [r for r in self.rings if r.needs_attention(alert_score)]

    def as_dict(self, pseudo=None, alert_score: float = 0.0) -> dict:
        return {"from": self.before.scan_id if self.before else None, "to": self.after.scan_id,
                "from_started": self.before.started if self.before else None, "to_started": self.after.started,
                "counts": self.counts(), "alert_score": alert_score,
                "alerts": [r.id for r in self.alerts(alert_score)],
                "rings": [r.as_dict(pseudo) for r in self.changed()],
                "unchanged": [r.id for r in self.rings if r.status == "unchanged"],
                "gone": [{"id": g.ring_id, "kind": g.kind, "score": g.score, "amount": g.amount, "people": g.people,
                          "first_detected": g.first_detected} for g in self.gone]}


def _pick(all_scans: list[ScanRow], scan_id: str) -> ScanRow:
    for scan in all_scans:
        if scan.scan_id == scan_id:
            return scan
    recent = ", ".join(s.scan_id for s in all_scans[-5:]) or "none yet"
    raise HistoryError(f"no recorded scan `{scan_id}`; the latest are: {recent} (`ringscan history` lists all)")


def diff_scans(backend, scan_a: str | None = None, scan_b: str | None = None,
               params: LineageParams = LineageParams()) -> Changes:
    """Changes from ``scan_a`` to ``scan_b`` (default: the last scan and the one before it)."""
    all_scans = scans(backend)
    if not all_scans:
        raise HistoryError("the store has no recorded scans yet; run `ringscan scan` (or `ringscan nightly`) first")
    after = _pick(all_scans, scan_b) if scan_b else all_scans[-1]
    if scan_a:
        before: ScanRow | None = _pick(all_scans, scan_a)
    else:
        older = [s for s in all_scans if s.seq < after.seq]
        before = older[-1] if older else None
    if before is not None and before.seq >= after.seq:
        raise HistoryError(f"scan {before.scan_id} is not earlier than {after.scan_id}; give the earlier scan first")
    rings = scan_rings(backend, after.scan_id)
    groups = previous_groups(backend, before, params)
    earlier: dict[str, RingRow] = {}
    if before is not None:  # rings missing from `before` as last seen (no evidence kept), then `before`'s own
        earlier = {r.ring_id: r for r in latest_rings(backend, before.seq, max(0, before.seq - params.dormant_scans))}
        earlier.update({r.ring_id: r for r in scan_rings(backend, before.scan_id)})
    successions, gone = link_rings(groups, [Group(r.ring_id, identity(r.members)) for r in rings], params)
    decided = latest_cases(backend)
    out = []
    for ring, s in zip(rings, successions):
        preds = [earlier[i] for i in s.previous_ids if i in earlier]
        seen = set().union(*(set(p.evidence) for p in preds)) if preds else set()
        amount_before = round(sum(p.amount for p in preds), 2) if preds and s.status != "split" else None
        out.append(RingChange(
            ring.ring_id, s.status, ring.kind, ring.score, ring.rank, ring.amount, ring.people,
            ring.first_detected, s.previous_ids, amount_before,
            _ids(s.added, "Patient"), _ids(s.removed, "Patient"), _ids(s.added, "Card"), _ids(s.removed, "Card"),
            sorted(set(ring.evidence) - seen), decided.get(ring.ring_id)))
    return Changes(before, after, out, [earlier[i] for i in gone if i in earlier])


def _ids(keys, kind: str) -> list[str]:
    return sorted(k.partition("|")[2] for k in keys if k.startswith(kind + "|"))


def store_pseudonymiser(backend):
    """The store's pseudonymiser, as the scan folder uses it (ID numbers and phones → keyed pseudonyms)."""
    from ..report.pii import ID_CARD_TYPE, looks_like_id
    from ..report.pseudonym import Pseudonymiser, store_key

    cards = backend.query("MATCH (c:Card) WHERE c.mdtrt_cert_type = $t RETURN c.mdtrt_cert_no AS id",
                          {"t": ID_CARD_TYPE})
    id_cards = frozenset(c for c in cards["id"].dropna() if not looks_like_id(c)) if len(cards) else frozenset()
    return Pseudonymiser(store_key(backend), id_cards)


_STATUS_NAMES = {
    "zh": {"new": "新发现", "unchanged": "未变", "grown": "扩大", "shrunk": "缩小", "merged": "合并", "split": "拆分",
           "gone": "消失", "dismissed": "已排除", "open": "待处理", "investigating": "调查中", "confirmed": "已确认"},
    "en": {"new": "new", "unchanged": "unchanged", "grown": "grown", "shrunk": "shrunk", "merged": "merged",
           "split": "split", "gone": "gone", "dismissed": "dismissed", "open": "open", "investigating": "investigating",
           "confirmed": "confirmed"},
}


def status_name(lang: str, status: str) -> str:
    return _STATUS_NAMES.get(lang, _STATUS_NAMES["zh"]).get(status, status)


def _ring_line(r: RingChange, lang: str) -> str:
    zh = lang == "zh"
    parts = [f"{r.id} {kind_name(lang, r.kind)} {status_name(lang, r.status)}"]
    facts = [f"风险分 {r.score:.1f}" if zh else f"score {r.score:.1f}",
             f"{r.people} 人" if zh else f"{r.people} people",
             f"基金 ¥{r.amount:,.0f}" if zh else f"fund ¥{r.amount:,.0f}"]
    if r.status in ("grown", "merged") and r.people_added:
        facts.append(f"新增 {len(r.people_added)} 人" if zh else f"{len(r.people_added)} people added")
    if r.amount_added:
        facts.append((f"基金增加 ¥{r.amount_added:,.0f}" if zh else f"fund +¥{r.amount_added:,.0f}")
                     if r.amount_added > 0 else (f"基金减少 ¥{-r.amount_added:,.0f}" if zh
                                                 else f"fund −¥{-r.amount_added:,.0f}"))
    if r.previous_ids and r.status in ("merged", "split"):
        facts.append(("来自 " if zh else "from ") + ", ".join(r.previous_ids))
    if r.case is not None:
        facts.append(("案件状态: " if zh else "case: ") + status_name(lang, r.case.status))
    return parts[0] + (": " if zh else ": ") + ("; " if zh else ", ").join(facts)


def summary_text(changes: Changes, lang: str = "zh", alert_score: float = 0.0) -> str:
    """A few lines to paste into a message to the team."""
    zh = lang == "zh"
    c = changes.counts()
    lines = []
    if changes.before is None:
        lines.append(f"ringscan 扫描 {changes.after.scan_id}: 首次扫描, 发现 {len(changes.rings)} 个风险团伙。" if zh else
                     f"ringscan scan {changes.after.scan_id}: first scan, {len(changes.rings)} rings found.")
    else:
        lines.append(f"ringscan 扫描 {changes.after.scan_id} (对比 {changes.before.scan_id}):" if zh else
                     f"ringscan scan {changes.after.scan_id} (since {changes.before.scan_id}):")
        order = ("new", "grown", "shrunk", "merged", "split", "unchanged", "gone")
        lines.append(("、".join(f"{status_name(lang, s)} {c[s]} 个" for s in order) + "。") if zh else
                     (", ".join(f"{c[s]} {status_name(lang, s)}" for s in order) + "."))
    alerts = changes.alerts(alert_score)
    if alerts:
        lines.append((f"需关注 (风险分 ≥ {alert_score:g}): {len(alerts)} 个" if zh else
                      f"need attention (score ≥ {alert_score:g}): {len(alerts)}"))
        lines.extend(f"· {_ring_line(r, lang)}" for r in alerts)
    else:
        lines.append("无需关注的新团伙或扩大的团伙。" if zh else "nothing new or grown needs attention.")
    others = [r for r in changes.changed() if r not in alerts]
    if others and changes.before is not None:
        lines.append("其他变化:" if zh else "other changes:")
        lines.extend(f"· {_ring_line(r, lang)}" for r in others)
    if changes.gone:
        lines.append(("消失: " if zh else "gone: ") + ", ".join(
            f"{g.ring_id} ({kind_name(lang, g.kind)})" for g in changes.gone))
    return "\n".join(lines) + "\n"


def write_changes(changes: Changes, out_dir: Path, *, pseudo=None, lang: str = "zh",
                  alert_score: float = 0.0) -> list[Path]:
    """changes.json, changes.csv and changes.txt in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    p = pseudo or (lambda v: v)
    doc = changes.as_dict(pseudo, alert_score)
    (out / "changes.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    alerts = set(doc["alerts"])
    rows = [{"status": r.status, "id": r.id, "kind": r.kind, "score": r.score, "amount": r.amount,
             "amount_added": r.amount_added, "people": r.people, "people_added": len(r.people_added),
             "people_added_ids": ";".join(p(x) for x in r.people_added), "cards_added": len(r.cards_added),
             "people_removed": len(r.people_removed), "evidence_added": len(r.evidence_added),
             "previous_ids": ";".join(r.previous_ids), "first_detected": r.first_detected,
             "case_status": r.case.status if r.case else "", "attention": int(r.id in alerts)}
            for r in changes.changed()]
    rows += [{"status": "gone", "id": g.ring_id, "kind": g.kind, "score": g.score, "amount": g.amount,
              "people": g.people, "first_detected": g.first_detected, "attention": 0} for g in changes.gone]
    columns = ["status", "id", "kind", "score", "amount", "amount_added", "people", "people_added",
               "people_added_ids", "cards_added", "people_removed", "evidence_added", "previous_ids",
               "first_detected", "case_status", "attention"]
    write_csv(pd.DataFrame(rows, columns=columns), out / "changes.csv")
    (out / "changes.txt").write_text(summary_text(changes, lang, alert_score), encoding="utf-8")
    return [out / name for name in CHANGE_FILES]
