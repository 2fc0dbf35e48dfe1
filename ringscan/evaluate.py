"""Detection quality against a truth file (planted rings and benign groups).

For every planted ring: the best-matching detected ring by Jaccard similarity
of patient + card ids. Recall at ``threshold`` per ring kind; precision among
the top K = ``k_factor`` × planted rings (a top ring is correct when it matches
some planted ring at ``threshold``); and the benign groups that show up in
those top rings (Jaccard ≥ threshold with the group, or at least half the
ring's people from it).
"""
from __future__ import annotations

import json
from pathlib import Path

__all__ = ["evaluate", "jaccard"]

_PEOPLE = ("Patient", "Card")


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _truth_ids(entry: dict) -> set[str]:
    return {f"{t}|{i}" for t in _PEOPLE for i in entry["members"].get(t, [])}


def _ring_ids(ring: dict) -> set[str]:
    return {f"{m['type']}|{m['id']}" for m in ring["members"] if m["type"] in _PEOPLE}


def evaluate(truth_path: Path, rings_path: Path, *, threshold: float = 0.5, k_factor: int = 2) -> dict:
    truth = json.loads(Path(truth_path).read_text(encoding="utf-8"))
    rings = json.loads(Path(rings_path).read_text(encoding="utf-8"))["rings"]
    rings = sorted(rings, key=lambda r: r["rank"])
    detected = [(_ring_ids(r), r) for r in rings]
    planted = []
    for entry in truth["rings"]:
        ids = _truth_ids(entry)
        best = max(((jaccard(ids, d), r["id"], r["rank"], r["kind"]) for d, r in detected), default=(0.0, None, None, None))
        planted.append({"id": entry["id"], "kind": entry["kind"], "best_jaccard": round(best[0], 3),
                        "ring": best[1], "rank": best[2], "detected_kind": best[3]})
    kinds = sorted({p["kind"] for p in planted})
    recall = {k: round(sum(p["best_jaccard"] >= threshold for p in planted if p["kind"] == k)
                       / sum(p["kind"] == k for p in planted), 3) for k in kinds}
    k = k_factor * len(planted)
    top = detected[:k]
    truth_sets = [_truth_ids(e) for e in truth["rings"]]
    correct = [any(jaccard(d, t) >= threshold for t in truth_sets) for d, _ in top]
    benign_hits = []
    for entry in truth.get("benign", []):
        group = _truth_ids(entry)
        if not group:
            continue
        for d, r in top:
            people = {x for x in d if x.startswith("Patient|")}
            share = len(people & group) / len(people) if people else 0.0
            if jaccard(d, group) >= threshold or share >= 0.5:
                benign_hits.append({"benign": entry["id"], "kind": entry["kind"], "ring": r["id"], "rank": r["rank"]})
    return {
        "planted": len(planted), "detected": len(rings), "k": k,
        "recall_by_kind": recall,
        "recall": round(sum(p["best_jaccard"] >= threshold for p in planted) / max(len(planted), 1), 3),
        "precision_at_k": round(sum(correct) / max(len(top), 1), 3),
        "benign_in_top_k": benign_hits,
        "per_ring": planted,
    }
