"""The evidence table of a ring page, shaped by what the ring did.

* admissions (fake_admission, split_admission): admitted, discharged, days in,
  the batch of admissions (or the days since the patient's last discharge);
* prescriptions (doctor_collusion): drug, quantity, the drug's usual fill,
  days' supply and days until the next fill;
* refunds (refund_cashout): each purchase beside its refund, days apart;
* swipes (pharmacy_swipe, shared_card): the sittings, cards in order with the
  minutes between them;
* otherwise one settlement per row.

Every table also feeds the page's CSV download and is built from the same rows
as the timeline. Cells are plain text; the page escapes them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .directory import Directory
from .folder import USUAL_FILL_DAYS
from .i18n import text
from .records import records

__all__ = ["Table", "evidence_table", "sittings", "admission_batches", "refund_pairs", "ADMISSION_KINDS",
           "SWIPE_KINDS"]

ADMISSION_KINDS = ("fake_admission", "split_admission")
SWIPE_KINDS = ("pharmacy_swipe", "shared_card")
DEFAULT_SITTING_S = 1800          # gap that ends a sitting when no rule of the ring names a window
DEFAULT_BATCH_D = 3               # admissions this many days apart at one place form one batch
DEFAULT_REFUND_DELAY_D = 5        # a refund this many days after a purchase can be its refund
AMOUNT_TOLERANCE = 0.01           # a refund matches a purchase within this share of its amount
_SITTING_RULES = ("pharmacy-co-swipe", "card-pool-sitting")
_DAY_RULES = ("card-pool-clinic",)


@dataclass
class Table:
    headers: list[tuple[str, bool]]            # (label, numeric)
    rows: list[list[str]] = field(default_factory=list)
    groups: dict[int, str] = field(default_factory=dict)  # row index → caption shown above it
    note: str | None = None

    def csv_rows(self, ring_id: str, lang: str) -> list[list[str]]:
        """Header and rows for the CSV download, the group caption as a column and the ring id first."""
        head = ["ring_id", text(lang, "batch") if self.groups else None, *[h for h, _ in self.headers]]
        out, caption = [[h for h in head if h is not None]], ""
        for i, row in enumerate(self.rows):
            caption = self.groups.get(i, caption)
            out.append([ring_id, *([caption] if self.groups else []), *row])
        return out


def _s(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _money(value) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):,.2f}"


def _time(ts) -> str:
    return pd.Timestamp(int(ts), unit="s").strftime("%Y-%m-%d %H:%M")


def _place(row, names: dict) -> str:
    return names.get((row.place_label, row.fixmedins_code)) or _s(row.fixmedins_code)


def _window(params: dict, rules: list[str], names: tuple[str, ...], default):
    values = [params.get(r, {}).get("window") for r in rules if r in names]
    values = [v for v in values if isinstance(v, (int, float)) and v > 0]
    return max(values) if values else default


def sittings(rows: pd.DataFrame, gap_s: float | None) -> list[pd.DataFrame]:
    """Settlements at one place in one chain, each within ``gap_s`` of the one before (None: the same day)."""
    out: list[pd.DataFrame] = []
    for _, at in rows.sort_values(["fixmedins_code", "setl_ts", "setl_id"]).groupby("fixmedins_code", sort=False):
        if gap_s is None:
            out.extend(g for _, g in at.groupby("setl_day", sort=True))
            continue
        breaks = at["setl_ts"].diff().fillna(0) > gap_s
        out.extend(g for _, g in at.groupby(breaks.cumsum(), sort=True))
    return sorted(out, key=lambda g: (g["setl_ts"].min(), g["fixmedins_code"].iloc[0]))


def admission_batches(rows: pd.DataFrame, window_d: float) -> pd.Series:
    """Batch number (1, 2, …) of each admission: admissions at one place within ``window_d`` days of the last."""
    day = rows["begn_day"].fillna(rows["setl_day"])
    order = rows.assign(_d=day).sort_values(["_d", "fixmedins_code", "setl_id"])
    batch = 0
    last: dict[Any, Any] = {}
    out: dict[Any, Any] = {}
    for idx, place, d in zip(order.index, order["fixmedins_code"], order["_d"]):
        if place not in last or d - last[place][1] > window_d:
            batch += 1
            last[place] = (batch, d)
        else:
            last[place] = (last[place][0], d)
        out[idx] = last[place][0]
    return pd.Series(out).reindex(rows.index)


def refund_pairs(rows: pd.DataFrame, max_delay_d: float) -> list[tuple[Any, Any]]:
    """(purchase, refund) rows, a refund matched to the latest earlier purchase on the same card and place
    with the same amount within ``max_delay_d`` days; unmatched rows stand alone (the other side None)."""
    rows = rows.sort_values(["setl_ts", "setl_id"])
    is_refund = (rows["refund"].astype(int) == 1) | (rows["medfee_sumamt"] < 0)
    open_buys: list = list(records(rows[~is_refund]))
    pairs = []
    for refund in records(rows[is_refund]):
        match = None
        for buy in reversed(open_buys):
            if (buy.mdtrt_cert_no == refund.mdtrt_cert_no and buy.fixmedins_code == refund.fixmedins_code
                    and 0 <= refund.setl_ts - buy.setl_ts <= max_delay_d * 86400
                    and abs(abs(refund.medfee_sumamt) - buy.medfee_sumamt) <= AMOUNT_TOLERANCE * buy.medfee_sumamt):
                match = buy
                break
        if match is not None:
            open_buys.remove(match)
        pairs.append((match, refund))
    pairs.extend((buy, None) for buy in open_buys)
    return sorted(pairs, key=lambda p: (p[0] or p[1]).setl_ts)


def evidence_table(kind: str, rows: pd.DataFrame, drugs: pd.DataFrame, directory: Directory, names: dict,
                   lang: str, params: dict, rules: list[str]) -> Table:
    """The ring's evidence as the page shows it; ``rows`` are its evidence.csv rows in time order."""
    if kind in SWIPE_KINDS:
        return _swipes(kind, rows, directory, names, lang, params, rules)
    if kind in ADMISSION_KINDS:
        return _admissions(kind, rows, directory, names, lang, params)
    if kind == "doctor_collusion" and len(drugs):
        return _prescriptions(rows, drugs, directory, names, lang, params)
    if kind == "refund_cashout":
        return _refunds(rows, drugs, directory, names, lang, params)
    return _plain(rows, directory, names, lang)


def _t(lang):
    return lambda key, **kw: text(lang, key, **kw)


def _plain(rows, directory, names, lang) -> Table:
    t = _t(lang)
    table = Table([(t("setl_time"), False), (t("place"), False), (t("patient"), False), (t("card"), False),
                   (t("doctor"), False), (t("diagnosis"), False), (t("total"), True), (t("fund"), True),
                   (t("refund"), False), (t("setl_id"), False)])
    for r in records(rows):
        table.rows.append([_time(r.setl_ts), _place(r, names), directory.person_label(r.psn_no),
                           directory.card(r.mdtrt_cert_no), _doctor(r, directory), _s(r.dise_name),
                           _money(r.medfee_sumamt), _money(r.fund_pay), "✓" if int(r.refund) else "", r.setl_id])
    return table


def _doctor(r, directory: Directory) -> str:
    return directory.name("Doctor", r.atddr_no) or directory.shown_id(r.atddr_no)


# What a swipe row shows (and _place and _doctor read).
_SWIPE_FIELDS = ("setl_ts", "mdtrt_cert_no", "psn_no", "atddr_no", "medfee_sumamt", "fund_pay", "setl_id",
                 "place_label", "fixmedins_code")


def _swipes(kind, rows, directory, names, lang, params, rules) -> Table:
    t = _t(lang)
    by_day = kind == "shared_card" and not any(r in _SITTING_RULES for r in rules) and any(r in _DAY_RULES for r in rules)
    gap = None if by_day else _window(params, rules, _SITTING_RULES, DEFAULT_SITTING_S)
    table = Table([(t("setl_time"), False), (t("minutes"), True), (t("card"), False), (t("patient"), False),
                   (t("doctor"), False), (t("total"), True), (t("fund"), True), (t("setl_id"), False)])
    if kind == "pharmacy_swipe":
        table.headers.pop(4)
    # Each row read once, by its label: a sitting's own itertuples reads every column again (a
    # page of 500 sittings spent most of its drawing there).
    rows = rows.reset_index(drop=True)
    record = dict(zip(rows.index, records(rows[list(_SWIPE_FIELDS)], index=False)))
    for number, sitting in enumerate(sittings(rows, gap), start=1):
        first, last = sitting["setl_ts"].min(), sitting["setl_ts"].max()
        place = _place(record[sitting.index[0]], names)
        span = t("cards_in_sitting", n=sitting["mdtrt_cert_no"].nunique(), minutes=round((last - first) / 60))
        table.groups[len(table.rows)] = f"{t('sitting')} {number} · {_time(first)} · {place} · {span}"
        previous = None
        for r in map(record.__getitem__, sitting.index):
            minutes = "" if previous is None else f"{(r.setl_ts - previous) / 60:.1f}"
            previous = r.setl_ts
            row = [_time(r.setl_ts), minutes, directory.card(r.mdtrt_cert_no), directory.person_label(r.psn_no),
                   _doctor(r, directory), _money(r.medfee_sumamt), _money(r.fund_pay), r.setl_id]
            if kind == "pharmacy_swipe":
                row.pop(4)
            table.rows.append(row)
    return table


def _admissions(kind, rows, directory, names, lang, params) -> Table:
    t = _t(lang)
    first = (t("gap"), True) if kind == "split_admission" else (t("batch"), True)
    table = Table([first, (t("admit"), False), (t("discharge"), False), (t("stay"), True), (t("patient"), False),
                   (t("place"), False), (t("doctor"), False), (t("diagnosis"), False), (t("fund"), True),
                   (t("setl_id"), False)])
    window = params.get("admission-co-admit", {}).get("window", DEFAULT_BATCH_D)
    batches = admission_batches(rows, float(window)) if len(rows) else pd.Series(dtype=int)
    day = rows["begn_day"].fillna(rows["setl_day"])
    ordered = rows.assign(_d=day).sort_values(["_d", "fixmedins_code", "setl_id"])
    last_out: dict[tuple, float] = {}
    for r in records(ordered):
        if kind == "split_admission":
            key = (r.psn_no, r.fixmedins_code)
            lead = "" if key not in last_out or pd.isna(r.begn_day) else f"{int(r.begn_day - last_out[key])}"
            if not pd.isna(r.end_day):
                last_out[key] = r.end_day
        else:
            lead = str(batches.get(r.Index, ""))
        stay = "" if pd.isna(r.stay_days) or _s(r.stay_days) == "" else str(int(float(r.stay_days)))
        table.rows.append([lead, _s(r.admit_date) or _time(r.setl_ts)[:10], _s(r.discharge_date), stay,
                           directory.person_label(r.psn_no), _place(r, names), _doctor(r, directory),
                           _s(r.dise_name), _money(r.fund_pay), r.setl_id])
    return table


def _usual_days(params: dict) -> float:
    return float(params.get("doctor-overprescription", {}).get("refill_d", USUAL_FILL_DAYS))


def _prescriptions(rows, drugs, directory, names, lang, params) -> Table:
    t = _t(lang)
    days = _usual_days(params)
    table = Table([(t("setl_time"), False), (t("doctor"), False), (t("patient"), False), (t("drug"), False),
                   (t("quantity"), True), (t("usual"), True), (t("supply"), True), (t("next_fill"), True),
                   (t("place"), False), (t("fund"), True), (t("setl_id"), False)],
                  note=t("usual_note", days=days))
    fills = rows.merge(drugs, on="setl_id", how="inner").sort_values(["setl_ts", "setl_id", "med_list_codg"])
    following = {}
    for (_, _), g in fills.groupby(["psn_no", "med_list_codg"]):
        times = g["setl_ts"].tolist()
        for idx, now, nxt in zip(g.index, times, times[1:] + [None]):
            following[idx] = "" if nxt is None else f"{(nxt - now) / 86400:.0f}"
    for r in records(fills):
        usual = r.usual_cnt if not pd.isna(r.usual_cnt) and r.usual_cnt > 0 else None
        supply = "" if usual is None else f"{days * r.cnt / usual:.0f}"
        table.rows.append([_time(r.setl_ts), _doctor(r, directory), directory.person_label(r.psn_no),
                           _s(r.med_list_name) or _s(r.med_list_codg), f"{r.cnt:g}", "" if usual is None else f"{usual:g}",
                           supply, following.get(r.Index, ""), _place(r, names), _money(r.fund_pay), r.setl_id])
    return table


def _refunds(rows, drugs, directory, names, lang, params) -> Table:
    t = _t(lang)
    rule = params.get("refund-cashout", {})
    delay = rule.get("max_delay_d") or (rule.get("max_delay_s", 0) / 86400) or DEFAULT_REFUND_DELAY_D
    what = drugs.groupby("setl_id")["med_list_name"].apply(lambda s: "、".join(sorted(set(s.dropna())))) \
        if len(drugs) else pd.Series(dtype=str)
    table = Table([(t("card"), False), (t("patient"), False), (t("purchase_time"), False), (t("place"), False),
                   (t("drug"), False), (t("purchase_amount"), True), (t("refund_time"), False),
                   (t("refund_amount"), True), (t("delay"), True), (t("setl_id"), False)])
    for buy, refund in refund_pairs(rows, float(delay)):
        any_row = buy if buy is not None else refund
        table.rows.append([
            directory.card(any_row.mdtrt_cert_no), directory.person_label(any_row.psn_no),
            _time(buy.setl_ts) if buy is not None else "", _place(any_row, names),
            _s(what.get(buy.setl_id if buy is not None else refund.setl_id, "")),
            _money(buy.medfee_sumamt) if buy is not None else "",
            _time(refund.setl_ts) if refund is not None else "",
            _money(refund.medfee_sumamt) if refund is not None else "",
            f"{(refund.setl_ts - buy.setl_ts) / 86400:.1f}" if buy is not None and refund is not None else "",
            " / ".join(x.setl_id for x in (buy, refund) if x is not None)])
    return table
