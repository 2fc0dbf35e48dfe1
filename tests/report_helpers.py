"""A hostile scan shared by the report tests (built once per session), and what they check pages with.

The shared district, made hostile: script tags in every person and institution
name, one institution named like a spreadsheet formula, and a third of the
people paying with their ID card (mdtrt_cert_type 02, the card number *is* the
ID number), as exports from the national platform do.
"""
from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from ringscan.graph.embedded import EmbeddedBackend
from ringscan.ingest.load import load_files
from ringscan.report.render import render_report
from ringscan.rules.catalogue import load_catalogue
from ringscan.scan import run_scan, write_scan

HOSTILE = "<script>document.title='PWNED'</script>"
FORMULA = '=HYPERLINK("http://x","click")'
CHROMIUM = shutil.which("chromium")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]
_CACHE: dict[str, Path] = {}


def hostile_scan(district: Path, tmp_path_factory) -> Path:
    """root/data (the files), root/db (the store), root/out (scan folder, masked pages)."""
    if "root" in _CACHE:
        return _CACHE["root"]
    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    shutil.copytree(district, data)
    for name, column in (("institutions.csv", "fixmedins_name"), ("persons.csv", "psn_name"),
                         ("settlements.csv", "fixmedins_name")):
        frame = pd.read_csv(data / name, dtype=str)
        frame[column] = frame[column].fillna("") + HOSTILE
        if name != "persons.csv":
            first = frame["fixmedins_code"] == frame["fixmedins_code"].iloc[0]
            frame.loc[first, column] = FORMULA + frame.loc[first, column]
        frame.to_csv(data / name, index=False)
    settlements = pd.read_csv(data / "settlements.csv", dtype=str)
    persons = pd.read_csv(data / "persons.csv", dtype=str).set_index("psn_no")
    id_card = settlements["psn_no"].map(lambda p: int(p[-3:]) % 3 == 0)
    settlements.loc[id_card, "mdtrt_cert_no"] = settlements.loc[id_card, "psn_no"].map(persons["certno"])
    settlements.loc[id_card, "mdtrt_cert_type"] = "02"
    settlements.to_csv(data / "settlements.csv", index=False)
    with EmbeddedBackend(root / "db") as store:
        load_files(sorted(data.glob("*.csv")), store)
    with EmbeddedBackend(root / "db", read_only=True) as store:
        write_scan(run_scan(store, load_catalogue(), seed=0), root / "out")
    render_report(root / "out" / "rings.json")
    _CACHE["root"] = root
    return root


def secrets_of(data: Path) -> dict[str, set[str]]:
    """Every ID number, phone and full name in persons.csv (names without the hostile suffix)."""
    persons = pd.read_csv(data / "persons.csv", dtype=str)
    names = {n.replace(HOSTILE, "") for n in persons["psn_name"].dropna()}
    return {"certno": set(persons["certno"].dropna()), "tel": set(persons["tel"].dropna()),
            "name": {n for n in names if len(n) >= 2}}


def numbers(text: str) -> set[str]:
    """Every run of digits (an ID number may end in X) long enough to be a phone or an ID number."""
    runs = re.findall(r"[0-9]{11,}[Xx]?", text)
    return set(runs) | {r[:-1] for r in runs if r[-1] in "Xx"}


class _Text(HTMLParser):
    """Visible text of a page: everything but <script> and <style>, SVG text included."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"


def synthetic_ring(people: int, places: int = 1, *, seed: int = 0, kind: str = "pharmacy_swipe"):
    """A ring of ``people`` patients, each with a card, swiping in sittings of about eight at ``places``
    pharmacies: (ring, links, evidence, directory, names), as the report reads them from a scan folder."""
    import numpy as np

    from ringscan.report.directory import Directory

    rng = np.random.default_rng(seed)
    patients = [f"33010200000{i:07d}" for i in range(people)]
    cards = [f"A3301020{i:08d}" for i in range(people)]
    shops = [f"P33010200{i:03d}" for i in range(places)]
    directory = Directory(holder=dict(zip(cards, patients)))
    for i, p in enumerate(patients):
        directory.names[("Patient", p)] = _SURNAMES[i % len(_SURNAMES)] + "*" + "明华伟芳娜敏静丽强磊"[i % 10]
    names = {("Pharmacy", s): f"华东大药房第{i + 1}分店" for i, s in enumerate(shops)}
    directory.names.update(names)
    rows, links, n = [], [], 0
    groups = [list(range(i, min(i + 8, people))) for i in range(0, people, 8)]
    for g, group in enumerate(groups):
        shop = shops[g % places]
        for day in range(int(rng.integers(2, 5))):
            start = 1_704_067_200 + int(rng.integers(0, 150)) * 86400 + 3600 * 17
            for j, member in enumerate(group):
                n += 1
                rows.append({"setl_id": f"S{n:08d}", "psn_no": patients[member], "mdtrt_cert_no": cards[member],
                             "fixmedins_code": shop, "place_label": "Pharmacy", "atddr_no": None, "med_type": "41",
                             "setl_ts": start + 300 * j, "setl_day": (start + 300 * j) // 86400, "begn_day": np.nan,
                             "end_day": np.nan, "dise_name": None, "medfee_sumamt": 200.0, "fund_pay": 180.0,
                             "refund": 0, "stay_days": np.nan, "admit_date": "", "discharge_date": ""})
        for a in group:
            for b in group:
                if a < b:
                    links.append({"rule": "pharmacy-co-swipe", "family": "pharmacy_swipe", "kind": "repeat",
                                  "a_type": "Patient", "a_id": patients[a], "b_type": "Patient", "b_id": patients[b],
                                  "weight": 3.0, "k": int(rng.integers(1, 7)), "evidence": []})
    evidence = pd.DataFrame(rows)
    members = [{"type": "Patient", "id": p} for p in patients] + [{"type": "Card", "id": c} for c in cards] + \
              [{"type": "Pharmacy", "id": s} for s in shops]
    ring = {"id": f"R-synthetic{people}", "rank": 1, "kind": kind, "score": 90.0, "amount": 180.0 * len(rows),
            "first_seen": "2024-01-01", "last_seen": "2024-06-30", "rules": ["pharmacy-co-swipe"],
            "explanation": f"{people} 名参保人 (合成团伙)", "explanation_en": f"{people} insured people (synthetic)",
            "evidence": list(evidence["setl_id"]), "members": members, "map": f"rings/R-synthetic{people}.html"}
    return ring, pd.DataFrame(links), evidence, directory, names


def svg_boxes(svg: str) -> tuple[list[tuple], list[tuple]]:
    """(label boxes, node boxes) of a static map: each label's box from its text, font size and centre."""
    import xml.etree.ElementTree as ET

    from ringscan.report.layout import box_at, text_width

    root = ET.fromstring(svg)
    labels, nodes = [], []
    for el in root.iter():
        tag = el.tag.split("}")[-1]
        cls = el.get("class", "")
        if tag == "text" and cls in ("node-label", "edge-label", "legend-label"):
            size = float(el.get("font-size"))
            labels.append(box_at((float(el.get("x")), float(el.get("y"))), text_width(el.text or "", size), size * 1.2))
        elif cls == "node":
            r = float(el.get("data-r"))
            if tag == "circle":
                x, y = float(el.get("cx")), float(el.get("cy"))
            elif tag == "rect":
                x, y = float(el.get("x")) + r, float(el.get("y")) + r
            else:
                x, y = float(el.get("data-x")), float(el.get("data-y"))
            nodes.append(box_at((x, y), 2 * r, 2 * r))
    return labels, nodes
