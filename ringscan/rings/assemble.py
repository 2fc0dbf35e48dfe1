"""From communities to rings: members, kind, amount, period, score and explanation.

Score (0–100) = ``100 × (1 − e^(−strength)) × money × flags`` where
``strength`` is the ring's internal link weight per entity, ``money`` runs from
``money_floor`` (0.6) to 1.0 with log10 of the fund amount (¥100,000 and above counts fully) and
each flagged member adds 2% (at most 10%). Kind is the family with the most
internal link weight.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

import networkx as nx
import pandas as pd

from ..graph.stats import day_to_date
from ..rules.catalogue import FAMILIES
from .suspicion import node_key, split_key

__all__ = ["RingParams", "Ring", "assemble_rings", "sessions"]

SWIPE_KINDS = ("pharmacy_swipe", "shared_card")

MEMBER_ORDER = {"Pharmacy": 0, "Institution": 1, "Doctor": 2, "Patient": 3, "Card": 4}


@dataclass(frozen=True)
class RingParams:
    min_persons: int = 3          # fewer people than this is not a ring
    min_households: int = 3       # one family fetching medicine for each other is not a ring
    # A ring needs at least this much link weight from rules above level `low`:
    # low-level evidence (a shared address) only strengthens what others found.
    min_corroboration: float = 1e-9
    context_share: float = 0.2    # a place/doctor in this share of evidence joins as context
    full_amount: float = 100_000  # fund amount (¥) at which money counts fully in the score
    money_floor: float = 0.6      # the money factor of a ring with no fund money
    flag_bonus: float = 0.02
    max_flag_bonus: float = 0.10
    # Card-swipe rings (pharmacy_swipe, shared_card) must show the stack of cards run
    # through in one sitting: min_session_cards of the ring's cards in one chain of
    # swipes (gaps ≤ session_gap_s) at one place, on at least min_sessions days.
    # Cards that merely meet in pairs at a busy pharmacy never do.
    min_session_cards: int = 3
    min_sessions: int = 2
    session_gap_s: int = 1800


@dataclass
class Ring:
    id: str
    kind: str
    score: float
    members: list[dict]
    amount: float
    first_seen: str | None
    last_seen: str | None
    rules: list[str]
    evidence: list[str]
    explanation: str
    explanation_en: str
    family_weights: dict[str, float] = field(default_factory=dict)
    rank: int = 0

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "score": self.score, "rank": self.rank,
                "members": self.members, "amount": self.amount, "first_seen": self.first_seen,
                "last_seen": self.last_seen, "rules": self.rules, "explanation": self.explanation,
                "explanation_en": self.explanation_en, "evidence": self.evidence,
                "family_weights": self.family_weights, "map": f"rings/{self.id}.html"}


def _ring_id(actors: list[str]) -> str:
    return "R-" + hashlib.sha1("\n".join(sorted(actors)).encode()).hexdigest()[:10]


def assemble_rings(G: nx.Graph, communities: list[list[str]], flags: pd.DataFrame, settlements: pd.DataFrame,
                   holders: dict[str, str], cards_of: dict[str, list[str]], household: dict[str, str],
                   params: RingParams = RingParams()) -> list[Ring]:
    """Rings from communities, ranked by score (ties by id)."""
    setl = settlements.set_index("setl_id") if len(settlements) else settlements
    flagged = flags.groupby(flags["entity_type"] + "|" + flags["entity_id"])["rule"].apply(set).to_dict() \
        if len(flags) else {}
    rings = []
    for community in communities:
        actors = set(community)
        sub = G.subgraph(actors)
        families: dict[str, float] = {}
        rules: set[str] = set()
        evidence: set[str] = set()
        total = corroborated = 0.0
        for _, _, d in sub.edges(data=True):
            total += d["weight"]
            corroborated += d.get("corroborated", d["weight"])
            rules |= d["rules"]
            evidence |= d["evidence"]
            for fam, w in d["families"].items():
                families[fam] = families.get(fam, 0.0) + w
        if not families or corroborated < params.min_corroboration:
            continue
        members = set(actors)
        for key in actors:  # a card's holder and a person's cards belong to the ring
            kind, ident = split_key(key)
            if kind == "Card" and ident in holders:
                members.add(node_key("Patient", holders[ident]))
            if kind == "Patient":
                members |= {node_key("Card", c) for c in cards_of.get(ident, [])}
        rows = setl.loc[setl.index.intersection(sorted(evidence))] if len(setl) else setl
        if len(rows):
            for column, kind in (("fixmedins_code", None), ("atddr_no", "Doctor")):
                share = rows[column].value_counts(normalize=True)
                for ident, s in share.items():
                    if s >= params.context_share:
                        label = kind or rows.loc[rows[column] == ident, "place_label"].iloc[0]
                        members.add(node_key(label, ident))
        persons = {k for k in members if k.startswith("Patient|")}
        homes = {household.get(k[8:], k[8:]) for k in persons}
        if len(persons) < params.min_persons or len(homes) < params.min_households:
            continue
        flag_rules = set().union(*(flagged.get(k, set()) for k in members)) if flagged else set()
        n_flagged = sum(1 for k in members if k in flagged)
        kind = max(FAMILIES, key=lambda f: (families.get(f, 0.0), -FAMILIES.index(f)))
        sittings = sessions(rows, {k[5:] for k in members if k.startswith("Card|")}, params.min_session_cards,
                            params.session_gap_s) if kind in SWIPE_KINDS else 0
        if kind in SWIPE_KINDS and sittings < params.min_sessions:
            continue
        bought = rows[rows["refund"] == 0] if len(rows) else rows
        amount = round(float(bought["fund_pay"].sum()) if len(bought) else 0.0, 2)
        strength = total / max(len(actors), 1)
        money = params.money_floor + (1 - params.money_floor) * min(
            1.0, math.log10(1 + amount) / math.log10(1 + params.full_amount))
        bonus = 1 + min(params.max_flag_bonus, params.flag_bonus * n_flagged)
        score = round(min(100.0, 100 * (1 - math.exp(-strength)) * money * bonus), 2)
        ordered = sorted(members, key=lambda k: (MEMBER_ORDER.get(split_key(k)[0], 9), k))
        days = rows["setl_day"] if len(rows) else pd.Series(dtype="int64")
        zh, en = _explain(kind, ordered, rows, amount, sittings)
        rings.append(Ring(
            id=_ring_id(sorted(actors)), kind=kind, score=score,
            members=[{"type": split_key(k)[0], "id": split_key(k)[1]} for k in ordered],
            amount=amount, first_seen=day_to_date(days.min()) if len(days) else None,
            last_seen=day_to_date(days.max()) if len(days) else None,
            rules=sorted(rules | flag_rules), evidence=sorted(evidence), explanation=zh, explanation_en=en,
            family_weights={f: round(w, 3) for f, w in sorted(families.items())},
        ))
    rings.sort(key=lambda r: (-r.score, r.id))
    for i, ring in enumerate(rings, start=1):
        ring.rank = i
    return rings


def sessions(rows: pd.DataFrame, cards: set[str], min_cards: int, gap_s: int) -> int:
    """Days on which at least ``min_cards`` of ``cards`` were swiped in one chain at one place.

    >>> rows = pd.DataFrame({"mdtrt_cert_no": ["a", "b", "c", "a", "b"], "fixmedins_code": "P",
    ...                      "setl_day": [1, 1, 1, 2, 2], "setl_ts": [0, 60, 120, 86400, 86460], "refund": 0})
    >>> sessions(rows, {"a", "b", "c"}, 3, 600)
    1
    """
    if not len(rows):
        return 0
    mine = rows[rows["mdtrt_cert_no"].isin(cards) & (rows["refund"] == 0)].sort_values("setl_ts")
    days = set()
    for (_place, day), group in mine.groupby(["fixmedins_code", "setl_day"], sort=False):
        chain = (group["setl_ts"].diff().fillna(0) > gap_s).cumsum()
        if group.groupby(chain)["mdtrt_cert_no"].nunique().max() >= min_cards:
            days.add(day)
    return len(days)


def _explain(kind: str, members: list[str], rows: pd.DataFrame, amount: float, sittings: int) -> tuple[str, str]:
    count = {t: sum(1 for k in members if k.startswith(t + "|")) for t in MEMBER_ORDER}
    n_days = int(rows["setl_day"].nunique()) if len(rows) else 0
    span = int(rows["setl_day"].max() - rows["setl_day"].min() + 1) if len(rows) else 0
    n_setl = len(rows)
    pharm = int(rows.loc[rows["place_label"] == "Pharmacy", "fixmedins_code"].nunique()) if len(rows) else 0
    inst = int(rows.loc[rows["place_label"] == "Institution", "fixmedins_code"].nunique()) if len(rows) else 0
    refunds = int(rows["refund"].sum()) if len(rows) else 0
    money_zh = f"涉及基金 ¥{amount:,.0f}"
    money_en = f"fund money ¥{amount:,.0f}"
    c, p, d = count["Card"], count["Patient"], count["Doctor"]
    texts = {
        "pharmacy_swipe": (f"{c} 张医保卡 {span} 天内在 {pharm} 家药店同时段连刷 {sittings} 次, {money_zh}",
                           f"{c} insurance cards swiped together in {sittings} sittings at {pharm} pharmacies within {span} days; {money_en}"),
        "shared_card": (f"{c} 张他人医保卡由同一医生在 {inst} 家医疗机构分 {sittings} 次批量结算 ({span} 天内), {money_zh}",
                        f"{c} other people's cards billed back to back by one doctor at {inst} institutions in {sittings} sittings within {span} days; {money_en}"),
        "fake_admission": (f"{p} 名参保人在 {inst} 家医疗机构 {span} 天内分 {n_days} 批同进同出住院, {money_zh}",
                           f"{p} insured people admitted and discharged together at {inst} institutions in {n_days} batches within {span} days; {money_en}"),
        "doctor_collusion": (f"{d} 名医生为 {p} 名患者超量或跨院重复开药 {n_setl} 次, {money_zh}",
                             f"{d} doctors over-prescribed or duplicated drugs for {p} patients in {n_setl} settlements; {money_en}"),
        "shared_identifier": (f"{p} 名不同住址的参保人登记同一联系电话 (疑似中介)",
                              f"{p} insured people living apart share one contact phone (likely an intermediary)"),
        "split_admission": (f"{p} 名患者在 {inst} 家医疗机构被分解住院, 共 {n_setl} 次住院结算, {money_zh}",
                            f"{p} patients with split stays at {inst} institutions, {n_setl} inpatient settlements; {money_en}"),
        "refund_cashout": (f"{c} 张医保卡在 {pharm} 家药店购药后退费 {refunds} 次, {money_zh}",
                           f"{c} cards bought and then refunded {refunds} times at {pharm} pharmacies; {money_en}"),
    }
    return texts[kind]
