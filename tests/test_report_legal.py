"""Legal basis a court clerk can follow: every clause a rule cites resolves, and shows on the page."""
from __future__ import annotations

import doctest
import json
import re
from pathlib import Path

import pytest

import ringscan.report.legal as legal
from report_helpers import hostile_scan as _hostile_scan, visible_text
from ringscan.report.legal import legal_basis, resolve, unresolved
from ringscan.report.render import render_report
from ringscan.rules.catalogue import load_catalogue


@pytest.fixture(scope="module")
def hostile_scan(district: Path, tmp_path_factory) -> Path:
    return _hostile_scan(district, tmp_path_factory)


def test_every_rule_citation_resolves_to_a_document_and_a_summary():
    offenders = []
    for rule in load_catalogue(check=False):
        for cite in rule.seeds:
            clause = resolve(cite)
            if clause is None:
                offenders.append(f"{rule.path.name}: {cite!r} has no entry in cypher/legal_basis.yaml")
                continue
            doc = clause.document
            if not (doc.title.startswith("《") and doc.title.endswith("》")):
                offenders.append(f"{cite}: title not in 《》")
            if not (doc.number or doc.issuer) or not doc.date or not clause.clause or not clause.summary:
                offenders.append(f"{cite}: needs number or issuer, date, clause and summary")
            if not (clause.summary_en and clause.clause_en and doc.title_en):
                offenders.append(f"{cite}: needs the English rendering")
    assert offenders == []


def test_an_uncited_clause_is_reported():
    assert unresolved(["003 附件3 一.4", "999 九.9"]) == ["999 九.9"]


def test_the_file_names_what_is_missing(tmp_path: Path):
    bad = tmp_path / "legal.yaml"
    bad.write_text("documents:\n  '9': {title: 没有书名号, title_en: x, issuer: y, issuer_en: y, date: 2020年, "
                   "date_en: '2020'}\nclauses: {}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="《》"):
        legal_basis(bad)


def test_doctests():
    assert doctest.testmod(legal).failed == 0


def test_ring_pages_show_every_cited_clause_with_its_document(hostile_scan: Path, tmp_path: Path):
    doc = json.loads((hostile_scan / "out" / "rings.json").read_text(encoding="utf-8"))
    rules = {r.id: r for r in load_catalogue(check=False)}
    render_report(hostile_scan / "out" / "rings.json", tmp_path, lang="en")
    for ring in doc["rings"]:
        cited = {c for rid in ring["rules"] for c in rules[rid].seeds}
        assert {c["cite"] for c in ring["legal_basis"]} == cited, ring["id"]
        for lang, folder in (("zh", hostile_scan / "out"), ("en", tmp_path)):
            text = visible_text((folder / "rings" / f"{ring['id']}.html").read_text(encoding="utf-8"))
            text = re.sub(r"\s+", " ", text)
            for cite in cited:
                clause = resolve(cite)
                document = clause.document
                if lang == "zh":
                    assert document.title in text and clause.summary in text and clause.clause in text, cite
                    assert (document.number or document.issuer) in text and document.date in text, cite
                else:
                    assert document.title_en in text and clause.summary_en in text and clause.clause_en in text
                    assert (document.number_en or document.issuer_en) in text and document.date_en in text, cite
    documents = doc["scan"]["legal_documents"]
    assert all(c["document"] in documents for r in doc["rings"] for c in r["legal_basis"])
