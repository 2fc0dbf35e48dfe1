"""Nightly operations end to end (issue 15): a district split by month, `ringscan nightly` run after run.

Run 1: month 1 in the inbox → new rings, exit 3. Every ring is then dismissed (`ringscan case`).
Run 2: the same inbox → nothing loaded, a new dated folder, dismissed rings marked, exit 0.
Run 3: month 2 added → rings keep their ids (unchanged/grown), a ring planted only in month 2 is new,
`gone` lists what vanished, a dismissed ring that grew is back in the alert, exit 3.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ringscan.cli import app

runner = CliRunner()


def split_by_month(district: Path, out: Path) -> list[Path]:
    """One folder per month of settlements (and their fee details); persons and institutions in the first."""
    settlements = pd.read_csv(district / "settlements.csv", dtype=str, keep_default_na=False)
    fees = pd.read_csv(district / "fee_details.csv", dtype=str, keep_default_na=False)
    month = settlements["setl_time"].str[:7]
    folders = []
    for i, m in enumerate(sorted(month.unique()), start=1):
        folder = out / f"m{i}"
        folder.mkdir(parents=True)
        part = settlements[month == m]
        part.to_csv(folder / f"settlements_{m}.csv", index=False)
        fees[fees["setl_id"].isin(set(part["setl_id"]))].to_csv(folder / f"fee_details_{m}.csv", index=False)
        if i == 1:
            for table in ("persons", "institutions"):
                shutil.copy(district / f"{table}.csv", folder / f"{table}.csv")
        folders.append(folder)
    return folders


def nightly(inbox: Path, db: Path, out: Path, *extra: str):
    return runner.invoke(app, ["nightly", str(inbox), "--db", str(db), "--out", str(out), "--lang", "en", *extra])


def rings_of(folder: Path) -> dict:
    return json.loads((folder / "rings.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from ringscan.synth.district import generate_district

    root = tmp_path_factory.mktemp("nightly")
    generate_district(root / "district", patients=3000, days=61, seed=5, variants="all", benign="all")
    months = split_by_month(root / "district", root / "months")
    inbox, db, out = root / "inbox", root / "g.lbdb", root / "scans"
    inbox.mkdir()
    (inbox / "README.txt").write_text("not data: nightly leaves it alone")
    for f in months[0].iterdir():
        shutil.copy(f, inbox / f.name)
    first = nightly(inbox, db, out)
    for ring in rings_of(out / "latest")["rings"]:
        done = runner.invoke(app, ["case", ring["id"], "--status", "dismissed", "--note", "benign: family",
                                   "--by", "tester", "--db", str(db)])
        assert done.exit_code == 0, done.output
    second = nightly(inbox, db, out)
    for f in months[1].iterdir():
        shutil.copy(f, inbox / f.name)
    third = nightly(inbox, db, out)
    return {"root": root, "db": db, "out": out, "results": [first, second, third],
            "folders": sorted(p for p in out.iterdir() if p.is_dir() and not p.is_symlink())}


def test_nightly_exit_codes_and_dated_folders(runs):
    first, second, third = runs["results"]
    assert [r.exit_code for r in (first, second, third)] == [3, 0, 3], [r.output for r in runs["results"]]
    assert len(runs["folders"]) == 3 and (runs["out"] / "latest").resolve() == runs["folders"][2].resolve()
    for folder in runs["folders"]:  # every run's folder is whole and stays
        assert {"rings.json", "index.html", "changes.json", "changes.csv", "changes.txt"} <= \
            {p.name for p in folder.iterdir()}
    assert "0 new" in second.output and "skip settlements_2024-01.csv" in second.output
    assert "load settlements_2024-02.csv" in third.output and "skip persons.csv" in third.output
    for result in runs["results"]:  # an 80-column log, ids never cut
        assert all(len(line) <= 80 for line in result.output.splitlines()), result.output


def test_second_run_loads_nothing_and_marks_dismissed_rings(runs):
    one, two = (rings_of(f) for f in runs["folders"][:2])
    assert one["scan"]["records"] == two["scan"]["records"]
    assert [r["id"] for r in two["rings"]] == [r["id"] for r in one["rings"]]
    assert {r["status"] for r in two["rings"]} == {"unchanged"}
    assert all(r["case"]["status"] == "dismissed" and r["case"]["author"] == "tester" for r in two["rings"])
    assert json.loads((runs["folders"][1] / "changes.json").read_text())["alerts"] == []


def test_month_two_keeps_ids_finds_the_new_ring_and_lists_the_gone(runs):
    one, three = rings_of(runs["folders"][0]), rings_of(runs["folders"][2])
    before = {r["id"] for r in one["rings"]}
    statuses = {r["id"]: r["status"] for r in three["rings"]}
    kept = [r for r in three["rings"] if r["id"] in before]
    assert kept and all(r["status"] in ("unchanged", "grown", "shrunk", "merged", "split") for r in kept)
    assert any(r["status"] == "grown" for r in kept) and any(r["status"] == "unchanged" for r in kept)
    for r in kept:
        assert r["first_detected"] == one["scan"]["scan_id"][:10] and r["id"] in r["previous_ids"]
    # A ring planted only in month 2 (its settlements all in February) is new.
    truth = json.loads((runs["root"] / "district" / "truth.json").read_text(encoding="utf-8"))
    month2 = [set(t["setl_ids"]) for t in truth["rings"] if t["variant"] == "one_episode"]
    found = [r for r in three["rings"] if any(set(r["evidence"]) & ids for ids in month2)]
    assert found and all(statuses[r["id"]] == "new" and not r["previous_ids"] for r in found)
    gone = three["scan"]["gone"]
    assert gone and set(gone) <= before and not set(gone) & set(statuses)
    changes = json.loads((runs["folders"][2] / "changes.json").read_text(encoding="utf-8"))
    said = {r["id"]: r["status"] for r in changes["rings"]}
    assert said == {i: s for i, s in statuses.items() if s != "unchanged"}
    assert [g["id"] for g in changes["gone"]] == gone
    index = (runs["folders"][2] / "index.html").read_text(encoding="utf-8")
    assert "Since the last scan" in index or "与上次扫描相比" in index
    for ring_id in gone:
        assert ring_id in index
    assert 'class="status status-new"' in index and 'class="status status-grown"' in index


def test_a_dismissed_ring_comes_back_when_it_grows(runs):
    three = rings_of(runs["folders"][2])
    changes = json.loads((runs["folders"][2] / "changes.json").read_text(encoding="utf-8"))
    alerts = set(changes["alerts"])
    dismissed = {r["id"]: r for r in three["rings"] if (r.get("case") or {}).get("status") == "dismissed"}
    grown = [i for i, r in dismissed.items() if r["status"] in ("grown", "merged")]
    assert grown and set(grown) <= alerts
    assert not {i for i, r in dismissed.items() if r["status"] in ("unchanged", "shrunk", "split")} & alerts
    assert all(r["status"] in ("new", "grown", "merged") for r in three["rings"] if r["id"] in alerts)


def test_history_diff_and_case_list_read_the_same_store(runs, tmp_path: Path):
    db = str(runs["db"])
    listed = runner.invoke(app, ["history", "--db", db, "--json"])
    scans = json.loads(listed.output)
    assert [s["scan_id"] for s in scans] == [f.name for f in runs["folders"]]
    assert scans[1]["counts"]["unchanged"] == scans[1]["rings"] and scans[2]["previous"] == scans[1]["scan_id"]
    shown = runner.invoke(app, ["diff", scans[0]["scan_id"], scans[2]["scan_id"], "--db", db, "--out", str(tmp_path),
                                "--lang", "en"])
    assert shown.exit_code == 0, shown.output
    direct = json.loads((tmp_path / "changes.json").read_text(encoding="utf-8"))
    latest = json.loads((runs["folders"][2] / "changes.json").read_text(encoding="utf-8"))
    assert direct["rings"] == latest["rings"] and direct["gone"] == latest["gone"]  # run 2 changed nothing
    assert "need attention" in shown.output and (tmp_path / "changes.txt").exists()
    cases = runner.invoke(app, ["case", "--list", "--db", db, "--lang", "en"])
    assert cases.exit_code == 0 and "benign: family" in cases.output and "dismissed" in cases.output
    unknown = runner.invoke(app, ["case", "R-0000000000", "--status", "dismissed", "--db", db])
    assert unknown.exit_code != 0


def test_a_missing_inbox_is_one_line_before_any_work(tmp_path: Path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "ringscan", "nightly", str(tmp_path / "nowhere"), "--db",
                             str(tmp_path / "g.lbdb"), "--out", str(tmp_path / "out"), "--lang", "en"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "nowhere is not a folder" in result.stderr
    assert not (tmp_path / "g.lbdb").exists()


def test_log_lines_fit_80_columns_in_chinese_too():
    from ringscan.nightly import _width, log_lines

    line = ("18:32:58 扫描 2026-12-02T183245: 4 个团伙 (新 4, 扩大 0, 缩小 0, 合并 0, 拆分 0, 消失 0) "
            "需关注 R-52796b345e 新发现 风险分 72.2 shared_identifier " + "超长的中文说明没有空格" * 6)
    lines = log_lines(line)
    assert len(lines) > 1 and all(_width(part) <= 80 for part in lines)
    words = " ".join(lines)
    assert "R-52796b345e" in words and "shared_identifier" in words  # ids and kinds are never cut


def test_latest_is_only_ever_a_link_nightly_made(tmp_path: Path):
    from ringscan.nightly import NightlyError, _point_latest

    (tmp_path / "2026-11-24T030000").mkdir()
    _point_latest(tmp_path, tmp_path / "2026-11-24T030000")
    assert (tmp_path / "latest").is_symlink() and (tmp_path / "latest").resolve().name == "2026-11-24T030000"
    (tmp_path / "latest").unlink()
    (tmp_path / "latest").mkdir()
    with pytest.raises(NightlyError, match="not a link ringscan made"):
        _point_latest(tmp_path, tmp_path / "2026-11-24T030000")
