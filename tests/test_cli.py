"""The CLI: exit codes, messages, JSON output, help for every command."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from ringscan.cli import app

runner = CliRunner()
README = Path(__file__).resolve().parent.parent / "README.md"


def invoke(*args: str):
    # The app runs in standalone mode here, as `python -m ringscan` would minus our wrapper.
    return runner.invoke(app, [str(a) for a in args])


def test_load_then_stats_json(fixtures: Path, tmp_path: Path):
    db = tmp_path / "g.lbdb"
    result = invoke("load", fixtures / "settlements.csv", fixtures / "persons.csv", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["read"] == report["loaded"] + report["rejected"] + report["duplicates"] == 6
    result = invoke("stats", "--db", db, "--json")
    assert result.exit_code == 0
    stats = json.loads(result.stdout)
    assert stats["nodes"]["Settlement"] == 4 and stats["relationships"]["PAID_WITH"] == 4


def test_missing_column_exits_nonzero_with_one_clear_line(fixtures: Path, tmp_path: Path):
    path = tmp_path / "no_time.csv"
    pd.read_csv(fixtures / "settlements.csv", dtype=str).drop(columns=["setl_time"]).to_csv(path, index=False)
    import subprocess, sys

    proc = subprocess.run([sys.executable, "-m", "ringscan", "load", str(path), "--db", str(tmp_path / "g")],
                          capture_output=True, text=True)
    assert proc.returncode != 0
    assert "setl_time" in proc.stderr and "no_time.csv" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "--mapping" in proc.stderr


def test_reject_rate_above_limit_exits_nonzero_after_writing(fixtures: Path, tmp_path: Path):
    rejects = tmp_path / "rejects.csv"
    result = invoke("load", fixtures / "settlements_defects.csv", "--db", tmp_path / "g", "--rejects", rejects)
    assert result.exit_code != 0
    assert rejects.exists() and len(pd.read_csv(rejects)) == 7
    result = invoke("load", fixtures / "settlements_defects.csv", "--db", tmp_path / "g2",
                    "--rejects", rejects, "--max-reject-rate", "0.9")
    assert result.exit_code == 0


def test_stats_without_database_is_a_clear_error(tmp_path: Path):
    import subprocess, sys

    proc = subprocess.run([sys.executable, "-m", "ringscan", "stats", "--db", str(tmp_path / "none")],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "ringscan load" in proc.stderr and "Traceback" not in proc.stderr


def test_every_command_has_help_and_is_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    for command in app.registered_commands:
        name = command.name or command.callback.__name__.replace("_", "-")
        result = invoke(name, "--help")
        assert result.exit_code == 0 and "Example:" in result.output, name
        assert re.search(rf"ringscan {name}\b", readme), f"`ringscan {name}` not documented in README"
