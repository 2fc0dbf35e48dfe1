"""One language per page: no Chinese on an English page but names and places from the data, and no English on
a Chinese page but ids."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from report_helpers import hostile_scan as _hostile_scan, visible_text
from ringscan.report.i18n import rule_title
from ringscan.report.render import render_report
from ringscan.rules.catalogue import load_catalogue

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
WORD = re.compile(r"[A-Za-z]{2,}")
# English on a Chinese page that is an id in all but name: the product, a CLI flag, a file name, the pseudonym prefix.
ALLOWED = {"ringscan", "reveal", "pii", "links", "csv", "ID"}


@pytest.fixture(scope="module")
def pages(district: Path, tmp_path_factory) -> dict:
    root = _hostile_scan(district, tmp_path_factory)
    english = tmp_path_factory.mktemp("english")
    render_report(root / "out" / "rings.json", english, lang="en")
    return {"zh": root / "out", "en": english, "scan": root / "out"}


def _data_strings(scan: Path) -> list[str]:
    """Everything a page shows that comes from the input: names, places, diagnoses, drugs, parameter values."""
    values: set[str] = set()
    members = pd.read_csv(scan / "members.csv", dtype=str)
    for column in ("name", "district"):
        values |= set(members[column].dropna())
    values |= set(pd.read_csv(scan / "evidence.csv", dtype=str)["dise_name"].dropna())
    drugs = pd.read_csv(scan / "drugs.csv", dtype=str)
    values |= set(drugs["med_list_name"].dropna()) if len(drugs) else set()
    doc = json.loads((scan / "rings.json").read_text(encoding="utf-8"))
    values.add(doc["scan"]["backend"])  # an option value: embedded | neo4j
    for params in doc["scan"]["params"].values():
        values |= set(params)  # a parameter no translation names yet is shown by its name, an id
        for value in params.values():
            values |= {str(v) for v in (value if isinstance(value, list) else [value])}
    values |= {r["id"] for r in doc["rings"]} | {m["id"] for r in doc["rings"] for m in r["members"]}
    values |= {r["explanation"] for r in doc["rings"]}  # the Chinese page's own explanation holds only counts
    values = {v.lstrip("'") for v in values} | values
    # numbers and single letters go with the tokens holding digits; removing them here would cut ids apart
    return sorted((v for v in values if len(v) >= 2 and v != "nan" and not re.fullmatch(r"[\d.]+", v)),
                  key=len, reverse=True)


def _without(text: str, strings: list[str]) -> str:
    for value in strings:
        text = text.replace(value, " ")
    return text


def _page_files(folder: Path) -> list[Path]:
    return [folder / "index.html", *sorted((folder / "rings").glob("*.html"))]


def test_english_pages_have_no_chinese_outside_the_data(pages):
    data = _data_strings(pages["scan"])
    zh_explanations = {r["explanation"] for r in json.loads((pages["scan"] / "rings.json").read_text(
        encoding="utf-8"))["rings"]}
    for path in _page_files(pages["en"]):
        text = visible_text(path.read_text(encoding="utf-8"))
        assert not any(e in text for e in zh_explanations), path.name
        left = CJK.findall(_without(text, data))
        assert not left, f"{path.name}: Chinese outside the data: {''.join(left)[:60]}"


def test_chinese_pages_have_no_english_outside_ids(pages):
    data = _data_strings(pages["scan"])
    rule_ids = sorted((r.id for r in load_catalogue(check=False)), key=len, reverse=True)
    for path in _page_files(pages["zh"]):
        text = _without(visible_text(path.read_text(encoding="utf-8")), rule_ids + data)
        text = re.sub(r"ID~[0-9a-f]+", " ", text)  # pseudonyms, shown shortened: their hex can hold no digit
        # A card on a map is labelled "…" and its label's last six characters (ring_map._short_cards);
        # a masked card's label ends "(ID~" + six hex digits + ")", so five hex digits are shown,
        # with no digit among them about once in 135 labels.
        text = re.sub(r"…[0-9A-Za-z]+", " ", text)
        text = re.sub(r"\S*\d\S*", " ", text)  # codes, numbers, dates, setl ids, card numbers
        words = set(WORD.findall(text)) - ALLOWED
        assert not words, f"{path.name}: English outside ids: {sorted(words)[:10]}"


def test_rule_titles_are_split_by_language():
    for rule in load_catalogue(check=False):
        zh, en = rule_title(rule.title, "zh"), rule_title(rule.title, "en")
        assert zh and en and not CJK.search(en) and not WORD.search(zh), rule.id


def test_parameters_are_a_table_not_json(pages):
    for lang in ("zh", "en"):
        index = (pages[lang] / "index.html").read_text(encoding="utf-8")
        assert "{&quot;" not in index and '{"' not in visible_text(index)
        assert "<td>" in index.split("sheet-page")[-1]
