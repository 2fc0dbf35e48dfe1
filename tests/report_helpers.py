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
