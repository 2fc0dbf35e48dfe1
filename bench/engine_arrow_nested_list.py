"""Reproducer of the engine's malformed Arrow export of an empty list of lists, and of ringscan's guard.

    python bench/engine_arrow_nested_list.py [--runs 50]

A fresh store with one patient and one inpatient stay (no readmission), and
the shape of the admission-split rule: per patient, a ``collect`` of lists
that, with no readmission, collects none, so the result is one row whose
``evidence`` is ``[]`` of type ``STRING[][]``. Each run first runs another
query that exports lists (as a scan runs other rules), then exports this
result with ``get_as_arrow`` and validates it in full: the inner list array of
such an export has no rows, but its one offset is whatever the memory it
reuses held. Measured with ladybug 0.22.0 here: 50 of 50 exports invalid (0 of
100 without the other query first, on fresh memory). pandas' ``to_pandas`` of
an invalid export slices at the garbage offset and aborts the process
(``ArrayData::Slice``), as it did in 3 of 6 runs of a small scan with two rule
queries at once. ``get_as_df`` of the same result is always ``[]``. ringscan
validates every export and reads an invalid one through ``get_as_df``
(graph/embedded.py, ``_sound``).
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

QUERY = """
MATCH (p:Patient)<-[:`FOR`]-(s1:Settlement)
OPTIONAL MATCH (p)<-[:`FOR`]-(s2:Settlement)
WHERE s2.setl_id <> s1.setl_id AND s2.begn_day >= s1.end_day
WITH p, s1, collect(DISTINCT s2.setl_id) AS next_stays
WITH p, collect(CASE WHEN size(next_stays) > 0 THEN [s1.setl_id] + next_stays END) AS evidence
RETURN p.psn_no AS entity_id, evidence
"""


def main() -> None:
    import ladybug
    import pyarrow as pa

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = ladybug.Database(str(Path(tmp) / "g.lbdb"))
        conn = ladybug.Connection(db)
        conn.execute("CREATE NODE TABLE Patient(psn_no STRING, PRIMARY KEY(psn_no))")
        conn.execute("CREATE NODE TABLE Settlement(setl_id STRING, begn_day INT64, end_day INT64, PRIMARY KEY(setl_id))")
        conn.execute("CREATE REL TABLE `FOR`(FROM Settlement TO Patient)")
        conn.execute("CREATE (:Patient {psn_no: 'P1'})")
        conn.execute("CREATE (:Settlement {setl_id: 'S1', begn_day: 10, end_day: 14})")
        conn.execute("MATCH (s:Settlement), (p:Patient) CREATE (s)-[:`FOR`]->(p)")
        invalid, example = 0, ""
        for _ in range(args.runs):
            # other work first, as a scan runs other rules: the memory the export reuses is not zero
            conn.execute("UNWIND range(1, 20000) AS i RETURN i % 7 AS k, collect(['x' + string(i)]) AS l").get_as_arrow()
            result = conn.execute(QUERY)
            table = result.get_as_arrow(chunk_size=-1)
            try:
                table.validate(full=True)
            except pa.ArrowInvalid as exc:
                invalid += 1
                example = str(exc)
            result.close()
        print(f"get_as_df: {conn.execute(QUERY).get_as_df().to_dict('records')}")
        print(f"get_as_arrow exports failing Arrow's full validation: {invalid} of {args.runs}")
        if example:
            print(f"  e.g. {example[:160]}")
        conn.close()
        db.close()


if __name__ == "__main__":
    main()
