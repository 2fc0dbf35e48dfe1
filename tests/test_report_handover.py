"""A scan folder safe to hand over: no name, ID number or phone in any file; stable pseudonyms; no formulas."""
from __future__ import annotations

import csv
import doctest
import json
import stat
from pathlib import Path

import pytest

import ringscan.report.csvsafe as csvsafe
import ringscan.report.pii as pii
import ringscan.report.pseudonym as pseudonym
from report_helpers import FORMULA, HOSTILE, hostile_scan as _hostile_scan, numbers, secrets_of
from ringscan.graph.embedded import EmbeddedBackend
from ringscan.report.directory import StoreMismatch
from ringscan.report.pseudonym import KEY_SUFFIX, PREFIX
from ringscan.report.render import render_report
from ringscan.rules.catalogue import load_catalogue
from ringscan.scan import run_scan, write_scan


@pytest.fixture(scope="module")
def hostile_scan(district: Path, tmp_path_factory) -> Path:
    return _hostile_scan(district, tmp_path_factory)


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_masked_folder_holds_no_id_number_phone_or_full_name(hostile_scan: Path):
    secret = secrets_of(hostile_scan / "data")
    members = set()
    for ring in json.loads((hostile_scan / "out" / "rings.json").read_text(encoding="utf-8"))["rings"]:
        members |= {m["id"] for m in ring["members"] if m["type"] == "Patient"}
    files = _files(hostile_scan / "out")
    assert {p.suffix for p in files} >= {".html", ".svg", ".csv", ".json"}
    for path in files:
        text = path.read_text(encoding="utf-8")
        found = (secret["certno"] | secret["tel"]) & numbers(text)
        assert not found, f"{path.name} holds ID numbers or phones: {sorted(found)[:3]}"
        named = [n for n in secret["name"] if len(n) >= 3 and n in text]
        assert not named, f"{path.name} holds full names: {named[:3]}"
    assert not (hostile_scan / "out" / "people.csv").exists()


def test_id_card_vouchers_are_pseudonymised_everywhere_and_documented(hostile_scan: Path):
    doc = json.loads((hostile_scan / "out" / "rings.json").read_text(encoding="utf-8"))
    pseudonymised = [m for r in doc["rings"] for m in r["members"] if m.get("pseudonym")]
    assert pseudonymised and all(m["id"].startswith(PREFIX) for m in pseudonymised)
    assert all(m["type"] == "Card" for m in pseudonymised)  # the district's person numbers are not ID numbers
    pii_doc = doc["scan"]["pii"]
    assert pii_doc["masked"] and pii_doc["pseudonym"]["stable"] and len(pii_doc["pseudonym"]["key_id"]) == 8
    assert any("links.csv" in f for f in pii_doc["pseudonymised"])
    pages = "".join(p.read_text(encoding="utf-8") for p in (hostile_scan / "out" / "rings").glob("*.html"))
    assert f"Card|{PREFIX}" in pages, "map data names ID-card nodes by their pseudonym"
    key = Path(str(hostile_scan / "db") + KEY_SUFFIX)
    assert key.exists() and stat.S_IMODE(key.stat().st_mode) == 0o600


def test_pseudonyms_are_stable_across_scans_of_one_store(hostile_scan: Path, tmp_path: Path):
    with EmbeddedBackend(hostile_scan / "db", read_only=True) as store:
        write_scan(run_scan(store, load_catalogue(), seed=0), tmp_path)
    first = json.loads((hostile_scan / "out" / "rings.json").read_text(encoding="utf-8"))["rings"]
    again = json.loads((tmp_path / "rings.json").read_text(encoding="utf-8"))["rings"]
    assert [r["members"] for r in first] == [r["members"] for r in again]


def test_no_csv_cell_is_a_formula(hostile_scan: Path):
    hits = 0
    for path in (hostile_scan / "out").glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path.name, cell)
                    assert not cell.startswith("-") or csvsafe._NUMBER.match(cell), (path.name, cell)
                    hits += cell.startswith("'" + FORMULA)
    assert hits, "the formula-named institution is in the folder, defused"


def test_page_csv_download_is_defused(hostile_scan: Path):
    pages = "".join(p.read_text(encoding="utf-8") for p in (hostile_scan / "out" / "rings").glob("*.html"))
    assert "'" + FORMULA.replace('"', '\\"') in pages.replace("\\u003c", "<")
    assert HOSTILE not in pages


def test_reveal_refuses_another_store(hostile_scan: Path, tmp_path: Path, fixtures: Path):
    from ringscan.ingest.load import load_files

    with EmbeddedBackend(tmp_path / "other.lbdb") as store:
        load_files(sorted(fixtures.glob("*.csv"))[:1], store)
        pseudonym.store_key(store)
    with EmbeddedBackend(tmp_path / "other.lbdb", read_only=True) as store:
        with pytest.raises(StoreMismatch, match="not the one this scan read"):
            render_report(hostile_scan / "out" / "rings.json", tmp_path / "out", reveal=store)


@pytest.mark.parametrize("module", [pii, pseudonym, csvsafe])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0
