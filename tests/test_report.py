"""Evidence pages and index: offline, escaped, masked — checked in headless Chromium."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from report_helpers import CHROMIUM, HOSTILE, hostile_scan as _hostile_scan, launch, numbers, secrets_of
from ringscan.cli import app
from ringscan.graph.embedded import EmbeddedBackend
from ringscan.report.directory import Directory
from ringscan.report.render import render_report
from ringscan.report.ring_map import build_map


@pytest.fixture(scope="module")
def hostile_scan(district: Path, tmp_path_factory) -> Path:
    return _hostile_scan(district, tmp_path_factory)


def _html_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def test_every_ring_has_a_page_and_the_index_links_it(hostile_scan: Path):
    out = hostile_scan / "out"
    rings = json.loads((out / "rings.json").read_text(encoding="utf-8"))["rings"]
    assert rings
    index = (out / "index.html").read_text(encoding="utf-8")
    for ring in rings:
        assert (out / ring["map"]).exists() and (out / "rings" / f"{ring['id']}.svg").exists()
        assert f'href="{ring["map"]}"' in index


def test_input_never_reaches_html_raw(hostile_scan: Path):
    for path in _html_files(hostile_scan / "out"):
        assert "<script>document.title" not in path.read_text(encoding="utf-8"), path
    ring_pages = "".join(p.read_text(encoding="utf-8") for p in _html_files(hostile_scan / "out" / "rings"))
    assert "&lt;script&gt;" in ring_pages and "\\u003cscript\\u003e" in ring_pages  # shown, as text


def test_no_full_id_or_phone_without_reveal_and_reveal_reads_the_store(hostile_scan: Path, tmp_path: Path):
    secret = secrets_of(hostile_scan / "data")
    pages = "\n".join(p.read_text(encoding="utf-8") for p in _html_files(hostile_scan / "out"))
    assert not (secret["certno"] | secret["tel"]) & numbers(pages)
    with EmbeddedBackend(hostile_scan / "db", read_only=True) as store:
        render_report(hostile_scan / "out" / "rings.json", tmp_path / "revealed", reveal=store)
    shown = "\n".join(p.read_text(encoding="utf-8") for p in _html_files(tmp_path / "revealed"))
    assert secret["certno"] & numbers(shown) and secret["tel"] & numbers(shown), "--reveal-pii shows the data"
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
                           "k": 2, "family": "pharmacy_swipe", "evidence": []} for i in range(399)])
    data = build_map(ring, links, evidence, Directory(), {}, node_cap=300)
    assert data.collapsed and len(data.nodes) == 3


def test_unsafe_ring_ids_are_refused(hostile_scan: Path, tmp_path: Path):
    doc = json.loads((hostile_scan / "out" / "rings.json").read_text(encoding="utf-8"))
    doc["rings"][0]["id"] = "../../escaped"
    (tmp_path / "rings.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValueError, match="not a plain id"):
        render_report(tmp_path / "rings.json", tmp_path / "out")
    assert not (tmp_path.parent / "escaped.html").exists()


def test_report_cli_rerenders(hostile_scan: Path, tmp_path: Path):
    result = CliRunner().invoke(app, ["report", str(hostile_scan / "out" / "rings.json"), "--out", str(tmp_path),
                                      "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "index.html").exists() and _html_files(tmp_path / "rings")


def test_pages_drawn_in_forked_workers_equal_pages_drawn_in_one_process(hostile_scan: Path, tmp_path: Path,
                                                                        monkeypatch):
    import ringscan.report.render as render

    rings_json = hostile_scan / "out" / "rings.json"
    assert len(json.loads(rings_json.read_text(encoding="utf-8"))["rings"]) >= 2
    monkeypatch.setattr(render, "PAGE_WORKERS", 1)
    one = render_report(rings_json, tmp_path / "one")
    monkeypatch.setattr(render, "PAGE_WORKERS", 2)
    monkeypatch.setattr(render, "PAGES_PER_WORKER", 1)
    two = render_report(rings_json, tmp_path / "two")
    assert [p.name for p in two.pages] == [p.name for p in one.pages]
    for page in (tmp_path / "one").rglob("*"):
        if page.is_file():
            assert (tmp_path / "two" / page.relative_to(tmp_path / "one")).read_bytes() == page.read_bytes(), page.name


def test_report_cli_reveal_needs_the_store(hostile_scan: Path, tmp_path: Path):
    rings = str(hostile_scan / "out" / "rings.json")
    result = CliRunner().invoke(app, ["report", rings, "--out", str(tmp_path), "--reveal-pii",
                                      "--db", str(tmp_path / "nowhere.lbdb")])
    assert result.exit_code != 0 and "--db" in str(result.exception or result.output)
    result = CliRunner().invoke(app, ["report", rings, "--out", str(tmp_path), "--reveal-pii",
                                      "--db", str(hostile_scan / "db")])
    assert result.exit_code == 0, result.output
    assert secrets_of(hostile_scan / "data")["certno"] & numbers(
        "".join(p.read_text(encoding="utf-8") for p in _html_files(tmp_path / "rings")))


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (scripts/test.sh installs it)")
def test_pages_draw_offline_without_errors_in_chromium(hostile_scan: Path):
    from playwright.sync_api import sync_playwright

    out = hostile_scan / "out"
    pages = [out / "index.html", *_html_files(out / "rings")[:4]]
    with sync_playwright() as p:
        browser = launch(p)
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
                page.wait_for_timeout(1000)
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
        browser = launch(p)
        page = browser.new_page()
        page.goto((hostile_scan / "out" / "index.html").as_uri())
        page.select_option("#kind-filter", kind)
        visible = page.evaluate("() => Array.from(document.querySelectorAll('#rings tbody tr'))"
                                ".filter(r => r.style.display != 'none').length")
        assert visible == sum(r["kind"] == kind for r in rings)
        browser.close()


def test_hostile_marker_is_in_the_data(hostile_scan: Path):
    """The hostile names reached the store, so the escaping tests above test something."""
    assert HOSTILE in (hostile_scan / "data" / "persons.csv").read_text(encoding="utf-8")
