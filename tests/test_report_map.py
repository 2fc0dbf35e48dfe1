"""Maps that read at a glance: no label over another, no node under another, live map = static map."""
from __future__ import annotations

import doctest
import time
from pathlib import Path

import pytest

import ringscan.report.layout as layout
from report_helpers import CHROMIUM, hostile_scan as _hostile_scan, launch, svg_boxes, synthetic_ring
from ringscan.report.layout import overlapping
from ringscan.report.map_svg import map_svg
from ringscan.report.ring_map import build_map, vis_data

LAYOUT_BUDGET_S = 5.0  # a ring of 300 members lays out in well under a second here; generous for CI


@pytest.fixture(scope="module")
def hostile_scan(district: Path, tmp_path_factory) -> Path:
    return _hostile_scan(district, tmp_path_factory)


def _no_overlaps(svg: str, name: str) -> None:
    labels, nodes = svg_boxes(svg)
    assert labels and nodes
    assert overlapping(labels) == [], f"{name}: labels overlap"
    assert overlapping(nodes) == [], f"{name}: a node hides another"
    both = overlapping(labels + nodes)
    assert both == [], f"{name}: a label covers a node: {both[:5]}"


def test_static_maps_of_a_scan_have_no_overlapping_labels_or_nodes(hostile_scan: Path):
    svgs = sorted((hostile_scan / "out" / "rings").glob("*.svg"))
    assert svgs
    for path in svgs:
        _no_overlaps(path.read_text(encoding="utf-8"), path.name)


@pytest.mark.parametrize("people,places", [(1, 1), (3, 1), (10, 1), (50, 2), (120, 2), (149, 2)])
def test_rings_of_3_to_300_members_lay_out_without_overlaps(people: int, places: int):
    ring, links, evidence, directory, names = synthetic_ring(people, places, seed=people)
    started = time.perf_counter()
    data = build_map(ring, links, evidence, directory, names, "zh")
    assert time.perf_counter() - started < LAYOUT_BUDGET_S
    assert not data.collapsed and len([n for n in data.nodes]) == len(ring["members"])
    _no_overlaps(map_svg(data, "zh"), f"{len(ring['members'])} members")


def test_one_edge_per_pair_strongest_labelled_and_every_edge_has_a_tooltip():
    ring, links, evidence, directory, names = synthetic_ring(16, 1)
    data = build_map(ring, links, evidence, directory, names, "zh")
    pairs = [frozenset((e.a, e.b)) for e in data.edges if e.kind == "link"]
    assert len(pairs) == len(set(pairs)) == len(links)
    labelled = [e for e in data.edges if e.label]
    assert 0 < len(labelled) <= 6 and all(e.title for e in data.edges)
    strongest = max(e.width for e in data.edges if e.kind == "link")
    assert any(e.width == strongest for e in labelled), "the strongest pair carries its label"


def test_live_map_uses_the_static_layout():
    ring, links, evidence, directory, names = synthetic_ring(12, 1)
    data = build_map(ring, links, evidence, directory, names, "en")
    nodes, edges, options = vis_data(data)
    where = {n["id"]: (n["x"], n["y"]) for n in nodes}
    assert all(where[n.id] == (n.x, n.y) and where[f"label|{n.id}"] == (n.lx, n.ly) for n in data.nodes)
    assert options["physics"] == {"enabled": False}


def test_cards_sit_beside_their_holders():
    ring, links, evidence, directory, names = synthetic_ring(20, 1)
    data = build_map(ring, links, evidence, directory, names, "zh")
    where = {n.id: n for n in data.nodes}
    for card, holder in directory.holder.items():
        c, p = where[f"Card|{card}"], where[f"Patient|{holder}"]
        assert c.y == p.y and 0 < c.x - p.x < 120


def test_doctests():
    assert doctest.testmod(layout).failed == 0


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (scripts/test.sh installs it)")
def test_real_label_boxes_in_chromium_do_not_overlap(hostile_scan: Path):
    """Rendered with the real CJK font: every label's measured box lies inside its estimated one, and no two
    measured boxes overlap, in the static SVG and in the live map."""
    from playwright.sync_api import sync_playwright

    svgs = sorted((hostile_scan / "out" / "rings").glob("*.svg"), key=lambda p: -p.stat().st_size)[:6]
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page()
        for path in svgs:
            page.goto(path.as_uri())
            boxes = page.evaluate("""() => Array.from(document.querySelectorAll(
                'text.node-label, text.edge-label, text.legend-label')).map(t => {
                  const b = t.getBBox(); const w = +t.dataset.w, h = +t.dataset.h;
                  const x = +t.getAttribute('x'), y = +t.getAttribute('y');
                  return [b.x, b.y, b.x + b.width, b.y + b.height, x - w / 2, y - h / 2, x + w / 2, y + h / 2]; })""")
            real = [tuple(b[:4]) for b in boxes]
            assert overlapping(real) == [], path.name
            for b in boxes:  # the estimate used for layout is never smaller than the rendered text
                assert b[0] >= b[4] - 1 and b[2] <= b[6] + 1, (path.name, b)
        ring_page = hostile_scan / "out" / "rings" / f"{svgs[0].stem}.html"
        page.goto(ring_page.as_uri())
        page.wait_for_function("window.ringscanNetwork !== undefined", timeout=15000)
        page.wait_for_timeout(500)
        live = page.evaluate("""() => { const n = window.ringscanNetwork;
            return n.body.nodeIndices.map(id => { const b = n.getBoundingBox(id);
                return [b.left, b.top, b.right, b.bottom]; }); }""")
        assert overlapping([tuple(b) for b in live], pad=0.5) == [], "live map: boxes overlap"
        browser.close()
