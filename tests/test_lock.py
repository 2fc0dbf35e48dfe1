"""One writer at a time: contention, waiting, readers, stale locks (ringscan/graph/lock.py)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ringscan.config import Settings
from ringscan.graph.lock import FileLocks, Holder, StoreBusy, lock_path, store_lock

HOLD = """
import sys, time
from pathlib import Path
from ringscan.config import Settings
from ringscan.graph.lock import store_lock
with store_lock(Settings(db=Path(sys.argv[1])), writer=sys.argv[2] == "write", wait=0, command="holder under test"):
    print("held", flush=True)
    time.sleep(float(sys.argv[3]))
"""


def holder(db: Path, mode: str, seconds: float) -> subprocess.Popen:
    """Another process holding the store's lock for ``seconds``, once it says so."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(db), mode, str(seconds)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_second_writer_gets_one_line_naming_the_first(tmp_path: Path):
    db = tmp_path / "g.lbdb"
    other = holder(db, "write", 30)
    try:
        with pytest.raises(StoreBusy) as busy:
            with store_lock(Settings(db=db), writer=True, wait=0):
                pass
        message = str(busy.value)
        assert "\n" not in message and f"pid {other.pid}" in message and "`holder under test`" in message
        assert "being written" in message and "since 20" in message and busy.value.holder.pid == other.pid
        info = json.loads(lock_path(db).read_text(encoding="utf-8"))
        assert {"pid", "host", "command", "started"} <= set(info) and info["host"] == socket.gethostname()
    finally:
        other.kill()
        other.wait()


def test_a_writer_waits_for_a_writer_then_goes_on(tmp_path: Path):
    db = tmp_path / "g.lbdb"
    other = holder(db, "write", 1.0)
    said: list[str] = []
    started = time.monotonic()
    with store_lock(Settings(db=db), writer=True, wait=30, notify=said.append):
        assert time.monotonic() - started >= 0.3
        assert json.loads(lock_path(db).read_text())["pid"] == os.getpid()
    other.wait()
    assert len(said) == 1 and said[0].startswith("waiting up to 30 s") and f"pid {other.pid}" in said[0]
    assert not lock_path(db).exists()


def test_readers_wait_for_a_writer_and_writers_for_readers(tmp_path: Path):
    db = tmp_path / "g.lbdb"
    writer = holder(db, "write", 30)
    try:
        with pytest.raises(StoreBusy, match="being written"):
            with store_lock(Settings(db=db), writer=False, wait=0.5):
                pass
    finally:
        writer.kill()
        writer.wait()
    reader = holder(db, "read", 30)
    try:
        with store_lock(Settings(db=db), writer=False, wait=0):  # readers share the store
            pass
        with pytest.raises(StoreBusy, match=f"being read by pid {reader.pid}"):
            with store_lock(Settings(db=db), writer=True, wait=0):
                pass
        assert not lock_path(db).exists()  # the writer that gave up left no lock behind
    finally:
        reader.kill()
        reader.wait()


def test_a_stale_lock_is_taken_over_with_a_message(tmp_path: Path):
    db = tmp_path / "g.lbdb"
    gone = Holder(dead_pid(), socket.gethostname(), "ringscan load a.csv", "2026-11-24T03:00:00+0800", "write")
    assert FileLocks(db).create("writer", gone)
    said: list[str] = []
    with store_lock(Settings(db=db), writer=True, wait=0, notify=said.append):
        assert json.loads(lock_path(db).read_text())["pid"] == os.getpid()
    assert said == [f"taking over a stale lock on {db}: pid {gone.pid} is no longer running "
                    f"({gone.describe()})"]
    elsewhere = Holder(os.getpid(), "another-host", "ringscan load b.csv", "2026-11-24T03:00:00+0800", "write")
    assert FileLocks(db).create("writer", elsewhere)
    said.clear()
    with store_lock(Settings(db=db), writer=True, wait=0, notify=said.append):
        pass
    assert "it was taken on host another-host" in said[0]
    reader_gone = Holder(dead_pid(), socket.gethostname(), "ringscan scan", "2026-11-24T03:00:00+0800", "read")
    assert FileLocks(db).create("read-1-x", reader_gone)
    with store_lock(Settings(db=db), writer=True, wait=0):  # a dead reader does not block a writer
        pass
    assert list(tmp_path.glob("g.lbdb.lock*")) == []


def test_a_process_may_take_its_own_lock_again(tmp_path: Path):
    db = tmp_path / "g.lbdb"
    with store_lock(Settings(db=db), writer=True, wait=0):
        with store_lock(Settings(db=db), writer=True, wait=0):  # nightly: a load inside its own run
            pass
        assert lock_path(db).exists()
        with store_lock(Settings(db=db), writer=False, wait=0):
            pass
    assert not lock_path(db).exists()


def test_two_loads_at_once_one_clear_line_or_a_wait_and_counts_of_one_load(fixtures: Path, tmp_path: Path):
    """Issue 15: two loads started at once on one store."""
    from ringscan.synth.district import generate_district

    data = tmp_path / "data"
    generate_district(data, patients=3000, days=60, seed=2)
    files = [str(p) for p in sorted(data.glob("*.csv"))]
    db = tmp_path / "g.lbdb"
    env = {**os.environ, "RINGSCAN_LANG": "en"}
    cmd = [sys.executable, "-m", "ringscan", "load", *files, "--db", str(db), "--json"]
    first = subprocess.Popen(cmd, env={**env, "RINGSCAN_LOCK_WAIT": "0"}, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not lock_path(db).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    waited = subprocess.Popen(cmd, env={**env, "RINGSCAN_LOCK_WAIT": "120"}, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    refused = subprocess.run(cmd, env={**env, "RINGSCAN_LOCK_WAIT": "0"}, capture_output=True, text=True)
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    line = json.loads(refused.stdout)["message"] if refused.stdout.strip() else refused.stderr.strip()
    assert "\n" not in line.strip() and f"pid {first.pid}" in line and "being written" in line
    w_out, w_err = waited.communicate(timeout=300)
    assert waited.returncode == 0, w_err
    assert "waiting up to 120 s" in w_err
    once = json.loads(out)
    again = json.loads(w_out)
    assert again["loaded"] == 0 and again["duplicates"] == once["read"] - once["rejected"]
    single = tmp_path / "single.lbdb"
    subprocess.run([sys.executable, "-m", "ringscan", "load", *files, "--db", str(single), "--json"], env=env,
                   check=True, capture_output=True)
    stats = [json.loads(subprocess.run([sys.executable, "-m", "ringscan", "stats", "--db", str(d), "--json"],
                                       env=env, check=True, capture_output=True, text=True).stdout)
             for d in (db, single)]
    assert stats[0]["nodes"] == stats[1]["nodes"] and stats[0]["relationships"] == stats[1]["relationships"]
