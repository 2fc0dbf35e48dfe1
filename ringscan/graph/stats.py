"""What a graph store holds: counts per label and type, period, money."""
from __future__ import annotations

import datetime as dt

from .backend import GraphBackend
from .journal import unfinished_loads
from .model import NODES, RELS

__all__ = ["graph_stats", "day_to_date"]


def day_to_date(day: int | float | None) -> str | None:
    if day is None or day != day:  # NaN
        return None
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


def _number(value: object) -> float:
    """An aggregate as a number: 0 for an empty store, where sums come back null (None or NaN)."""
    if value is None or value != value:  # NaN
        return 0.0
    return float(value)  # type: ignore[arg-type]


def graph_stats(backend: GraphBackend) -> dict:
    """Counts per node label and relationship type, settlement period and totals."""
    nodes = {label: int(backend.query(f"MATCH (n:{label}) RETURN count(n) AS n")["n"].iloc[0]) for label in NODES}
    rels = {rel: int(backend.query(f"MATCH ()-[r:`{rel}`]->() RETURN count(r) AS n")["n"].iloc[0]) for rel in RELS}
    money = backend.query(
        "MATCH (s:Settlement) RETURN min(s.setl_day) AS first, max(s.setl_day) AS last, "
        "sum(s.medfee_sumamt) AS total, sum(s.fund_pay) AS fund, sum(s.refund) AS refunds"
    ).iloc[0]
    return {
        "backend": backend.name,
        "nodes": nodes,
        "relationships": rels,
        "settlements": {
            "first_day": day_to_date(money["first"]),
            "last_day": day_to_date(money["last"]),
            "medfee_sumamt": round(_number(money["total"]), 2),
            "fund_pay": round(_number(money["fund"]), 2),
            "refunds": int(_number(money["refunds"])),
        },
        # Loads that started and never finished (killed): the next load on this store resumes them.
        "unfinished_loads": unfinished_loads(backend).to_dict("records"),
    }
