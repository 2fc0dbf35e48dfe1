"""Freed memory handed back to the system between the parts of a big load or scan.

A big load stages and frees gigabytes a slice: pandas frames, numpy arrays, the
engine's copy buffers. glibc keeps freed memory in its arenas for reuse, and
with a reading thread beside the writing one the process held more after every
slice: at 3M settlements, 1.7 GiB resident once the store was closed, 0.45 GiB
after ``malloc_trim``. A scan frees hundreds of MB with each big rule's
evidence. Where the C library has ``malloc_trim`` (glibc), :func:`give_back`
calls it. Arrow's memory pool keeps what it freed too (mimalloc, per thread):
counting the 470k district's rows before a load left 170 MB held, and its first
files' staging 330 MB; :func:`give_back` asks the pool to return it.
"""
from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

__all__ = ["give_back"]


def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc; absent from musl and others
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def give_back() -> None:
    """Return the C heap's and Arrow's free pages to the system (a few milliseconds; nothing in
    use moves)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if _TRIM is not None:
        _TRIM(0)
