"""CSV cells that cannot be turned into spreadsheet formulas.

A cell from the input starting with ``= + - @``, a tab or a carriage return is
run as a formula by Excel and WPS (``=HYPERLINK(...)``); such cells get a
leading apostrophe, which spreadsheets show as text. Plain numbers (``-12.5``)
are left alone.

>>> safe_cell("=HYPERLINK(\\"http://x\\")"), safe_cell("-12.5"), safe_cell("@a"), safe_cell("张三")
('\\'=HYPERLINK("http://x")', '-12.5', "'@a", '张三')
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

__all__ = ["safe_cell", "safe_frame", "write_csv"]

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(_TRIGGERS) and not _NUMBER.match(value):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(safe_cell)
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    safe_frame(frame).to_csv(path, index=False, encoding="utf-8")
    return path
