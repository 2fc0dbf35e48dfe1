"""The graph model's vote on which places are pharmacies, against a plain grouping."""
from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from ringscan.graph.model import place_labels


codes = st.sampled_from(["H1", "H2", "P1", "P2", None])


@given(st.lists(st.tuples(codes, st.sampled_from(["1", "2", None]), st.sampled_from(["41", "11", None])),
                min_size=1, max_size=40))
def test_place_labels_vote_as_grouping_would(rows):
    """The first settlement at a place decides by med_type, after the place's first stated type."""
    s = pd.DataFrame(rows, columns=["fixmedins_code", "fixmedins_type", "med_type"], dtype="string")
    typed_first = s.dropna(subset=["fixmedins_type"]).drop_duplicates("fixmedins_code")
    by_type = dict(zip(typed_first["fixmedins_code"], typed_first["fixmedins_type"]))
    by_med = s.dropna(subset=["fixmedins_code"]).groupby("fixmedins_code")["med_type"].agg(
        lambda m: "2" if pd.notna(m.iloc[0]) and m.iloc[0] == "41" else "1")
    wanted = {c: "Pharmacy" if by_type.get(c, by_med[c]) == "2" else "Institution" for c in by_med.index}
    got = place_labels(s, None, {})
    assert {k: v for k, v in got.items() if pd.notna(k)} == wanted
