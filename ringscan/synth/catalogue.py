"""The behaviour variants of every ring family and the benign look-alikes, and how to pick them.

A *variant* is one way a gang runs a fraud family (PATTERNS.md, "How groups
really behave"); a *look-alike* is a benign group that resembles a ring.
``--variants`` and ``--benign`` select them:

* ``default`` (or nothing): the generator's original scripts, byte for byte
  as before — one "classic" script per family and the original look-alikes;
* ``all``: every variant of every family / every look-alike;
* a comma list: ``pharmacy_swipe`` (all its variants),
  ``pharmacy_swipe:rotating``, ``fake_admission:staggered,refund_cashout``;
  ``--benign dialysis_cohort,placeholder_phone``.

>>> sorted(parse_variants("pharmacy_swipe:rotating,fake_admission"))
['fake_admission', 'pharmacy_swipe']
>>> parse_variants("pharmacy_swipe:rotating")["pharmacy_swipe"]
('rotating',)
>>> parse_variants(None) is None and parse_benign("default") is None
True
"""
from __future__ import annotations

from typing import Callable, Iterable

from . import broker_rings, drug_rings, lookalikes_care, lookalikes_crowds, swipe_rings, ward_rings
from .planter import Planter
from .traffic import BENIGN_KINDS, RING_KINDS

__all__ = ["RING_VARIANTS", "LOOKALIKES", "parse_variants", "parse_benign", "plant_variants", "plant_lookalikes",
           "describe", "VARIANTS_PER_20K"]

RING_VARIANTS: dict[str, dict[str, Callable]] = {}
for _module in (swipe_rings, ward_rings, drug_rings, broker_rings):
    RING_VARIANTS.update(_module.VARIANTS)
RING_VARIANTS = {family: RING_VARIANTS[family] for family in RING_KINDS}  # PATTERNS.md order
LOOKALIKES: dict[str, Callable] = {**lookalikes_care.LOOKALIKES, **lookalikes_crowds.LOOKALIKES}

# Rings planted per variant in a 20,000-patient district: two, so a detector that finds a
# variant once by luck does not score it as found; scales with the district, at least one.
VARIANTS_PER_20K = 2
# Look-alike groups per 20,000 patients (at least one each): families are common, and there
# is more than one placeholder and one cut-off address in a real export.
LOOKALIKES_PER_20K = {"family_pharmacy": 4, "placeholder_phone": 2, "truncated_address": 2}
# Identifier-changing look-alikes come last so no later group overwrites what they planted.
_LAST = ("nursing_home", "truncated_address", "placeholder_phone")


def _words(spec: str | Iterable[str]) -> list[str]:
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    return [w.strip() for w in items if w and w.strip()]


def parse_variants(spec: str | Iterable[str] | None) -> dict[str, tuple[str, ...]] | None:
    """{family: variants} for a ``--variants`` value; None means the default (classic) scripts."""
    if spec is None:
        return None
    words = _words(spec)
    if words in ([], ["default"]):
        return None
    if words == ["all"]:
        return {family: tuple(variants) for family, variants in RING_VARIANTS.items()}
    chosen: dict[str, list[str]] = {}
    for word in words:
        family, _, variant = word.partition(":")
        if family not in RING_VARIANTS:
            raise ValueError(f"unknown ring family `{family}` in --variants; choose from {', '.join(RING_VARIANTS)} "
                             "(or all, default)")
        names = list(RING_VARIANTS[family]) if not variant else [variant]
        for name in names:
            if name not in RING_VARIANTS[family]:
                raise ValueError(f"unknown variant `{name}` of {family}; its variants are "
                                 f"{', '.join(RING_VARIANTS[family])}")
            if name not in chosen.setdefault(family, []):
                chosen[family].append(name)
    return {family: tuple(n for n in RING_VARIANTS[family] if n in chosen[family])
            for family in RING_VARIANTS if family in chosen}


def parse_benign(spec: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """Look-alike kinds for a ``--benign`` value; None means the default (original) look-alikes."""
    if spec is None:
        return None
    words = _words(spec)
    if words in ([], ["default"]):
        return None
    if words == ["all"]:
        return tuple(LOOKALIKES)
    unknown = [w for w in words if w not in LOOKALIKES]
    if unknown:
        raise ValueError(f"unknown look-alike {', '.join(unknown)} in --benign; choose from "
                         f"{', '.join(LOOKALIKES)} (or all, default)")
    return tuple(k for k in LOOKALIKES if k in words)


def describe() -> dict:
    """{"rings": {family: {variant: description}}, "benign": {kind: description}} from the scripts' docstrings."""
    first = lambda fn: (fn.__doc__ or "").strip().splitlines()[0]
    return {"rings": {f: {v: first(fn) for v, fn in vs.items()} for f, vs in RING_VARIANTS.items()},
            "benign": {k: first(fn) for k, fn in LOOKALIKES.items()},
            "default_benign": list(BENIGN_KINDS)}


def _count(per_20k: float, n_patients: int) -> int:
    return max(1, int(round(per_20k * n_patients / 20_000)))


def plant_variants(p: Planter, selection: dict[str, tuple[str, ...]], n_patients: int, *, size: float = 1.0,
                   jitter: float = 1.0) -> None:
    """Plant every selected variant VARIANTS_PER_20K times per 20,000 patients."""
    for family, variants in selection.items():
        for variant in variants:
            for _ in range(_count(VARIANTS_PER_20K, n_patients)):
                gid, _group = p.ring(family, variant)
                RING_VARIANTS[family][variant](p, gid, size, jitter)


def plant_lookalikes(p: Planter, kinds: tuple[str, ...], n_patients: int) -> None:
    """Plant each selected look-alike (LOOKALIKES_PER_20K groups, at least one)."""
    ordered = [k for k in kinds if k not in _LAST] + [k for k in _LAST if k in kinds]
    for kind in ordered:
        for _ in range(_count(LOOKALIKES_PER_20K.get(kind, 1), n_patients)):
            gid, group = p.lookalike(kind)
            LOOKALIKES[kind](p, gid, group, n_patients)
