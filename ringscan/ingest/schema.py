"""The input contract: canonical (national-platform) field names, aliases, mapping.

Canonical names are those of the 医疗保障信息平台 exports. English aliases are
accepted; any other schema is renamed through a TOML mapping file::

    [settlements]          # optional: only for files recognised as this table
    setl_time = "结算时间"    # canonical = source column
    [columns]              # applies to every table
    psn_no = "PERSON_ID"
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "TABLES", "TableSpec", "Mapping", "MissingColumnError", "UnknownTableError",
    "canonical_columns", "detect_table", "load_mapping",
]


@dataclass(frozen=True)
class TableSpec:
    name: str
    key: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


TABLES: dict[str, TableSpec] = {
    "settlements": TableSpec(
        "settlements", ("setl_id",),
        ("setl_id", "psn_no", "fixmedins_code", "setl_time", "medfee_sumamt"),
        ("mdtrt_cert_no", "mdtrt_cert_type", "fixmedins_name", "fixmedins_type", "med_type",
         "begndate", "enddate", "atddr_no", "dr_name", "dise_codg", "dise_name", "hifp_pay",
         "acct_pay", "psn_cash_pay", "refd_setl_flag", "psn_name", "certno", "gend", "brdy",
         "insuplc_admdvs", "mdtrtarea_admvs", "mdtrt_id", "insutype"),
    ),
    "persons": TableSpec(
        "persons", ("psn_no",), ("psn_no",),
        ("psn_name", "certno", "gend", "brdy", "tel", "addr", "insuplc_admdvs"),
    ),
    "institutions": TableSpec(
        "institutions", ("fixmedins_code",), ("fixmedins_code",),
        ("fixmedins_name", "fixmedins_type", "hosp_lv", "admdvs"),
    ),
    "fee_details": TableSpec(
        "fee_details", ("feedetl_sn",), ("feedetl_sn", "setl_id"),
        ("med_list_codg", "med_list_name", "cnt", "pric", "det_item_fee_sumamt", "bilg_dr_codg"),
    ),
}

# English aliases (lower-case) → canonical name.
ALIASES: dict[str, str] = {
    "settlement_id": "setl_id", "patient_id": "psn_no", "person_id": "psn_no", "insured_id": "psn_no",
    "card_id": "mdtrt_cert_no", "card_no": "mdtrt_cert_no", "card_type": "mdtrt_cert_type",
    "institution_id": "fixmedins_code", "institution_code": "fixmedins_code", "provider_id": "fixmedins_code",
    "institution_name": "fixmedins_name", "institution_type": "fixmedins_type",
    "settled_at": "setl_time", "settlement_time": "setl_time",
    "medical_type": "med_type", "admission_date": "begndate", "start_date": "begndate",
    "discharge_date": "enddate", "end_date": "enddate",
    "doctor_id": "atddr_no", "doctor_name": "dr_name",
    "diagnosis_code": "dise_codg", "diagnosis_name": "dise_name",
    "total_amount": "medfee_sumamt", "amount": "medfee_sumamt", "fund_paid": "hifp_pay",
    "pool_paid": "hifp_pay", "account_paid": "acct_pay", "cash_paid": "psn_cash_pay",
    "refund_flag": "refd_setl_flag", "is_refund": "refd_setl_flag",
    "patient_name": "psn_name", "name": "psn_name", "id_number": "certno", "national_id": "certno",
    "gender": "gend", "sex": "gend", "birth_date": "brdy", "birthday": "brdy",
    "phone": "tel", "telephone": "tel", "address": "addr", "region": "insuplc_admdvs",
    "hospital_level": "hosp_lv", "level": "hosp_lv",
    "detail_id": "feedetl_sn", "fee_detail_id": "feedetl_sn", "item_code": "med_list_codg",
    "drug_code": "med_list_codg", "item_name": "med_list_name", "drug_name": "med_list_name",
    "quantity": "cnt", "unit_price": "pric", "price": "pric", "item_amount": "det_item_fee_sumamt",
    "prescribing_doctor": "bilg_dr_codg",
}

_ALL_CANONICAL = {c for spec in TABLES.values() for c in spec.columns}


class MissingColumnError(ValueError):
    """A file lacks a column its table requires."""

    def __init__(self, column: str, file: str, table: str):
        self.column, self.file, self.table = column, file, table
        super().__init__(
            f"column `{column}` missing in {file} (read as {table}); "
            f"map it with --mapping FILE (see README#mapping), e.g. `{column} = \"your column\"`"
        )


class UnknownTableError(ValueError):
    """A file's columns match none of the input tables."""


@dataclass
class Mapping:
    """Canonical name → source column, overall and per table."""

    columns: dict[str, str] = field(default_factory=dict)
    per_table: dict[str, dict[str, str]] = field(default_factory=dict)

    def rename_for(self, table: str | None) -> dict[str, str]:
        merged = dict(self.columns)
        if table:
            merged.update(self.per_table.get(table, {}))
        return {src: canon for canon, src in merged.items()}


def load_mapping(path: Path | None) -> Mapping:
    if path is None:
        return Mapping()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValueError(f"mapping file {path} not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"mapping file {path} is not valid TOML: {exc}") from exc
    mapping = Mapping()
    for key, value in data.items():
        if isinstance(value, dict):
            target = mapping.columns if key == "columns" else mapping.per_table.setdefault(key, {})
            for canon, src in value.items():
                target[str(canon)] = str(src)
        else:
            mapping.columns[str(key)] = str(value)
    unknown = [c for c in list(mapping.columns) + [c for t in mapping.per_table.values() for c in t]
               if c not in _ALL_CANONICAL]
    if unknown:
        raise ValueError(f"mapping file {path} names unknown canonical fields: {', '.join(sorted(unknown))}")
    bad_tables = [t for t in mapping.per_table if t not in TABLES]
    if bad_tables:
        raise ValueError(f"mapping file {path} has unknown tables: {', '.join(bad_tables)}; use {', '.join(TABLES)}")
    return mapping


def canonical_columns(columns: list[str], mapping: Mapping, table: str | None = None) -> dict[str, str]:
    """Source column → canonical name for every column ringscan recognises."""
    explicit = mapping.rename_for(table)
    out: dict[str, str] = {}
    for col in columns:
        name = str(col).strip().lstrip("\ufeff")
        if col in explicit:
            out[col] = explicit[col]
        elif name in explicit:
            out[col] = explicit[name]
        elif name.lower() in _ALL_CANONICAL:
            out[col] = name.lower()
        elif name.lower() in ALIASES:
            out[col] = ALIASES[name.lower()]
    # The first column mapped to a canonical name wins; later ones are ignored.
    seen: set[str] = set()
    return {src: canon for src, canon in out.items() if not (canon in seen or seen.add(canon))}


def detect_table(columns: list[str], mapping: Mapping, file: str) -> str:
    """Which input table a file holds, from its (canonicalised) columns."""
    names: set[str] = set()
    for table in (None, *TABLES):
        names |= set(canonical_columns(columns, mapping, table).values())
    if "feedetl_sn" in names:
        return "fee_details"
    if "setl_id" in names:
        return "settlements"
    if "psn_no" in names:
        return "persons"
    if "fixmedins_code" in names:
        return "institutions"
    raise UnknownTableError(
        f"{file}: cannot tell which table this is (columns: {', '.join(map(str, columns[:12]))}); "
        "a settlements file needs `setl_id`, persons `psn_no`, institutions `fixmedins_code`, "
        "fee details `feedetl_sn`; map your columns with --mapping FILE (see README#mapping)"
    )
