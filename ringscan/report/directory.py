"""Who and what ring members are, as a page shows them: masked from members.csv, or revealed from the store.

Ids stay as the scan folder writes them (pseudonyms for ID numbers and phones);
only what is *shown* changes: ``--reveal-pii`` reads names, ID numbers, phones,
addresses and the raw ids behind pseudonyms from the store, never from a file.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from .pseudonym import Pseudonymiser, store_key

__all__ = ["Directory", "directory_from_members", "reveal_directory", "StoreMismatch"]

PSEUDONYM_SHOWN = 9  # "ID~" and six hex digits: enough to tell two alike masked ID numbers apart


class StoreMismatch(ValueError):
    """The store given for --reveal-pii is not the one the scan read."""


@dataclass
class Directory:
    revealed: bool = False
    names: dict[tuple[str, str], str] = field(default_factory=dict)  # persons, doctors, places
    cards: dict[str, str] = field(default_factory=dict)              # card id → number as shown
    holder: dict[str, str] = field(default_factory=dict)             # card id → patient id
    persons: dict[str, dict] = field(default_factory=dict)           # patient id → gender, birth_year, district, …
    raw: dict[str, str] = field(default_factory=dict)                # pseudonym → id (revealed only)
    pseudonyms: set[str] = field(default_factory=set)

    def shown_id(self, ident) -> str:
        ident = "" if ident is None or (isinstance(ident, float) and pd.isna(ident)) else str(ident)
        return self.raw.get(ident, ident) if self.revealed else ident

    def card(self, ident) -> str:
        ident = "" if ident is None or (isinstance(ident, float) and pd.isna(ident)) else str(ident)
        return self.cards.get(ident) or self.shown_id(ident)

    def name(self, kind: str, ident) -> str | None:
        return self.names.get((kind, str(ident)))

    def person_label(self, psn) -> str:
        return self.name("Patient", psn) or self.shown_id(psn)


def _s(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def directory_from_members(members: pd.DataFrame) -> Directory:
    """The masked directory a scan folder carries (members.csv)."""
    out = Directory()
    for row in members.to_dict("records") if len(members) else []:
        kind, ident = _s(row.get("type")), _s(row.get("id"))
        if str(row.get("pseudonym")) in ("1", "1.0", "True"):
            out.pseudonyms.add(ident)
        if kind == "Card":
            out.cards[ident] = _s(row.get("name")) or ident
            if _s(row.get("holder")):
                out.holder[ident] = _s(row.get("holder"))
        elif _s(row.get("name")):
            out.names[(kind, ident)] = _s(row.get("name"))
        if kind == "Patient":
            out.persons[ident] = {k: _s(row.get(k)).removesuffix(".0") for k in ("gender", "birth_year", "district", "phone")}
            for card in _s(row.get("cards")).split(";"):
                if card:
                    out.holder.setdefault(card, ident)
    shown: dict[str, list[str]] = {}
    for card, label in out.cards.items():
        shown.setdefault(label, []).append(card)
    for label, cards in shown.items():  # two ID cards may mask alike: their pseudonyms tell them apart
        if len(cards) > 1:
            for card in cards:
                if card in out.pseudonyms:
                    out.cards[card] = f"{label} ({card[:PSEUDONYM_SHOWN]})"
    return out


def reveal_directory(backend, doc: dict, masked: Directory) -> Directory:
    """The directory with personal data read from ``backend`` (the store the scan read, opened read-only)."""
    pii = (doc.get("scan") or {}).get("pii") or {}
    try:
        key = store_key(backend, create=False)
    except FileNotFoundError as exc:
        raise StoreMismatch(f"{exc}: this store was never scanned; give the --db the scan read") from exc
    pseudo = Pseudonymiser(key)
    wanted = (pii.get("pseudonym") or {}).get("key_id")
    if wanted and wanted != pseudo.key_id:
        raise StoreMismatch("the store given is not the one this scan read (its pseudonym key differs); "
                            "give the scan's --db (or RINGSCAN_DB)")
    setl_ids = sorted({e for r in doc["rings"] for e in r["evidence"]})
    settled = backend.query("UNWIND $ids AS id MATCH (s:Settlement {setl_id: id}) RETURN s.psn_no AS psn_no, "
                            "s.mdtrt_cert_no AS card, s.atddr_no AS doctor", {"ids": setl_ids})
    psn = sorted(set(settled["psn_no"].dropna()))
    held = backend.query("UNWIND $ids AS id MATCH (p:Patient {psn_no: id})-[:HOLDS]->(c:Card) "
                         "RETURN p.psn_no AS psn_no, c.mdtrt_cert_no AS card, c.mdtrt_cert_type AS cert_type",
                         {"ids": psn})
    id_cards = frozenset(held.loc[held["cert_type"] == "02", "card"].dropna())
    pseudo = Pseudonymiser(key, id_cards)
    raw_ids = set(psn) | set(settled["card"].dropna()) | set(settled["doctor"].dropna()) | set(held["card"].dropna())
    raw = {pseudo(i): i for i in raw_ids}
    out = Directory(revealed=True, names=dict(masked.names), cards=dict(masked.cards), holder=dict(masked.holder),
                    persons={}, raw=raw, pseudonyms=set(masked.pseudonyms))
    people = backend.query("UNWIND $ids AS id MATCH (p:Patient {psn_no: id}) RETURN p.psn_no AS psn_no, "
                           "p.psn_name AS name, p.certno AS certno, p.gend AS gend, p.brdy_day AS brdy_day, "
                           "p.tel AS tel, p.addr AS addr", {"ids": psn})
    for row in people.to_dict("records"):
        key_id = pseudo(row["psn_no"])
        out.names[("Patient", key_id)] = _s(row["name"]) or row["psn_no"]
        year = "" if pd.isna(row["brdy_day"]) else str((dt.date(1970, 1, 1) + dt.timedelta(days=int(row["brdy_day"]))).year)
        out.persons[key_id] = {"gender": _s(row["gend"]), "birth_year": year, "district": _s(row["addr"]),
                               "phone": _s(row["tel"]), "cert": _s(row["certno"])}
    for row in held.to_dict("records"):
        out.cards[pseudo(row["card"])] = row["card"]
        out.holder[pseudo(row["card"])] = pseudo(row["psn_no"])
    for card in settled["card"].dropna():
        out.cards.setdefault(pseudo(card), card)
    doctors = sorted(set(settled["doctor"].dropna()))
    if doctors:
        named = backend.query("UNWIND $ids AS id MATCH (d:Doctor {atddr_no: id}) RETURN d.atddr_no AS id, "
                              "d.dr_name AS name", {"ids": doctors})
        for row in named.to_dict("records"):
            if _s(row["name"]):
                out.names[("Doctor", pseudo(row["id"]))] = row["name"]
    return out
