"""One scan: read from the store, then pure stages, then write back.

    store ──read──▶ card holders, persons, institution visits ──pure──▶ scheduled care
          ──read──▶ each rule's rows ──pure──▶ its evidence links (a rule at a time)
          ──pure──▶ suspicion graph → communities
          ──read──▶ the settlements the links cite
          ──pure──▶ rings (tight, significant, scored, explained)
          ──read──▶ member details for reports

Recording the scan in the store's history (stable ids, lineage, the Neo4j
write-back) is the next step, :func:`ringscan.history.record.record_scan`.

Only this module touches the store; rings/ is pure functions of frames.
``rings.json`` follows the contract in ARCHITECTURE.md (other tools read it:
change it only by adding keys); rings.csv, links.csv and flags.csv sit beside it.
"""
from __future__ import annotations

import datetime as dt
import gc
import time
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from .graph.backend import GraphBackend, Progress
from .graph.journal import unfinished_loads
from .graph.stats import day_to_date
from .heap import give_back
from .messages import UserError
from .rings.assemble import Ring, RingParams, assemble_rings
from .rings.communities import detect_communities
from .rings.evidence import EvidenceBuilder, EvidenceParams, Holders, split_key
from .rings.schedule import ScheduleParams, scheduled_settlements
from .rings.suspicion import SuspicionParams, household_of, suspicion_graph
from .rules.catalogue import Rule
from .rules.run import run_rules

__all__ = ["ScanResult", "card_holders", "run_scan", "write_scan", "SETTLEMENT_FIELDS"]

SETTLEMENT_FIELDS = ("setl_id", "psn_no", "mdtrt_cert_no", "fixmedins_code", "place_label", "atddr_no",
                     "med_type", "setl_ts", "setl_day", "begn_day", "end_day", "dise_codg", "dise_name",
                     "medfee_sumamt", "hifp_pay", "acct_pay", "fund_pay", "refund")
# What scheduled-care recognition reads: every settlement at a medical institution.
_CARE_FIELDS = ("setl_id", "psn_no", "fixmedins_code", "place_label", "setl_day", "medfee_sumamt", "dise_codg")


@dataclass
class ScanResult:
    meta: dict[str, Any]
    rings: list[Ring]
    links: pd.DataFrame
    flags: pd.DataFrame
    settlements: pd.DataFrame  # the evidence settlements, for reports
    people: pd.DataFrame = field(default_factory=pd.DataFrame)  # ring members' person records (raw PII)
    names: pd.DataFrame = field(default_factory=pd.DataFrame)   # type, id, name of places and doctors
    stages: dict[str, dict[str, float]] = field(default_factory=dict)
    # Keys recording the scan adds to each ring of rings.json (status, lineage, case), by ring id.
    ring_keys: dict[str, dict[str, Any]] = field(default_factory=dict)


def _fetch_settlements(backend: GraphBackend, ids: list[str]) -> pd.DataFrame:
    returns = ", ".join(f"s.{f} AS {f}" for f in SETTLEMENT_FIELDS)
    if not ids:
        return pd.DataFrame(columns=list(SETTLEMENT_FIELDS))
    # UNWIND + key lookup: `WHERE key IN $ids` scans the whole table on the embedded engine.
    frame = backend.query(f"UNWIND $ids AS id MATCH (s:Settlement {{setl_id: id}}) RETURN {returns}", {"ids": ids})
    return frame.sort_values("setl_id").reset_index(drop=True)


class _Stage:
    """Wall time and peak Python-heap memory of one stage."""

    def __init__(self, stages: dict, name: str):
        self.stages, self.name = stages, name

    def __enter__(self):
        tracemalloc.start()
        self.t = time.perf_counter()

    def __exit__(self, *exc):
        import resource

        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        self.stages[self.name] = {"seconds": round(time.perf_counter() - self.t, 3),
                                  "python_peak_mb": round(peak / 2**20, 1),
                                  "process_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def run_scan(backend: GraphBackend, rules: list[Rule], *, overrides: dict[str, Any] | None = None,
             seed: int = 0, method: str = "louvain", min_score: float = 0.0,
             suspicion: SuspicionParams = SuspicionParams(), ring_params: RingParams = RingParams(),
             evidence_params: EvidenceParams = EvidenceParams(), schedule: ScheduleParams = ScheduleParams(),
             progress: Progress | None = None, measure: bool = False) -> ScanResult:
    """Run a whole scan on ``backend``. ``measure`` records per-stage memory (slower)."""
    with _no_cycle_collection():
        return _run_scan(backend, rules, overrides=overrides, seed=seed, method=method, min_score=min_score,
                         suspicion=suspicion, ring_params=ring_params, evidence_params=evidence_params,
                         schedule=schedule, progress=progress, measure=measure)


def refuse_unfinished(backend: GraphBackend) -> None:
    """A store holding a load that never finished holds part of it (its writes commit table by
    table): rings found there would be missing members and evidence, so refuse rather than
    report them."""
    unfinished = unfinished_loads(backend)
    if len(unfinished):
        first = unfinished.iloc[0]
        raise UserError("unfinished_load", load_id=first["load_id"], started=first["started"])


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """The rules' rows are millions of long-lived objects (lists of evidence ids): the cyclic
    collector would walk them again at every burst of allocations (seconds per scan at 1M
    settlements). Reference counting still frees what a scan drops; cycles go when it ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run_scan(backend: GraphBackend, rules: list[Rule], *, overrides: dict[str, Any] | None, seed: int, method: str,
              min_score: float, suspicion: SuspicionParams, ring_params: RingParams, evidence_params: EvidenceParams,
              schedule: ScheduleParams, progress: Progress | None, measure: bool) -> ScanResult:
    refuse_unfinished(backend)
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    stages: dict[str, dict[str, float]] = {}
    stage = (lambda name: _Stage(stages, name)) if measure else (lambda name: _NoStage(stages, name))
    # The store's inputs to the evidence (card holders, scheduled care) are read in a thread of
    # their own while the engine starts on the rules: the first rows wait for them, the engine does not.
    with ThreadPoolExecutor(max_workers=1) as reader:
        reading = reader.submit(_read_inputs, backend, schedule)
        with stage("rules"):
            # Each rule's rows become evidence as they arrive, while the engine runs the next rules,
            # and are let go: a scan holds a few rules' rows at a time, not all of them.
            made: list[EvidenceBuilder] = []

            def take(rule: Rule, bound: dict[str, Any], rows: pd.DataFrame) -> None:
                if not made:
                    read = reading.result()
                    made.append(EvidenceBuilder(read.holders, read.scheduled, evidence_params))
                handed = [rows]  # not kept here: the builder lets them go once it is done with them
                del rows
                made[0].add(rule, bound, handed.pop())
                give_back()  # what making the evidence freed (ringscan/heap.py)

            output = run_rules(backend, rules, overrides, progress=progress, take=take)
        inputs = reading.result()
    # The read's own wall time, first as it starts first (its seconds are inside the rules' too).
    stages = {"read": {"seconds": inputs.seconds}, **stages}
    builder = made[0] if made else EvidenceBuilder(inputs.holders, inputs.scheduled, evidence_params)
    persons, period, scheduled = inputs.persons, inputs.period, inputs.scheduled
    del inputs
    with stage("evidence"):
        evidence = builder.links()
        del builder
    cited = sorted(set().union(*evidence.links["evidence"].map(set))) if len(evidence.links) else []
    # The settlements the links cite are read from the store while the graph and its communities
    # are made (Python on this thread; the engine lets go of the GIL): 0.1-0.25 s of the 470k scan.
    with ThreadPoolExecutor(max_workers=1) as fetcher:
        fetching = fetcher.submit(_fetch_settlements, backend, cited)
        with stage("graph"):
            homes = household_of(persons, suspicion.max_household)
            G = suspicion_graph(evidence.links, homes, suspicion)
        with stage("communities"):
            if method == "gds":
                from .rings.gds import gds_communities

                communities = gds_communities(backend, G, seed=seed)
            else:
                communities = detect_communities(G, method=method, seed=seed)
        with stage("rings"):
            settlements = fetching.result()
            rings = [r for r in assemble_rings(G, communities, output.flags, settlements, homes, ring_params,
                                               evidence.episodes, evidence.visits, seed) if r.score >= min_score]
            for i, ring in enumerate(rings, start=1):
                ring.rank = i
    meta = {
        "backend": backend.name, "started": started, "records": int(period["n"]),
        "period": [day_to_date(period["a"]), day_to_date(period["b"])],
        "rules": [r.id for r in rules], "params": output.params,
        "communities": {"method": method, "seed": seed}, "min_score": min_score,
        "suspicion": suspicion.__dict__, "ring": ring_params.__dict__, "evidence": evidence_params.__dict__,
        "schedule": schedule.__dict__, "scheduled_settlements": len(scheduled),
        "links": len(evidence.links), "flags": len(output.flags), "rule_seconds": output.seconds,
    }
    keep = {e for r in rings for e in r.evidence}
    people, names = _member_details(backend, rings)
    return ScanResult(meta, rings, _links_table(evidence.links), output.flags,
                      settlements[settlements["setl_id"].isin(keep)].reset_index(drop=True), people, names, stages)


def _links_table(links: pd.DataFrame) -> pd.DataFrame:
    """Evidence links as links.csv carries them: typed end points, family, weight, settlements."""
    a = links["a"].map(split_key)
    b = links["b"].map(split_key)
    return pd.DataFrame({
        "rule": links["rule"], "family": links["family"], "level": links["level"], "kind": links["kind"],
        "a_type": a.str[0], "a_id": a.str[1], "b_type": b.str[0], "b_id": b.str[1],
        "weight": links["weight"].astype(float).round(3), "k": links["k"], "evidence": links["evidence"],
    })


def _member_details(backend: GraphBackend, rings: list[Ring]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Person records of ring patients and names of ring places and doctors, for reports.

    What the output folder needs besides (the store's pseudonym key, ID-card vouchers, the evidence
    settlements' drugs) rides along as ``people.attrs["folder"]`` (a :class:`FolderDetails`).
    """
    from .report.folder import folder_details

    ids: dict[str, set[str]] = {}
    for ring in rings:
        for m in ring.members:
            ids.setdefault(m["type"], set()).add(m["id"])
    patient_ids = {"ids": sorted(ids.get("Patient", []))}
    people = backend.query(
        "UNWIND $ids AS id MATCH (p:Patient {psn_no: id}) RETURN p.psn_no AS psn_no, p.psn_name AS psn_name, "
        "p.certno AS certno, p.gend AS gend, p.brdy_day AS brdy_day, p.tel AS tel, p.addr AS addr", patient_ids)
    held = backend.query("UNWIND $ids AS id MATCH (p:Patient {psn_no: id})-[:HOLDS]->(c:Card) "
                         "RETURN p.psn_no AS psn_no, c.mdtrt_cert_no AS card", patient_ids)
    cards = held.sort_values("card").groupby("psn_no")["card"].apply(";".join)
    people["cards"] = people["psn_no"].map(cards)
    parts = []
    for label, key, name in (("Institution", "fixmedins_code", "fixmedins_name"),
                             ("Pharmacy", "fixmedins_code", "fixmedins_name"), ("Doctor", "atddr_no", "dr_name")):
        if ids.get(label):
            frame = backend.query(f"UNWIND $ids AS k MATCH (n:{label} {{{key}: k}}) RETURN n.{key} AS id, n.{name} AS name",
                                  {"ids": sorted(ids[label])})
            parts.append(frame.assign(type=label))
    names = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["id", "name", "type"])
    people = people.sort_values("psn_no").reset_index(drop=True)
    people.attrs["folder"] = folder_details(backend, rings)
    return people, names.sort_values(["type", "id"]).reset_index(drop=True)


@dataclass
class _Inputs:
    """What a scan reads from the store besides the rules' rows."""

    holders: Holders         # card -> its holder
    persons: pd.DataFrame    # psn_no, addr, tel
    scheduled: set[str]      # settlements of scheduled care (rings.schedule)
    period: pd.Series        # n, a, b: settlements and their first and last day
    seconds: float


def card_holders(backend: GraphBackend) -> Holders:
    """Each card's holder. A load names a card's usual person its holder (graph/model.py); two loads
    (or two slices of one) may name two. Such a card goes to the one of them it paid for most often
    (the first by id on a tie), whatever order the store returns rows in: taking the last row read
    made a 10M-settlement scan's links differ from run to run."""
    rows = backend.query("MATCH (p:Patient)-[:HOLDS]->(c:Card) RETURN p.psn_no AS psn, c.mdtrt_cert_no AS card")
    shared = rows["card"].duplicated(keep=False).to_numpy()
    if shared.any():
        named = rows[shared]
        uses = backend.query("MATCH (s:Settlement) WHERE s.mdtrt_cert_no IN $cards "
                             "RETURN s.mdtrt_cert_no AS card, s.psn_no AS psn, count(*) AS n",
                             {"cards": sorted(set(named["card"]))})
        named = named.merge(uses, on=["card", "psn"], how="left").fillna({"n": 0})
        usual = named.sort_values(["card", "n", "psn"], ascending=[True, False, True]).drop_duplicates("card")
        rows = pd.concat([rows[~shared], usual[["psn", "card"]]], ignore_index=True)
    return Holders(pa.array(rows["card"]), pa.array(rows["psn"]))


def _read_inputs(backend: GraphBackend, schedule: ScheduleParams) -> _Inputs:
    started = time.perf_counter()
    holders = card_holders(backend)
    persons = backend.query("MATCH (p:Patient) RETURN p.psn_no AS psn_no, p.addr AS addr, p.tel AS tel")
    care = backend.query("MATCH (s:Settlement) WHERE s.place_label = 'Institution' RETURN "
                         + ", ".join(f"s.{f} AS {f}" for f in _CARE_FIELDS))
    period = backend.query("MATCH (s:Settlement) RETURN count(s) AS n, min(s.setl_day) AS a, "
                           "max(s.setl_day) AS b").iloc[0]
    scheduled = scheduled_settlements(care, schedule)
    return _Inputs(holders, persons, scheduled, period, round(time.perf_counter() - started, 3))


class _NoStage(_Stage):
    def __enter__(self):
        self.t = time.perf_counter()

    def __exit__(self, *exc):
        self.stages[self.name] = {"seconds": round(time.perf_counter() - self.t, 3)}


def write_scan(result: ScanResult, out_dir: Path) -> Path:
    """rings.json (the contract), rings.csv, links.csv, flags.csv, evidence.csv, drugs.csv, members.csv.

    The folder is safe to hand over: personal data stays in the store (see ringscan/report/folder.py).
    """
    from .report.folder import write_folder

    return write_folder(Path(out_dir), result.meta, [{**r.as_dict(), **result.ring_keys.get(r.id, {})}
                                                     for r in result.rings], result.links,
                        result.flags, result.settlements, result.people, result.names,
                        result.people.attrs.get("folder"))
