"""Freed C-heap memory handed back to the system between the parts of a big load."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from ringscan.heap import give_back


def _resident_mib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; malloc_trim is glibc's")
def test_freed_heap_memory_goes_back_to_the_system():
    """Blocks small enough for the heap (64 KiB), freed but for the last: glibc keeps the rest for
    reuse (a big load's slices made it gigabytes) until it is handed back."""
    blocks = [np.ones(8192) for _ in range(4000)]  # 250 MiB
    last = blocks[-1]
    before = _resident_mib()
    del blocks
    held = _resident_mib()
    give_back()
    after = _resident_mib()
    if held < before - 150:
        pytest.skip("this C library gave the freed blocks back by itself")
    assert after < held - 150, (before, held, after)
    assert last.sum() == 8192


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_freed_arrow_memory_goes_back_to_the_system():
    """Arrow's pool keeps what it freed (counting a 470k district's rows before a load left 170 MB
    held) until it is asked to return it."""
    import pyarrow as pa

    pool = pa.default_memory_pool()
    buffers = [pa.allocate_buffer(65536, memory_pool=pool) for _ in range(4000)]  # 250 MiB
    for buffer in buffers:  # touched, so that they are resident
        memoryview(buffer).cast("B")[::4096] = b"\x01" * 16
    last = buffers[-1]
    before = _resident_mib()
    del buffers, buffer
    held = _resident_mib()
    give_back()
    after = _resident_mib()
    if held < before - 150:
        pytest.skip(f"Arrow's pool ({pool.backend_name}) gave the freed buffers back by itself")
    assert after < held - 150, (pool.backend_name, before, held, after)
    assert last.size == 65536
