"""Read input files (CSV, Parquet, XLSX) into string frames with source line numbers.

Every value is read as text so ids such as ``0012`` keep their zeros; parsing
numbers and times is validation's job, where a failure becomes a reject.
CSV encoding is detected: UTF-8 (with or without BOM), else GB18030 (a superset
of GBK and GB2312, what Chinese Windows exports use), else charset-normalizer's
best guess.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["RawTable", "read_table", "detect_encoding", "LINE_COL"]

LINE_COL = "__line__"
_SAMPLE_BYTES = 4 << 20


@dataclass
class RawTable:
    path: Path
    frame: pd.DataFrame  # all columns str (NaN for empty), plus LINE_COL
    encoding: str | None


def detect_encoding(path: Path) -> str:
    """Name of the encoding a CSV file is written in."""
    with open(path, "rb") as fh:
        sample = fh.read(_SAMPLE_BYTES)
        truncated = bool(fh.read(1))
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
            return encoding
        except UnicodeDecodeError as exc:
            # A multi-byte character cut by the sample's end is not an error.
            if truncated and exc.start >= len(sample) - 4:
                return encoding
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise ValueError(f"{path}: cannot tell the text encoding; save it as UTF-8 or GBK")
    return best.encoding


def _read_csv(path: Path) -> tuple[pd.DataFrame, str]:
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, newline="") as fh:
        head = fh.read(64 << 10)
    try:
        delimiter = csv.Sniffer().sniff(head.splitlines()[0] if head else ",", delimiters=",\t;|").delimiter
    except csv.Error:
        delimiter = ","
    frame = pd.read_csv(
        path, dtype=str, encoding=encoding, sep=delimiter, keep_default_na=False,
        na_values=[""], skipinitialspace=False, on_bad_lines="error",
    )
    # Header is line 1; rows with embedded newlines are rare in platform exports.
    frame[LINE_COL] = range(2, len(frame) + 2)
    return frame, encoding


def _read_parquet(path: Path) -> pd.DataFrame:
    frame = pd.read_parquet(path)
    frame = frame.astype("string").astype(object).where(frame.notna(), None)
    frame[LINE_COL] = range(1, len(frame) + 1)
    return frame


def _read_xlsx(path: Path) -> pd.DataFrame:
    frame = pd.read_excel(path, dtype=str, sheet_name=0)
    frame[LINE_COL] = range(2, len(frame) + 2)
    return frame


def read_table(path: Path) -> RawTable:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix in {".parquet", ".pq"}:
        return RawTable(path, _read_parquet(path), None)
    if suffix in {".xlsx", ".xlsm"}:
        return RawTable(path, _read_xlsx(path), None)
    frame, encoding = _read_csv(path)
    return RawTable(path, frame, encoding)
