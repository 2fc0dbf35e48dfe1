"""``is_in``, the store's key lookups, agrees with Python's own set membership, whichever side is bigger."""
from __future__ import annotations

import pandas as pd
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from ringscan.graph.typed import is_in

ids = st.one_of(st.none(), st.sampled_from(["S1", "S2", "S3", "S10", "患者", ""]), st.text(max_size=4))


@given(st.lists(ids, max_size=30), st.lists(ids, max_size=60), st.booleans())
def test_is_in_is_set_membership(values, keys, chunked):
    wanted = [v is not None and v in {k for k in keys if k is not None} for v in values]
    series = pd.Series(values, dtype="string")
    stored = pa.chunked_array([keys[: len(keys) // 2], keys[len(keys) // 2:]], type=pa.string()) if chunked \
        else pa.array(keys, type=pa.string())
    assert is_in(series, stored).tolist() == wanted
    assert is_in(pa.array(values, type=pa.string()), keys).tolist() == wanted

