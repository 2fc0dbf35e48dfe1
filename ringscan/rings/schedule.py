"""Scheduled care recognised from the data: regular cadence, steady amounts, one treatment.

Dialysis (sessions two or three times a week), chemotherapy (21–28-day cycles,
sometimes a week late), rehabilitation (weekly) and monthly chronic refills bring
the same patients to the same place on a fixed rhythm for months. Patients on
the same schedule meet again and again, which looks like collusion to a
co-occurrence count, so their sessions are kept out of co-occurrence evidence.

They are recognised from the pattern, not from a list of diagnosis codes: a
person's settlements at one institution are scheduled care when there are at
least ``min_sessions`` of them over ``min_span_d`` days or more, with a rhythm
— most gaps between sessions within ``gap_tolerance`` of the median gap
(itself at most ``max_gap_d`` days), or a weekly timetable (the same few
weekdays, about as many sessions every week) — steady amounts (coefficient of
variation at most ``max_amount_cv``) and one dominant diagnosis
(``min_dx_share``).

A collector's sittings or a clinic's card pool are not regular in this sense:
their days are irregular, amounts and diagnoses vary.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["ScheduleParams", "scheduled_settlements"]


@dataclass(frozen=True)
class ScheduleParams:
    min_sessions: int = 6        # fewer sessions show no rhythm
    min_span_d: int = 28         # four weeks: a course of sessions is a routine (rehabilitation runs 6–14)
    max_gap_d: float = 35.0      # from sessions twice a week up to monthly cycles and refills
    gap_tolerance: float = 0.5   # a gap within ±50% of the median gap is on rhythm (a week late on a 21-day cycle)
    min_on_rhythm: float = 0.75  # share of gaps on rhythm
    # Or a weekly timetable: sessions in min_week_cover of the weeks (at least
    # min_weeks of them), about as many each week, mostly on timetable_days weekdays.
    min_weeks: int = 4
    min_week_cover: float = 0.8
    max_weekly_cv: float = 0.35
    timetable_days: int = 3
    max_amount_cv: float = 0.25  # a routine costs about the same each time
    min_dx_share: float = 0.8    # one treatment, one diagnosis


def scheduled_settlements(settlements: pd.DataFrame, params: ScheduleParams = ScheduleParams()) -> set[str]:
    """Ids of settlements that are sessions of someone's scheduled care.

    ``settlements`` needs ``setl_id, psn_no, fixmedins_code, place_label,
    setl_day, medfee_sumamt`` and optionally ``dise_codg``.

    >>> days = list(range(0, 84, 7))
    >>> s = pd.DataFrame({"setl_id": [f"s{d}" for d in days], "psn_no": "p", "fixmedins_code": "H",
    ...                   "place_label": "Institution", "setl_day": days, "medfee_sumamt": 400.0})
    >>> len(scheduled_settlements(s))
    12
    """
    if settlements.empty:
        return set()
    s = settlements[settlements["place_label"] == "Institution"]
    s = s[["setl_id", "psn_no", "fixmedins_code", "setl_day", "medfee_sumamt"]
          + (["dise_codg"] if "dise_codg" in s else [])].dropna(subset=["psn_no", "setl_day"])
    sizes = s.groupby(["psn_no", "fixmedins_code"])["setl_day"].transform("nunique")
    s = s[sizes >= params.min_sessions]
    if s.empty:
        return set()
    s = s.assign(_k=s.groupby(["psn_no", "fixmedins_code"], sort=False).ngroup())
    days = s.drop_duplicates(["_k", "setl_day"]).sort_values(["_k", "setl_day"], kind="stable")
    gaps = days.assign(gap=days["setl_day"].diff()).loc[lambda d: d["_k"].eq(d["_k"].shift())]
    median = gaps.groupby("_k")["gap"].median()
    on_rhythm = (gaps["gap"] - gaps["_k"].map(median)).abs() <= params.gap_tolerance * gaps["_k"].map(median)
    by = s.groupby("_k")
    amount = by["medfee_sumamt"]
    # A weekly timetable (Mon+Thu, three weekday sessions …) has uneven gaps but
    # the same weekdays and about the same number of sessions every week.
    week = days["setl_day"] // 7
    weekday = days["setl_day"] % 7
    per_week = days.assign(_w=week).groupby(["_k", "_w"]).size()
    by_week = week.groupby(days["_k"])
    weeks_spanned = by_week.max() - by_week.min() + 1
    # Sessions on each pair's `timetable_days` busiest weekdays (sorted counts, the first few per pair).
    counts = weekday.groupby([days["_k"], weekday]).size().rename("n").reset_index()
    counts = counts.sort_values(["_k", "n"], ascending=[True, False], kind="stable")
    top_days = counts[counts.groupby("_k").cumcount() < params.timetable_days].groupby("_k")["n"].sum()
    weekly = pd.DataFrame({
        "weeks": per_week.groupby(level=0).size(),
        "cover": per_week.groupby(level=0).size() / weeks_spanned,
        "cv": per_week.groupby(level=0).std(ddof=0) / per_week.groupby(level=0).mean(),
        "days": top_days / days.groupby("_k").size(),
    })
    timetable = (weekly["weeks"] >= params.min_weeks) & (weekly["cover"] >= params.min_week_cover) \
        & (weekly["cv"] <= params.max_weekly_cv) & (weekly["days"] >= params.min_on_rhythm)
    stats = pd.DataFrame({
        "median": median,
        "rhythm": on_rhythm.groupby(gaps["_k"]).mean(),
        "timetable": timetable,
        "span": days.groupby("_k")["setl_day"].max() - days.groupby("_k")["setl_day"].min(),
        "cv": (amount.std(ddof=0) / amount.mean()).where(amount.mean() > 0, np.inf),
    })
    if "dise_codg" in s and s["dise_codg"].notna().any():
        top = s.groupby(["_k", "dise_codg"]).size().groupby(level=0).max()
        stats["dx"] = (top / by["dise_codg"].count()).reindex(stats.index).fillna(1.0)
    else:
        stats["dx"] = 1.0
    rhythm = ((stats["median"] <= params.max_gap_d) & (stats["rhythm"] >= params.min_on_rhythm)) \
        | stats["timetable"].fillna(False).astype(bool)
    regular = stats[rhythm & (stats["span"] >= params.min_span_d) & (stats["cv"] <= params.max_amount_cv)
                    & (stats["dx"] >= params.min_dx_share)].index
    return set(s.loc[s["_k"].isin(regular), "setl_id"])
