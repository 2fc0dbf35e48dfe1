"""The stall watchdog ends a process the engine has parked for good, and a CLI command runs again once."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_SCRIPT = """
import os, time
from ringscan.graph.stall import stall_watch
print("run", os.environ.get("RINGSCAN_STALL_RETRIED", "first"), flush=True)
if not os.environ.get("RINGSCAN_STALL_RETRIED") or os.environ.get("STALL_AGAIN"):
    with stall_watch("the bulk copy into Settlement", seconds=0.4, poll=0.05):
        time.sleep(30)  # no CPU: what a parked engine looks like
print("done", flush=True)
"""


def _run(path: Path, **env: str) -> subprocess.CompletedProcess:
    import os

    clean = {k: v for k, v in os.environ.items() if k != "RINGSCAN_STALL_RETRIED"}
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=60,
                          env={**clean, **env})


def test_a_stalled_library_call_ends_the_process_with_one_line(tmp_path: Path):
    script = tmp_path / "load_something.py"
    script.write_text(_SCRIPT, encoding="utf-8")
    result = _run(script)
    assert result.returncode == 75
    assert result.stdout.split() == ["run", "first"]
    assert result.stderr.count("\n") == 1 and "stopped making progress during the bulk copy into Settlement" in result.stderr
    assert "run it again" in result.stderr


def test_a_stalled_cli_command_runs_again_once(tmp_path: Path):
    script = tmp_path / "ringscan"  # what the console script is called
    script.write_text(_SCRIPT, encoding="utf-8")
    result = _run(script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["run", "first", "run", "1", "done"]
    assert "running the command again" in result.stderr
    again = _run(script, STALL_AGAIN="1")  # stalls the second time too: give up with one more line
    assert again.returncode == 75 and "run it again" in again.stderr.splitlines()[-1]
