"""The rule set: every file valid, and every query accepted by Neo4j's own front-end."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ringscan.config import CYPHER_DIR
from ringscan.rules.catalogue import FAMILIES, RuleError, check_catalogue, load_catalogue, load_rule

LINT = Path(__file__).resolve().parent.parent / "tools" / "cypher-lint"


def test_every_rule_file_is_valid():
    rules = load_catalogue(check=False)
    assert check_catalogue(rules) == []


def test_every_family_has_a_rule():
    assert {r.family for r in load_catalogue()} == set(FAMILIES)


def test_every_rule_cites_a_seed_document():
    for rule in load_catalogue():
        assert all(seed[:3] in {"000", "001", "002", "003"} for seed in rule.seeds), rule.id


def test_checker_names_the_offence(tmp_path: Path):
    bad = tmp_path / "pharmacy_swipe_bad.cypher"
    bad.write_text(
        "// title: t\n// id: pharmacy-co-swipe\n// family: pharmacy_swipe\n// level: high\n// seeds: ['000 三']\n"
        "// params: {window_s: 1}\n// emits: link\n// description: d\n// falsepositives: f\n"
        "MATCH (c:Card) WHERE c.x = $other RETURN c.id AS a_id\n", encoding="utf-8")
    offences = check_catalogue([*load_catalogue(), load_rule(bad)])
    text = "\n".join(offences)
    assert "other" in text and "window_s" in text and "a_type" in text and "already used" in text
    with pytest.raises(RuleError):
        load_catalogue([tmp_path])


def _cypher_files() -> list[Path]:
    return sorted(CYPHER_DIR.rglob("*.cypher"))


def _declared_params(path: Path) -> dict:
    if path.parent.name == "rules":
        return load_rule(path).params
    params = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("// params:"):
            import yaml

            params = yaml.safe_load(line[len("// params:"):]) or {}
    return params


def test_every_cypher_file_passes_neo4j_front_end():
    node = shutil.which("node")
    assert node, "Node.js is needed for the Neo4j Cypher front-end (scripts/test.sh installs the package)"
    assert (LINT / "node_modules" / "@neo4j-cypher" / "language-support").exists(), \
        "run `npm ci` in tools/cypher-lint (scripts/test.sh does)"
    items = []
    for path in _cypher_files():
        text = "\n".join(l for l in path.read_text(encoding="utf-8").splitlines() if not l.startswith("//"))
        for statement in [s for s in text.split(";") if s.strip()]:
            items.append({"file": str(path.relative_to(CYPHER_DIR)), "query": statement.strip(),
                          "params": _declared_params(path)})
    assert items
    proc = subprocess.run([node, str(LINT / "lint.mjs")], input=json.dumps(items), capture_output=True,
                          text=True, check=True)
    errors = [d for d in json.loads(proc.stdout) if d["severity"] == 1]
    assert errors == []


def test_front_end_catches_an_error():
    node = shutil.which("node")
    assert node
    bad = [{"file": "x", "query": "MATCH (n:Patient) WHERE n.psn_no = $nope RETURN n", "params": {}}]
    proc = subprocess.run([node, str(LINT / "lint.mjs")], input=json.dumps(bad), capture_output=True, text=True,
                          check=True)
    assert any("nope" in d["message"] for d in json.loads(proc.stdout))


def test_parameter_overrides():
    rule = {r.id: r for r in load_catalogue()}["pharmacy-co-swipe"]
    assert rule.bound_params({"min_repeats": "3"})["min_repeats"] == 3
    assert rule.bound_params({"min_repeats": 3, "pharmacy-co-swipe.min_repeats": 5})["min_repeats"] == 5
    assert rule.bound_params({"card-pool-clinic.min_repeats": 9})["min_repeats"] == 2
    with pytest.raises(RuleError):
        rule.bound_params({"window": "ten minutes"})
    assert rule.query_params(rule.bound_params()) == {}  # window and min_repeats are the engine's
    from ringscan.rules.catalogue import unknown_overrides

    assert unknown_overrides(load_catalogue(), {"min_repeats": 1, "nope.x": 1, "window": 3}) == ["nope.x"]


def _rel_scans(plan: str) -> list[tuple[str, str]]:
    """(tables, direction) of every relationship scan in an engine's drawn plan (boxes side by side)."""
    lines = plan.splitlines()
    found = []
    for i, line in enumerate(lines):
        for table in re.finditer(r"Tables: ([A-Za-z_`, ]+?)\s*│", line):
            for later in lines[i + 1:i + 3]:
                way = [d for d in re.finditer(r"Direction: (\S+)", later) if abs(d.start() - table.start()) < 12]
                if way:
                    found.append((table.group(1), way[0].group(1)))
                    break
    return found


def test_no_rule_walks_a_one_way_relationship_backwards(fixtures: Path, store):
    """The embedded store keeps AT, BY and INCLUDES from the settlement only (graph/model.py). A
    query the engine would run against that way stops with "please set the storage direction to
    BOTH"; which way it runs follows the query's shape, so the plan shows it on any data. (The
    two rules written before the change are caught: `(place)<-[]-(v)`, `(g)<-[]-(s)`.)"""
    from ringscan.graph.model import RELS
    from ringscan.ingest.load import load_files

    load_files([fixtures / n for n in ("institutions.csv", "persons.csv", "settlements.csv", "fee_details.csv")],
               store)
    one_way = {r.type for r in RELS.values() if not r.backward}
    assert one_way
    seen = 0
    for rule in load_catalogue():
        plan = store.query("EXPLAIN " + rule.query, rule.query_params(rule.bound_params(None))).iloc[0, 0]
        for tables, way in _rel_scans(plan):
            if {t.strip(" `") for t in tables.split(",")} & one_way:
                seen += 1
                assert "<-" not in way, f"{rule.id}: {tables} {way}"
    assert seen >= 5  # the plans were read: rules do walk these relationships, forward
