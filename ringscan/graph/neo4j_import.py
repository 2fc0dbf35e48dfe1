"""CSV files for ``neo4j-admin database import full``, the fast first bulk load into Neo4j.

Exports the graph held in an embedded store (so validation, rejects and
de-duplication are exactly those of ``ringscan load``). One file per node
label and per relationship type and end-label pair, with neo4j-admin headers:
``psn_no:ID(Patient)``, typed properties (``setl_ts:long``), ``:LABEL``,
``:START_ID(Settlement)``, ``:END_ID(Patient)``, ``:TYPE``. Each label is its
own ID space, so Institution and Pharmacy codes never collide. ``import.sh``
beside the files holds the command.
"""
from __future__ import annotations

import csv
import shlex
from dataclasses import dataclass
from pathlib import Path

from .embedded import EmbeddedBackend
from .model import NODES, RELS

__all__ = ["ImportExport", "export_neo4j_import", "node_header", "rel_header"]

_TYPES = {"STRING": "", "INT64": ":long", "DOUBLE": ":double"}


@dataclass
class ImportExport:
    out_dir: Path
    files: dict[str, int]  # file name → rows
    command: str


def node_header(label: str) -> list[str]:
    spec = NODES[label]
    return [f"{spec.key}:ID({label})" if p == spec.key else p + _TYPES[t] for p, t in spec.properties.items()] + [":LABEL"]


def rel_header(rel: str, src: str, dst: str) -> list[str]:
    props = [p + _TYPES[t] for p, t in RELS[rel].properties.items()]
    return [f":START_ID({src})", f":END_ID({dst})", *props, ":TYPE"]


def _cell(value, kind: str):
    """An empty field is an absent property for neo4j-admin; longs stay integral."""
    if value is None or value != value:
        return ""
    if kind == "INT64":
        return int(value)
    return value


def _write(path: Path, header: list[str], kinds: list[str], rows) -> int:
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(v, k) for v, k in zip(row, kinds)])
            n += 1
    return n


def export_neo4j_import(store: EmbeddedBackend, out_dir: Path, database: str = "neo4j") -> ImportExport:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, int] = {}
    node_args, rel_args = [], []
    for label, spec in NODES.items():
        returns = ", ".join(f"n.{p} AS {p}" for p in spec.properties)
        frame = store.query(f"MATCH (n:{label}) RETURN {returns} ORDER BY n.{spec.key}")
        name = f"{label}.csv"
        kinds = [*spec.properties.values(), "STRING"]
        files[name] = _write(out / name, node_header(label), kinds,
                             (list(r) + [label] for r in frame.itertuples(index=False)))
        node_args.append(f"--nodes={label}={name}")
    for rel, rel_spec in RELS.items():
        for src, dst in rel_spec.pairs:
            props = "".join(f", r.{p} AS {p}" for p in rel_spec.properties)
            frame = store.query(f"MATCH (a:{src})-[r:`{rel}`]->(b:{dst}) "
                                f"RETURN a.{NODES[src].key} AS f, b.{NODES[dst].key} AS t{props} ORDER BY f, t")
            name = f"{rel}__{src}__{dst}.csv"
            kinds = ["STRING", "STRING", *rel_spec.properties.values(), "STRING"]
            files[name] = _write(out / name, rel_header(rel, src, dst), kinds,
                                 (list(r) + [rel] for r in frame.itertuples(index=False)))
            rel_args.append(f"--relationships={rel}={name}")
    command = " ".join(["neo4j-admin", "database", "import", "full", "--overwrite-destination",
                        *node_args, *rel_args, shlex.quote(database)])
    (out / "import.sh").write_text(
        "#!/usr/bin/env bash\n# Run inside the Neo4j server's import folder with the database stopped.\n"
        f"set -euo pipefail\ncd \"$(dirname \"$0\")\"\n{command}\n", encoding="utf-8")
    return ImportExport(out, files, command)
