"""Evidence maps and index: offline, escaped, masked — checked in headless Chromium."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from ringscan.cli import app
from ringscan.graph.embedded import EmbeddedBackend
from ringscan.ingest.load import load_files

from ringscan.report.pii import Masker
from ringscan.report.render import render_report
from ringscan.report.ring_map import build_map
from ringscan.rules.catalogue import load_catalogue
from ringscan.scan import run_scan, write_scan

HOSTILE = "<script>document.title='PWNED'</script>"
CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module")
def hostile_scan(district: Path, tmp_path_factory) -> Path:
    """The shared district with script tags in every institution and person name."""
    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    shutil.copytree(district, data)
    for name, column in (("institutions.csv", "fixmedins_name"), ("persons.csv", "psn_name"),
                         ("settlements.csv", "fixmedins_name")):
        frame = pd.read_csv(data / name, dtype=str)
        frame[column] = frame[column].fillna("") + HOSTILE
        frame.to_csv(data / name, index=False)
    with EmbeddedBackend(root / "db") as store:
        load_files(sorted(data.glob("*.csv")), store)
    with EmbeddedBackend(root / "db", read_only=True) as store:
        write_scan(run_scan(store, load_catalogue(), seed=0), root / "out")
    render_report(root / "out" / "rings.json")
    return root


def _html_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))



def test_every_ring_has_a_page_and_the_index_links_it(hostile_scan: Path):
    out = hostile_scan / "out"
    rings = json.loads((out / "rings.json").read_text(encoding="utf-8"))["rings"]
    assert rings
    index = (out / "index.html").read_text(encoding="utf-8")
    for ring in rings:
        assert (out / ring["map"]).exists()
        assert f'href="{ring["map"]}"' in index


def test_input_never_reaches_html_raw(hostile_scan: Path):
    for path in _html_files(hostile_scan / "out"):
        assert "<script>document.title" not in path.read_text(encoding="utf-8"), path
    ring_pages = "".join(p.read_text(encoding="utf-8") for p in _html_files(hostile_scan / "out" / "rings"))
    assert "&lt;script&gt;" in ring_pages and "\\u003cscript\\u003e" in ring_pages  # shown, as text


def _numbers(text: str) -> set[str]:
    """Every run of digits (an ID number may end in X) long enough to be a phone or an ID number."""
    runs = re.findall(r"[0-9]{11,}[Xx]?", text)
    return set(runs) | {r[:-1] for r in runs if r[-1] in "Xx"}


def test_no_full_id_or_phone_without_reveal(hostile_scan: Path, tmp_path: Path):
    persons = pd.read_csv(hostile_scan / "data" / "persons.csv", dtype=str)
    secrets = set(persons["certno"].dropna()) | {t for t in persons["tel"].dropna() if len(t) >= 11}
    pages = "\n".join(p.read_text(encoding="utf-8") for p in _html_files(hostile_scan / "out"))
    assert not secrets & _numbers(pages)
    revealed = tmp_path / "revealed"
    render_report(hostile_scan / "out" / "rings.json", revealed, reveal_pii=True)
    shown = "\n".join(p.read_text(encoding="utf-8") for p in _html_files(revealed))
    assert secrets & _numbers(shown), "--reveal-pii shows the data"
    assert "--reveal-pii" in shown and "未脱敏" in shown


def test_pages_are_self_contained(hostile_scan: Path):
    for path in _html_files(hostile_scan / "out"):
        text = path.read_text(encoding="utf-8")
        assert "cdn." not in text and "cdnjs" not in text and "bootstrap" not in text.lower()
        assert 'src="http' not in text and 'href="http' not in text


def test_english_pages(hostile_scan: Path, tmp_path: Path):
    render_report(hostile_scan / "out" / "rings.json", tmp_path, lang="en")
    assert "Fraud ring leads" in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_big_ring_collapses_into_groups():
    members = [{"type": "Patient", "id": f"p{i}"} for i in range(400)] + \
              [{"type": "Card", "id": f"c{i}"} for i in range(400)] + [{"type": "Pharmacy", "id": "P1"}]
    ring = {"members": members}
    evidence = pd.DataFrame(columns=["setl_id", "psn_no", "mdtrt_cert_no", "place_label", "fixmedins_code",
                                     "atddr_no", "fund_pay", "refund", "setl_ts", "medfee_sumamt"])
    links = pd.DataFrame([{"a_type": "Card", "a_id": f"c{i}", "b_type": "Card", "b_id": f"c{i + 1}", "weight": 2.0,
                           "family": "pharmacy_swipe", "evidence": []} for i in range(399)])
    data = build_map(ring, links, evidence, {}, {}, Masker(), node_cap=300)
    assert data.collapsed and len(data.nodes) == 3


def test_report_cli_rerenders(hostile_scan: Path, tmp_path: Path):
    result = CliRunner().invoke(app, ["report", str(hostile_scan / "out" / "rings.json"), "--out", str(tmp_path),
                                      "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "index.html").exists() and _html_files(tmp_path / "rings")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (scripts/test.sh installs it)")
def test_pages_draw_offline_without_errors_in_chromium(hostile_scan: Path):
    from playwright.sync_api import sync_playwright

    out = hostile_scan / "out"
    pages = [out / "index.html", *_html_files(out / "rings")[:4]]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        context = browser.new_context()
        requests: list[str] = []

        def block(route):  # networking blocked: anything but the file itself is refused
            if not route.request.url.startswith("file://"):
                requests.append(route.request.url)
                return route.abort()
            return route.continue_()

        context.route("**/*", block)
        for path in pages:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            page.on("console", lambda msg, errors=errors: errors.append(msg.text) if msg.type == "error" else None)
            page.goto(path.as_uri())
            if path.name != "index.html":
                page.wait_for_function("window.ringscanNetwork !== undefined", timeout=15000)
                page.wait_for_timeout(1500)
                drawn = page.evaluate("""() => {
                    const c = document.querySelector('#map canvas');
                    if (!c) return 0;
                    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                    let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
                    return n; }""")
                assert drawn > 500, f"{path.name}: the map canvas is blank"
            assert page.title() != "PWNED", f"{path.name}: injected script ran"
            assert errors == [], f"{path.name}: {errors}"
            page.close()
        assert requests == [], f"pages asked the network for {requests}"
        browser.close()


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (scripts/test.sh installs it)")
def test_index_filter_by_kind(hostile_scan: Path):
    from playwright.sync_api import sync_playwright

    rings = json.loads((hostile_scan / "out" / "rings.json").read_text(encoding="utf-8"))["rings"]
    kind = rings[0]["kind"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto((hostile_scan / "out" / "index.html").as_uri())
        page.select_option("#kind-filter", kind)
        visible = page.evaluate("() => Array.from(document.querySelectorAll('#rings tbody tr'))"
                                ".filter(r => r.style.display != 'none').length")
        assert visible == sum(r["kind"] == kind for r in rings)
        browser.close()
