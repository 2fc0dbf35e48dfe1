"""The load journal: which loads a store saw start and which it saw finish.

Both stores commit a load part by part (the embedded store each bulk copy,
Neo4j each batch of rows), so a killed load leaves the parts it committed:
nodes whose relationships were never written. The journal says so (``stats``
lists unfinished loads, and a scan refuses the store), and the next load on that store runs in
*resume* mode: rows already stored are written again instead of being counted
as duplicates (every write is idempotent: the embedded store adds only what it
lacks, Neo4j MERGEs), so what the killed load missed is filled in. A load
resumes only when it reads some file an unfinished load read (a load of other
files cannot complete it); it still rejects rows that conflict with the store.
It finishes its own journal row and those of unfinished loads whose files it
all read.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pandas as pd

from .bookkeeping import Table, ensure_tables, read_table, write_all

__all__ = ["LOADS", "begin_load", "finish_load", "unfinished_loads", "resumes"]

LOADS = Table("RingscanLoad", "load_id", {
    "load_id": "STRING", "started": "STRING", "finished": "STRING", "files": "STRING",
})


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def unfinished_loads(backend) -> pd.DataFrame:
    """Loads that started and never finished (load_id, started, files as a JSON list), oldest first."""
    frame = read_table(backend, LOADS, "WHERE n.finished = ''")
    return frame.sort_values(["started", "load_id"]).reset_index(drop=True)


def begin_load(backend, load_id: str, files: list[str]) -> None:
    ensure_tables(backend, [LOADS])
    row = {"load_id": load_id, "started": _now(), "finished": "", "files": json.dumps(sorted(files))}
    write_all(backend, [(LOADS.create_rows(), {"rows": [row]})])


def resumes(backend, files: list[str]) -> bool:
    """Whether a load of ``files`` must resume: an unfinished load read some of the same files."""
    mine = set(files)
    return any(mine & set(json.loads(listed)) for listed in unfinished_loads(backend)["files"])


def finish_load(backend, load_id: str, files: list[str]) -> None:
    """Mark this load finished, and unfinished loads of no file this load did not read (it completed them)."""
    mine = set(files)
    done = [row.load_id for row in unfinished_loads(backend).itertuples() if set(json.loads(row.files)) <= mine]
    write_all(backend, [(f"UNWIND $ids AS id MATCH (n:{LOADS.label} {{load_id: id}}) SET n.finished = $at",
                         {"ids": sorted({load_id, *done}), "at": _now()})])
