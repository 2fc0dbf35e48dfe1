"""Checks that output paths can be written, made before any work starts (nothing is created by checking)."""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from .messages import UserError

__all__ = ["check_writable"]


def check_writable(path: Path, what: str, *, folder: bool = False) -> None:
    """Raise :class:`UserError` unless ``path`` (a file, or a folder when ``folder``) can be written.

    An existing path must be of the right kind and writable; a new one needs its nearest existing
    ancestor to be a writable folder. Writability is probed by creating and removing a temporary
    file, so it holds on read-only file systems too; a path without any write bit counts as
    read-only even for root.
    """
    path = Path(path)

    def refuse(detail: str) -> UserError:
        return UserError("path_not_writable", file=str(path), what=what, detail=detail)

    if path.exists():
        if folder and not path.is_dir():
            raise refuse("it exists and is not a folder")
        if not folder and path.is_dir():
            raise refuse("it is a folder")
        if not folder and not os.access(path, os.W_OK):
            raise refuse("permission denied")
        probe = path if folder else path.parent
    else:
        probe = path.parent
        while not probe.exists():
            probe = probe.parent
        if not probe.is_dir():
            raise refuse(f"{probe} is a file, not a folder")
    # A folder (or file) with no write bit for anyone was made read-only on purpose: honour that for
    # root too, who could write it anyway.
    for target in ([path] if path.exists() and not folder else []) + [probe]:
        if not stat.S_IMODE(target.stat().st_mode) & 0o222:
            raise refuse(f"{target} is read-only (mode {stat.S_IMODE(target.stat().st_mode):04o})")
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as exc:
        raise refuse(f"{probe}: {exc.strerror or exc}") from exc
