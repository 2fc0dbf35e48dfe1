"""Render a saved scan (rings.json and the CSVs beside it) into index.html and rings/<id>.html (and PDFs).

Pages are masked from the folder's own files; ``reveal`` (a store, opened
read-only) adds the personal data, which never comes from a file.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import re
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from ..rules.catalogue import RuleError, load_catalogue
from .directory import Directory, directory_from_members, reveal_directory
from .i18n import cli_text, text
from .index_page import index_page
from .pdf import find_chromium, print_pdf
from .ring_page import ring_page

__all__ = ["ReportResult", "render_report", "SAFE_RING_ID"]

# Ring ids become file names: letters, digits, dot, dash and underscore only, never a path.
SAFE_RING_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_IDS = {c: str for c in ("psn_no", "mdtrt_cert_no", "fixmedins_code", "atddr_no", "setl_id", "a_id", "b_id", "id",
                         "entity_id", "ring_id", "holder", "cards", "med_list_codg", "dise_codg", "med_type",
                         "gender", "birth_year", "phone", "admit_date", "discharge_date", "place_label")}
Progress = Callable[[str, int, int], None]

# Ring pages are independent of each other: with many to draw, processes forked from this one
# draw them side by side (they inherit the scan's frames; nothing is copied or pickled). The 40
# pages of a 470k-settlement district: 2.3 s in one process. Fewer than PAGES_PER_WORKER pages
# a worker are drawn here: a fork costs more than it saves on so few.
PAGE_WORKERS = min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
PAGES_PER_WORKER = 8


@dataclass
class ReportResult:
    index: Path
    pages: list[Path]
    pdfs: list[Path] = field(default_factory=list)
    layout_seconds: dict[str, float] = field(default_factory=dict)  # ring id → map layout time


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=_IDS, keep_default_na=True) if path.exists() else pd.DataFrame()


def _rule_catalogue() -> dict:
    try:
        return {r.id: r for r in load_catalogue(check=False)}
    except RuleError:
        return {}


def _ring_links(doc: dict, links: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each ring's links: both ends among its members (one pass over links, however many rings)."""
    if not len(links):
        return {}
    rings_of: dict[tuple[str, str], set[str]] = {}
    for ring in doc["rings"]:
        for m in ring["members"]:
            rings_of.setdefault((m["type"], str(m["id"])), set()).add(ring["id"])
    owner = [sorted(rings_of.get((a, b), set()) & rings_of.get((c, d), set()))
             for a, b, c, d in zip(links["a_type"], links["a_id"], links["b_type"], links["b_id"])]
    rows = links.assign(_ring=owner).explode("_ring").dropna(subset=["_ring"])
    return {ring: g.drop(columns="_ring") for ring, g in rows.groupby("_ring")}


def render_report(rings_json: Path, out_dir: Path | None = None, *, lang: str = "zh", reveal=None,
                  node_cap: int = 300, pdf: bool = False, progress: Progress | None = None) -> ReportResult:
    """Write index.html and one page per ring (and rings/<id>.pdf with ``pdf``). ``out_dir`` defaults to the
    scan folder. ``reveal`` is the store the scan read: pages then show names, ID numbers, phones, addresses."""
    rings_json = Path(rings_json)
    src = rings_json.parent
    out = Path(out_dir) if out_dir else src
    doc = json.loads(rings_json.read_text(encoding="utf-8"))
    for ring in doc["rings"]:
        if not SAFE_RING_ID.match(str(ring["id"])) or ".." in str(ring["id"]):
            raise ValueError(f"ring id {ring['id']!r} in {rings_json} is not a plain id; refusing to use it as a file name")
    chromium = find_chromium() if pdf else None  # fail before rendering anything
    (out / "rings").mkdir(parents=True, exist_ok=True)
    links = _read_csv(src / "links.csv")
    if len(links):
        links["evidence"] = links["evidence"].fillna("").map(lambda s: [e for e in str(s).split(";") if e])
    evidence = _read_csv(src / "evidence.csv")
    drugs = _read_csv(src / "drugs.csv")
    members = _read_csv(src / "members.csv")
    directory: Directory = directory_from_members(members)
    names = {(r["type"], str(r["id"])): str(r["name"]) for r in members.to_dict("records")
             if r["type"] in ("Pharmacy", "Institution") and pd.notna(r.get("name"))} if len(members) else {}
    if reveal is not None:
        directory = reveal_directory(reveal, doc, directory)
    rules = _rule_catalogue()
    notice = text(lang, "pii_revealed" if directory.revealed else "pii_masked")
    by_ring = _ring_links(doc, links)
    if len(evidence) and "ring_id" in evidence:
        evidence_of = {ring: g for ring, g in evidence.groupby("ring_id")}
    else:  # a folder from before evidence.csv had ring_id
        evidence_of = {r["id"]: evidence[evidence["setl_id"].isin(set(r["evidence"]))] for r in doc["rings"]} \
            if len(evidence) else {}
    pages = _Pages(doc, out, links.head(0), by_ring, evidence, evidence_of, drugs, directory, names, rules, lang,
                   notice, node_cap)
    result = ReportResult(out / "index.html", [])
    total = len(doc["rings"])
    for done, (ring_id, path, seconds) in enumerate(pages.draw_all()):
        result.pages.append(path)
        result.layout_seconds[ring_id] = round(seconds, 3)
        if progress:
            progress(cli_text(lang, "report_pages"), done + 1, total)
    result.index.write_text(index_page(doc, rules, lang, notice, directory.revealed), encoding="utf-8")
    if pdf:
        for done, path in enumerate(result.pages):
            result.pdfs.append(print_pdf(path, path.with_suffix(".pdf"), chromium))
            if progress:
                progress(cli_text(lang, "report_pdf"), done + 1, len(result.pages))
    return result


@dataclass
class _Pages:
    """Everything a ring page is drawn from, and the drawing of one or all of them."""

    doc: dict
    out: Path
    no_links: pd.DataFrame
    by_ring: dict[str, pd.DataFrame]
    evidence: pd.DataFrame
    evidence_of: dict[str, pd.DataFrame]
    drugs: pd.DataFrame
    directory: Directory
    names: dict
    rules: dict
    lang: str
    notice: str
    node_cap: int

    def draw(self, i: int) -> tuple[str, Path, float]:
        """Write ring ``i``'s page and map; its id, page and map layout time."""
        ring = self.doc["rings"][i]
        mine = self.evidence_of.get(ring["id"], self.evidence.head(0))
        mine = mine.sort_values(["setl_ts", "setl_id"]) if len(mine) else mine
        drugs = self.drugs[self.drugs["setl_id"].isin(set(mine["setl_id"]))] if len(self.drugs) and len(mine) \
            else self.drugs.head(0)
        rendered = ring_page(ring, self.doc["scan"], self.by_ring.get(ring["id"], self.no_links), mine, drugs,
                             self.directory, self.names, self.rules, self.lang, self.notice, self.node_cap)
        path = self.out / "rings" / f"{ring['id']}.html"
        path.write_text(rendered.html, encoding="utf-8")
        (self.out / "rings" / f"{ring['id']}.svg").write_text(rendered.svg, encoding="utf-8")
        return ring["id"], path, rendered.layout_seconds

    def draw_all(self) -> Iterator[tuple[str, Path, float]]:
        """Every page, in ring order; in PAGE_WORKERS forked processes when there are enough."""
        total = len(self.doc["rings"])
        workers = min(PAGE_WORKERS, total // PAGES_PER_WORKER)
        if workers < 2 or not sys.platform.startswith("linux"):  # fork is safe to use on Linux only
            yield from map(self.draw, range(total))
            return
        global _FORKED
        _FORKED = self
        try:
            with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                     initializer=_quiet_worker) as pool:
                yield from pool.map(_draw_forked, range(total), chunksize=max(1, total // (workers * 4)))
        finally:
            _FORKED = None


_FORKED: _Pages | None = None  # the pages a forked worker draws (set in the parent just before the fork)


def _quiet_worker() -> None:
    """A page worker writes files only: its standard streams are the process's own (not the
    progress bar's, whose lock another thread of the parent may have held at the fork), and
    Ctrl-C is the parent's to handle (it stops once the pages in hand are written)."""
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _draw_forked(i: int) -> tuple[str, Path, float]:
    assert _FORKED is not None, "a page worker runs only in a process forked by _Pages.draw_all"
    return _FORKED.draw(i)
