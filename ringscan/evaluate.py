"""Detection quality against a truth file (planted rings and benign groups).

Scored the way the validation districts' README scores them:

* **recall@threshold** (0.5): a planted ring is found when some detected ring
  has Jaccard ≥ ``threshold`` with it on patient and card ids together;
* **precision**: of the top K detected rings by rank (K = ``k_factor`` ×
  planted), the share that overlap some planted ring with Jaccard ≥
  ``precision_threshold`` (0.3);
* **benign flagged**: a look-alike group that supplies at least half, and at
  least ``benign_min_people`` (3), of the patients of a top-K ring.

Truth entries without members (a ``families`` count) are counted, not scored.
"""
from __future__ import annotations

import json
from pathlib import Path

__all__ = ["evaluate", "jaccard"]

_PEOPLE = ("Patient", "Card")


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _truth_ids(entry: dict) -> set[str]:
    members = entry.get("members") or {}
    return {f"{t}|{i}" for t in _PEOPLE for i in members.get(t, [])}


def _ring_ids(ring: dict) -> set[str]:
    return {f"{m['type']}|{m['id']}" for m in ring["members"] if m["type"] in _PEOPLE}


def evaluate(truth_path: Path, rings_path: Path, *, threshold: float = 0.5, precision_threshold: float = 0.3,
             k_factor: int = 2, benign_min_people: int = 3) -> dict:
    truth = json.loads(Path(truth_path).read_text(encoding="utf-8"))
    rings = json.loads(Path(rings_path).read_text(encoding="utf-8"))["rings"]
    rings = sorted(rings, key=lambda r: r["rank"])
    detected = [(_ring_ids(r), r) for r in rings]
    planted = []
    for entry in truth["rings"]:
        ids = _truth_ids(entry)
        best = max(((jaccard(ids, d), r["id"], r["rank"], r["kind"]) for d, r in detected),
                   default=(0.0, None, None, None))
        planted.append({"id": entry["id"], "kind": entry["kind"], "size": len(ids),
                        "best_jaccard": round(best[0], 3), "ring": best[1], "rank": best[2],
                        "detected_kind": best[3]})
    kinds = sorted({p["kind"] for p in planted})
    recall = {k: round(sum(p["best_jaccard"] >= threshold for p in planted if p["kind"] == k)
                       / sum(p["kind"] == k for p in planted), 3) for k in kinds}
    k = k_factor * len(planted)
    top = detected[:k]
    truth_sets = [_truth_ids(e) for e in truth["rings"]]
    correct = [any(jaccard(d, t) >= precision_threshold for t in truth_sets) for d, _ in top]
    benign_hits = []
    for entry in truth.get("benign", []):
        group = {x for x in _truth_ids(entry) if x.startswith("Patient|")}
        if not group:
            continue
        for d, r in top:
            people = {x for x in d if x.startswith("Patient|")}
            supplied = len(people & group)
            if supplied >= benign_min_people and supplied >= 0.5 * len(people):
                benign_hits.append({"benign": entry["id"], "kind": entry["kind"], "ring": r["id"],
                                    "rank": r["rank"], "supplied": supplied, "ring_people": len(people)})
    return {
        "planted": len(planted), "detected": len(rings), "k": k,
        "recall_by_kind": recall,
        "recall": round(sum(p["best_jaccard"] >= threshold for p in planted) / max(len(planted), 1), 3),
        "precision_at_k": round(sum(correct) / max(len(top), 1), 3),
        "benign_in_top_k": benign_hits,
        "per_ring": planted,
    }
