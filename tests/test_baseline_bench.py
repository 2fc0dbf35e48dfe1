"""The co-visit baseline in bench/ (the reference detector ringscan must beat) on a hand-made district."""
from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "baseline_covisit.py"

SETTLEMENT_COLUMNS = ["setl_id", "psn_no", "mdtrt_cert_no", "fixmedins_code", "setl_time", "med_type",
                      "begndate", "enddate", "medfee_sumamt"]


def _baseline():
    spec = importlib.util.spec_from_file_location("baseline_covisit", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _district(root: Path) -> tuple[list[str], list[str]]:
    trio, rows, n = ["0001", "0002", "0003"], [], 0

    def settle(psn: str, place: str, when: str, med_type: str = "41", begn: str = "") -> str:
        nonlocal n
        n += 1
        rows.append([f"S{n:04d}", psn, f"C{psn}", place, when, med_type, begn or when[:10], when[:10], "88.5"])
        return f"S{n:04d}"

    trio_setl = []
    for day in ("2023-03-01", "2023-03-09", "2023-03-20"):  # the trio swipes together on three days
        trio_setl += [settle(p, "P01", f"{day} 10:{5 * i:02d}:00") for i, p in enumerate(trio)]
    settle("0004", "P01", "2023-03-01 10:20:00")  # meets the trio once: a coincidence, not a link
    settle("0005", "P01", "2023-03-01 14:00:00")
    settle("0005", "H01", "2023-05-02 09:00:00", med_type="21", begn="2023-04-28")
    settle("0006", "H01", "2023-05-03 11:00:00", med_type="21", begn="2023-04-29")  # one admission pair
    settle("0007", "P02", "2023-06-01 08:00:00")
    with open(root / "settlements.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([SETTLEMENT_COLUMNS, *rows])
    persons = [["psn_no", "tel", "addr"], ["0001", "13800000001", "A路1号"], ["0002", "13800000002", "A路2号"],
               ["0003", "13800000003", "A路3号"], ["0004", "13800000004", "B路1号"],
               ["0005", "13800000005", "C路1号"], ["0006", "13800000006", "C路1号"],  # a couple: 2 people
               ["0007", "13800000004", "D路1号"]]  # shares 0004's phone: an identifier-only link
    with open(root / "persons.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(persons)
    return trio, trio_setl


@pytest.mark.parametrize("variant", ["described", "no_identifiers", "first_level"])
def test_planted_trio_is_one_ring(tmp_path: Path, variant: str) -> None:
    trio, trio_setl = _district(tmp_path)
    baseline = _baseline()
    assert variant in baseline.VARIANTS
    doc = baseline.covisit_rings(tmp_path, seed=0, variant=variant)

    assert doc["scan"]["backend"] == "baseline-covisit" and doc["scan"]["variant"] == variant
    assert doc["scan"]["communities"]["method"] == ("louvain-first-level" if variant == "first_level" else "louvain")
    # trio (3 pairs) + admission pair 0005–0006 (+ their address) + 0004–0007's phone, unless identifiers are off
    assert doc["scan"]["edges"] == (4 if variant == "no_identifiers" else 5)
    assert doc["scan"]["records"] == 14
    assert len(doc["rings"]) == 1
    ring = doc["rings"][0]
    assert set(ring) >= {"id", "kind", "score", "rank", "members", "evidence"}
    assert ring["id"].startswith("B-") and ring["kind"] == "covisit" and ring["rank"] == 1
    assert isinstance(ring["score"], float) and ring["score"] == 9.0  # three pairs, three days each
    assert sorted(m["id"] for m in ring["members"] if m["type"] == "Patient") == trio  # ids stay strings: "0001"
    assert sorted(m["id"] for m in ring["members"] if m["type"] == "Card") == [f"C{p}" for p in trio]
    assert sorted(ring["evidence"]) == sorted(trio_setl)


def test_default_is_described_and_unknown_variant_fails(tmp_path: Path) -> None:
    _district(tmp_path)
    baseline = _baseline()
    assert baseline.covisit_rings(tmp_path)["scan"]["variant"] == "described"
    with pytest.raises(ValueError, match="unknown variant"):
        baseline.covisit_rings(tmp_path, variant="leiden")


def test_cli_best_writes_and_reports_every_variant(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    _district(tmp_path)
    _baseline().main([str(tmp_path), "--variant", "best", "--out", str(tmp_path / "rings.json")])

    printed = capsys.readouterr().out
    for variant in ("described", "no_identifiers", "first_level"):
        doc = json.loads((tmp_path / f"rings-{variant}.json").read_text(encoding="utf-8"))
        assert doc["scan"]["variant"] == variant and len(doc["rings"]) == 1
        assert printed.count(f"{variant}: 1 rings") == 1
