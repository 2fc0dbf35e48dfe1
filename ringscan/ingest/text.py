"""Whole-column text checks on Arrow buffers: a clean column (the usual case) costs one pass over its bytes.

Trimming and regex matching walk every string; a million-row column takes
50-60 ms each, and an export has dozens of columns. Looking at the bytes first
(is any byte a control byte? does any value begin or end with a byte that can
start or end whitespace?) lets the clean columns skip the walk.

>>> import pandas as pd
>>> list(stripped(pd.Series([" a ", "b", None, "\\u3000张三"], dtype="string")))
['a', 'b', <NA>, '张三']
>>> list(has_control(pd.Series(["a\\x00", "b\\tc", None], dtype="string")))
[True, False, False]
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..graph.typed import strings

__all__ = ["stripped", "has_control", "CONTROL_PATTERN"]

# NUL and the other control characters no export means (tab, line breaks allowed): they
# end strings early in C tools, hide text in pages and spreadsheets, and are never data.
CONTROL_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"

# First bytes of what str.strip removes: ASCII whitespace and the separators
# \x1c-\x1f, and the lead bytes of Unicode spaces (U+0085/U+00A0: C2; U+1680:
# E1; U+2000-U+205F: E2; U+3000: E3). Last bytes: the ASCII ones, or any UTF-8
# continuation byte (a multi-byte character may be a space; checked properly then).
_EDGE_FIRST = np.zeros(256, dtype=bool)
_EDGE_FIRST[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 0xC2, 0xE1, 0xE2, 0xE3]] = True
_EDGE_LAST = np.zeros(256, dtype=bool)
_EDGE_LAST[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_EDGE_LAST[0x80:0xC0] = True


def _offsets_and_bytes(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    wide = array.type == pa.large_string()
    if not wide:
        array = array.cast(pa.string())
    _, offsets, data = array.buffers()
    offsets = np.frombuffer(offsets, dtype=np.int64 if wide else np.int32)[array.offset:array.offset + len(array) + 1]
    return offsets, (np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8))


def _may_need_strip(array: pa.Array) -> bool:
    offsets, data = _offsets_and_bytes(array)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    return bool(_EDGE_FIRST[data[starts[filled]]].any() or _EDGE_LAST[data[ends[filled] - 1]].any())


def stripped(values: pd.Series) -> pd.Series:
    """``values.str.strip()`` (Python's whitespace, full-width spaces included), without the walk when clean."""
    array = strings(values)
    if not _may_need_strip(array):
        return values.astype("string")
    return values.astype("string").str.strip()


def has_control(values: pd.Series) -> pd.Series:
    """True where a value holds a control character (``CONTROL_PATTERN``)."""
    array = strings(values)
    _, data = _offsets_and_bytes(array)
    if not ((data < 32) | (data == 127)).any():
        return pd.Series(False, index=values.index)
    found = pc.fill_null(pc.match_substring_regex(array, CONTROL_PATTERN), False)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index)
