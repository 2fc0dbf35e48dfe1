"""A store survives a load killed at any moment; readers never see half a load; rejects are never lost.

The load runs in a subprocess and is killed with SIGKILL at 20, 40, 60 and
80 % of a clean load's duration; the same load is then run again. The store
must then hold exactly what a clean load holds: every node with every
property and every relationship (so the scan, a pure function of the store
and the seed, finds the same rings; checked once below).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from ringscan.graph.embedded import EmbeddedBackend
from ringscan.graph.model import NODES, RELS
from ringscan.graph.stats import graph_stats
from ringscan.ingest.load import load_files

KILL_AT = (0.2, 0.4, 0.6, 0.8)


def _load_cmd(data: Path, db: Path) -> list[str]:
    files = sorted(str(p) for p in data.glob("*.csv"))
    return [sys.executable, "-m", "ringscan", "load", *files, "--db", str(db), "--rejects", str(db) + ".rejects.csv"]


def _env(transaction_rows: str | None = None) -> dict:
    env = {**os.environ, "RINGSCAN_LOCK_WAIT": "0"}
    if transaction_rows is not None:  # 0: every bulk copy commits on its own, as a big load's do
        env["RINGSCAN_TRANSACTION_ROWS"] = transaction_rows
    return env


def _content(db: Path) -> dict:
    """Everything the store holds, in a canonical order."""
    out = {}
    with EmbeddedBackend(db, read_only=True) as store:
        for label, spec in NODES.items():
            props = ", ".join(f"n.{p} AS {p}" for p in spec.properties)
            frame = store.query(f"MATCH (n:{label}) RETURN {props}")
            out[label] = frame.sort_values(spec.key).astype(str).to_numpy().tolist()
        for rel, spec in RELS.items():
            for src, dst in spec.pairs:
                props = "".join(f", r.{p} AS {p}" for p in spec.properties)
                frame = store.query(f"MATCH (a:{src})-[r:`{rel}`]->(b:{dst}) "
                                    f"RETURN a.{NODES[src].key} AS a, b.{NODES[dst].key} AS b{props}")
                out[f"{rel}:{src}->{dst}"] = sorted(frame.astype(str).to_numpy().tolist())
        out["stats"] = graph_stats(store)
    return out


@pytest.fixture(scope="module")
def small_district(tmp_path_factory) -> Path:
    from ringscan.synth.district import generate_district

    out = tmp_path_factory.mktemp("crash-district")
    generate_district(out, patients=3000, days=90, seed=11)
    return out


@pytest.fixture(scope="module")
def clean(small_district: Path, tmp_path_factory) -> tuple[Path, float]:
    db = tmp_path_factory.mktemp("clean") / "graph.lbdb"
    started = time.perf_counter()
    subprocess.run(_load_cmd(small_district, db), check=True, capture_output=True, env=_env())
    return db, time.perf_counter() - started


@pytest.mark.parametrize("transaction_rows", [None, "0"], ids=["one-transaction", "commit-each-copy"])
@pytest.mark.parametrize("fraction", KILL_AT)
def test_a_killed_load_run_again_holds_what_a_clean_load_holds(small_district, clean, tmp_path, fraction,
                                                                transaction_rows):
    clean_db, seconds = clean
    db = tmp_path / "graph.lbdb"
    proc = subprocess.Popen(_load_cmd(small_district, db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=_env(transaction_rows))
    time.sleep(seconds * fraction)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    again = subprocess.run(_load_cmd(small_district, db), capture_output=True, text=True, env=_env())
    assert again.returncode == 0, again.stderr
    assert _content(db) == _content(clean_db)


def test_a_load_that_left_nodes_without_relationships_is_completed_by_the_next(small_district, clean, tmp_path):
    """What a store written in batches (Neo4j) keeps of a killed load: some tables, not others.

    The killed load's journal row stays unfinished and ``stats`` lists it; the
    next load resumes, writing stored rows again, so every relationship the
    killed load left out is there afterwards.
    """
    from ringscan.graph.journal import begin_load
    from ringscan.graph.model import GraphFrames
    from ringscan.ingest.load import stage_files

    clean_db, _ = clean
    files = sorted(small_district.glob("*.csv"))
    db = tmp_path / "graph.lbdb"
    with EmbeddedBackend(db) as store:
        begin_load(store, "killed", [str(f.resolve()) for f in files])
        _, _, graph = stage_files(files, store)
        store.write(GraphFrames(nodes=graph.nodes, rels={}))  # the batches that committed before the kill
        unfinished = graph_stats(store)["unfinished_loads"]
        assert [row["load_id"] for row in unfinished] == ["killed"]
        report = load_files(files, store)
    assert report.resumed and report.duplicates == 0
    assert _content(db) == _content(clean_db)


def test_resuming_is_for_the_same_files_and_still_rejects_conflicts(fixtures: Path, tmp_path: Path):
    """A load of other files does not resume someone else's unfinished load; a resumed load
    still refuses a settlement whose id is stored with other content; a write that fails
    part-way leaves its journal row unfinished, and the next load of the files completes it."""
    from ringscan.graph.journal import begin_load, unfinished_loads

    settlements = fixtures / "settlements.csv"
    other = tmp_path / "other" / "settlements.csv"
    other.parent.mkdir()
    frame = pd.read_csv(settlements, dtype=str)
    frame.iloc[:1].assign(medfee_sumamt="12345.67").to_csv(other, index=False)  # a stored id, other content
    with EmbeddedBackend(tmp_path / "g.lbdb") as store:
        load_files([settlements], store)
        begin_load(store, "killed", [str(settlements.resolve())])
        unrelated = load_files([fixtures / "persons.csv"], store)
        assert not unrelated.resumed and list(unfinished_loads(store)["load_id"]) == ["killed"]
        begin_load(store, "killed-too", [str(other.resolve())])
        resumed = load_files([other], store)
        assert resumed.resumed and resumed.by_reason.get("duplicate_id_different_content") == 1
        assert list(unfinished_loads(store)["load_id"]) == ["killed"]  # other files: still open
        assert load_files([settlements], store).resumed and unfinished_loads(store).empty

        def broken(frames, progress=None):
            raise RuntimeError("disk full")

        store._write = broken
        with pytest.raises(Exception, match="disk full"):
            load_files([settlements], store)
        assert len(unfinished_loads(store)) == 1  # a write that stopped part-way is left to resume
        del store._write
        assert load_files([settlements], store).resumed and unfinished_loads(store).empty


def test_a_scan_refuses_a_store_holding_an_unfinished_load(fixtures: Path, tmp_path: Path):
    """Writes commit table by table, so a store with an unfinished load may hold half of it:
    a scan says so in one line rather than report rings that miss their members."""
    from ringscan.graph.journal import begin_load
    from ringscan.messages import UserError
    from ringscan.rules.catalogue import load_catalogue
    from ringscan.scan import run_scan

    with EmbeddedBackend(tmp_path / "g.lbdb") as store:
        load_files([fixtures / f"{t}.csv" for t in ("settlements", "persons", "fee_details")], store)
        begin_load(store, "killed", [str((fixtures / "settlements.csv").resolve())])
        with pytest.raises(UserError, match="unfinished load killed"):
            run_scan(store, load_catalogue())
        load_files([fixtures / "settlements.csv"], store)
        assert run_scan(store, load_catalogue()).rings is not None


def test_rings_after_a_killed_load_equal_a_clean_load(small_district, clean, tmp_path):
    from ringscan.rules.catalogue import load_catalogue
    from ringscan.scan import run_scan

    clean_db, seconds = clean
    db = tmp_path / "graph.lbdb"
    proc = subprocess.Popen(_load_cmd(small_district, db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=_env())
    time.sleep(seconds * 0.7)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    subprocess.run(_load_cmd(small_district, db), check=True, capture_output=True, env=_env())
    catalogue = load_catalogue()

    def rings(path: Path) -> list:
        with EmbeddedBackend(path, read_only=True) as store:
            result = run_scan(store, catalogue, seed=1)
        return [(r.id, r.score, sorted(m["id"] for m in r.members)) for r in result.rings]

    found = rings(db)
    assert found and found == rings(clean_db)


def test_a_scan_during_a_load_waits_or_refuses_in_one_line(small_district, clean, tmp_path):
    db = tmp_path / "graph.lbdb"
    proc = subprocess.Popen(_load_cmd(small_district, db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=_env())
    try:
        deadline = time.time() + 60
        while not Path(str(db) + ".lock").exists() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        scan = subprocess.run([sys.executable, "-m", "ringscan", "scan", "--db", str(db), "--out",
                               str(tmp_path / "out"), "--json"], capture_output=True, text=True, env=_env())
    finally:
        proc.wait()
    if scan.returncode == 0:  # it waited for the load: then it saw all of it
        assert proc.returncode == 0
    else:
        assert "Traceback" not in scan.stderr + scan.stdout
        # --json: the error is the one JSON document on stdout; otherwise one line on stderr
        said = [line for line in (scan.stdout + scan.stderr).splitlines() if line.strip()]
        assert len(said) == 1 and "error" in json.loads(said[0]), (scan.returncode, scan.stdout, scan.stderr)
        assert not (tmp_path / "out" / "rings.json").exists()


def test_rejects_of_earlier_loads_stay(fixtures: Path, tmp_path: Path):
    rejects = tmp_path / "rejects.csv"
    bad1 = tmp_path / "one.csv"
    bad2 = tmp_path / "two.csv"
    header = "setl_id,psn_no,fixmedins_code,setl_time,medfee_sumamt\n"
    bad1.write_text(header + "S1,P1,H1,not a time,10\nS2,P1,H1,2024-03-01 09:00:00,10\n", encoding="utf-8")
    bad2.write_text(header + "S3,P2,H1,2024-03-02 09:00:00,abc\n", encoding="utf-8")
    with EmbeddedBackend(tmp_path / "g.lbdb") as store:
        first = load_files([bad1], store, rejects_path=rejects)
        second = load_files([bad2], store, rejects_path=rejects)
    assert first.rejected == 1 and second.rejected == 1
    kept = pd.read_csv(rejects, dtype=str)
    assert sorted(kept["file"]) == sorted([str(bad1), str(bad2)])
    assert kept["load_id"].nunique() == 2 and kept["loaded_at"].notna().all()


def test_a_row_loaded_twice_is_a_duplicate_for_every_column_type(fixtures: Path, tmp_path: Path):
    """Text, integers (birth day), floats (amounts), dates and empty cells read back equal to what is loaded."""
    persons = tmp_path / "persons.csv"
    persons.write_text("psn_no,psn_name,gend,brdy,tel,addr,certno\n"
                       "P1,张三,1,1925-01-19,13800000000,某区某路1号,110101192501190011\n"
                       "P2,李四,,1990-12-31,,,\n", encoding="utf-8")
    settlements = tmp_path / "settlements.csv"
    settlements.write_text("setl_id,psn_no,fixmedins_code,setl_time,medfee_sumamt,hifp_pay,acct_pay,begndate,"
                           "enddate,dise_codg,refd_setl_flag\n"
                           "S1,P1,H1,2024-03-01 09:30:00,123.45,100.1,0,2024-03-01,2024-03-03,E11.9,0\n"
                           "S2,P2,H1,2024-03-02,-5.5,,,,,,1\n", encoding="utf-8")
    with EmbeddedBackend(tmp_path / "g.lbdb") as store:
        load_files([persons, settlements], store)
        before = graph_stats(store)
        again = load_files([persons, settlements], store)
        assert again.duplicates == again.read == 4 and again.loaded == 0 and again.rejected == 0
        assert graph_stats(store) == before


def test_control_characters_are_rejected_with_a_reason(tmp_path: Path):
    path = tmp_path / "persons.csv"
    path.write_bytes("psn_no,psn_name\nP1,张\x00三\nP2,李四\nP3,王\x1b五\n".encode())
    with EmbeddedBackend(tmp_path / "g.lbdb") as store:
        report = load_files([path], store, rejects_path=tmp_path / "rejects.csv")
    assert report.rejected == 2 and report.by_reason == {"control_character": 2}
    rows = pd.read_csv(tmp_path / "rejects.csv", dtype=str)
    assert sorted(rows["line"]) == ["2", "4"]
    assert all(json.loads(v)["psn_no"] in {"P1", "P3"} for v in rows["values"])
