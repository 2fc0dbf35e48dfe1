"""Read input files (CSV, Parquet, XLSX; plain, .gz or .zip) into text frames with source line numbers.

Every value is read as the text the file holds, so ids such as ``0012`` keep
their zeros and a reject can show the row as it was; which cells mean
"missing" and how numbers and times parse is decided later (mapping and
validation). CSV encoding is detected: UTF-8 (with or without BOM), else
GB18030 (a superset of GBK and GB2312, what Chinese Windows exports use), else
charset-normalizer's best guess. Rows that are entirely empty are skipped;
line numbers still count them, so they match what an editor shows.
"""
from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from ..messages import UserError

__all__ = ["RawTable", "read_table", "read_header", "read_slices", "sliceable_rows", "detect_encoding", "data_format",
           "LINE_COL", "DATA_SUFFIXES"]

LINE_COL = "__line__"
_SAMPLE_BYTES = 4 << 20
# Rows read to tell a header-only file from one with data, when only the header is wanted.
_PEEK_ROWS = 200
# Name endings a folder is searched for (a file named on the command line is read whatever its name).
DATA_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt.gz", ".zip", ".xlsx", ".xlsm", ".parquet", ".pq")
_FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
            ".parquet": "parquet", ".pq": "parquet"}


@dataclass
class RawTable:
    path: Path
    frame: pd.DataFrame  # the file's columns as text (None where a Parquet cell is null), plus LINE_COL
    encoding: str | None


@dataclass(frozen=True)
class _Source:
    path: Path
    fmt: str                 # csv | xlsx | parquet
    compression: str | None  # gzip | zip
    member: str | None       # the data file inside a zip


def data_format(name: str) -> str | None:
    """csv, xlsx or parquet from a file name (``.gz`` and ``.zip`` look inside), None if unknown."""
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    if lower.endswith(".zip"):
        return "zip"
    return _FORMATS.get(Path(lower).suffix)


def _source(path: Path) -> _Source:
    lower = path.name.lower()
    if lower.endswith(".zip"):
        try:
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.namelist() if not m.endswith("/") and not m.startswith("__MACOSX")
                           and data_format(m) in {"csv", "xlsx", "parquet"}]
        except zipfile.BadZipFile as exc:
            raise UserError("input_unreadable_format", file=str(path), kind="zip", detail=str(exc)) from exc
        if len(members) != 1:
            raise UserError("input_zip_members", file=str(path), count=len(members), members=", ".join(members))
        fmt = data_format(members[0])
        assert fmt is not None
        return _Source(path, fmt, "zip", members[0])
    if lower.endswith(".gz"):
        return _Source(path, data_format(lower[:-3]) or "csv", "gzip", None)
    return _Source(path, data_format(lower) or "csv", None, None)


@contextmanager
def _binary(src: _Source) -> Iterator[IO[bytes]]:
    if src.compression == "zip":
        assert src.member is not None
        with zipfile.ZipFile(src.path) as archive, archive.open(src.member) as fh:
            yield fh
    elif src.compression == "gzip":
        with gzip.open(src.path, "rb") as fh:
            yield fh  # type: ignore[misc]
    else:
        with open(src.path, "rb") as fh:
            yield fh


def _encoding(src: _Source) -> str:
    try:
        with _binary(src) as fh:
            sample = fh.read(_SAMPLE_BYTES)
            truncated = bool(fh.read(1))
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise UserError("input_unreadable_format", file=str(src.path), kind=src.compression or "csv",
                        detail=str(exc)) from exc
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
        raise UserError("input_encoding", file=str(src.path))
    return best.encoding


def detect_encoding(path: Path) -> str:
    """Name of the encoding a CSV file (plain, .gz or .zip) is written in."""
    return _encoding(_source(Path(path)))


def _delimiter(src: _Source, encoding: str) -> str:
    with _binary(src) as fh:
        head = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="").readline()
    try:
        return csv.Sniffer().sniff(head or ",", delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def _blank(cells: pd.DataFrame) -> pd.DataFrame:
    return cells.isna() | (cells.astype("string").apply(lambda c: c.str.strip()) == "")


def _numbered(frame: pd.DataFrame, first_line: int) -> pd.DataFrame:
    """Text cells, a line number per row, entirely empty rows dropped (their numbers kept by the others)."""
    frame = frame.copy()
    frame[LINE_COL] = range(first_line, len(frame) + first_line)
    if len(frame.columns) > 1:
        # Only rows whose first cell is empty can be empty rows: look at those alone.
        maybe = _blank(frame.iloc[:, [0]]).iloc[:, 0].to_numpy()
        if maybe.any():
            empty = _blank(frame.loc[maybe].drop(columns=LINE_COL)).all(axis=1)
            frame = frame.drop(index=empty.index[empty.to_numpy()]).reset_index(drop=True)
    return frame


def _lines(path: Path) -> int:
    """Lines in a file as a CSV reader breaks them (LF, CRLF or a lone CR; a last line without
    a break counts), read in slices."""
    count, last, previous = 0, b"\n", b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 24):
            # CRLF is one break: count LF and CR, less the CRLF pairs (one may straddle two slices).
            # Most exports have no CR at all: one fast look for it spares two counting passes.
            count += chunk.count(b"\n")
            if b"\r" in chunk:
                count += chunk.count(b"\r") - chunk.count(b"\r\n")
            count -= previous == b"\r" and chunk[:1] == b"\n"
            previous = last = chunk[-1:]
    return count + (last not in (b"\n", b"\r"))


def _arrow_csv_options(src: _Source, encoding: str, delimiter: str):
    """pyarrow's read, parse and convert options for a text CSV (None if its header cannot be one),
    every column read as text."""
    import pyarrow as pa
    import pyarrow.csv as pv

    if src.compression is not None:
        return None
    with _binary(src) as fh:
        head = io.TextIOWrapper(fh, encoding=encoding, newline="").readline()
    names = next(csv.reader([head], delimiter=delimiter), [])
    if not names or len(set(names)) != len(names):
        return None
    # Arrow's own UTF-8 path skips a byte-order mark; any other encoding goes through Python's codec.
    return (pv.ReadOptions(encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding, block_size=16 << 20),
            pv.ParseOptions(delimiter=delimiter, newlines_in_values=False, ignore_empty_lines=False),
            pv.ConvertOptions(column_types={n: pa.string() for n in names}, null_values=[],
                              strings_can_be_null=False, quoted_strings_can_be_null=False))


def _numbered_arrow(table, first_line: int) -> pd.DataFrame:
    """An Arrow slice of a CSV file as text cells numbered from ``first_line``, rows of empty
    cells only (",,,,") dropped with their numbers kept by the others."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lines = pa.array(np.arange(first_line, table.num_rows + first_line, dtype=np.int64))
    # Candidates are the rows whose first cell is blank, usually none.
    empty = pc.equal(pc.utf8_trim_whitespace(table.column(0)), "") if table.num_columns else None
    if empty is not None and pc.any(empty).as_py():
        for column in table.columns[1:]:
            empty = pc.and_(empty, pc.equal(pc.utf8_trim_whitespace(column), ""))
        keep = pc.invert(empty)
        table, lines = table.filter(keep), lines.filter(keep)
    frame = table.to_pandas()
    frame[LINE_COL] = lines.to_numpy()
    return frame


def _plain_csv(path: Path):
    """An uncompressed CSV file's source, encoding and Arrow options; None for any other file."""
    src = _source(path)
    if src.fmt != "csv" or src.compression is not None:
        return None
    encoding = _encoding(src)
    options = _arrow_csv_options(src, encoding, _delimiter(src, encoding))
    return None if options is None else (src, encoding, options)


def sliceable_rows(path: Path) -> int | None:
    """Data rows of a file that ``read_slices`` can read a slice at a time, None for a file it reads whole.

    Slices are for plain CSV files in which every line is one row: the line numbers of a slice
    are then its offset in the file. That is checked here, before a first slice is read, with a
    pass of Arrow's parser over the first column alone: a line break inside a quoted cell would
    make fewer rows than lines (or a parse error), and such a file is read whole (see
    ``_read_csv``), which numbers its rows however they are broken.
    """
    import pyarrow as pa
    import pyarrow.csv as pv

    plain = _plain_csv(Path(path))
    if plain is None:
        return None
    src, _, (read, parse, convert) = plain
    first = next(iter(convert.column_types))
    convert.include_columns = [first]
    rows = 0
    try:
        with pv.open_csv(src.path, read_options=read, parse_options=parse, convert_options=convert) as reader:
            for batch in reader:
                rows += batch.num_rows
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    return rows if _lines(src.path) == rows + 1 else None


def read_slices(path: Path, rows: int) -> Iterator[RawTable]:
    """A file that ``sliceable_rows`` accepts, as successive slices of at most ``rows`` data rows, each
    numbered by its lines in the file: memory holds one slice, not the file. A cell Arrow cannot read
    as text (bytes not in the file's encoding, past the sample the encoding was told from) stops the
    read with one line naming the file and the last line read before it."""
    import pyarrow as pa

    plain = _plain_csv(Path(path))
    if plain is None:
        raise UserError("input_unreadable_format", file=str(path), kind="csv", detail="not a plain CSV file")
    src, encoding, (read, parse, convert) = plain
    read_to = 1  # the last line of the slices read so far (the header is line 1)
    try:
        for raw in _slices(src, encoding, read, parse, convert, rows):
            yield raw
            read_to = int(raw.frame[LINE_COL].max()) if len(raw.frame) else read_to
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise UserError("input_unreadable_format", file=str(path), kind="CSV",
                        detail=f"after line {read_to}: {exc}") from exc


def _slices(src: _Source, encoding: str, read, parse, convert, rows: int) -> Iterator[RawTable]:
    import pyarrow as pa
    import pyarrow.csv as pv

    pending: list[pa.RecordBatch] = []
    held, line = 0, 2  # the header is line 1
    with pv.open_csv(src.path, read_options=read, parse_options=parse, convert_options=convert) as reader:
        for batch in reader:
            pending.append(batch)
            held += batch.num_rows
            while held >= rows:
                table = pa.Table.from_batches(pending)
                head, rest = table.slice(0, rows), table.slice(rows)
                yield RawTable(src.path, _numbered_arrow(head, line), encoding)
                line += rows
                pending, held = rest.to_batches(), rest.num_rows
        if held:
            yield RawTable(src.path, _numbered_arrow(pa.Table.from_batches(pending, schema=reader.schema), line),
                           encoding)


def _read_csv_arrow(src: _Source, encoding: str, delimiter: str) -> pd.DataFrame | None:
    """The whole file through pyarrow's multi-threaded CSV reader (10-20× pandas' on millions of rows).

    Used when line numbers come out right: every line of the file is one row
    (blank lines are read as rows and dropped below with their numbers kept; a
    line break inside a quoted cell makes fewer rows than lines). Otherwise (or
    on any parse problem) None, and the pandas reader, which numbers such files
    and names a bad row, reads it.
    """
    import pyarrow as pa
    import pyarrow.csv as pv

    options = _arrow_csv_options(src, encoding, delimiter)
    if options is None:
        return None
    read, parse, convert = options
    try:
        table = pv.read_csv(src.path, read_options=read, parse_options=parse, convert_options=convert)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if _lines(src.path) != table.num_rows + 1:
        return None
    return _numbered_arrow(table, 2)


def _read_csv(src: _Source, nrows: int | None) -> tuple[pd.DataFrame, str]:
    encoding = _encoding(src)
    delimiter = _delimiter(src, encoding)
    if nrows is None:
        fast = _read_csv_arrow(src, encoding, delimiter)
        if fast is not None:
            return fast, encoding
    options = {"dtype": str, "sep": delimiter, "keep_default_na": False, "na_filter": False, "skip_blank_lines": False,
               "skipinitialspace": False, "on_bad_lines": "error", "nrows": nrows}
    with _binary(src) as fh:
        try:
            if src.compression == "zip":  # the member is read through Python
                frame = pd.read_csv(io.TextIOWrapper(fh, encoding=encoding, newline=""), **options)
            else:  # pandas reads the file itself, several times faster
                frame = pd.read_csv(src.path, encoding=encoding, compression=src.compression, **options)
        except pd.errors.EmptyDataError as exc:
            raise UserError("input_empty", file=str(src.path)) from exc
        except pd.errors.ParserError as exc:
            line = _parser_error_line(str(exc))
            raise UserError("input_bad_row", file=str(src.path), line=line, detail=str(exc).strip()) from exc
        except UnicodeDecodeError as exc:
            raise UserError("input_encoding", file=str(src.path)) from exc
    # Header is line 1; rows with embedded newlines are rare in platform exports.
    return _numbered(frame, 2), encoding


def _parser_error_line(message: str) -> int | None:
    import re

    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


def _read_parquet(src: _Source, nrows: int | None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    with _binary(src) as fh:
        data = fh if src.compression is None else io.BytesIO(fh.read())
        try:
            if nrows is None:
                frame = pq.read_table(data).to_pandas()
            else:  # the header and a first batch only
                parquet = pq.ParquetFile(data)
                first = next(parquet.iter_batches(batch_size=nrows), None)
                frame = (first.to_pandas() if first is not None
                         else parquet.schema_arrow.empty_table().to_pandas())
        except Exception as exc:  # pyarrow raises several kinds for a file that is not Parquet
            raise UserError("input_unreadable_format", file=str(src.path), kind="Parquet", detail=str(exc)) from exc
    text = frame.astype("string").astype(object).where(frame.notna(), None)
    return _numbered(text, 1)


def _read_xlsx(src: _Source, nrows: int | None) -> pd.DataFrame:
    with _binary(src) as fh:
        data = io.BytesIO(fh.read())
    try:
        frame = pd.read_excel(data, dtype=str, sheet_name=0, keep_default_na=False, na_filter=False, nrows=nrows)
    except ValueError as exc:
        raise UserError("input_unreadable_format", file=str(src.path), kind="XLSX", detail=str(exc)) from exc
    except Exception as exc:  # openpyxl raises zip and XML errors for a file that is not a workbook
        raise UserError("input_unreadable_format", file=str(src.path), kind="XLSX", detail=str(exc)) from exc
    if len(frame.columns) == 0:
        raise UserError("input_empty", file=str(src.path))
    return _numbered(frame, 2)


def _read(path: Path, nrows: int | None) -> RawTable:
    path = Path(path)
    if not path.exists():
        raise UserError("input_missing", file=str(path))
    src = _source(path)
    if src.fmt == "parquet":
        raw = RawTable(path, _read_parquet(src, nrows), None)
    elif src.fmt == "xlsx":
        raw = RawTable(path, _read_xlsx(src, nrows), None)
    else:
        frame, encoding = _read_csv(src, nrows)
        raw = RawTable(path, frame, encoding)
    if raw.frame.empty:
        raise UserError("input_header_only", file=str(path))
    return raw


def read_table(path: Path) -> RawTable:
    """The whole file as text; an empty or header-only file is an error naming it."""
    return _read(path, None)


def read_header(path: Path) -> list[str]:
    """The file's column names, reading only its first rows (and checking it has at least one)."""
    raw = _read(path, _PEEK_ROWS)
    return [str(c) for c in raw.frame.columns if c != LINE_COL]
