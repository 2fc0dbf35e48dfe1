"""The scan folder, safe to hand over: no raw personal data in any file.

``write_folder`` writes rings.json (the contract, plus ``legal_basis`` per ring,
``pseudonym`` per member and ``pii`` in the scan section), rings.csv,
links.csv, flags.csv, evidence.csv (one row per ring and settlement, with
``ring_id``, dates and length of stay), drugs.csv (fee details of the evidence
settlements) and members.csv (ring members as the masked pages show them).
Names, ID numbers, phones and addresses stay in the store: members.csv holds
only their masked forms, and identifiers that are personal data are replaced
by keyed pseudonyms (:mod:`.pseudonym`) everywhere. ``ringscan report
--reveal-pii`` reads the raw values back from the store (:mod:`.reveal`).
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd

from ..rules.catalogue import RuleError, load_catalogue
from .csvsafe import write_csv
from .legal import clause_dict, document_dict, resolve_all
from .pii import ID_CARD_TYPE, looks_like_id, looks_like_phone, mask_address, mask_id, mask_name, mask_phone
from .pseudonym import PREFIX, Pseudonymiser, store_key

__all__ = ["FolderDetails", "folder_details", "write_folder", "evidence_rows", "DRUG_COLUMNS", "ID_COLUMNS",
           "PRESCRIPTION_KINDS", "USUAL_FILL_DAYS"]

ID_COLUMNS = ("psn_no", "mdtrt_cert_no", "atddr_no", "fixmedins_code")
DRUG_COLUMNS = ("setl_id", "med_list_codg", "med_list_name", "cnt", "pric", "det_item_fee_sumamt", "usual_cnt")
# Families whose evidence is prescriptions: their drugs get the usual fill to compare with.
PRESCRIPTION_KINDS = ("doctor_collusion", "refund_cashout")
# Days a usual fill of a drug is taken to last, unless the scan's doctor-overprescription rule says otherwise.
USUAL_FILL_DAYS = 30.0
_OVERPRESCRIPTION_RULE = "doctor-overprescription"


@dataclass
class FolderDetails:
    """What the folder needs from the store beyond the scan's own frames."""

    pseudonymiser: Pseudonymiser
    drugs: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(DRUG_COLUMNS)))
    stable: bool = True  # False: no store key was available and pseudonyms hold for this folder only

    @classmethod
    def ephemeral(cls) -> "FolderDetails":
        return cls(Pseudonymiser(secrets.token_bytes(32)), stable=False)


def folder_details(backend, rings: list) -> FolderDetails:
    """Read the pseudonym key, ID-card vouchers and the evidence settlements' drugs from the store."""
    cards = backend.query("MATCH (c:Card) WHERE c.mdtrt_cert_type = $t RETURN c.mdtrt_cert_no AS id",
                          {"t": ID_CARD_TYPE})
    id_cards = frozenset(c for c in cards["id"].dropna() if not looks_like_id(c))
    pseudonymiser = Pseudonymiser(store_key(backend), id_cards)
    ids = sorted({e for r in rings for e in r.evidence})
    drugs = backend.query(
        "UNWIND $ids AS id MATCH (s:Settlement {setl_id: id})-[i:INCLUDES]->(g:Drug) RETURN s.setl_id AS setl_id, "
        "g.med_list_codg AS med_list_codg, g.med_list_name AS med_list_name, i.cnt AS cnt, i.pric AS pric, "
        "i.det_item_fee_sumamt AS det_item_fee_sumamt", {"ids": ids}) if ids else pd.DataFrame()
    if not len(drugs):
        return FolderDetails(pseudonymiser)
    prescribed = {e for r in rings if r.kind in PRESCRIPTION_KINDS for e in r.evidence}
    codes = sorted(set(drugs.loc[drugs["setl_id"].isin(prescribed), "med_list_codg"].dropna()))
    usual = pd.Series(dtype=float)
    if codes:  # the median quantity of one fill of the drug, over every purchase in the store
        # One pass over the fee lines, each quantity counted there: the 470k district's ten drugs
        # are 408k fills, 0.39 s to fetch a code at a time (the store keeps a fill's way to its
        # drug, not the drug's way back) against 0.09 s counted in one pass.
        fills = backend.query("MATCH (s:Settlement)-[i:INCLUDES]->(g:Drug) WHERE g.med_list_codg IN $codes "
                              "AND s.refund = 0 AND i.cnt > 0 RETURN g.med_list_codg AS code, i.cnt AS cnt, "
                              "count(*) AS n", {"codes": codes})
        usual = _medians(fills)
    drugs["usual_cnt"] = drugs["med_list_codg"].map(usual)
    return FolderDetails(pseudonymiser, drugs.sort_values(["setl_id", "med_list_codg"]).reset_index(drop=True))


def _medians(counted: pd.DataFrame) -> pd.Series:
    """Per ``code``, the median of ``cnt`` where each row's ``cnt`` occurs ``n`` times (the middle
    value, or the mean of the two middle values, as ``Series.median`` gives it)."""
    medians = {}
    for code, rows in counted.sort_values(["code", "cnt"]).groupby("code", sort=True):
        values, seen = rows["cnt"].to_numpy(dtype=float), rows["n"].to_numpy().cumsum()
        total = int(seen[-1])
        low = values[np.searchsorted(seen, (total - 1) // 2, side="right")]
        high = values[np.searchsorted(seen, total // 2, side="right")]
        medians[code] = (low + high) / 2
    return pd.Series(medians, dtype=float)


def _day(value) -> str:
    return "" if value is None or pd.isna(value) else (dt.date(1970, 1, 1) + dt.timedelta(days=int(value))).isoformat()


def evidence_rows(rings: list[dict], settlements: pd.DataFrame) -> pd.DataFrame:
    """One row per ring and settlement, with readable times and, for stays, admission, discharge and length."""
    if not len(settlements) or not rings:
        return pd.DataFrame(columns=["ring_id", "setl_time", "admit_date", "discharge_date", "stay_days",
                                     *settlements.columns])
    pairs = pd.DataFrame([(r["id"], e) for r in rings for e in r["evidence"]], columns=["ring_id", "setl_id"])
    frame = pairs.merge(settlements, on="setl_id", how="inner")
    frame.insert(1, "setl_time", pd.to_datetime(frame["setl_ts"], unit="s").dt.strftime("%Y-%m-%d %H:%M:%S"))
    stay = frame["begn_day"].notna() & frame["end_day"].notna() & (frame["med_type"].astype(str) == "21")
    frame.insert(2, "admit_date", [_day(d) if s else "" for d, s in zip(frame["begn_day"], stay)])
    frame.insert(3, "discharge_date", [_day(d) if s else "" for d, s in zip(frame["end_day"], stay)])
    frame.insert(4, "stay_days", (frame["end_day"] - frame["begn_day"]).where(stay).astype("Int64"))
    order = {r["id"]: i for i, r in enumerate(rings)}
    frame["_o"] = frame["ring_id"].map(order)
    return frame.sort_values(["_o", "setl_ts", "setl_id"]).drop(columns="_o").reset_index(drop=True)


def _rule_seeds() -> dict[str, tuple[str, ...]]:
    try:
        return {r.id: r.seeds for r in load_catalogue(check=False)}
    except RuleError:
        return {}


def _members(rings: list[dict], people: pd.DataFrame, names: pd.DataFrame, pseudo: Pseudonymiser) -> pd.DataFrame:
    """Ring members as masked pages show them: masked names, district, masked phone; no raw personal data."""
    persons = {r["psn_no"]: r for r in people.to_dict("records")} if len(people) else {}
    holder = {card: psn for psn, row in persons.items() for card in str(row.get("cards") or "").split(";") if card}
    label = {(r["type"], r["id"]): r["name"] for r in names.to_dict("records")} if len(names) else {}
    rows = []
    for ring in rings:
        cards = {m["id"] for m in ring["members"] if m["type"] == "Card"}
        for m in ring["members"]:
            kind, ident = m["type"], m["id"]
            row = {"ring_id": ring["id"], "type": kind, "id": pseudo(ident), "pseudonym": int(pseudo.is_personal(ident)),
                   "name": "", "gender": "", "birth_year": "", "district": "", "phone": "", "cards": "", "holder": ""}
            if kind == "Patient" and ident in persons:
                p = persons[ident]
                row.update(name=mask_name(_s(p.get("psn_name"))) or "", gender=_s(p.get("gend")) or "",
                           birth_year=_day(p.get("brdy_day"))[:4], district=mask_address(_s(p.get("addr"))) or "",
                           phone=_masked_phone(_s(p.get("tel"))),
                           cards=";".join(pseudo(c) for c in sorted(cards) if holder.get(c) == ident))
            elif kind == "Card":
                row.update(name=_masked_card(ident, pseudo), holder=pseudo(holder[ident]) if ident in holder else "")
            elif kind == "Doctor":
                row.update(name=mask_name(_s(label.get((kind, ident)))) or "")
            else:
                row.update(name=_s(label.get((kind, ident))) or "")
            rows.append(row)
    return pd.DataFrame(rows, columns=["ring_id", "type", "id", "pseudonym", "name", "gender", "birth_year",
                                       "district", "phone", "cards", "holder"])


def _masked_phone(tel: str | None) -> str:
    return mask_phone(tel) or ""


def _masked_card(card: str, pseudo: Pseudonymiser) -> str:
    """A card number as masked pages show it: ID numbers and phones masked, other card numbers as they are."""
    if not pseudo.is_personal(card):
        return card
    return cast(str, mask_phone(card) if looks_like_phone(card) else mask_id(card))


def _s(value) -> str | None:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _pii_doc(details: FolderDetails) -> dict:
    return {
        "masked": True,
        "pseudonym": {"format": f"{PREFIX} + 16 hex digits of HMAC-SHA256(key, id)",
                      "applies_to": "identifiers that are personal data: ID numbers (any id shaped like a resident "
                                    "ID number, and every card recorded with mdtrt_cert_type 02) and phones",
                      "key": "generated once per store and kept with it: <db>.pseudonym-key beside an embedded "
                             "store, the (:RingscanKey) node in Neo4j",
                      "key_id": details.pseudonymiser.key_id, "stable": details.stable},
        "pseudonymised": ["rings[].members[].id where members[].pseudonym is true", "links.csv a_id, b_id",
                          "flags.csv entity_id", "evidence.csv psn_no, mdtrt_cert_no, atddr_no",
                          "members.csv id, cards, holder"],
        "masked_fields": ["members.csv name (persons and doctors), phone, district"],
        "not_in_folder": ["full names of persons and doctors", "ID numbers", "phones", "addresses"],
        "reveal": "ringscan report DIR/rings.json --reveal-pii --db STORE reads them from the store",
    }


def _joined_sorted(evidence: list[str]) -> str:
    """A flag's settlements in id order: a rule's ``collect`` returns them in whatever order the
    engine's plan met them, and the same store must give the same file."""
    return ";".join(sorted(evidence))


def write_folder(out: Path, meta: dict, rings: list[dict], links: pd.DataFrame, flags: pd.DataFrame,
                 settlements: pd.DataFrame, people: pd.DataFrame, names: pd.DataFrame,
                 details: FolderDetails | None = None) -> Path:
    """Write every file of a scan folder; returns the path of rings.json."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    details = details or FolderDetails.ephemeral()
    pseudo = details.pseudonymiser
    seeds = _rule_seeds()
    safe_rings, documents = [], {}
    for ring in rings:
        clauses = resolve_all(s for rule in ring["rules"] for s in seeds.get(rule, ()))
        members = [{**m, "id": pseudo(m["id"]), **({"pseudonym": True} if pseudo.is_personal(m["id"]) else {})}
                   for m in ring["members"]]
        safe_rings.append({**ring, "members": members, "legal_basis": [clause_dict(c) for c in clauses]})
        documents.update({c.document.key: document_dict(c.document) for c in clauses})
    doc = {"scan": {**meta, "pii": _pii_doc(details), "legal_documents": dict(sorted(documents.items()))},
           "rings": safe_rings}
    (out / "rings.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    write_csv(pd.DataFrame([{
        "rank": r["rank"], "id": r["id"], "kind": r["kind"], "score": r["score"], "amount": r["amount"],
        "persons": sum(m["type"] == "Patient" for m in r["members"]), "members": len(r["members"]),
        "first_seen": r["first_seen"], "last_seen": r["last_seen"], "rules": ";".join(r["rules"]),
        "explanation": r["explanation"]} for r in safe_rings],
        columns=["rank", "id", "kind", "score", "amount", "persons", "members", "first_seen", "last_seen", "rules",
                 "explanation"]), out / "rings.csv")
    write_csv(links.assign(a_id=links["a_id"].map(pseudo), b_id=links["b_id"].map(pseudo),
                           evidence=links["evidence"].map(";".join)), out / "links.csv")
    write_csv(flags.assign(entity_id=flags["entity_id"].map(pseudo), evidence=flags["evidence"].map(_joined_sorted)),
              out / "flags.csv")
    evidence = evidence_rows(rings, settlements)
    for column in ID_COLUMNS:
        if column in evidence:
            evidence[column] = evidence[column].map(pseudo)
    write_csv(evidence, out / "evidence.csv")
    write_csv(details.drugs[details.drugs["setl_id"].isin(set(evidence["setl_id"]))]
              if len(details.drugs) else details.drugs, out / "drugs.csv")
    write_csv(_members(rings, people, names, pseudo), out / "members.csv")
    for stale in ("people.csv", "names.csv"):  # raw person records written by earlier versions
        (out / stale).unlink(missing_ok=True)
    return out / "rings.json"
