"""Run rules on a backend: one frame per kind of output, each row tagged with its rule."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..graph.backend import BackendError, GraphBackend, Progress
from .catalogue import EMITS, Rule

__all__ = ["RuleOutput", "run_rules"]

_HEAD = ["rule", "family", "level"]


@dataclass
class RuleOutput:
    """What the rules returned, by kind (``EMITS``), plus timings and bound parameters."""

    links: pd.DataFrame         # rule, family, level, a_type, a_id, b_type, b_id, weight, evidence
    flags: pd.DataFrame         # rule, family, level, entity_type, entity_id, score, evidence
    events: pd.DataFrame = field(default_factory=lambda: _empty("events"))
    observations: pd.DataFrame = field(default_factory=lambda: _empty("observations"))
    seconds: dict[str, float] = field(default_factory=dict)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)


def _empty(kind: str) -> pd.DataFrame:
    return pd.DataFrame(columns=_HEAD + list(EMITS[kind]))


def _evidence_list(ev: Any) -> list[str]:
    """Settlement ids as a sorted list; a list of lists (one per finding) is flattened."""
    if hasattr(ev, "tolist"):
        ev = ev.tolist()
    if not isinstance(ev, (list, tuple)):
        return []
    flat: set[str] = set()
    for e in ev:
        if hasattr(e, "tolist"):
            e = e.tolist()
        if isinstance(e, (list, tuple)):
            flat.update(str(x) for x in e if x is not None)
        elif e is not None:
            flat.add(str(e))
    return sorted(flat)


def _flat_evidence(ev: Any) -> list[str]:
    """The common case fast: a flat list of ids (as ``collect(DISTINCT …)`` returns) is kept as it is."""
    if type(ev) is list and (not ev or type(ev[0]) is str):
        return ev
    return _evidence_list(ev)


def _frame(rows: pd.DataFrame, rule: Rule) -> pd.DataFrame:
    columns = list(EMITS[rule.emits]) + [c for c in rows.columns if c not in EMITS[rule.emits]]
    rows = rows.reindex(columns=columns)
    if "evidence" in rows:
        rows["evidence"] = rows["evidence"].map(_flat_evidence)
    rows.insert(0, "level", rule.level)
    rows.insert(0, "family", rule.family)
    rows.insert(0, "rule", rule.id)
    return rows


def run_rules(backend: GraphBackend, rules: list[Rule], overrides: dict[str, Any] | None = None,
              progress: Progress | None = None) -> RuleOutput:
    """Run every rule once; rows come back grouped by kind, in a stable order."""
    parts: dict[str, list[pd.DataFrame]] = {kind: [] for kind in EMITS}
    seconds, params = {}, {}
    bound = {rule.id: rule.bound_params(overrides) for rule in rules}
    try:
        results = backend.query_many([(rule.query, rule.query_params(bound[rule.id])) for rule in rules])
    except BackendError:
        for rule in rules:  # name the rule that failed
            try:
                backend.query(rule.query, rule.query_params(bound[rule.id]))
            except BackendError as exc:
                raise BackendError(f"rule `{rule.id}` ({rule.path.name}) failed: {exc}") from exc
        raise
    pending = deque(zip(rules, results))  # each query's rows let go once reshaped (millions at scale)
    del results
    for i in range(len(rules)):
        rule, rows = pending.popleft()
        seconds[rule.id] = round(float(rows.attrs.get("seconds", 0.0)), 3)
        params[rule.id] = bound[rule.id]
        parts[rule.emits].append(_frame(rows, rule))
        del rows
        if progress:
            progress("rules", i + 1, len(rules))
    order = {"link": ["a_type", "a_id", "b_type", "b_id"], "flag": ["entity_type", "entity_id"],
             "events": ["entity_type", "entity_id", "t", "setl_id"],
             "observations": ["hub_type", "hub_id", "peer_group", "entity_type", "entity_id"]}
    frames = {}
    for kind in EMITS:  # one kind at a time, each rule's part dropped once joined
        found = parts.pop(kind)
        frame = pd.concat(found, ignore_index=True) if found else _empty(kind)
        del found
        frames[kind] = frame.sort_values(["rule", *order[kind]], kind="stable").reset_index(drop=True)
        del frame
    return RuleOutput(frames["link"], frames["flag"], frames["events"], frames["observations"], seconds, params)
