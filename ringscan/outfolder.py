"""Output folders written whole: a scan writes beside ``--out`` and moves in at the end.

``staged_output(out)`` yields a fresh folder next to ``out`` (same file system,
so moves are renames). When the block ends without error, its files move
into ``out`` under a lock (two scans into one folder publish one after the
other, never interleaved), and files the previous scan wrote there that this
one did not (a vanished ring's page) are removed: the list of what ringscan
wrote is kept in ``out/.ringscan-files``, so nothing else in the folder is
touched. When the block fails, the staging folder is removed and ``out``
stays as it was.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["MANIFEST", "staged_output", "inside"]

MANIFEST = ".ringscan-files"


def inside(folder: Path, path: Path) -> bool:
    """Whether ``path`` resolves to a place inside ``folder`` (symlinks and ``..`` followed)."""
    return Path(path).resolve().is_relative_to(Path(folder).resolve())


def _written(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


def _previous(out: Path) -> set[str]:
    try:
        return set(json.loads((out / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return set()


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    lock = out / ".ringscan-lock"
    with open(lock, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _publish(staging: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with _locked(out):
        new = _written(staging) - {MANIFEST}
        for name in sorted(new):
            target = out / name
            if not inside(out, target):
                raise ValueError(f"{name}: outside the output folder")
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, target)
        for name in sorted(_previous(out) - new):
            stale = out / name
            if inside(out, stale) and (stale.is_file() or stale.is_symlink()):
                stale.unlink()
        (out / MANIFEST).write_text(json.dumps(sorted(new), ensure_ascii=False, indent=0), encoding="utf-8")


@contextmanager
def staged_output(out: Path) -> Iterator[Path]:
    """A folder to write a scan's outputs into; they replace ``out``'s on success only."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.writing-", dir=out.parent))
    try:
        yield staging
        _publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
