"""Excess at a hub: people far above their peers, concentrated on one doctor, place or phone.

Some schemes leave no meeting in time: a doctor over-prescribes a drug to
patients who come one by one; holders buy and refund at one pharmacy, each
alone; a hospital splits its patients' stays. What they share is a **hub**
(the doctor, the pharmacy, the hospital, the intermediary's phone) where people
far above their peers gather.

An ``observations`` rule returns one row per person and hub: an ``observed``
count (units of a drug, refunds, readmissions) over an ``exposure`` (days on
the drug, purchases, stays), in a ``peer_group`` (the drug, the kind of
event). Then, per peer group:

* the **peer rate** is what the group's quieter hubs give: the
  exposure-weighted ``peer_quantile`` of hub rates (``Σ count / Σ exposure``
  per hub, over hubs big enough to expect an event), so the fraud being looked
  for does not raise the baseline it is judged against (``rate: given`` rules give the expected count as
  ``exposure``);
  quantities (``per_fill``) are first put in the group's typical fills (the
  median quantity per settlement), so a drug dispensed in boxes and one in
  tablets compare alike;
* a person's **excess** is ``surprise = −log10 P(Poisson(rate × exposure) ≥
  count)``; a person is anomalous at a hub where they have events when, at
  ``min_ratio`` times the expectation or more, either their count there is
  beyond chance less ``log10`` of the people looked at at that hub, or their
  total in the peer group over all hubs (the same patients collecting a drug
  from two doctors, a holder refunding at two pharmacies) is beyond chance
  less ``log10`` of everyone in the peer group — at least ``min_surprise`` (one refund among a pharmacy's
  hundreds of cards is not anomalous; three of four purchases refunded are;
  one split of two stays at a ward of twenty is). Rules whose hub alone
  carries the evidence (a phone's holders at one place) set ``min_surprise``
  to ``null``;
* a **hub** is suspicious when its rows together are beyond chance, less
  ``log10`` of the number of hubs looked at: the hub's summed count over its
  summed expectation, or its number of anomalous people over the peer group's
  share of anomalous people. A busy doctor whose many patients get ordinary
  quantities is not; one whose patients get four times the usual is, and so is
  a second hospital's doctor whose patients all fill the drug elsewhere too.

The anomalous people of a suspicious hub are linked pairwise; each person's
share of the weight is their own surprise. The hub's corrected surprise is
what a ring built on it is judged on (rings.assemble); the hub is the ring's
context.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .cooccurrence import poisson_surprise

__all__ = ["ExcessParams", "hub_excess"]



@dataclass(frozen=True)
class ExcessParams:
    min_ratio: float = 2.0       # PATTERNS: resale runs from two to many times a normal refill
    # A person beyond chance on their own after allowing for how many people were
    # looked at at the same hub: fewer than one such person expected there by chance.
    min_surprise: float | None = 0.0  # None: no test of one's own (the hub carries the evidence)
    max_surprise: float = 50.0   # one extreme person must not outweigh a whole group
    # pooled: a peer rate per exposure; given: the rule gives each row's expectation
    # as its exposure; share: exposure is the hub's share of the group's people.
    rate: str = "pooled"
    per_fill: bool = False       # observed is a quantity: compare in the peer group's typical fills
    # The peer rate is that of the quieter hubs: the exposure-weighted quarter
    # point of hub rates stays clean even when fraud sits in half the hospitals.
    peer_quantile: float = 0.25


def hub_excess(rows: pd.DataFrame, params: ExcessParams = ExcessParams()) -> pd.DataFrame:
    """Anomalous people of suspicious hubs.

    ``rows`` has the columns of an ``observations`` rule (and optionally
    ``hub_exposure``, and ``t_first`` when exposure is time from that day: a
    person's total then spans the union of their rows' intervals). Returns one row per anomalous (entity, hub): the entity
    and hub columns plus ``peer_group``, ``observed``, ``expected``, ``surprise`` (the
    person's; ``surprise_corrected`` less ``log10`` of the rows in its peer
    group), ``hub_surprise`` (corrected, > 0), ``members`` (anomalous people at
    the hub) and ``evidence``. A hub is ``hub_type, hub_id`` across peer groups:
    a doctor over-prescribing two drugs is one hub. Rows without a person, hub or
    peer group are left out: they can be attributed to no one.

    >>> rows = pd.DataFrame({"entity_type": "Patient", "entity_id": list("abcdefgh"), "hub_type": "Doctor",
    ...     "hub_id": ["d1"] * 4 + ["d2"] * 4, "peer_group": "g", "observed": [40, 44, 38, 2, 2, 3, 2, 2],
    ...     "exposure": 10.0, "evidence": [["s"]] * 8})
    >>> sorted(hub_excess(rows)["entity_id"])
    ['a', 'b', 'c']
    """
    columns = ["entity_type", "entity_id", "hub_type", "hub_id", "peer_group", "observed", "expected", "surprise",
               "surprise_corrected", "hub_surprise", "members", "evidence"]
    # Rows without a person, hub or peer group say nothing about anyone.
    rows = rows.dropna(subset=["entity_id", "hub_type", "hub_id", "peer_group"])
    rows = _one_row_per_person_and_hub(_coded(rows))
    rows = rows[(rows["exposure"] > 0) & rows["observed"].notna()].copy()
    if rows.empty:
        return pd.DataFrame(columns=columns)
    # Grouping below is on integer codes (_e person, _g peer group, _h hub): the
    # same groups as the text columns, without hashing millions of strings each time.
    rows["units"] = rows["observed"].astype(float)
    if params.per_fill:
        fills = np.maximum(_lengths(rows["evidence"]), 1).astype(float)
        unit = (rows["observed"] / fills).groupby(rows["_g"]).transform("median")
        rows["units"] = (rows["observed"] / unit.where(unit > 0, 1.0)).round()
    if params.rate == "given":
        rows["expected"] = rows["exposure"].astype(float)
    elif params.rate == "share":
        # exposure is the hub's share of the group's people: spread them by it.
        people_in = rows.groupby("_g")["_e"].transform("nunique")
        rows["expected"] = rows["exposure"].astype(float) * people_in
    else:
        rows["expected"] = rows["_g"].map(_peer_rates(rows, params.peer_quantile)) * rows["exposure"]
    here = poisson_surprise(rows["units"].to_numpy(), rows["expected"].to_numpy())
    # A person's total in the peer group over every hub: the same patients
    # collecting a drug from two doctors, a holder refunding at two pharmacies.
    by_person = rows.groupby(["_e", "_g"])
    person = by_person[["units", "expected"]].transform("sum")
    if "t_first" in rows and rows["t_first"].notna().all():
        # Exposure is time: two doctors at once cover the same days, not twice as many.
        covered = _covered(rows)
        person["expected"] = person["expected"] * covered / by_person["exposure"].transform("sum")
    overall = poisson_surprise(person["units"].to_numpy(), person["expected"].to_numpy())
    rows["surprise"] = np.minimum(np.maximum(here, overall), params.max_surprise)
    people = np.log10(rows.groupby("_g")["_e"].transform("nunique").to_numpy())
    rows["surprise_corrected"] = np.minimum(overall, params.max_surprise) - people
    looked_at = np.log10(rows.groupby("_h")["_e"].transform("size").to_numpy())
    # Anomalous at a hub: beyond the people looked at there, or beyond everyone in the peer group.
    floor = -np.inf if params.min_surprise is None else params.min_surprise
    rows["anomalous"] = (rows["units"] > 0) & (
        ((rows["units"] >= params.min_ratio * rows["expected"]) & (here - looked_at >= floor))
        | ((person["units"] >= params.min_ratio * person["expected"]) & (overall - people >= floor)))
    totals = rows.groupby("_h")[["units", "expected"]].sum()
    if "hub_exposure" in rows and rows["hub_exposure"].notna().any():
        # The rule knows the hub's expectation (people who could have shown up but did not).
        given = rows.groupby("_h")["hub_exposure"].max()
        totals["expected"] = given.where(given.notna(), totals["expected"])
    n_hubs = max(len(totals), 1)
    by_units = poisson_surprise(totals["units"].to_numpy(), totals["expected"].to_numpy())
    # Or: far more of the hub's people are anomalous than the peer group's share of
    # anomalous people gives (each person's own count may be ordinary there, as when
    # patients fill a drug at two hospitals).
    anomalous = rows[rows["anomalous"]]
    group_people = rows.groupby("_g")["_e"].nunique()
    share = (anomalous.groupby("_g")["_e"].nunique().reindex(group_people.index, fill_value=0)
             / group_people.clip(lower=1))
    rows["_share"] = rows["_g"].map(share)
    people_at = rows.groupby("_h").agg(n=("_e", "nunique"), share=("_share", "mean"))
    flagged = anomalous.groupby("_h")["_e"].nunique()
    people_at["x"] = flagged.reindex(people_at.index).fillna(0)
    by_people = poisson_surprise(people_at["x"].to_numpy(), (people_at["n"] * people_at["share"]).to_numpy())
    totals["hub_surprise"] = np.maximum(by_units, pd.Series(by_people, index=people_at.index)
                                        .reindex(totals.index).to_numpy()) - np.log10(n_hubs)
    out = anomalous.join(totals["hub_surprise"], on="_h")
    out = out[out["hub_surprise"] > 0]
    out["members"] = out.groupby("_h")["_e"].transform("nunique")
    out = out[out["members"] >= 2]
    out = out.reindex(columns=columns).sort_values(["hub_type", "hub_id", "entity_type", "entity_id"],
                                                    kind="stable").reset_index(drop=True)
    out["evidence"] = _lists(out["evidence"])
    return out


def _lengths(evidence: pd.Series) -> np.ndarray:
    """How many settlements each row's evidence lists, from Arrow when it is held there."""
    if isinstance(evidence.dtype, pd.ArrowDtype):
        return pc.list_value_length(pa.array(evidence)).fill_null(0).to_numpy(zero_copy_only=False)
    return np.fromiter(map(len, evidence), dtype=np.int64, count=len(evidence))


def _lists(evidence: pd.Series) -> pd.Series:
    """Evidence as a Python list per row (the rows kept: the anomalous few of millions read)."""
    if isinstance(evidence.dtype, pd.ArrowDtype):
        return pd.Series([e or [] for e in pa.array(evidence).to_pylist()], index=evidence.index, dtype=object)
    return evidence


def _coded(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with integer codes: _t entity type, _e person, _g peer group, _h hub (type and id)."""
    kind = pd.factorize(rows["hub_type"])[0].astype(np.int64)
    hub_id = pd.factorize(rows["hub_id"])[0].astype(np.int64)
    return rows.assign(_t=pd.factorize(rows["entity_type"])[0], _e=pd.factorize(rows["entity_id"])[0],
                       _g=pd.factorize(rows["peer_group"])[0],
                       _h=pd.factorize(kind * (int(hub_id.max(initial=0)) + 1) + hub_id)[0])


def _one_row_per_person_and_hub(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of one person at one hub in one peer group add up (a rule may return counts and
    exposures as separate row sets, united)."""
    key = ["_t", "_e", "_h", "_g"]
    if not rows.duplicated(key).any():
        return rows
    extra = {c: "max" for c in ("hub_exposure", "t_first") if c in rows}
    text = {c: (c, "first") for c in ("entity_type", "entity_id", "hub_type", "hub_id", "peer_group")}
    summed = rows.groupby(key, as_index=False, sort=False).agg(
        **text, observed=("observed", "sum"), exposure=("exposure", "sum"),
        **{c: (c, how) for c, how in extra.items()})
    # Evidence lists: only the rows that carry some (few, when exposures come as their own rows).
    carrying = rows[_lengths(rows["evidence"]) > 0]
    carrying = carrying.assign(evidence=_lists(carrying["evidence"]))
    lists = carrying.groupby(key, sort=False)["evidence"].agg(lambda e: sorted(set(chain.from_iterable(e))))
    summed = summed.join(lists, on=key)
    summed["evidence"] = [e if isinstance(e, list) else [] for e in summed["evidence"]]
    return summed


def _peer_rates(rows: pd.DataFrame, quantile: float) -> pd.Series:
    """Per peer group (``_g``): the rate of its quieter hubs.

    The exposure-weighted ``quantile`` of the group's hub rates (each hub's
    ``Σ units / Σ exposure``), over the hubs large enough to expect at least one
    event at the group's pooled rate (a small hub has no events by chance, not
    by honesty): fraud concentrated in a few hubs, or spread over half the
    hospitals of a district, does not raise the baseline it is judged against.
    """
    per_hub = rows.groupby(["_h", "_g"])[["units", "exposure"]].sum().reset_index()
    per_hub["rate"] = per_hub["units"] / per_hub["exposure"]
    out = {}
    for group, hubs in per_hub.groupby("_g", sort=False):
        pooled = float(hubs["units"].sum() / hubs["exposure"].sum())
        sized = hubs[hubs["exposure"] * pooled >= 1.0]
        if sized.empty:
            out[group] = max(pooled, 0.5 / float(hubs["exposure"].sum()))
            continue
        ordered = sized.sort_values("rate", kind="stable")
        cumulative = ordered["exposure"].cumsum() / ordered["exposure"].sum()
        rate = float(ordered.loc[cumulative >= quantile, "rate"].iloc[0])
        out[group] = max(rate, 0.5 / float(hubs["exposure"].sum()))
    return pd.Series(out)


def _covered(rows: pd.DataFrame) -> pd.Series:
    """Per row: the length of the union of its person's intervals ``[t_first, t_first + exposure]`` in the group."""
    spans = rows[["_e", "_g", "t_first", "exposure"]].assign(end=rows["t_first"] + rows["exposure"])
    spans = spans.sort_values(["_e", "_g", "t_first"], kind="stable")
    key = [spans["_e"], spans["_g"]]
    reach = spans.groupby(key)["end"].cummax()
    prior = reach.groupby(key).shift()
    start = np.maximum(spans["t_first"], prior.fillna(-np.inf))
    length = (spans["end"] - start).clip(lower=0)
    total = length.groupby(key).transform("sum")
    return total.reindex(rows.index)
