"""Validate canonicalised input tables: usable rows become canonical frames,
unusable ones become rejects with file, line, field, reason and original values.

Checks are vectorised (one boolean mask per check) so a million rows validate
in seconds; a row is rejected for the first check it fails.
"""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from .readers import LINE_COL
from .schema import TABLES
from .text import has_control

__all__ = ["REJECT_COLUMNS", "Reason", "validate_table", "parse_times", "has_time_of_day", "row_hashes",
           "rejects_frame"]

# `field` is the canonical name, `column` the file's own header for it; `values` is the row as read (JSON).
REJECT_COLUMNS = ["file", "line", "table", "field", "column", "reason", "detail", "values"]

SECONDS_PER_DAY = 86_400
# Rounding tolerance (¥) when comparing fund payments with the total.
AMOUNT_TOLERANCE = 0.01
_EPOCH = pd.Timestamp("1970-01-01")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "ISO8601", "%Y%m%d%H%M%S", "%Y/%m/%d %H:%M:%S", "%Y%m%d", "%Y/%m/%d")


class Reason:
    """Reject reasons (stable codes: scripts group rejects by them)."""

    MISSING_ID = "missing_id"
    BAD_TIME = "unparseable_time"
    BAD_AMOUNT = "non_numeric_amount"
    IMPOSSIBLE_AMOUNT = "impossible_amount"
    END_BEFORE_START = "end_before_start"
    CONFLICTING_DUPLICATE = "duplicate_id_different_content"
    UNKNOWN_SETTLEMENT = "unknown_setl_id"
    CONTROL_CHARACTER = "control_character"





_AMOUNTS = ("medfee_sumamt", "hifp_pay", "acct_pay", "psn_cash_pay")
_ID_FIELDS = {
    "settlements": ("setl_id", "psn_no", "fixmedins_code"),
    "persons": ("psn_no",),
    "institutions": ("fixmedins_code",),
    "fee_details": ("feedetl_sn", "setl_id"),
}


def parse_times(values: pd.Series) -> pd.Series:
    """Epoch seconds (float, NaN where unparseable) from platform time strings."""
    text = values.astype("string").str.strip()
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    todo = text.notna() & (text != "")
    for fmt in _TIME_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        ok = parsed.notna()
        if ok.any():
            seconds = (parsed[ok] - _EPOCH) // pd.Timedelta(seconds=1)
            out.loc[seconds.index] = seconds.astype("float64")
            todo.loc[seconds.index] = False
    return out


def has_time_of_day(values: pd.Series) -> pd.Series:
    """True where a time string carries a time of day (``09:30``, ``20240301093000``), not a date alone."""
    text = values.astype("string").str.strip()
    return (text.str.contains(r"\d{1,2}:\d{2}", regex=True) | text.str.fullmatch(r"\d{14}")).fillna(False)


def row_hashes(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """A content fingerprint per row over the given columns (hex strings)."""
    present = [c for c in columns if c in frame.columns]
    if not present:
        return pd.Series("", index=frame.index)
    hashed = pd.util.hash_pandas_object(frame[present].astype("string").fillna(""), index=False)
    return hashed.map("{:016x}".format)


def rejects_frame(raw: pd.DataFrame, mask: pd.Series, file: str, table: str,
                  field: str, reason: str, detail: str) -> pd.DataFrame:
    """Rejects for the rows of ``raw`` under ``mask``; ``values`` is each row as ``raw`` holds it (JSON).

    Given the file as read (ingest's ``Batch.raw``), that is the original row, and ``column`` comes
    from ``raw.attrs["source_columns"]`` (canonical field → the file's header).
    """
    rows = raw.loc[mask]
    cells = rows.drop(columns=[LINE_COL]).astype(object)
    cells = cells.where(cells.notna(), None)
    values = [json.dumps(rec, ensure_ascii=False) for rec in cells.to_dict("records")]
    column = raw.attrs.get("source_columns", {}).get(field)
    return pd.DataFrame({
        "file": file, "line": rows[LINE_COL].to_numpy(), "table": table, "field": field, "column": column,
        "reason": reason, "detail": detail, "values": values,
    }, columns=REJECT_COLUMNS)


class _Checker:
    """Collects masks in order; a row is charged to the first check it fails."""

    def __init__(self, raw: pd.DataFrame, file: str, table: str):
        self.raw, self.file, self.table = raw, file, table
        self.bad = pd.Series(False, index=raw.index)
        self.rejects: list[pd.DataFrame] = []

    def check(self, mask: pd.Series, field: str, reason: str, detail: str) -> None:
        new = mask.fillna(False).astype(bool) & ~self.bad
        if new.any():
            self.rejects.append(rejects_frame(self.raw, new, self.file, self.table, field, reason, detail))
            self.bad |= new

    def result(self, good: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        rejects = pd.concat(self.rejects, ignore_index=True) if self.rejects else pd.DataFrame(columns=REJECT_COLUMNS)
        return good.loc[~self.bad].reset_index(drop=True), rejects


def numbers(values: pd.Series) -> pd.Series:
    """Floats from text, NaN where empty or not a number.

    Clean columns are cast by Arrow at once; a column with any non-number goes
    through pandas, which marks each bad cell (``pd.to_numeric`` alone takes
    seconds per million Arrow strings).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        array = pa.array(values.astype("string"), type=pa.string(), from_pandas=True)
        cast = pc.cast(pc.utf8_trim_whitespace(array), pa.float64())
        return pd.Series(cast.to_numpy(zero_copy_only=False), index=values.index, dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_numeric(values, errors="coerce").astype("float64")


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | (series.astype("string") == "")


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    return frame[column].astype("string").replace("", pd.NA)


def validate_table(table: str, raw: pd.DataFrame, file: str, *, max_amount: float,
                   threads: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split one canonicalised table into (canonical rows, rejects).

    ``raw`` is what ingest's ``canonical_frame`` makes of a file: canonical
    column names, cells already stripped, missing cells empty.
    """
    checker = _Checker(raw, file, table)
    for column in _ID_FIELDS[table]:
        checker.check(_blank(raw[column]), column, Reason.MISSING_ID, f"required id `{column}` is empty")
    present = [c for c in TABLES[table].columns if c in raw.columns]
    with ThreadPoolExecutor(max_workers=threads) as pool:  # Arrow and numpy over each column's bytes: no GIL held
        controls = list(pool.map(lambda c: has_control(raw[c]), present))
        # Every canonical column exists afterwards, empty where the file lacks it.
        texts = list(pool.map(lambda c: _text(raw, c), TABLES[table].columns))
    for column, control in zip(present, controls):  # in the columns' order, as one loop reported them
        checker.check(control, column, Reason.CONTROL_CHARACTER, f"`{column}` holds a control character (NUL, escape, …)")
    good = pd.DataFrame(dict(zip(TABLES[table].columns, texts)), index=raw.index)
    good["src_line"] = raw[LINE_COL].astype("int64")
    good["src_file"] = file
    if table == "settlements":
        _settlement_checks(raw, good, checker, max_amount)
    elif table == "persons":
        good["brdy_day"] = (parse_times(good["brdy"]) // SECONDS_PER_DAY).astype("Int64") if "brdy" in good else pd.NA
    elif table == "fee_details":
        for column in ("cnt", "pric", "det_item_fee_sumamt"):
            if column in good:
                number = numbers(good[column])
                checker.check(good[column].notna() & number.isna(), column, Reason.BAD_AMOUNT,
                              f"`{column}` is not a number")
                good[column] = number
    return checker.result(good)


def _settlement_checks(raw: pd.DataFrame, good: pd.DataFrame, checker: _Checker, max_amount: float) -> None:
    setl_ts = parse_times(good["setl_time"])
    checker.check(setl_ts.isna(), "setl_time", Reason.BAD_TIME,
                  "`setl_time` is empty or not a time like 2024-03-01 09:30:00")
    for column in _AMOUNTS:
        if column not in good:
            good[column] = np.nan
            continue
        number = numbers(good[column])
        missing = number.isna() if column == "medfee_sumamt" else (good[column].notna() & number.isna())
        checker.check(missing, column, Reason.BAD_AMOUNT, f"`{column}` is empty or not a number")
        good[column] = number
    total = good["medfee_sumamt"]
    checker.check(total.abs() > max_amount, "medfee_sumamt", Reason.IMPOSSIBLE_AMOUNT,
                  f"total above the plausible maximum {max_amount:,.0f}")
    fund = good["hifp_pay"].fillna(0) + good["acct_pay"].fillna(0)
    checker.check(fund.abs() > total.abs() + AMOUNT_TOLERANCE, "hifp_pay", Reason.IMPOSSIBLE_AMOUNT,
                  "fund and account payments exceed the total")
    days = {}
    for column in ("begndate", "enddate"):
        seconds = parse_times(good[column]) if column in good else pd.Series(np.nan, index=good.index)
        if column in good:
            checker.check(good[column].notna() & seconds.isna(), column, Reason.BAD_TIME,
                          f"`{column}` is not a date like 2024-03-01")
        days[column] = (seconds // SECONDS_PER_DAY).astype("Int64")
    checker.check(days["enddate"] < days["begndate"], "enddate", Reason.END_BEFORE_START,
                  "discharge (`enddate`) before admission (`begndate`)")

    # A date without a time of day keeps its day; its time is unknown (not midnight),
    # so rules that need minutes leave it out instead of seeing everyone meet at 00:00.
    good["setl_day"] = (setl_ts.fillna(0) // SECONDS_PER_DAY).astype("int64")
    good["setl_ts"] = setl_ts.where(has_time_of_day(good["setl_time"])).astype("Int64")
    good["begn_day"] = days["begndate"]
    good["end_day"] = days["enddate"]
    good["fund_pay"] = fund
    if "mdtrt_cert_no" not in good:
        good["mdtrt_cert_no"] = pd.NA
    good["mdtrt_cert_no"] = good["mdtrt_cert_no"].fillna(good["psn_no"])
    flag = good["refd_setl_flag"] if "refd_setl_flag" in good else pd.Series(pd.NA, index=good.index)
    good["refund"] = ((flag == "1") | (total < 0)).fillna(False).astype("int64")
