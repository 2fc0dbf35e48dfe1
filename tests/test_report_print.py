"""A4 case sheets: `ringscan report --pdf` prints a ring to A4 through headless Chromium."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from report_helpers import CHROMIUM, hostile_scan as _hostile_scan
from ringscan.cli import app
from ringscan.report.pdf import ChromiumMissing, find_chromium

PDFINFO = shutil.which("pdfinfo")
MAX_PEOPLE = 20
MAX_SETTLEMENTS = 60  # about 45 evidence rows fit a page; a ring with more prints more pages


@pytest.fixture(scope="module")
def hostile_scan(district: Path, tmp_path_factory) -> Path:
    return _hostile_scan(district, tmp_path_factory)


def _one_ring_folder(scan: Path, folder: Path) -> dict:
    """A copy of the scan folder holding one ring of at most 20 people: the largest such ring."""
    doc = json.loads((scan / "rings.json").read_text(encoding="utf-8"))
    small = [r for r in doc["rings"] if sum(m["type"] == "Patient" for m in r["members"]) <= MAX_PEOPLE
             and len(r["evidence"]) <= MAX_SETTLEMENTS]
    ring = max(small, key=lambda r: (len(r["members"]), r["id"]))
    folder.mkdir()
    for path in scan.glob("*.csv"):
        shutil.copy(path, folder / path.name)
    (folder / "rings.json").write_text(json.dumps({**doc, "rings": [ring]}, ensure_ascii=False), encoding="utf-8")
    return ring


def _page_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None or PDFINFO is None,
                    reason="needs Debian's chromium and poppler-utils (scripts/test.sh installs them)")
def test_a_ring_prints_to_a4_with_the_map_alone_on_page_two(hostile_scan: Path, tmp_path: Path):
    ring = _one_ring_folder(hostile_scan / "out", tmp_path / "scan")
    result = CliRunner().invoke(app, ["report", str(tmp_path / "scan" / "rings.json"), "--pdf"])
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "scan" / "rings" / f"{ring['id']}.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    width, _, height = info.split("Page size:")[1].split()[:3]
    assert abs(float(width) - 595) < 1 and abs(float(height) - 842) < 1, "A4 portrait"
    pages = int(info.split("Pages:")[1].split()[0])
    assert 2 <= pages <= 4, f"{ring['id']} ({len(ring['evidence'])} settlements) printed on {pages} pages"
    first, second = _page_text(pdf, 1), _page_text(pdf, 2)
    assert "摘要" in first and "政策依据" in first and "《" in first
    assert "关系图" in second
    headings = [line.strip() for line in second.splitlines()]
    for heading in ("摘要", "政策依据", "时间线", "证据结算明细", "成员"):
        assert not any(h == heading or h.startswith(heading + " ·") for h in headings), \
            f"page 2 holds the map alone, not {heading}"
    for page in range(1, pages + 1):
        text = _page_text(pdf, page)
        assert ring["id"] in text and "已脱敏" in text and re.search(rf"第\s*{page}\s*页", text), page
    assert "证据结算明细" in "".join(_page_text(pdf, p) for p in range(3, pages + 1))


def test_missing_chromium_says_how_to_install_it(monkeypatch, hostile_scan: Path, tmp_path: Path):
    monkeypatch.setenv("RINGSCAN_CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(ChromiumMissing, match="apt-get install chromium"):
        find_chromium()
    result = CliRunner().invoke(app, ["report", str(hostile_scan / "out" / "rings.json"), "--out",
                                      str(tmp_path / "out"), "--pdf"])
    assert result.exit_code != 0
    assert not (tmp_path / "out" / "index.html").exists(), "nothing is rendered before the printer is found"
