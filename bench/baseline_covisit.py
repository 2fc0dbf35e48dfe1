"""Baseline ring detector: Louvain communities of a patient co-visit graph (what graph-database fraud demos do).

    python bench/baseline_covisit.py DIR [--out rings.json] [--truth DIR/truth.json] [--seed 0]
                                     [--variant described|no_identifiers|first_level|best]

A reference ringscan's detector must beat, not part of the product. Two patients are linked when they
settled at the same place within 30 minutes (weight: distinct days on which that happened), were admitted
as inpatients (med_type 21) at the same institution within 2 days of each other (+1 per pair of
admissions), or share a phone or an address in persons.csv (+1 each; identifiers held by more than 50
people are placeholders and skipped). A pair counts with at least 2 co-visit days or any admission or
identifier link. Louvain communities with at least 3 patients are rings, scored by internal edge weight.

Variants. As described (``described``, the default), household phone/address links chain families
together, and Louvain's resolution limit then merges whole neighbourhoods into communities several times
larger than a ring, so it finds almost nothing. A reference is only useful as the strongest honest version
of itself, so two variants that avoid this are kept beside it: ``no_identifiers`` (co-visits and
admissions only: no household chains) and ``first_level`` (as described, but the first level of
``louvain_partitions``, before communities are merged into ever larger ones). ``--variant best`` runs all
three and reports each; compare a detector against the strongest.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import time
from datetime import datetime, timezone
from pathlib import Path

import networkx as nx
import pandas as pd

WINDOW = 30 * 60          # seconds between two settlements at one place
ADMISSION_DAYS = 2        # days between two admissions at one institution
MIN_COVISIT_DAYS = 2      # a co-visit-only pair needs this many distinct days
MAX_HOLDERS = 50          # a phone or address shared by more people is a placeholder
MIN_PATIENTS = 3          # patients in a community that makes it a ring
VARIANTS = ("described", "no_identifiers", "first_level")


def _pairs(df: pd.DataFrame) -> pd.DataFrame:
    """Order each row's two patients (a < b) and drop rows pairing a patient with themself."""
    df = df[df["psn_x"] != df["psn_y"]]
    return df.assign(a=df[["psn_x", "psn_y"]].min(axis=1), b=df[["psn_x", "psn_y"]].max(axis=1))


def _covisits(s: pd.DataFrame) -> pd.DataFrame:
    """Settlement pairs at one place within WINDOW: a self-join on (place, 30-minute bucket) and the next bucket."""
    left = s[["place", "bucket", "psn", "t", "day", "setl_id"]]
    parts = []
    for step in (0, 1):
        right = left.assign(bucket=left["bucket"] - step)  # right's own bucket is left's + step
        m = left.merge(right, on=["place", "bucket"], suffixes=("_x", "_y"))
        keep = (m["t_y"] - m["t_x"] <= WINDOW) & (m["t_y"] >= m["t_x"])
        if step == 0:  # both in one bucket: each unordered pair once
            keep &= (m["t_y"] > m["t_x"]) | (m["setl_id_x"] < m["setl_id_y"])
        parts.append(m[keep])
    return _pairs(pd.concat(parts, ignore_index=True))  # day_x: the earlier settlement's day


def _admissions(s: pd.DataFrame) -> pd.DataFrame:
    """Pairs of inpatient admissions at one institution whose admission dates are within ADMISSION_DAYS."""
    adm = s[(s["med_type"] == "21") & s["begndate"].notna()]
    day = pd.to_datetime(adm["begndate"], format="%Y-%m-%d").values.astype("datetime64[D]")
    adm = adm.assign(d=day.astype("int64"))
    m = adm[["place", "psn", "d", "setl_id"]].merge(adm[["place", "psn", "d", "setl_id"]], on="place",
                                                     suffixes=("_x", "_y"))
    m = m[(m["setl_id_x"] < m["setl_id_y"]) & ((m["d_x"] - m["d_y"]).abs() <= ADMISSION_DAYS)]
    return _pairs(m)


def _shared(persons: pd.DataFrame, column: str) -> pd.DataFrame:
    """Patient pairs holding one value of ``column``, skipping values held by more than MAX_HOLDERS people."""
    held = persons[["psn_no", column]].dropna().drop_duplicates()
    held = held[held.groupby(column)["psn_no"].transform("size").between(2, MAX_HOLDERS)]
    m = held.merge(held, on=column).rename(columns={"psn_no_x": "a", "psn_no_y": "b"})
    return m[m["a"] < m["b"]][["a", "b"]]  # each unordered pair once


def covisit_rings(data_dir: Path, seed: int = 0, variant: str = "described") -> dict:
    """Rings document (rings.json shape) of the co-visit baseline on ``data_dir``'s settlements and persons.

    ``variant`` is one of VARIANTS (see the module docstring).
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; one of {', '.join(VARIANTS)}")
    started, clock = datetime.now(timezone.utc).isoformat(timespec="seconds"), time.perf_counter()
    s = pd.read_csv(Path(data_dir) / "settlements.csv", dtype=str, keep_default_na=False, na_values=[""])
    persons = pd.read_csv(Path(data_dir) / "persons.csv", dtype=str, keep_default_na=False, na_values=[""])
    s = s.rename(columns={"psn_no": "psn", "fixmedins_code": "place"})
    t = pd.to_datetime(s["setl_time"], format="%Y-%m-%d %H:%M:%S")
    s = s.assign(t=t.values.astype("datetime64[s]").astype("int64"), day=t.dt.strftime("%Y-%m-%d"))
    s = s.assign(bucket=s["t"] // WINDOW)

    cov, adm = _covisits(s), _admissions(s)
    ident = pd.concat([_shared(persons, "tel"), _shared(persons, "addr")])
    if variant == "no_identifiers":  # co-visits and admissions only
        ident = ident.iloc[:0]
    w = pd.concat([cov.groupby(["a", "b"])["day_x"].nunique().rename("days"),
                   adm.groupby(["a", "b"]).size().rename("adm"),
                   ident.groupby(["a", "b"]).size().rename("ident")], axis=1).fillna(0)
    w = w[(w["days"] >= MIN_COVISIT_DAYS) | (w["adm"] > 0) | (w["ident"] > 0)]
    w["weight"] = w["days"] + w["adm"] + w["ident"]

    G = nx.Graph()
    G.add_weighted_edges_from((a, b, float(x)) for (a, b), x in w["weight"].items())
    if variant == "first_level":
        partition = next(nx.community.louvain_partitions(G, weight="weight", seed=seed), [])
    else:
        partition = nx.community.louvain_communities(G, weight="weight", seed=seed)
    communities = [c for c in partition if len(c) >= MIN_PATIENTS]
    method = "louvain-first-level" if variant == "first_level" else "louvain"
    label = {p: i for i, c in enumerate(communities) for p in c}
    cards = s.groupby("psn")["mdtrt_cert_no"].agg(lambda x: sorted(set(x.dropna())))
    evidence: dict[int, set[str]] = {i: set() for i in range(len(communities))}
    linked = pd.concat([cov, adm])[["a", "b", "setl_id_x", "setl_id_y"]]
    linked = linked[pd.MultiIndex.from_frame(linked[["a", "b"]]).isin(w.index)]
    linked = linked.assign(ca=linked["a"].map(label), cb=linked["b"].map(label))
    for i, x, y in linked[linked["ca"] == linked["cb"]][["ca", "setl_id_x", "setl_id_y"]].itertuples(index=False):
        evidence[int(i)].update((x, y))

    rings = []
    for i, c in enumerate(communities):
        patients = sorted(c)
        members = [{"type": "Patient", "id": p} for p in patients]
        members += [{"type": "Card", "id": k} for k in sorted({k for p in patients for k in cards.get(p, [])})]
        rings.append({"id": "B-" + hashlib.sha1("\n".join(patients).encode()).hexdigest()[:10], "kind": "covisit",
                      "score": float(G.subgraph(c).size(weight="weight")), "rank": 0, "members": members,
                      "evidence": sorted(evidence[i])})
    rings.sort(key=lambda r: (-r["score"], r["id"]))
    for rank, ring in enumerate(rings, start=1):
        ring["rank"] = rank
    scan = {"backend": "baseline-covisit", "started": started, "records": len(s),
            "period": [s["day"].min(), s["day"].max()] if len(s) else [None, None],
            "params": {"window_minutes": WINDOW // 60, "admission_days": ADMISSION_DAYS,
                       "min_covisit_days": MIN_COVISIT_DAYS, "max_identifier_holders": MAX_HOLDERS,
                       "min_patients": MIN_PATIENTS},
            "variant": variant, "communities": {"method": method, "seed": seed}, "patients": G.number_of_nodes(),
            "edges": G.number_of_edges(), "seconds": round(time.perf_counter() - clock, 2)}
    return {"scan": scan, "rings": rings}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="directory with settlements.csv and persons.csv")
    parser.add_argument("--out", type=Path, default=Path("rings.json"),
                        help="rings file (with --variant best: one per variant, rings-<variant>.json)")
    parser.add_argument("--truth", type=Path, help="truth.json to evaluate the rings against")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--variant", choices=[*VARIANTS, "best"], default="described",
                        help="which baseline (default described); best runs all three and reports each")
    args = parser.parse_args(argv)
    best = args.variant == "best"
    recalls = {}
    for variant in VARIANTS if best else (args.variant,):
        out = args.out.with_name(f"{args.out.stem}-{variant}{args.out.suffix}") if best else args.out
        doc = covisit_rings(args.data, seed=args.seed, variant=variant)
        out.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"{variant}: {len(doc['rings'])} rings from {doc['scan']['records']:,} settlements in "
              f"{doc['scan']['seconds']}s -> {out}")
        if args.truth:
            from ringscan.evaluate import evaluate

            result = evaluate(args.truth, out)
            recalls[variant] = result["recall"]
            print(json.dumps({k: v for k, v in result.items() if k != "per_ring"}, ensure_ascii=False, indent=1))
    if len(recalls) > 1:
        print(f"strongest: {max(recalls, key=lambda v: (recalls[v], -VARIANTS.index(v)))} (recall "
              + ", ".join(f"{v} {r:.3f}" for v, r in recalls.items()) + ")")


if __name__ == "__main__":
    main()
