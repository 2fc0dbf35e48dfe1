"""Scheduled care is recognised from its rhythm; excess at a hub against robust peer rates."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ringscan.rings.excess import ExcessParams, hub_excess
from ringscan.rings.schedule import scheduled_settlements


def _visits(psn: str, days: list[int], amount, dx: str = "N18.500", place: str = "H1") -> list[dict]:
    amounts = amount if isinstance(amount, list) else [amount] * len(days)
    return [{"setl_id": f"{psn}-{d}", "psn_no": psn, "fixmedins_code": place, "place_label": "Institution",
             "setl_day": d, "medfee_sumamt": a, "dise_codg": dx} for d, a in zip(days, amounts)]


def test_dialysis_chemotherapy_rehabilitation_and_monthly_refills_are_scheduled():
    mwf = [d for w in range(20) for d in (7 * w, 7 * w + 2, 7 * w + 4)]
    chemo = [0, 21, 42, 70, 91, 112]  # one cycle a week late
    rehab = [d for w in range(7) for d in (7 * w, 7 * w + 1)]  # Mondays and Tuesdays: gaps 1, 6, 1, 6 …
    rows = _visits("dialysis", mwf, 470.0) + _visits("chemo", chemo, 6000.0, dx="Z51.102") \
        + _visits("refill", list(range(0, 360, 30)), 300.0, dx="E11.900") + _visits("rehab", rehab, 180.0, dx="S82.200")
    sched = scheduled_settlements(pd.DataFrame(rows))
    assert {s.split("-")[0] for s in sched} == {"dialysis", "chemo", "refill", "rehab"}


def test_a_card_pool_and_a_collector_are_not_scheduled():
    rng = np.random.default_rng(3)
    days = sorted(rng.choice(200, size=12, replace=False).tolist())
    pool = _visits("pool", days, rng.uniform(150, 400, size=12).round(2).tolist(), dx="J06.900")
    weekly_varied = _visits("varied", list(range(0, 84, 7)), [200.0, 380.0] * 6, dx="K29.700")
    sched = scheduled_settlements(pd.DataFrame(pool + weekly_varied))
    assert sched == set()


def _rows(hub_counts: dict[str, list[tuple[float, float]]]) -> pd.DataFrame:
    rows = []
    for hub, people in hub_counts.items():
        for i, (observed, exposure) in enumerate(people):
            rows.append({"entity_type": "Card", "entity_id": f"{hub}-{i}", "hub_type": "Pharmacy", "hub_id": hub,
                         "peer_group": "refund", "observed": observed, "exposure": exposure,
                         "evidence": [f"{hub}-{i}-s{k}" for k in range(int(observed))]})
    return pd.DataFrame(rows)


def test_a_pharmacy_that_cashes_out_many_cards_is_a_hub_and_one_mistaken_refund_is_not():
    ordinary = [(0.0, 6.0)] * 400 + [(1.0, 6.0)] * 4
    hubs = {f"P{i}": list(ordinary) for i in range(6)}
    hubs["P9"] = list(ordinary) + [(5.0, 6.0), (4.0, 5.0), (6.0, 6.0)]
    found = hub_excess(_rows(hubs))
    assert set(found["hub_id"]) == {"P9"}
    assert set(found["entity_id"]) == {"P9-404", "P9-405", "P9-406"}


def test_fraud_in_half_the_hubs_does_not_raise_the_peer_rate():
    clean = [(0.0, 4.0)] * 200 + [(1.0, 4.0)]
    split = [(0.0, 4.0)] * 150 + [(2.0, 3.0)] * 6
    hubs = {"H1": clean, "H2": clean, "H3": split, "H4": split}
    found = hub_excess(_rows(hubs).assign(peer_group="stay"))
    assert set(found["hub_id"]) == {"H3", "H4"}


def test_a_person_anomalous_over_two_hubs_joins_both():
    rows = _rows({"P1": [(0.0, 5.0)] * 300 + [(3.0, 3.0), (2.0, 2.0)], "P2": [(0.0, 5.0)] * 300 + [(3.0, 3.0)]})
    rows.loc[rows["entity_id"] == "P2-300", "entity_id"] = "P1-301"   # the same card refunds at both
    rows = pd.concat([rows, pd.DataFrame([{**rows.iloc[0].to_dict(), "entity_id": "P1-300", "hub_id": "P2",
                                           "observed": 1.0, "exposure": 1.0, "evidence": ["x"]}])])
    found = hub_excess(rows, ExcessParams())
    assert set(found.loc[found["hub_id"] == "P2", "entity_id"]) == {"P1-300", "P1-301"}
