"""The graph model, the same on every backend, and canonical frames → graph frames.

Nodes carry the input's own ids as keys (``psn_no``, ``mdtrt_cert_no``,
``atddr_no``, ``fixmedins_code``, ``setl_id``). Times are integers: epoch
seconds (``setl_ts``, empty when the export gives a date without a time of
day) and day numbers (``setl_day``, ``begn_day``, ``end_day``), so every
engine compares them the same way and fast. "Who met whom within N minutes"
is not joined in the store: rules return the settlements and the
co-occurrence engine (rings/cooccurrence.py) pairs them, at any window.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pandas as pd

from .typed import PAIR_SEP

__all__ = ["NodeType", "RelType", "NODES", "RELS", "GraphFrames", "build_graph_frames", "place_labels"]

STRING, INT, FLOAT = "STRING", "INT64", "DOUBLE"


@dataclass(frozen=True)
class NodeType:
    label: str
    key: str
    properties: dict[str, str]


@dataclass(frozen=True)
class RelType:
    """``backward``: whether the embedded store also keeps each end node's way back.

    A relationship into a hub (a place, a doctor, a drug) is kept one way only: the
    hub's way back lists every settlement there ever was, and the engine rewrites
    that whole list at every commit that adds one (month 6 into five stored months:
    1.72x month 6 alone with it, 1.38x without; ``bench/load_bench.py --months``).
    Inside one MATCH pattern the engine finds its own way; a clause that walks from
    a hub bound in an earlier clause (a second MATCH, OPTIONAL MATCH, COUNT { },
    after WITH) to its settlements makes the engine ask for the missing way back,
    so the rules match a hub afresh and compare it (`WHERE other = place`; see
    shared_identifier_phone_scheme.cypher). Neo4j keeps both ways always.
    """

    type: str
    pairs: tuple[tuple[str, str], ...]
    properties: dict[str, str] = field(default_factory=dict)
    backward: bool = True


_PLACE = {"fixmedins_code": STRING, "fixmedins_name": STRING, "fixmedins_type": STRING,
          "hosp_lv": STRING, "admdvs": STRING}

NODES: dict[str, NodeType] = {n.label: n for n in [
    NodeType("Patient", "psn_no", {"psn_no": STRING, "psn_name": STRING, "certno": STRING, "gend": STRING,
                                   "brdy_day": INT, "insuplc_admdvs": STRING, "tel": STRING, "addr": STRING}),
    NodeType("Card", "mdtrt_cert_no", {"mdtrt_cert_no": STRING, "mdtrt_cert_type": STRING}),
    NodeType("Doctor", "atddr_no", {"atddr_no": STRING, "dr_name": STRING}),
    NodeType("Institution", "fixmedins_code", dict(_PLACE)),
    NodeType("Pharmacy", "fixmedins_code", dict(_PLACE)),
    NodeType("Settlement", "setl_id", {
        "setl_id": STRING, "psn_no": STRING, "mdtrt_cert_no": STRING, "fixmedins_code": STRING,
        "place_label": STRING, "atddr_no": STRING, "med_type": STRING, "setl_ts": INT, "setl_day": INT,
        "begn_day": INT, "end_day": INT, "dise_codg": STRING, "dise_name": STRING,
        "medfee_sumamt": FLOAT, "hifp_pay": FLOAT, "acct_pay": FLOAT, "psn_cash_pay": FLOAT,
        "fund_pay": FLOAT, "refund": INT, "src_file": STRING, "src_line": INT}),
    NodeType("Phone", "tel", {"tel": STRING}),
    NodeType("Address", "addr", {"addr": STRING}),
    NodeType("Drug", "med_list_codg", {"med_list_codg": STRING, "med_list_name": STRING}),
]}

RELS: dict[str, RelType] = {r.type: r for r in [
    RelType("HOLDS", (("Patient", "Card"),)),
    RelType("FOR", (("Settlement", "Patient"),)),
    RelType("PAID_WITH", (("Settlement", "Card"),)),
    RelType("AT", (("Settlement", "Institution"), ("Settlement", "Pharmacy")), backward=False),
    RelType("BY", (("Settlement", "Doctor"),), backward=False),
    RelType("WORKS_AT", (("Doctor", "Institution"), ("Doctor", "Pharmacy"))),
    RelType("HAS_PHONE", (("Patient", "Phone"),)),
    RelType("LIVES_AT", (("Patient", "Address"),)),
    RelType("INCLUDES", (("Settlement", "Drug"),),
            {"feedetl_sn": STRING, "cnt": FLOAT, "pric": FLOAT, "det_item_fee_sumamt": FLOAT}, backward=False),
]}

# A fee line is its settlement's line `feedetl_sn` (a number a hospital's system gives, unique
# within the settlement): the stored lines of the settlements looked up (``key``), as pairs.
STORED_FEE_LINES = ("MATCH (s:Settlement {setl_id: key})-[i:INCLUDES]->() "
                    f"RETURN s.setl_id + '{PAIR_SEP}' + i.feedetl_sn AS k")

PHARMACY_TYPE = "2"      # fixmedins_type: 2 = 定点零售药店
PHARMACY_MED_TYPE = "41"  # med_type: 41 = 定点药店购药


@dataclass
class GraphFrames:
    """Node rows per label and relationship rows per (type, from label, to label).

    Relationship frames have columns ``from`` and ``to`` (the end nodes' keys)
    plus the relationship's properties.
    """

    nodes: dict[str, pd.DataFrame] = field(default_factory=dict)
    rels: dict[tuple[str, str, str], pd.DataFrame] = field(default_factory=dict)
    # Node labels and relationship types whose rows were already checked against the store
    # (ingest/load.py drops stored settlements and fee lines): none is stored, so a writer
    # need not read the store's keys again. Empty: the writer checks everything.
    unstored: frozenset[str] = frozenset()

    def take_nodes(self) -> Iterator[tuple[str, pd.DataFrame]]:
        """Each node table once, let go as it is handed over: a writer that copies table by table
        then holds one table at a time besides what the store has taken (the load's peak memory)."""
        while self.nodes:
            label = next(iter(self.nodes))
            yield label, self.nodes.pop(label)

    def take_rels(self) -> Iterator[tuple[tuple[str, str, str], pd.DataFrame]]:
        """Each relationship table once, let go as it is handed over (see ``take_nodes``)."""
        while self.rels:
            key = next(iter(self.rels))
            yield key, self.rels.pop(key)

    def rows(self) -> int:
        """Node and relationship rows, all tables together."""
        return sum(map(len, self.nodes.values())) + sum(map(len, self.rels.values()))

    def update(self, other: "GraphFrames") -> None:
        """Add the frames of files staged apart (a table both hold is joined and deduplicated)."""
        for label, frame in other.nodes.items():
            if label in self.nodes:
                self.add_nodes(label, frame)
            else:
                self.nodes[label] = frame
        for (rel, src, dst), frame in other.rels.items():
            if (rel, src, dst) in self.rels:
                self.add_rels(rel, src, dst, frame)
            else:
                self.rels[(rel, src, dst)] = frame

    def add_nodes(self, label: str, frame: pd.DataFrame, *, unique: bool = False) -> None:
        """Add node rows; ``unique``: keys are known to be distinct and present (no dedupe pass)."""
        spec = NODES[label]
        frame = frame.reindex(columns=list(spec.properties))
        if not unique:
            frame = frame.dropna(subset=[spec.key]).drop_duplicates(subset=[spec.key], keep="first")
        if label in self.nodes:
            frame = pd.concat([self.nodes[label], frame]).drop_duplicates(subset=[spec.key], keep="first")
        self.nodes[label] = frame.reset_index(drop=True)

    def add_rels(self, rel: str, src: str, dst: str, frame: pd.DataFrame, *, unique: bool = False) -> None:
        """Add relationship rows; ``unique``: rows are known to be distinct (one per settlement or fee line)."""
        frame = frame.dropna(subset=["from", "to"])
        props = list(RELS[rel].properties)
        frame = frame.reindex(columns=["from", "to", *props])
        key = (rel, src, dst)
        if key in self.rels:
            frame = pd.concat([self.rels[key], frame])
        if not unique:
            frame = frame.drop_duplicates(subset=["from", "to", *props[:1]])
        self.rels[key] = frame.reset_index(drop=True)


def place_labels(settlements: pd.DataFrame, institutions: pd.DataFrame | None,
                 known: dict[str, str]) -> pd.Series:
    """Label (Institution or Pharmacy) of every place code seen in this batch.

    A place already in the graph keeps its label; otherwise the institutions
    table decides, then the settlement's own fixmedins_type, then its med_type.
    """
    votes: list[pd.Series] = []
    if institutions is not None and len(institutions) and "fixmedins_type" in institutions:
        votes.append(institutions.set_index("fixmedins_code")["fixmedins_type"].dropna())
    if len(settlements):
        codes = settlements["fixmedins_code"]
        if "fixmedins_type" in settlements:  # two columns, not the frame: 1M rows cost 0.3 s more
            typed_rows = settlements[["fixmedins_code", "fixmedins_type"]].dropna(subset=["fixmedins_type"])
            votes.append(typed_rows.drop_duplicates("fixmedins_code").set_index("fixmedins_code")["fixmedins_type"])
        med = settlements["med_type"] if "med_type" in settlements else pd.Series(pd.NA, index=settlements.index)
        first = (~codes.duplicated() & codes.notna()).to_numpy()  # each place's first settlement
        by_med = (med[first] == PHARMACY_MED_TYPE).fillna(False).map({True: PHARMACY_TYPE, False: "1"})
        votes.append(pd.Series(by_med.to_numpy(), index=codes[first].to_numpy()))
    types = pd.Series(dtype="string")
    for vote in votes:
        vote = vote[~vote.index.duplicated()]
        types = pd.concat([types, vote[~vote.index.isin(types.index)]])
    labels = types.map(lambda t: "Pharmacy" if str(t) == PHARMACY_TYPE else "Institution")
    if known:
        known_s = pd.Series(known)
        labels = pd.concat([known_s, labels[~labels.index.isin(known_s.index)]])
    return labels


def build_graph_frames(frames: dict[str, pd.DataFrame], known_places: dict[str, str]) -> GraphFrames:
    """Nodes and relationships for one batch of validated canonical frames."""
    g = GraphFrames()
    s = frames.get("settlements", pd.DataFrame(columns=["setl_id", "fixmedins_code"]))
    persons = frames.get("persons")
    insts = frames.get("institutions")
    labels = place_labels(s, insts, known_places)

    if persons is not None and len(persons):
        g.add_nodes("Patient", persons)
        for label, column, rel in (("Phone", "tel", "HAS_PHONE"), ("Address", "addr", "LIVES_AT")):
            if column in persons:
                g.add_nodes(label, persons[[column]])
                g.add_rels(rel, "Patient", label, persons.rename(columns={"psn_no": "from", column: "to"}))
    if insts is not None and len(insts):
        for label in ("Institution", "Pharmacy"):
            g.add_nodes(label, insts[insts["fixmedins_code"].map(labels) == label])

    if len(s):
        s = s.assign(place_label=s["fixmedins_code"].map(labels))
        g.add_nodes("Settlement", s, unique=True)  # settlement ids were deduplicated by the load
        g.add_nodes("Patient", s)
        g.add_nodes("Card", s)
        g.add_nodes("Doctor", s)
        here = {label: (s["place_label"] == label).to_numpy(dtype=bool) for label in ("Institution", "Pharmacy")}
        for label in ("Institution", "Pharmacy"):  # columns first: a mask over every column costs 0.3 s at 1M rows
            g.add_nodes(label, s[[c for c in NODES[label].properties if c in s]][here[label]])
        ids = s["setl_id"]
        g.add_rels("FOR", "Settlement", "Patient", pd.DataFrame({"from": ids, "to": s["psn_no"]}), unique=True)
        g.add_rels("PAID_WITH", "Settlement", "Card", pd.DataFrame({"from": ids, "to": s["mdtrt_cert_no"]}),
                   unique=True)
        g.add_rels("BY", "Settlement", "Doctor", pd.DataFrame({"from": ids, "to": s["atddr_no"]}), unique=True)
        # On the platform a settlement's psn_no is the insured person whose card
        # (or e-voucher) was presented, so the card's holder is its usual psn_no.
        uses = s.groupby(["mdtrt_cert_no", "psn_no"], sort=True).size().rename("n").reset_index()
        holder = uses.sort_values("n", ascending=False, kind="stable").drop_duplicates("mdtrt_cert_no")
        g.add_rels("HOLDS", "Patient", "Card", holder.rename(columns={"psn_no": "from", "mdtrt_cert_no": "to"}))
        for label in ("Institution", "Pharmacy"):
            at = s[["setl_id", "fixmedins_code", "atddr_no"]][here[label]]
            g.add_rels("AT", "Settlement", label, pd.DataFrame({"from": at["setl_id"], "to": at["fixmedins_code"]}),
                       unique=True)
            worked = at.dropna(subset=["atddr_no"])
            g.add_rels("WORKS_AT", "Doctor", label,
                       pd.DataFrame({"from": worked["atddr_no"], "to": worked["fixmedins_code"]}))

    fees = frames.get("fee_details")
    if fees is not None and len(fees):
        g.add_nodes("Drug", fees.dropna(subset=["med_list_codg"]))
        g.add_rels("INCLUDES", "Settlement", "Drug",
                   fees.rename(columns={"setl_id": "from", "med_list_codg": "to"}), unique=True)
    return g
