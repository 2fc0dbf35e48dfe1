"""Inputs checked before any work, errors a user can act on, exit codes (issue 14).

Each bad input must exit 2 with one line naming the path, no traceback, and
leave no store and no output behind.
"""
from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from ringscan.cli import main


def ringscan(*args, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ringscan", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env={**os.environ, "COLUMNS": "200", **(env or {})})


def one_line(proc: subprocess.CompletedProcess, *names: str) -> str:
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    for name in names:
        assert name in lines[0], (name, lines[0])
    return lines[0]


@pytest.fixture
def work(tmp_path: Path, fixtures: Path) -> Path:
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    (tmp_path / "header_only.csv").write_text("setl_id,psn_no,fixmedins_code,setl_time,medfee_sumamt\n")
    (tmp_path / "no_table.csv").write_text("a,b\n1,2\n")
    (tmp_path / "empty_folder").mkdir()
    (tmp_path / "a_file").write_text("x")
    return tmp_path


@pytest.mark.parametrize("case", ["empty", "header_only", "folder", "unknown_table", "missing", "rejects", "db"])
def test_bad_load_input_exits_2_with_one_line_and_creates_nothing(work: Path, fixtures: Path, case: str):
    good = fixtures / "settlements.csv"
    db, rejects = work / "g.lbdb", work / "r.csv"
    args, named = {
        "empty": ([work / "empty.csv"], "empty.csv"),
        "header_only": ([work / "header_only.csv"], "header_only.csv"),
        "folder": ([work / "empty_folder"], "empty_folder"),
        "unknown_table": ([good, work / "no_table.csv"], "no_table.csv"),
        "missing": ([good, work / "nope.csv"], "nope.csv"),
        "rejects": ([good, "--rejects", work / "a_file" / "r.csv"], "a_file"),
        "db": ([good, "--db", work / "a_file" / "g.lbdb"], "a_file"),
    }[case]
    if case != "db":
        args = [*args, "--db", db]
    if case != "rejects":
        args = [*args, "--rejects", rejects]
    proc = ringscan("load", *args, "--lang", "en")
    assert proc.returncode == 2, proc.stderr
    one_line(proc, named)
    assert not db.exists() and not rejects.exists() and not list(work.glob("g.lbdb*"))


def test_unwritable_out_is_refused_before_scanning(fixtures: Path, tmp_path: Path):
    db = tmp_path / "g.lbdb"
    assert ringscan("load", fixtures / "settlements.csv", "--db", db).returncode == 0
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    proc = ringscan("scan", "--db", db, "--out", blocker / "out", "--lang", "en")
    assert proc.returncode == 2
    one_line(proc, "a_file", "--out")
    proc = ringscan("scan", "--db", db, "--out", blocker, "--lang", "en")  # a file where a folder is needed
    assert proc.returncode == 2
    one_line(proc, "a_file")


def test_read_only_out_folder_is_refused(fixtures: Path, tmp_path: Path):
    # Refused for root too: a folder without write bits was made read-only on purpose.
    db = tmp_path / "g.lbdb"
    assert ringscan("load", fixtures / "settlements.csv", "--db", db).returncode == 0
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    proc = ringscan("scan", "--db", db, "--out", locked / "out")
    assert proc.returncode == 2 and not (locked / "out").exists()
    one_line(proc, "locked")
    rejects = tmp_path / "rejects.csv"
    rejects.write_text("")
    rejects.chmod(0o444)
    proc = ringscan("load", fixtures / "persons.csv", "--db", tmp_path / "g2.lbdb", "--rejects", rejects)
    assert proc.returncode == 2 and not (tmp_path / "g2.lbdb").exists()
    one_line(proc, "rejects.csv")
    locked.chmod(0o700)


def test_missing_store_is_one_line_in_chinese_by_default(tmp_path: Path):
    for command in ("stats", "scan"):
        proc = ringscan(command, "--db", tmp_path / "none.lbdb", "--out", tmp_path / "out") if command == "scan" \
            else ringscan(command, "--db", tmp_path / "none.lbdb")
        assert proc.returncode == 2
        line = one_line(proc, "none.lbdb", "ringscan load")
        assert line.startswith("错误:")
        assert not (tmp_path / "out").exists()


def test_lang_en_and_json_error_object(tmp_path: Path):
    proc = ringscan("load", tmp_path / "nope.csv", "--db", tmp_path / "g", "--lang", "en")
    assert one_line(proc, "nope.csv").startswith("error:")
    proc = ringscan("load", tmp_path / "nope.csv", "--db", tmp_path / "g", "--json")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    error = json.loads(proc.stdout)
    assert error["error"] == "input_missing" and error["file"].endswith("nope.csv") and "nope.csv" in error["message"]
    proc = ringscan("stats", "--db", tmp_path / "none", "--json", "--lang", "en")
    assert json.loads(proc.stdout)["error"] == "no_store"


def test_debug_shows_the_traceback(tmp_path: Path):
    proc = ringscan("load", tmp_path / "nope.csv", "--db", tmp_path / "g", "--debug")
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_mapping_naming_a_missing_column_writes_nothing(fixtures: Path, tmp_path: Path):
    mapping = tmp_path / "m.toml"
    mapping.write_text('[settlements]\nsetl_time = "结算时间"\n', encoding="utf-8")
    db = tmp_path / "g.lbdb"
    assert ringscan("load", fixtures / "persons.csv", "--db", db).returncode == 0
    before = ringscan("stats", "--db", db, "--json").stdout
    proc = ringscan("load", fixtures / "settlements.csv", "--db", db, "--mapping", mapping, "--lang", "en")
    assert proc.returncode == 2
    one_line(proc, "结算时间", "settlements.csv", "setl_time")
    assert ringscan("stats", "--db", db, "--json").stdout == before  # nothing written to the store


def test_exit_codes_and_version(fixtures: Path, tmp_path: Path, capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code in (0, None) and capsys.readouterr().out.startswith("ringscan ")
    with pytest.raises(SystemExit) as done:
        main(["load", "--no-such-option"])
    assert done.value.code == 2  # usage error
    with pytest.raises(SystemExit) as done:  # rejected rows above the limit
        main(["load", str(fixtures / "settlements_defects.csv"), "--db", str(tmp_path / "g"), "--lang", "en"])
    assert done.value.code == 1
    assert "rejected" in capsys.readouterr().err


def test_folder_loads_every_data_file_sorted_and_says_so(fixtures: Path, tmp_path: Path):
    folder = tmp_path / "exports"
    folder.mkdir()
    for name in ("settlements.csv", "persons.csv", "institutions.csv", "fee_details.csv"):
        shutil.copy(fixtures / name, folder / name)
    (folder / "notes.txt").write_text("not data")
    proc = ringscan("load", folder, "--db", tmp_path / "g.lbdb", "--json", "--max-reject-rate", "0.5")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert [Path(f["file"]).name for f in sorted(report["files"], key=lambda f: f["file"])] == \
        ["fee_details.csv", "institutions.csv", "persons.csv", "settlements.csv"]
    assert "fee_details.csv, institutions.csv, persons.csv, settlements.csv" in proc.stderr


def test_gzip_and_zip_exports_load_as_they_are(fixtures: Path, tmp_path: Path):
    plain = (fixtures / "settlements.csv").read_bytes()
    gz = tmp_path / "settlements.csv.gz"
    gz.write_bytes(gzip.compress(plain))
    zipped = tmp_path / "persons.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(fixtures / "persons.csv", "export/persons.csv")
    proc = ringscan("load", gz, zipped, "--db", tmp_path / "g.lbdb", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["read"] == 6 and report["rejected"] == 0
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.write(fixtures / "persons.csv", "a.csv")
        archive.write(fixtures / "persons.csv", "b.csv")
    proc = ringscan("load", two, "--db", tmp_path / "g2.lbdb", "--lang", "en")
    assert proc.returncode == 2
    one_line(proc, "two.zip", "a.csv, b.csv")


def test_stats_on_an_empty_store_prints_zeros(tmp_path: Path):
    rows = tmp_path / "s.csv"
    rows.write_text("setl_id,psn_no,fixmedins_code,setl_time,medfee_sumamt\nS1,P1,H1,not a time,1\n")
    db = tmp_path / "g.lbdb"
    assert ringscan("load", rows, "--db", db).returncode == 1  # everything rejected: above the limit
    proc = ringscan("stats", "--db", db, "--json")
    assert proc.returncode == 0, proc.stderr
    stats = json.loads(proc.stdout)
    assert set(stats["nodes"].values()) == {0} and stats["settlements"]["medfee_sumamt"] == 0
    proc = ringscan("stats", "--db", db)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr


def test_rejects_file_holds_the_row_as_read(fixtures: Path, tmp_path: Path):
    rejects = tmp_path / "r.csv"
    ringscan("load", fixtures / "settlements_defects.csv", "--db", tmp_path / "g", "--rejects", rejects)
    table = pd.read_csv(rejects, dtype=str, keep_default_na=False)
    assert {"file", "line", "field", "column", "reason", "values"} <= set(table.columns)
    original = pd.read_csv(fixtures / "settlements_defects.csv", dtype=str, keep_default_na=False)
    row = table[table["reason"] == "unparseable_time"].iloc[0]
    as_read = original.iloc[int(row["line"]) - 2].to_dict()
    assert json.loads(row["values"]) == as_read  # every column, empty cells included, as text


def test_blank_lines_keep_line_numbers(tmp_path: Path):
    from ringscan.ingest.inputs import read_inputs
    from ringscan.ingest.schema import Mapping

    path = tmp_path / "s.csv"
    path.write_text("setl_id,psn_no,fixmedins_code,setl_time,medfee_sumamt\n"
                    "S1,P1,H1,2024-03-01 09:00:00,10\n\n,,,,\nS2,P2,H1,bad,10\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="unparseable"):  # half the rows: a hint to give the format
        [batch] = read_inputs([path], Mapping(), max_amount=1e6)
    assert len(batch.raw) == 2 and batch.rejects["line"].tolist() == [5]


@pytest.mark.parametrize("content, lines", [
    (b"a\nb\nc\n", 3), (b"a\nb\nc", 3),              # LF, with and without a last break
    (b"a\r\nb\r\nc\r\n", 3), (b"a\r\nb\r\nc", 3),    # CRLF
    (b"a\rb\rc\r", 3), (b"a\r\nb\rc\n", 3),          # lone CR, and all three mixed
    (b"a\n\nb\n", 3), (b"", 0),                      # a blank line is a line; an empty file has none
])
def test_line_count_matches_how_a_csv_reader_breaks_lines(tmp_path: Path, content: bytes, lines: int):
    """The fast reader's row numbers are trusted only when the file's line count agrees with it."""
    from ringscan.ingest.readers import _lines

    path = tmp_path / "f.csv"
    path.write_bytes(content)
    assert _lines(path) == lines
