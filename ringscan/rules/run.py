"""Run rules on a backend: links and flags as frames, with the rule that made them."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..graph.backend import GraphBackend, Progress
from .catalogue import FLAG_COLUMNS, LINK_COLUMNS, Rule

__all__ = ["RuleOutput", "run_rules"]


@dataclass
class RuleOutput:
    links: pd.DataFrame   # rule, family, level, a_type, a_id, b_type, b_id, weight, evidence
    flags: pd.DataFrame   # rule, family, level, entity_type, entity_id, score, evidence
    seconds: dict[str, float] = field(default_factory=dict)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)


def _frame(rows: pd.DataFrame, rule: Rule, columns: tuple[str, ...]) -> pd.DataFrame:
    rows = rows.reindex(columns=list(columns))
    rows["evidence"] = rows["evidence"].map(lambda ev: sorted(set(ev)) if isinstance(ev, (list, tuple)) else
                                            sorted(set(ev.tolist())) if hasattr(ev, "tolist") else [])
    rows.insert(0, "level", rule.level)
    rows.insert(0, "family", rule.family)
    rows.insert(0, "rule", rule.id)
    return rows


def run_rules(backend: GraphBackend, rules: list[Rule], overrides: dict[str, Any] | None = None,
              progress: Progress | None = None) -> RuleOutput:
    links, flags, seconds, params = [], [], {}, {}
    for i, rule in enumerate(rules):
        bound = rule.bound_params(overrides)
        started = time.perf_counter()
        rows = backend.query(rule.query, bound)
        seconds[rule.id] = round(time.perf_counter() - started, 3)
        params[rule.id] = bound
        if rule.emits == "link":
            links.append(_frame(rows, rule, LINK_COLUMNS))
        else:
            flags.append(_frame(rows, rule, FLAG_COLUMNS))
        if progress:
            progress("rules", i + 1, len(rules))
    head = ["rule", "family", "level"]
    link_frame = pd.concat(links, ignore_index=True) if links else pd.DataFrame(columns=head + list(LINK_COLUMNS))
    flag_frame = pd.concat(flags, ignore_index=True) if flags else pd.DataFrame(columns=head + list(FLAG_COLUMNS))
    link_frame = link_frame.sort_values(["rule", "a_type", "a_id", "b_type", "b_id"], kind="stable").reset_index(drop=True)
    flag_frame = flag_frame.sort_values(["rule", "entity_type", "entity_id"], kind="stable").reset_index(drop=True)
    return RuleOutput(link_frame, flag_frame, seconds, params)
