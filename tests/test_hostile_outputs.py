"""Outputs that cannot be turned against their readers, and output folders written whole.

* a rings.json whose ring id is a path is refused before anything is written;
* hostile cell values (formula prefixes, markup, control characters, path
  separators, very long and non-BMP strings) either load exactly as given or
  are rejected with a reason, and no CSV cell ringscan writes from them starts
  a formula;
* a scan folder is replaced whole: a failed scan leaves the last one as it was,
  pages of vanished rings go, files ringscan did not write stay.
"""
from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_helpers import hostile_scan as _hostile_scan

from ringscan.graph.embedded import EmbeddedBackend
from ringscan.ingest.load import load_files
from ringscan.outfolder import MANIFEST, staged_output
from ringscan.report.render import render_report

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@pytest.fixture(scope="module")
def hostile_scan(district: Path, tmp_path_factory) -> Path:
    return _hostile_scan(district, tmp_path_factory)


def _formula_cells(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return [cell for row in csv.reader(fh) for cell in row
                if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.match(cell)]


@pytest.mark.parametrize("ring_id", ["../../x", "/tmp/ringscan-escape", "rings/../../x", "a/b"])
def test_a_ring_id_that_is_a_path_is_refused(hostile_scan: Path, tmp_path: Path, ring_id: str):
    scan = tmp_path / "scan"
    shutil.copytree(hostile_scan / "out", scan)
    doc = json.loads((scan / "rings.json").read_text(encoding="utf-8"))
    doc["rings"][0]["id"] = ring_id
    (scan / "rings.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    before = {p for p in tmp_path.parent.rglob("*")}
    with pytest.raises(ValueError, match="not a plain id"):
        render_report(scan / "rings.json", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not Path("/tmp/ringscan-escape.html").exists()
    assert {p for p in tmp_path.parent.rglob("*")} == before


_HOSTILE_TEXT = st.one_of(
    st.sampled_from(['=HYPERLINK("http://x","click")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\r=1",
                     "<script>alert(1)</script>", "../../etc/passwd", "a\\b/c", "\x00nul", "esc\x1b[31m",
                     "𠀀𝒳😀", "x" * 5000, "=1", "-12.5"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=_HOSTILE_TEXT, addr=_HOSTILE_TEXT, place=_HOSTILE_TEXT)
def test_hostile_values_load_as_given_or_are_rejected_and_never_become_formulas(tmp_path_factory, name, addr, place):
    folder = tmp_path_factory.mktemp("hostile-values")
    persons, institutions = folder / "persons.csv", folder / "institutions.csv"
    with open(persons, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["psn_no", "psn_name", "addr"], ["P1", name, addr], ["P2", "李四", "某路1号"]])
    with open(institutions, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["fixmedins_code", "fixmedins_name", "fixmedins_type"], ["H1", place, "1"]])
    rejects = folder / "rejects.csv"
    with EmbeddedBackend(folder / "g.lbdb") as store:
        report = load_files([persons, institutions], store, rejects_path=rejects)
        stored = store.query("MATCH (p:Patient) RETURN p.psn_no AS id, p.psn_name AS name, p.addr AS addr")
        places = store.query("MATCH (h:Institution) RETURN h.fixmedins_name AS name")
    # Cells are stripped of surrounding whitespace as Python strips it (which
    # includes the separators \x1c-\x1f); a control character in what remains
    # rejects the row, and a cell blank after stripping is missing.
    name, addr, place = name.strip(), addr.strip(), place.strip()
    if _CONTROL.search(name + addr):
        assert "P1" not in set(stored["id"]) and report.by_reason.get("control_character", 0) >= 1
    else:
        row = stored[stored["id"] == "P1"].iloc[0]
        for given_value, kept in ((name, row["name"]), (addr, row["addr"])):
            assert (None if pd.isna(kept) else kept) == (given_value or None), (given_value, kept)
    if _CONTROL.search(place):
        assert len(places) == 0
    elif place:
        assert places["name"].iloc[0] == place
    else:
        assert pd.isna(places["name"].iloc[0])
    if rejects.exists():
        assert not _formula_cells(rejects)


def test_a_failed_scan_leaves_the_last_folder_as_it_was(tmp_path: Path):
    out = tmp_path / "out"
    with staged_output(out) as staging:
        (staging / "rings").mkdir()
        (staging / "rings.json").write_text("first", encoding="utf-8")
        (staging / "rings" / "R-1.html").write_text("one", encoding="utf-8")
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with staged_output(out) as staging:
            (staging / "rings.json").write_text("half", encoding="utf-8")
            raise RuntimeError("scan failed")
    assert (out / "rings.json").read_text(encoding="utf-8") == "first"
    assert (out / "rings" / "R-1.html").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.writing-")]
    with staged_output(out) as staging:
        (staging / "rings").mkdir()
        (staging / "rings.json").write_text("second", encoding="utf-8")
        (staging / "rings" / "R-2.html").write_text("two", encoding="utf-8")
    assert (out / "rings.json").read_text(encoding="utf-8") == "second"
    assert not (out / "rings" / "R-1.html").exists()  # the vanished ring's page went
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"  # not ringscan's: untouched
    assert json.loads((out / MANIFEST).read_text(encoding="utf-8")) == ["rings.json", "rings/R-2.html"]
