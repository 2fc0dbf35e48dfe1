"""Rule files: a YAML header in ``//`` comments (Sigma-style), then one Cypher query.

The engine that runs rules knows nothing about any particular rule. A rule
``emits`` one of four kinds of rows, each with fixed columns (``EMITS``):

* ``events``: one row per settlement that counts as a meeting opportunity
  (who, where, when); the co-occurrence engine pairs them within the rule's
  ``window`` at its ``scale`` and scores repeated meetings against chance;
* ``observations``: one row per person and hub (a count over an exposure in a
  peer group); the excess engine finds people far above their peers gathered
  at one hub;
* ``link``: entity–entity links the query decides itself (shared phones and
  addresses): they strengthen links between people with evidence;
* ``flag``: one entity, one finding.

Parameters in ``params`` are either used by the query (``$name``) or read by
the engine of the rule's kind (``ENGINE_PARAMS``); both take ``--param``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..config import CYPHER_DIR
from ..families import families

__all__ = ["Rule", "RuleError", "load_rule", "load_catalogue", "check_catalogue", "unknown_overrides", "RULES_DIR",
           "LINK_COLUMNS", "FLAG_COLUMNS", "EVENT_COLUMNS", "OBSERVATION_COLUMNS", "EMITS", "ENGINE_PARAMS",
           "SCALE_NAMES", "FAMILIES"]

RULES_DIR = CYPHER_DIR / "rules"
LINK_COLUMNS = ("a_type", "a_id", "b_type", "b_id", "weight", "evidence")
FLAG_COLUMNS = ("entity_type", "entity_id", "score", "evidence")
EVENT_COLUMNS = ("entity_type", "entity_id", "place", "t", "rep", "setl_id")
OBSERVATION_COLUMNS = ("entity_type", "entity_id", "hub_type", "hub_id", "peer_group", "observed", "exposure",
                       "evidence")
EMITS = {"events": EVENT_COLUMNS, "observations": OBSERVATION_COLUMNS, "link": LINK_COLUMNS, "flag": FLAG_COLUMNS}
# Optional trailing columns a rule may return after the fixed ones.
_OPTIONAL = {"observations": ("hub_exposure", "t_first"), "events": ("attr",)}
ENGINE_PARAMS = {"events": frozenset({"window", "min_repeats", "burst_min_size", "bursts"}),
                 "observations": frozenset({"min_ratio", "min_surprise", "rate", "per_fill"})}
SCALE_NAMES = ("sitting", "day", "episode")
FAMILIES = tuple(families())  # cypher/families/*.yaml
LEVELS = {"low": 0.4, "medium": 0.7, "high": 1.0}
_REQUIRED = ("title", "id", "family", "level", "seeds", "params", "emits", "description", "falsepositives")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_RETURN = re.compile(r"\bAS\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)


class RuleError(ValueError):
    """A rule file is malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    family: str
    level: str
    emits: str
    seeds: tuple[str, ...]
    params: dict[str, Any]
    description: str
    falsepositives: str
    query: str
    path: Path
    status: str = "stable"
    scale: str | None = None  # events rules: sitting | day | episode
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def level_weight(self) -> float:
        return LEVELS[self.level]

    @property
    def engine_param_names(self) -> frozenset[str]:
        return ENGINE_PARAMS.get(self.emits, frozenset()) & set(self.params)

    def query_params(self, bound: dict[str, Any]) -> dict[str, Any]:
        """The bound parameters the query itself takes (engine parameters removed)."""
        return {k: v for k, v in bound.items() if k not in self.engine_param_names}

    def bound_params(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Declared params with overrides applied (``"rule-id.param"`` beats ``"param"``)."""
        overrides = overrides or {}
        params = dict(self.params)
        for name, default in self.params.items():
            for key in (name, f"{self.id}.{name}"):  # the rule-specific key last, so it wins
                if key in overrides:
                    params[name] = _coerce_param(overrides[key], default, key)
        return params


def _coerce_param(value: Any, default: Any, key: str) -> Any:
    """An override takes the type of the declared default (numbers stay numbers)."""
    try:
        if isinstance(default, bool):
            return value if isinstance(value, bool) else str(value).lower() in {"1", "true", "yes"}
        if isinstance(default, (int, float)):
            return type(default)(value)
    except (TypeError, ValueError) as exc:
        raise RuleError(f"parameter `{key}` = {value!r} is not a {type(default).__name__}") from exc
    return value


def unknown_overrides(rules: list[Rule], overrides: dict[str, Any]) -> list[str]:
    """Override keys that name no declared parameter of any rule."""
    known = {name for r in rules for name in r.params} | {f"{r.id}.{name}" for r in rules for name in r.params}
    return sorted(k for k in overrides if k not in known)


def _split(text: str) -> tuple[str, str]:
    header, body, in_header = [], [], True
    for line in text.splitlines():
        if in_header and line.startswith("//"):
            header.append(line[3:] if line.startswith("// ") else line[2:])
        else:
            in_header = False
            body.append(line)
    return "\n".join(header), "\n".join(body).strip()


def load_rule(path: Path) -> Rule:
    path = Path(path)
    header, query = _split(path.read_text(encoding="utf-8"))
    try:
        meta = yaml.safe_load(header) or {}
    except yaml.YAMLError as exc:
        raise RuleError(f"{path}: header is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise RuleError(f"{path}: header must be YAML key: value lines")
    missing = [k for k in _REQUIRED if k not in meta]
    if missing:
        raise RuleError(f"{path}: header lacks {', '.join(missing)}")
    if not query:
        raise RuleError(f"{path}: no query after the header")
    return Rule(id=str(meta["id"]), title=str(meta["title"]), family=str(meta["family"]),
                level=str(meta["level"]), emits=str(meta["emits"]), seeds=tuple(meta["seeds"] or ()),
                params=dict(meta["params"] or {}), description=str(meta["description"]).strip(),
                falsepositives=str(meta["falsepositives"]).strip(), query=query, path=path,
                status=str(meta.get("status", "stable")),
                scale=str(meta["scale"]) if meta.get("scale") is not None else None, meta=meta)


def _problems(rule: Rule) -> list[str]:
    out = []
    if rule.family not in FAMILIES:
        out.append(f"family `{rule.family}` unknown (one of {', '.join(FAMILIES)})")
    if rule.level not in LEVELS:
        out.append(f"level `{rule.level}` unknown (low, medium, high)")
    if rule.emits not in EMITS:
        out.append(f"emits `{rule.emits}` must be one of {', '.join(EMITS)}")
    if rule.emits == "events" and rule.scale not in SCALE_NAMES:
        out.append(f"events rules need `scale:` one of {', '.join(SCALE_NAMES)}")
    if not rule.path.stem.startswith(rule.family + "_"):
        out.append(f"file name must be <family>_<behaviour>.cypher, starting with `{rule.family}_`")
    if not rule.seeds:
        out.append("seeds: name the policy clauses the rule enforces")
    used = set(_PARAM.findall(rule.query))
    undeclared = used - set(rule.params)
    if undeclared:
        out.append(f"parameters used but not declared in params: {', '.join(sorted(undeclared))}")
    unused = set(rule.params) - used - ENGINE_PARAMS.get(rule.emits, frozenset())
    if unused:
        out.append(f"params declared but not used: {', '.join(sorted(unused))}")
    returned = _returned_columns(rule.query)
    expected = EMITS.get(rule.emits, LINK_COLUMNS)
    optional = _OPTIONAL.get(rule.emits, ())
    if returned[:len(expected)] != expected or any(c not in optional for c in returned[len(expected):]):
        extra = f" (optionally then {', '.join(optional)})" if optional else ""
        out.append(f"must RETURN exactly {', '.join(expected)}{extra} (as aliases, in order); "
                   f"returns {', '.join(returned)}")
    return out


def _returned_columns(query: str) -> tuple[str, ...]:
    """Column names of the final RETURN: each item's alias, or the bare name."""
    start = query.upper().rfind("RETURN")
    if start < 0:
        return ()
    clause = re.split(r"\b(?:ORDER\s+BY|LIMIT|SKIP)\b", query[start + 6:], flags=re.IGNORECASE)[0]
    items, depth, current = [], 0, ""
    for char in clause:
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    names = []
    for item in items:
        alias = _RETURN.findall(item)
        names.append(alias[-1] if alias else item.strip().split("//")[0].strip())
    return tuple(names)


def check_catalogue(rules: list[Rule]) -> list[str]:
    """Every offence in a set of rules, as ``path: problem`` lines (empty = valid)."""
    offences = [f"{r.path}: {p}" for r in rules for p in _problems(r)]
    seen: dict[str, Path] = {}
    for r in rules:
        if r.id in seen:
            offences.append(f"{r.path}: id `{r.id}` already used by {seen[r.id]}")
        seen.setdefault(r.id, r.path)
    return offences


def load_catalogue(extra_dirs: list[Path] | None = None, *, check: bool = True) -> list[Rule]:
    """The built-in rules plus any ``--rules DIR`` folders, sorted by id."""
    paths = sorted(RULES_DIR.glob("*.cypher"))
    for folder in extra_dirs or []:
        folder = Path(folder)
        if not folder.is_dir():
            raise RuleError(f"rules folder {folder} not found")
        paths += sorted(folder.glob("*.cypher"))
    rules = [load_rule(p) for p in paths]
    if check:
        offences = check_catalogue(rules)
        if offences:
            raise RuleError("invalid rules:\n" + "\n".join(offences))
    return sorted(rules, key=lambda r: r.id)
