"""The rejects file: every load appends its unusable rows, so none is ever lost.

Each row carries the load that rejected it (``load_id``, ``loaded_at``) before
the reject columns (file, line, table, field, column, reason, detail, and the
row as it was). A file written by another version of ringscan (other columns)
is never rewritten: the load's rejects then go to ``<name>.<load_id>.csv``
beside it. Cells that a spreadsheet would run as a formula are neutralised.
"""
from __future__ import annotations

import csv
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from ..report.csvsafe import safe_frame
from .validate import REJECT_COLUMNS

__all__ = ["LOAD_COLUMNS", "append_rejects", "new_load_id"]

LOAD_COLUMNS = ["load_id", "loaded_at"]


def new_load_id() -> str:
    """A sortable, unique id for one load: its UTC time and a random suffix."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


def _header(path: Path) -> list[str] | None:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh), None)


def append_rejects(path: Path, rejects: pd.DataFrame, load_id: str | None = None) -> Path:
    """Append ``rejects`` (REJECT_COLUMNS) to ``path``; the path actually written."""
    load_id = load_id or new_load_id()
    stamped = rejects.reindex(columns=REJECT_COLUMNS).assign(
        load_id=load_id, loaded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    stamped = safe_frame(stamped[LOAD_COLUMNS + REJECT_COLUMNS])
    path.parent.mkdir(parents=True, exist_ok=True)
    exists = path.exists() and path.stat().st_size > 0
    if exists and _header(path) != LOAD_COLUMNS + REJECT_COLUMNS:
        path = path.with_name(f"{path.stem}.{load_id}{path.suffix}")
        exists = False
    stamped.to_csv(path, mode="a" if exists else "w", header=not exists, index=False, encoding="utf-8")
    return path
