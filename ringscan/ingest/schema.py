"""The input contract: canonical (national-platform) field names, aliases, mapping, table recognition.

Canonical names are those of the 医疗保障信息平台 exports. English aliases are
accepted; any other schema loads through a TOML mapping file (README, "Loading
your own exports")::

    [read]
    na_values = ["", "NA", "NULL"]                 # cells that mean "missing"
    [columns]                                      # every file
    psn_no = "人员编号"
    [settlements]                                  # files recognised as settlements
    setl_time = { column = "结算时间", format = "%m/%d/%Y %H:%M" }
    begndate  = { column = "就诊日期", format = "%Y%m%d" }
    enddate   = { column = "就诊日期", format = "%Y%m%d" }   # one column, two fields
    gend      = { column = "性别", map = { "男" = "1", "女" = "2" } }
    [files."药店*.csv"]                             # files whose name matches
    table    = "settlements"
    med_type = { value = "41" }                    # a constant

A field's source is a column name, ``{column, format}`` (a date or time in
``strptime`` notation), ``{column, map}`` (values renamed; others kept) or
``{value}`` (a constant). A ``[files."glob"]`` entry overrides its table's
section for the files it matches, and ``table =`` there says which table they
hold. Top-level ``key = "column"`` pairs (the first mapping format) still mean
``[columns]``.
"""
from __future__ import annotations

import difflib
import fnmatch
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..messages import UserError

__all__ = [
    "TABLES", "TableSpec", "Mapping", "FieldSource", "FileRule", "TablePlan", "MissingColumnError",
    "UnknownTableError", "MappingError", "TIME_FIELDS", "canonical_columns", "detect_table", "plan_table",
    "load_mapping", "closest_headers",
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

# Fields holding a date or a time: the only ones a `format` applies to.
TIME_FIELDS = frozenset({"setl_time", "begndate", "enddate", "brdy"})

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
# How many headers an error message lists before "…".
_HEADERS_SHOWN = 15
# difflib similarity (0–1) a header needs to be offered as "closest" to a misspelled mapped column.
_CLOSE_CUTOFF = 0.3
_SOURCE_KEYS = frozenset({"column", "format", "map", "value"})
_SECTION_ORDER = {"columns": 0, "table": 1, "files": 2}


class MissingColumnError(UserError):
    """A file lacks a column its table requires."""

    def __init__(self, column: str, file: str, table: str, *, missing: list[str] | None = None,
                 headers: list[str] | None = None):
        self.table = table
        super().__init__("missing_column", file=file, column=column, table=table,
                         missing=", ".join(missing or [column]), columns=_shown([_clean(h) for h in headers or []]))


class UnknownTableError(UserError):
    """A file's columns match none of the input tables, or match one only partly."""


class MappingError(UserError):
    """The mapping file cannot be used as written."""


@dataclass(frozen=True)
class FieldSource:
    """Where a canonical field's values come from: a column (optionally parsed or renamed) or a constant."""

    column: str | None = None
    format: str | None = None
    map: dict[str, str] | None = None
    value: str | None = None

    @property
    def constant(self) -> bool:
        return self.column is None


@dataclass
class FileRule:
    """A ``[files."glob"]`` section: which files, which table (optional), which fields."""

    pattern: str
    table: str | None = None
    fields: dict[str, FieldSource] = field(default_factory=dict)

    def matches(self, file: str) -> bool:
        path = Path(file)
        return fnmatch.fnmatch(path.name, self.pattern) or fnmatch.fnmatch(path.as_posix(), self.pattern)


@dataclass
class Mapping:
    """Canonical name → source, overall (``[columns]``), per table and per file pattern."""

    columns: dict[str, FieldSource] = field(default_factory=dict)
    per_table: dict[str, dict[str, FieldSource]] = field(default_factory=dict)
    files: list[FileRule] = field(default_factory=list)
    na_values: tuple[str, ...] = ("",)
    path: str | None = None

    def __post_init__(self) -> None:
        # Plain strings (the first mapping format, and tests) mean a column.
        self.columns = {k: _as_source(v) for k, v in self.columns.items()}
        self.per_table = {t: {k: _as_source(v) for k, v in f.items()} for t, f in self.per_table.items()}

    def forced_table(self, file: str) -> str | None:
        """The table a ``[files."glob"]`` section says ``file`` holds, if any."""
        tables = [rule.table for rule in self.files if rule.table and rule.matches(file)]
        return tables[-1] if tables else None

    def fields_for(self, table: str, file: str) -> dict[str, tuple[FieldSource, str]]:
        """Every explicitly mapped field for ``file`` read as ``table``, with the section it came from.

        Later sections override earlier ones: ``[columns]``, then ``[table]``, then matching ``[files]``.
        """
        spec = TABLES[table]
        out: dict[str, tuple[FieldSource, str]] = {}
        for name, source in self.columns.items():
            if name in spec.columns:
                out[name] = (source, "columns")
        for name, source in self.per_table.get(table, {}).items():
            out[name] = (source, "table")
        for rule in self.files:
            if rule.matches(file) and rule.table in (None, table):
                for name, source in rule.fields.items():
                    if name in spec.columns:
                        out[name] = (source, "files")
        return out

    def rename_for(self, table: str | None) -> dict[str, str]:
        """Source column → canonical name of the plain column entries (the first mapping format)."""
        merged = {k: v for k, v in self.columns.items()}
        if table:
            merged.update(self.per_table.get(table, {}))
        return {src.column: canon for canon, src in merged.items() if src.column is not None}


@dataclass
class TablePlan:
    """How one file becomes a canonical table: the table, and each field's source header (or constant)."""

    table: str
    file: str
    headers: list[str]
    # canonical field → (source, header in the file or None for a constant)
    fields: dict[str, tuple[FieldSource, str | None]]

    def source_column(self, name: str) -> str | None:
        entry = self.fields.get(name)
        return entry[1] if entry else None


def _as_source(value: Any) -> FieldSource:
    if isinstance(value, FieldSource):
        return value
    return FieldSource(column=str(value))


def _parse_source(raw: Any, where: tuple[str, str], path: str) -> FieldSource:
    section, key = where

    def bad(detail: str) -> MappingError:
        return MappingError("mapping_invalid", file=path, section=section, key=key, detail=detail)

    if isinstance(raw, str):
        if not raw.strip():
            raise bad("the column name is empty")
        return FieldSource(column=raw)
    if not isinstance(raw, dict):
        raise bad('use "column", { column = "…", format = "…" }, { column = "…", map = { … } } or { value = "…" }')
    unknown = set(raw) - _SOURCE_KEYS
    if unknown:
        raise bad(f"unknown key(s) {', '.join(sorted(unknown))}; use column, format, map or value")
    if "value" in raw:
        if set(raw) != {"value"}:
            raise bad("a constant `value` takes no column, format or map")
        return FieldSource(value=str(raw["value"]))
    if not isinstance(raw.get("column"), str) or not raw["column"].strip():
        raise bad("give the source `column` (or a constant `value`)")
    fmt = raw.get("format")
    if fmt is not None:
        if key not in TIME_FIELDS:
            raise bad(f"`format` applies to dates and times ({', '.join(sorted(TIME_FIELDS))})")
        if not isinstance(fmt, str) or "%" not in fmt:
            raise bad('`format` is a strptime pattern such as "%m/%d/%Y %H:%M" or "%Y%m%d"')
    values = raw.get("map")
    if values is not None and not isinstance(values, dict):
        raise bad('`map` is a table such as { "男" = "1", "女" = "2" }')
    return FieldSource(column=raw["column"], format=fmt,
                       map={str(k): str(v) for k, v in values.items()} if values else None)


def _fields(section: str, table_names: Iterable[str], entries: dict[str, Any], path: str) -> dict[str, FieldSource]:
    allowed = {c for t in table_names for c in TABLES[t].columns}
    out = {}
    for name, raw in entries.items():
        if name not in allowed:
            close = difflib.get_close_matches(name, sorted(allowed), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise MappingError("mapping_invalid", file=path, section=section, key=name,
                               detail=f"`{name}` is not a field of {'/'.join(table_names)}{hint}")
        out[str(name)] = _parse_source(raw, (section, name), path)
    return out


def load_mapping(path: Path | None) -> Mapping:
    """Read and check a mapping file (``None``: no mapping)."""
    if path is None:
        return Mapping()
    shown = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise MappingError("mapping_missing", file=shown) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingError("mapping_toml", file=shown, detail=str(exc)) from exc
    mapping = Mapping(path=shown)
    loose: dict[str, Any] = {}
    for key, value in data.items():
        if key == "read":
            if not isinstance(value, dict) or set(value) - {"na_values"}:
                raise MappingError("mapping_invalid", file=shown, section="read", key=", ".join(value),
                                   detail="[read] takes na_values = [\"\", \"NA\", \"NULL\", …]")
            na = value.get("na_values", [""])
            if not isinstance(na, list) or not all(isinstance(v, str) for v in na):
                raise MappingError("mapping_invalid", file=shown, section="read", key="na_values",
                                   detail="a list of strings such as [\"\", \"NA\", \"NULL\"]")
            mapping.na_values = tuple(dict.fromkeys(["", *(v.strip() for v in na)]))
        elif key == "columns":
            mapping.columns.update(_fields("columns", TABLES, _table(value, key, shown), shown))
        elif key == "files":
            for pattern, entries in _table(value, key, shown).items():
                entries = dict(_table(entries, f'files."{pattern}"', shown))
                table = entries.pop("table", None)
                if table is not None and table not in TABLES:
                    raise MappingError("mapping_invalid", file=shown, section=f'files."{pattern}"', key="table",
                                       detail=f"`{table}` is not a table; use {', '.join(TABLES)}")
                section = f'files."{pattern}"'
                mapping.files.append(FileRule(pattern, table, _fields(section, [table] if table else TABLES,
                                                                      entries, shown)))
        elif key in TABLES:
            mapping.per_table[key] = _fields(key, [key], _table(value, key, shown), shown)
        elif isinstance(value, dict):
            raise MappingError("mapping_invalid", file=shown, section=key, key="",
                               detail=f"unknown section; use read, columns, files, {', '.join(TABLES)}")
        else:
            loose[key] = value
    # The first mapping format: `setl_id = "结算编号"` at the top level means [columns].
    mapping.columns = {**_fields("columns", TABLES, loose, shown), **mapping.columns}
    return mapping


def _table(value: Any, section: str, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MappingError("mapping_invalid", file=path, section=section, key="",
                           detail="expected a table of field = source entries")
    return value


def _clean(header: Any) -> str:
    return str(header).strip().lstrip("\ufeff").strip()


def _find_header(column: str, headers: list[str]) -> str | None:
    """The file's header for a mapped column: exact, then ignoring surrounding space and case."""
    if column in headers:
        return column
    wanted = _clean(column)
    for header in headers:
        if _clean(header) == wanted:
            return header
    for header in headers:
        if _clean(header).lower() == wanted.lower():
            return header
    return None


def closest_headers(column: str, headers: list[str]) -> str:
    """The headers most like ``column``, for an error message (all headers when none is alike)."""
    cleaned = [_clean(h) for h in headers]
    close = difflib.get_close_matches(_clean(column), cleaned, n=3, cutoff=_CLOSE_CUTOFF)
    return ", ".join(close) if close else _shown(cleaned)


def _shown(headers: list[str]) -> str:
    listed = ", ".join(headers[:_HEADERS_SHOWN])
    return listed + (", …" if len(headers) > _HEADERS_SHOWN else "")


def _auto(headers: list[str], used: set[str]) -> dict[str, str]:
    """Canonical field → header, for headers named canonically or by an English alias."""
    out: dict[str, str] = {}
    for header in headers:
        if header in used:
            continue
        name = _clean(header).lower()
        canon = name if name in _ALL_CANONICAL else ALIASES.get(name)
        if canon and canon not in out:  # the first column named for a field wins
            out[canon] = header
    return out


def _resolve(table: str, headers: list[str], mapping: Mapping, file: str
             ) -> tuple[dict[str, tuple[FieldSource, str | None]], dict[str, tuple[FieldSource, str]]]:
    """Fields found for ``table`` in the file, and explicitly mapped fields whose column the file lacks."""
    explicit = mapping.fields_for(table, file)
    found: dict[str, tuple[FieldSource, str | None]] = {}
    absent: dict[str, tuple[FieldSource, str]] = {}
    used: set[str] = set()
    for name, (source, section) in explicit.items():
        if source.constant:
            found[name] = (source, None)
            continue
        assert source.column is not None
        header = _find_header(source.column, headers)
        if header is None:
            absent[name] = (source, section)
        else:
            found[name] = (source, header)
            used.add(header)
    for name, header in _auto(headers, used).items():
        if name in TABLES[table].columns and name not in found and name not in absent:
            found[name] = (FieldSource(column=header), header)
    return found, absent


def plan_table(headers: list[str], mapping: Mapping, file: str) -> TablePlan:
    """Recognise which table a file holds from its headers, and where each field comes from.

    The table is the one that explains most of the file's recognised columns;
    if that table lacks a required column the file is refused (never read as
    another table: a settlements file whose ``setl_id`` was renamed is not a
    persons file). A ``[files]`` section's ``table`` decides without guessing.
    """
    headers = [str(h) for h in headers]
    forced = mapping.forced_table(file)
    candidates = [forced] if forced else list(TABLES)
    resolved = {t: _resolve(t, headers, mapping, file) for t in candidates}

    def missing(t: str) -> list[str]:
        return [c for c in TABLES[t].required if c not in resolved[t][0]]

    order = {t: i for i, t in enumerate(("settlements", "fee_details", "persons", "institutions"))}
    ranked = sorted(candidates, key=lambda t: (-len(resolved[t][0]), bool(missing(t)),
                                               -len(TABLES[t].required), order[t]))
    table = ranked[0]
    found, absent = resolved[table]
    if not found and not forced:
        needs: dict[str, Any] = {t: ", ".join(TABLES[t].required) for t in TABLES}
        raise UnknownTableError("unknown_table", file=file, columns=_shown([_clean(h) for h in headers]), **needs)
    # A mapped column the file lacks is an error when its field is required, or when a [files] section
    # (which names these very files) maps it. An optional field mapped in [columns] or a table's section
    # may be absent from some files (a pharmacy's sales have no doctor); inspect_inputs checks that
    # at least one file of the table has it, so a misspelling is still caught.
    for name, (source, section) in absent.items():
        if section == "files" or name in TABLES[table].required:
            assert source.column is not None
            raise MappingError("mapped_column_missing", file=file, column=source.column, field=name,
                               closest=closest_headers(source.column, headers))
    lacking = missing(table)
    if lacking:
        raise MissingColumnError(lacking[0], file, table, missing=lacking, headers=headers)
    return TablePlan(table, file, headers, found)


def detect_table(columns: list[str], mapping: Mapping, file: str) -> str:
    """Which input table a file holds, from its header."""
    return plan_table(columns, mapping, file).table


def canonical_columns(columns: list[str], mapping: Mapping, table: str | None = None) -> dict[str, str]:
    """Source column → canonical name for every plainly mapped or recognised column (first wins)."""
    tables = [table] if table else list(TABLES)
    out: dict[str, str] = {}
    for t in tables:
        found, _ = _resolve(t, [str(c) for c in columns], mapping, "")
        for name, (source, header) in found.items():
            if header is not None and source.format is None and source.map is None:
                out.setdefault(header, name)
    return out
