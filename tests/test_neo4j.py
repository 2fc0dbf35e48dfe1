"""Neo4j backend: statement and parameter building here; the whole pipeline against a real server
when RINGSCAN_NEO4J_URI is set (never a fake one)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ringscan.config import CYPHER_DIR
from ringscan.graph.backend import BackendError
from ringscan.graph.cypher_files import named_statements, statements
from ringscan.graph.embedded import EmbeddedBackend
from ringscan.graph.model import NODES, RELS
from ringscan.graph.neo4j_import import export_neo4j_import, node_header, rel_header
from ringscan.graph.neo4j_store import Neo4jBackend, batches, node_statement, rel_statement, schema_statements, to_rows
from ringscan.graph.stats import graph_stats
from ringscan.graph.writeback import writeback_work
from ringscan.history.record import record_scan
from ringscan.history.store import scans
from ringscan.ingest.load import load_files
from ringscan.rings.assemble import Ring
from ringscan.rules.catalogue import load_catalogue
from ringscan.scan import run_scan

NEO4J_URI = os.environ.get("RINGSCAN_NEO4J_URI")
SKIP_REASON = ("Neo4j integration tests need a server: set RINGSCAN_NEO4J_URI (with RINGSCAN_NEO4J_USER and "
               "RINGSCAN_NEO4J_PASSWORD), e.g. after `docker compose up -d`")


# -- statements, parameters, batching (no server) -----------------------------
def test_statements_take_values_only_as_parameters():
    for label in NODES:
        statement = node_statement(label)
        assert statement.startswith("UNWIND $rows AS row MERGE") and "'" not in statement
    for rel, spec in RELS.items():
        for src, dst in spec.pairs:
            statement = rel_statement(rel, src, dst)
            assert f"(a:{src} {{{NODES[src].key}: row.from}})" in statement and "'" not in statement
    assert "coalesce(n.psn_name, row.psn_name)" in node_statement("Patient")
    assert "ON MATCH" not in node_statement("Settlement")  # settlements are never rewritten
    assert "MERGE (a)-[r:`INCLUDES` {feedetl_sn: row.feedetl_sn}]->(b)" in rel_statement("INCLUDES", "Settlement", "Drug")


def test_rows_are_plain_python_values():
    frame = pd.DataFrame({"setl_id": ["S1", "S2"], "setl_ts": np.array([1, 2], dtype="int64"),
                          "fund_pay": [1.5, np.nan], "begn_day": pd.array([3, None], dtype="Int64")})
    rows = to_rows(frame, ["setl_id", "setl_ts", "fund_pay", "begn_day", "not_there"])
    assert rows == [{"setl_id": "S1", "setl_ts": 1, "fund_pay": 1.5, "begn_day": 3},
                    {"setl_id": "S2", "setl_ts": 2, "fund_pay": None, "begn_day": None}]
    assert type(rows[0]["setl_ts"]) is int


def test_batches_cover_every_row_once():
    rows = [{"i": i} for i in range(12_345)]
    parts = list(batches(rows, 5000))
    assert [len(p) for p in parts] == [5000, 5000, 2345]
    assert [r for p in parts for r in p] == rows
    with pytest.raises(ValueError):
        list(batches(rows, 0))


def test_schema_covers_every_node_key():
    text = "\n".join(schema_statements())
    for label, spec in NODES.items():
        assert f"FOR (n:{label}) REQUIRE n.{spec.key} IS UNIQUE" in text
    assert all("IF NOT EXISTS" in s for s in schema_statements())


def test_writeback_replaces_rings_in_order():
    ring = Ring(id="R-1", kind="pharmacy_swipe", score=90.0, members=[{"type": "Card", "id": "C1"},
                {"type": "Patient", "id": "P1"}, {"type": "Pharmacy", "id": "Y1"}], amount=10.0, first_seen=None,
                last_seen=None, rules=["pharmacy-co-swipe"], evidence=[], explanation="x", explanation_en="x", rank=1)
    work = writeback_work([ring], "2026-01-01T00:00:00+00:00")
    assert work[0][0].startswith("MATCH (r:Ring) DETACH DELETE")
    assert work[1][1]["rings"][0]["id"] == "R-1"
    members = {statement.split("MATCH (m:")[1].split(" ")[0]: params["members"] for statement, params in work[2:]}
    assert members == {"Patient": [{"ring": "R-1", "id": "P1"}], "Card": [{"ring": "R-1", "id": "C1"}],
                       "Pharmacy": [{"ring": "R-1", "id": "Y1"}]}


def test_gds_statements_are_named():
    assert {"version", "clear", "edges", "project", "louvain", "leiden", "drop"} <= \
        set(named_statements(CYPHER_DIR / "gds" / "communities.cypher"))
    assert len(statements(CYPHER_DIR / "writeback" / "rings.cypher")) == 7


def test_missing_uri_is_a_clear_error():
    with pytest.raises(BackendError, match="RINGSCAN_NEO4J_URI"):
        Neo4jBackend.from_env(env={})


def test_unreachable_server_exits_with_one_line_naming_the_uri():
    env = {**os.environ, "RINGSCAN_NEO4J_URI": "bolt://127.0.0.1:1"}
    proc = subprocess.run([sys.executable, "-m", "ringscan", "stats", "--backend", "neo4j"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and "bolt://127.0.0.1:1" in lines[0] and "Traceback" not in proc.stderr


def test_password_never_in_messages(monkeypatch):
    monkeypatch.setenv("RINGSCAN_NEO4J_PASSWORD", "s3cret-pw")
    env = {**os.environ, "RINGSCAN_NEO4J_URI": "bolt://127.0.0.1:1"}
    proc = subprocess.run([sys.executable, "-m", "ringscan", "stats", "--backend", "neo4j"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert "s3cret-pw" not in proc.stderr + proc.stdout


def test_admin_import_files_have_neo4j_headers(district: Path, tmp_path: Path):
    with EmbeddedBackend(tmp_path / "g") as store:
        load_files(sorted(district.glob("*.csv")), store)
        counts = graph_stats(store)
        result = export_neo4j_import(store, tmp_path / "import")
    assert node_header("Settlement")[0] == "setl_id:ID(Settlement)" and "setl_ts:long" in node_header("Settlement")
    assert rel_header("AT", "Settlement", "Pharmacy")[:2] == [":START_ID(Settlement)", ":END_ID(Pharmacy)"]
    for label, n in counts["nodes"].items():
        assert result.files[f"{label}.csv"] == n
    for rel, n in counts["relationships"].items():
        assert sum(v for k, v in result.files.items() if k.startswith(rel + "__")) == n
    assert "--nodes=Patient=Patient.csv" in result.command
    first = (tmp_path / "import" / "Settlement.csv").read_text(encoding="utf-8").splitlines()[1]
    assert ".0," not in first.split(",", 8)[7]  # longs stay integral


# -- integration against a real server ----------------------------------------
@pytest.fixture(scope="module")
def neo4j_store():
    if not NEO4J_URI:
        pytest.skip(SKIP_REASON)
    store = Neo4jBackend.from_env(batch_size=2000)
    existing = int(store.query("MATCH (n) RETURN count(n) AS n")["n"].iloc[0])
    if existing and os.environ.get("RINGSCAN_NEO4J_ALLOW_CLEAR") != "1":
        store.close()
        pytest.skip(f"the database at RINGSCAN_NEO4J_URI={NEO4J_URI} is not empty; set "
                    "RINGSCAN_NEO4J_ALLOW_CLEAR=1 to let the tests clear it")
    store.query("MATCH (n) DETACH DELETE n")  # the test district is small
    yield store
    store.close()


@pytest.mark.neo4j
def test_neo4j_load_matches_embedded_and_is_idempotent(neo4j_store, district: Path, tmp_path: Path):
    files = sorted(district.glob("*.csv"))
    load_files(files, neo4j_store)
    with EmbeddedBackend(tmp_path / "g") as embedded:
        load_files(files, embedded)
        expected = graph_stats(embedded)
    got = graph_stats(neo4j_store)
    assert got["nodes"] == expected["nodes"] and got["relationships"] == expected["relationships"]
    load_files(files, neo4j_store)
    assert graph_stats(neo4j_store)["nodes"] == expected["nodes"]


@pytest.mark.neo4j
def test_neo4j_scan_matches_embedded_and_writes_rings_back(neo4j_store, district: Path, tmp_path: Path):
    if not int(neo4j_store.query("MATCH (s:Settlement) RETURN count(s) AS n")["n"].iloc[0]):
        load_files(sorted(district.glob("*.csv")), neo4j_store)
    rules = load_catalogue()
    on_neo4j = run_scan(neo4j_store, rules, seed=0)
    with EmbeddedBackend(tmp_path / "g") as embedded:
        load_files(sorted(district.glob("*.csv")), embedded)
        on_embedded = run_scan(embedded, rules, seed=0)
    summary = lambda res: [(r.id, r.kind, r.score, json.dumps(r.members)) for r in res.rings]  # noqa: E731
    assert summary(on_neo4j) == summary(on_embedded)
    recorded = record_scan(neo4j_store, on_neo4j)  # stable ids and history, then the write-back under those ids
    assert scans(neo4j_store)[-1].scan_id == recorded.scan.scan_id and on_neo4j.meta["written_back"]
    stored = neo4j_store.query("MATCH (r:Ring) RETURN r.id AS id ORDER BY id")["id"].tolist()
    assert stored == sorted(r.id for r in on_neo4j.rings)
    members = int(neo4j_store.query("MATCH (:Ring)-[m:HAS_MEMBER]->() RETURN count(m) AS n")["n"].iloc[0])
    assert members == sum(len(r.members) for r in on_neo4j.rings)
    again = run_scan(neo4j_store, rules, seed=0)
    record_scan(neo4j_store, again)  # a second scan replaces, not adds, and keeps every id
    assert int(neo4j_store.query("MATCH (r:Ring) RETURN count(r) AS n")["n"].iloc[0]) == len(on_neo4j.rings)
    assert [r.id for r in again.rings] == [r.id for r in on_neo4j.rings]
    assert {k["status"] for k in again.ring_keys.values()} <= {"unchanged"}


@pytest.mark.neo4j
def test_neo4j_explore_queries_run(neo4j_store):
    ring = neo4j_store.query("MATCH (r:Ring) RETURN r.id AS id ORDER BY r.score DESC LIMIT 1")
    if ring.empty:
        pytest.skip("no rings written back yet")
    for path in sorted((CYPHER_DIR / "explore").glob("*.cypher")):
        import yaml

        params = yaml.safe_load(next(l for l in path.read_text(encoding="utf-8").splitlines()
                                     if l.startswith("// params:"))[len("// params:"):])
        if "ring_id" in params:
            params["ring_id"] = ring["id"].iloc[0]
        for statement in statements(path):
            neo4j_store.query(statement, params)


@pytest.mark.neo4j
def test_neo4j_gds_communities_or_clear_message(neo4j_store):
    import networkx as nx

    from ringscan.rings.gds import gds_communities

    G = nx.Graph()
    G.add_weighted_edges_from([("a", "b", 1.0), ("b", "c", 1.0), ("a", "c", 1.0)])
    try:
        parts = gds_communities(neo4j_store, G, seed=1)
    except BackendError as exc:
        assert "Graph Data Science" in str(exc) and NEO4J_URI in str(exc)
        return
    assert parts == [["a", "b", "c"]]


@pytest.mark.neo4j
def test_neo4j_keeps_history_cases_files_and_one_writer(neo4j_store):
    import socket
    import time

    from ringscan.graph.lock import Holder, NodeLocks, StoreBusy, store_lock
    from ringscan.history.changes import diff_scans
    from ringscan.history.store import add_case, add_files, latest_cases, loaded_files
    from ringscan.scan import ScanResult

    def result(persons):
        members = [{"type": "Patient", "id": f"p{i}"} for i in persons] + [{"type": "Card", "id": f"c{i}"} for i in persons]
        ring = Ring("R-neo4j", "pharmacy_swipe", 50.0, members, 10.0, None, None, [], ["S1"], "x", "x", rank=1)
        return ScanResult({"backend": "neo4j", "started": "2026-11-24T03:00:00+00:00", "records": 1}, [ring],
                          pd.DataFrame(), pd.DataFrame(), pd.DataFrame())

    record_scan(neo4j_store, result([1, 2, 3]))
    add_case(neo4j_store, "R-neo4j", "dismissed", "测试", "tester")
    grown = result([1, 2, 3, 4])
    record_scan(neo4j_store, grown)
    assert grown.rings[0].id == "R-neo4j" and grown.ring_keys["R-neo4j"]["status"] == "grown"
    assert [r.id for r in diff_scans(neo4j_store).alerts(0)] == ["R-neo4j"]
    assert latest_cases(neo4j_store)["R-neo4j"].note == "测试"
    add_files(neo4j_store, [{"sha256": "ab" * 32, "name": "a.csv", "size": 1, "rows": 1}])
    assert "ab" * 32 in loaded_files(neo4j_store)

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        locks = NodeLocks(neo4j_store)
        assert locks.create("writer", Holder(sleeper.pid, socket.gethostname(), "ringscan load x", "now", "write"))
        with pytest.raises(StoreBusy, match=f"pid {sleeper.pid}"):
            with store_lock(None, writer=True, wait=0, table=NodeLocks(neo4j_store)):
                pass
    finally:
        sleeper.kill()
        sleeper.wait()
    time.sleep(0.1)
    said = []
    with store_lock(None, writer=True, wait=0, table=NodeLocks(neo4j_store), notify=said.append):
        assert neo4j_store.query("MATCH (l:RingscanLock) RETURN count(l) AS n")["n"].iloc[0] == 1
    assert "no longer running" in said[0]
    assert neo4j_store.query("MATCH (l:RingscanLock) RETURN count(l) AS n")["n"].iloc[0] == 0
