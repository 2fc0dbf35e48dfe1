"""Read, recognise, canonicalise and validate input files: one batch per file."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..graph.backend import Progress
from .readers import LINE_COL, read_table
from .schema import TABLES, Mapping, MissingColumnError, canonical_columns, detect_table
from .validate import validate_table

__all__ = ["Batch", "read_inputs"]


@dataclass
class Batch:
    table: str
    file: str
    raw: pd.DataFrame
    good: pd.DataFrame
    rejects: pd.DataFrame


def read_inputs(paths: list[Path], mapping: Mapping, *, max_amount: float,
                progress: Progress | None = None) -> list[Batch]:
    """Read, recognise, canonicalise and validate each file."""
    batches = []
    for i, path in enumerate(paths):
        raw = read_table(Path(path))
        file = str(path)
        table = detect_table(list(raw.frame.columns), mapping, file)
        rename = canonical_columns([c for c in raw.frame.columns if c != LINE_COL], mapping, table)
        frame = raw.frame[list(rename) + [LINE_COL]].rename(columns=rename)
        for column in TABLES[table].required:
            if column not in frame.columns:
                raise MissingColumnError(column, file, table)
        good, rejects = validate_table(table, frame, file, max_amount=max_amount)
        batches.append(Batch(table, file, frame, good, rejects))
        if progress:
            progress("read", i + 1, len(paths))
    return batches
