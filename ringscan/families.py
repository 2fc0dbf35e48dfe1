"""Ring families as data: ``cypher/families/<family>.yaml``, read by rules, rings and reports.

Each file gives the family's name per language, its colour on maps, its link
label and the explanation template of its rings. Adding a family is adding a
file there and its rules (``cypher/rules/<family>_*.cypher``).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .config import CYPHER_DIR

__all__ = ["Family", "families", "family", "FAMILIES_DIR", "LANGS"]

FAMILIES_DIR = CYPHER_DIR / "families"
LANGS = ("zh", "en")
_REQUIRED = ("family", "order", "colour", "label", "link_label", "explanation")


@dataclass(frozen=True)
class Family:
    name: str
    order: int
    colour: str
    label: dict[str, str]
    link_label: dict[str, str]
    explanation: dict[str, str]
    path: Path

    def text(self, field: str, lang: str) -> str:
        values = getattr(self, field)
        return values.get(lang) or values["zh"]


def _load(path: Path) -> Family:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise ValueError(f"{path}: family file lacks {', '.join(missing)}")
    for key in ("label", "link_label", "explanation"):
        absent = [lang for lang in LANGS if not data[key].get(lang)]
        if absent:
            raise ValueError(f"{path}: `{key}` has no text for {', '.join(absent)}")
    if data["family"] != path.stem:
        raise ValueError(f"{path}: `family: {data['family']}` must match the file name")
    return Family(data["family"], int(data["order"]), str(data["colour"]), dict(data["label"]),
                  dict(data["link_label"]), dict(data["explanation"]), path)


@lru_cache(maxsize=None)
def families(folder: Path = FAMILIES_DIR) -> dict[str, Family]:
    """Every family, in their declared order."""
    found = sorted((_load(p) for p in Path(folder).glob("*.yaml")), key=lambda f: (f.order, f.name))
    if not found:
        raise ValueError(f"no family files in {folder}: the package is incomplete")
    return {f.name: f for f in found}


def family(name: str) -> Family:
    return families()[name]
