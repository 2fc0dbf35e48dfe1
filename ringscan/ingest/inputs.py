"""Read, recognise, canonicalise and validate input files: one batch per file.

Everything that can be checked without reading the data is checked first, for
every file, before the first row is read: that each input exists and can be
read (a folder means every data file in it), that no file is empty or only a
header, which table each file holds, and that every mapped column is there.
"""
from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..graph.backend import Progress
from ..messages import InputWarning, UserError
from .readers import DATA_SUFFIXES, LINE_COL, read_header, read_slices, read_table
from .schema import TABLES, FieldSource, Mapping, MappingError, TablePlan, closest_headers, plan_table
from .text import stripped
from .validate import Reason, validate_table

__all__ = ["Batch", "read_inputs", "read_file_slices", "resolve_inputs", "inspect_inputs", "canonical_frame"]

# A file where at least this share of rows has an unparseable time gets a hint to give the format.
TIME_HINT_SHARE = 0.5
# Files read at once. Two: the build machine has two cores, and memory holds two files' frames
# at a time more than one by one (the load keeps every file's rows until it writes anyway).
READ_FILES_AT_ONCE = 2
# A file's columns canonicalised and checked at once (see canonical_frame). A load that reads
# while the engine copies reads with one: the engine's threads have the cores then.
COLUMN_THREADS = 2
_CANONICAL_TIME = "%Y-%m-%d %H:%M:%S"
_CANONICAL_DATE = "%Y-%m-%d"
# strptime directives that carry a time of day.
_TIME_DIRECTIVES = ("%H", "%I", "%M", "%S", "%X", "%T", "%R", "%c")


@dataclass
class Batch:
    table: str
    file: str
    raw: pd.DataFrame       # the file as read: original column names and text, plus LINE_COL
    good: pd.DataFrame      # canonical rows that passed validation
    rejects: pd.DataFrame   # REJECT_COLUMNS; `values` hold the original row
    plan: TablePlan | None = None


def resolve_inputs(paths: list[Path]) -> tuple[list[Path], dict[Path, list[Path]]]:
    """The files to read: each path checked to exist and be readable, a folder expanded to its data files.

    Returns the files in order and, for each folder given, the files found in it (sorted by name).
    """
    files: list[Path] = []
    folders: dict[Path, list[Path]] = {}
    for path in map(Path, paths):
        if not path.exists():
            raise UserError("input_missing", file=str(path))
        if path.is_dir():
            inside = sorted((p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")
                             and p.name.lower().endswith(DATA_SUFFIXES)), key=lambda p: p.name)
            if not inside:
                raise UserError("input_folder_empty", file=str(path))
            folders[path] = inside
            files.extend(inside)
        else:
            files.append(path)
    for path in files:
        if not os.access(path, os.R_OK):
            raise UserError("input_unreadable", file=str(path))
        try:
            with open(path, "rb"):
                pass
        except OSError as exc:
            raise UserError("input_unreadable", file=str(path)) from exc
    if not files:
        raise UserError("input_none")
    return files, folders


def inspect_inputs(files: list[Path], mapping: Mapping) -> list[TablePlan]:
    """Each file's table and field sources, from its header alone; the first problem found is raised."""
    plans = [plan_table(read_header(path), mapping, str(path)) for path in files]
    # [columns] and a table's section apply to many files, so one file may lack an optional column
    # (plan_table allows it); but a column that none of the files it applies to has is a misspelling.
    sections = [("columns", None, mapping.columns)] + [(t, t, f) for t, f in mapping.per_table.items()]
    for section, table, entries in sections:
        for name, source in entries.items():
            if source.constant:
                continue
            relevant = [p for p in plans if (table or p.table) == p.table and name in TABLES[p.table].columns]
            if relevant and not any(p.fields.get(name, (None,))[0] == source for p in relevant):
                headers = [h for p in relevant for h in p.headers]
                assert source.column is not None
                raise MappingError("mapped_column_nowhere", file=mapping.path, column=source.column, field=name,
                                   section=section, closest=closest_headers(source.column, list(dict.fromkeys(headers))))
    return plans


def read_inputs(paths: list[Path], mapping: Mapping, *, max_amount: float,
                progress: Progress | None = None, checked: bool = False,
                threads: int = COLUMN_THREADS) -> list[Batch]:
    """Read, recognise, canonicalise and validate each file (after checking all of them).

    ``checked``: ``inspect_inputs`` already ran over the whole load, of which ``paths`` are a
    part; checking a part again would judge the mapping against some of its files only.
    """
    files, _ = resolve_inputs(paths)
    if not checked:
        inspect_inputs(files, mapping)

    def read_one(path: Path) -> tuple[Batch, TablePlan]:
        return _batch(read_table(path).frame, str(path), mapping, max_amount, threads)

    # Two files at once: Arrow's parsing and compute kernels let go of the GIL, so one
    # file's Python work runs beside the other's (read stage at 1M settlements: see bench/).
    batches = []
    with ThreadPoolExecutor(max_workers=READ_FILES_AT_ONCE) as pool:
        for i, (batch, plan) in enumerate(pool.map(read_one, files)):  # in the files' order
            batches.append(batch)
            _time_hints(plan, batch.raw, batch.rejects)
            if progress:
                progress("read", i + 1, len(files))
    _date_only_warning(*_date_only(batches))
    return batches


def read_file_slices(path: Path, mapping: Mapping, *, rows: int, max_amount: float,
                     threads: int = COLUMN_THREADS) -> Iterator[Batch]:
    """One file (one that ``readers.sliceable_rows`` accepts) read, recognised, canonicalised and
    validated a slice of at most ``rows`` rows at a time: a batch per slice, as ``read_inputs``
    makes one per file. A hint on the format of times comes from the first slice; the warning
    on date-only times counts every slice, once the last is read."""
    dated: tuple[int, str | None, list[str]] = (0, None, [])
    for i, raw in enumerate(read_slices(path, rows)):
        batch, plan = _batch(raw.frame, str(path), mapping, max_amount, threads)
        if i == 0:
            _time_hints(plan, batch.raw, batch.rejects)
        count, example, files = _date_only([batch])
        dated = (dated[0] + count, dated[1] or example, dated[2] or files)
        yield batch
    _date_only_warning(*dated)


def _batch(raw: pd.DataFrame, file: str, mapping: Mapping, max_amount: float,
           threads: int) -> tuple[Batch, TablePlan]:
    """A file's rows as read (or a slice of them) made canonical and validated."""
    plan = plan_table([c for c in raw.columns if c != LINE_COL], mapping, file)
    frame = canonical_frame(raw, plan, mapping.na_values, threads=threads)
    good, rejects = validate_table(plan.table, frame, file, max_amount=max_amount, threads=threads)
    rejects = _as_read(rejects, raw, plan)
    raw.attrs["source_columns"] = {name: header for name, (_, header) in plan.fields.items() if header}
    return Batch(plan.table, file, raw, good, rejects, plan), plan


def canonical_frame(raw: pd.DataFrame, plan: TablePlan, na_values: tuple[str, ...] = ("",), *,
                    threads: int = COLUMN_THREADS) -> pd.DataFrame:
    """The file's rows under canonical names: missing cells (``na_values``) empty, maps and formats applied."""
    def column(field: tuple[str, tuple[FieldSource, str | None]]) -> pd.Series:
        name, (source, header) = field
        if header is None:
            return pd.Series((source.value or "").strip() or pd.NA, index=raw.index, dtype="string")
        values = stripped(raw[header])
        values = values.mask(values.isin(na_values) | values.eq(""))
        if source.map:
            values = values.replace({k: v.strip() if isinstance(v, str) else v for k, v in source.map.items()})
        if source.format:
            values = _reformat_times(values, source)
        return values

    # Column by column on two threads: the work is Arrow's kernels and numpy over each column's
    # bytes, which let go of the GIL (a 1M-row settlements file: 1.09 -> 0.6 s).
    with ThreadPoolExecutor(max_workers=threads) as pool:
        columns = dict(zip(plan.fields, pool.map(column, plan.fields.items())))
    frame = pd.DataFrame(columns, index=raw.index)
    frame[LINE_COL] = raw[LINE_COL]
    return frame


def _reformat_times(values: pd.Series, source: FieldSource) -> pd.Series:
    """Times written in the mapping's format, rewritten the platform's way; others kept for validation to reject."""
    assert source.format is not None
    parsed = pd.to_datetime(values, format=source.format, errors="coerce")
    with_time = any(d in source.format for d in _TIME_DIRECTIVES)
    text = parsed.dt.strftime(_CANONICAL_TIME if with_time else _CANONICAL_DATE).astype("string")
    return text.where(parsed.notna(), values)


def _row_json(frame: pd.DataFrame) -> list[str]:
    cells = frame.drop(columns=[LINE_COL], errors="ignore").astype(object)
    cells = cells.where(cells.notna(), None)
    return [json.dumps(rec, ensure_ascii=False) for rec in cells.to_dict("records")]


def _as_read(rejects: pd.DataFrame, raw: pd.DataFrame, plan: TablePlan) -> pd.DataFrame:
    """Rejects showing the row as it was in the file, and the file's column for the field."""
    if rejects.empty:
        return rejects
    by_line = raw.set_index(LINE_COL, drop=False)
    rows = by_line.loc[rejects["line"].astype("int64").to_numpy()]
    rejects = rejects.copy()
    rejects["values"] = _row_json(rows)
    rejects["column"] = [plan.source_column(f) for f in rejects["field"]]
    return rejects


def _time_hints(plan: TablePlan, raw: pd.DataFrame, rejects: pd.DataFrame) -> None:
    if rejects.empty:
        return
    bad = rejects[rejects["reason"] == Reason.BAD_TIME]
    for name, group in bad.groupby("field"):
        source, header = plan.fields.get(str(name), (None, None))
        if source is None or source.format or header is None or len(group) < TIME_HINT_SHARE * len(raw):
            continue
        example = json.loads(group["values"].iloc[0]).get(header)
        warnings.warn(InputWarning("time_format_hint", file=plan.file, count=len(group), field=name,
                                   column=header, example=example), stacklevel=3)


def _date_only(batches: list[Batch]) -> tuple[int, str | None, list[str]]:
    """Settlements whose time is a date alone: how many, the first (file:line time), and their files."""
    counts, example, files = 0, None, []
    for batch in batches:
        if batch.table != "settlements" or "setl_ts" not in batch.good:
            continue
        date_only = batch.good["setl_ts"].isna()
        if date_only.any():
            counts += int(date_only.sum())
            files.append(batch.file)
            example = example or f"{batch.file}:{int(batch.good.loc[date_only, 'src_line'].iloc[0])} " \
                                 f"{batch.good.loc[date_only, 'setl_time'].iloc[0]}"
    return counts, example, sorted(set(files))


def _date_only_warning(counts: int, example: str | None, files: list[str]) -> None:
    """One warning for all settlements whose time is a date alone: which rules leave them out."""
    if counts:
        warnings.warn(InputWarning("date_only_times", file=", ".join(files), count=counts, example=example,
                                   rules=", ".join(_rules_needing_times()) or "-"), stacklevel=3)


def _rules_needing_times() -> list[str]:
    """Ids of the built-in rules that compare times of day (they read ``setl_ts``)."""
    try:
        from ..rules.catalogue import load_catalogue

        return [rule.id for rule in load_catalogue(check=False) if "setl_ts" in rule.query]
    except Exception:  # the warning is still useful without the list
        return []

