"""Resolved settings: CLI flag > environment (RINGSCAN_*) > ringscan.toml > defaults.

Settings are resolved once into a :class:`Settings` object and passed down;
no module keeps global state. Neo4j credentials are read from the environment
only (see :func:`neo4j_credentials`) and never appear in a Settings object,
so they cannot leak into logs or reports.
"""
from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

__all__ = ["Settings", "load_settings", "neo4j_credentials", "CYPHER_DIR", "ConfigError"]


def _cypher_dir() -> Path:
    """Where the rule, schema, writeback and explore Cypher files are (rules are data, not code).

    The top-level ``cypher/`` of the source tree; the build copies it into the
    wheel as ``ringscan/cypher/`` (setup.py maps it), so an installed ringscan
    finds it inside the package, wherever it runs from. ``RINGSCAN_CYPHER_DIR``
    points elsewhere.
    """
    if os.environ.get("RINGSCAN_CYPHER_DIR"):
        return Path(os.environ["RINGSCAN_CYPHER_DIR"])
    package = Path(__file__).resolve().parent
    installed = package / "cypher"
    return installed if installed.is_dir() else package.parent / "cypher"


CYPHER_DIR = _cypher_dir()


class ConfigError(ValueError):
    """A setting has a value ringscan cannot use."""


@dataclass(frozen=True)
class Settings:
    db: Path = Path("ringscan.lbdb")
    backend: str = "embedded"
    # Share of read rows that may be rejected before `load` exits non-zero.
    max_reject_rate: float = 0.05
    # Amounts above this (yuan) in one settlement are treated as impossible.
    max_settlement_amount: float = 5_000_000.0
    # Rows per batch for server backends (Neo4j UNWIND batches).
    batch_size: int = 5000
    seed: int = 0
    communities: str = "louvain"
    lang: str = "zh"
    reveal_pii: bool = False
    rule_params: dict[str, Any] = field(default_factory=dict)
    # Seconds a command waits for another process writing (or reading) the same store before giving up.
    lock_wait: float = 60.0
    # The embedded engine's page cache in MB (0: the engine's default, 80 % of the machine's
    # memory). Most of a big scan's memory is this cache: a bound keeps a store of any size
    # within it, at the cost of reading pages again from the file (the OS cache) when it is full.
    buffer_pool_mb: int = 0
    # A write of at most this many graph rows (nodes and relationships; a month of about 75k
    # settlements) is one transaction, which then holds about 70 MB (0.85 GiB for the 6.3M rows
    # of 1M settlements). A commit on a non-empty store checkpoints what it touched, so one
    # commit beats one per copy: month 6 of a 200k-settlement district (200k rows) into months
    # 1-5 writes in 1.46 s against 1.80 s. Above it each bulk copy commits, keeping the
    # transaction out of the load's peak (at 1M settlements a one-transaction copy of the fee
    # lines alone took the peak from 2.48 to 2.61 times pandas' read). 0: always commit each
    # copy. A killed load resumes either way.
    transaction_rows: int = 500_000
    # A settlement or fee-detail CSV file of more than twice this many rows is loaded this many
    # rows at a time, each slice checked against the store and committed before the next is read,
    # so that a load's memory follows the slice, not the file. A file of up to 2M rows loads whole
    # in about 4 GB, and whole is faster (a slice's commit checkpoints a store that grows with
    # every slice). Past that, each slice's copy needs engine memory that grows with the store as
    # well as with the slice: at 10M settlements, in one script with the store opened again after
    # each slice (GraphBackend.hand_back), 2M-row slices peaked at 7.6 GiB in 265 s and 1M-row
    # slices at 6.6 GiB in 330 s (each slice's copy and checkpoint grow with the store). 1M keeps
    # the 10M load inside 8 GB (the CLI: 6.63 GiB, 333.6 s); 1.5M saved neither (7.4 GiB, 344 s).
    # 0: read every file whole.
    slice_rows: int = 1_000_000

    def with_overrides(self, **values: Any) -> "Settings":
        """Return a copy with the given non-None values applied (CLI flags)."""
        clean = {k: v for k, v in values.items() if v is not None}
        if "db" in clean:
            clean["db"] = Path(clean["db"])
        return replace(self, **clean)


_ENV_PREFIX = "RINGSCAN_"


def _coerce(name: str, raw: Any, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(default, Path):
            return Path(raw)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, dict):
            if not isinstance(raw, dict):
                raise TypeError("a table is expected")
            return dict(raw)
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting `{name}` = {raw!r} is not usable: {exc}") from exc


def load_settings(config_file: Path | None = None, env: Mapping[str, str] | None = None, **flags: Any) -> Settings:
    """Resolve settings from defaults, a TOML file, the environment and flags.

    ``config_file`` defaults to ``./ringscan.toml`` when it exists. Rule
    parameter overrides live in the file's ``[rule_params]`` table, keyed
    ``"rule-id.param"`` or ``param``.
    """
    env = os.environ if env is None else env
    base = Settings()
    defaults = {f.name: getattr(base, f.name) for f in fields(Settings)}
    values: dict[str, Any] = {}

    path = config_file or Path(env.get(_ENV_PREFIX + "CONFIG", "ringscan.toml"))
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
        for key, raw in data.get("ringscan", data).items():
            if key in defaults:
                values[key] = _coerce(key, raw, defaults[key])
    elif config_file is not None:
        raise ConfigError(f"config file {config_file} not found")

    for name, default in defaults.items():
        raw = env.get(_ENV_PREFIX + name.upper())
        if raw is not None and name != "rule_params":
            values[name] = _coerce(name, raw, default)

    settings = replace(base, **values).with_overrides(**flags)
    if settings.backend not in {"embedded", "neo4j"}:
        raise ConfigError(f"backend `{settings.backend}` is unknown; use embedded or neo4j")
    if settings.communities not in {"louvain", "leiden", "label_propagation", "gds"}:
        raise ConfigError(f"community method `{settings.communities}` is unknown; "
                          "use louvain, leiden, label_propagation or gds (neo4j backend)")
    if settings.lang not in {"zh", "en"}:
        raise ConfigError(f"language `{settings.lang}` is unknown; use zh or en")
    if settings.transaction_rows < 0:
        raise ConfigError(f"setting `transaction_rows` = {settings.transaction_rows} is not usable: "
                          "give a number of rows, or 0 to commit each copy")
    if settings.slice_rows < 0:
        raise ConfigError(f"setting `slice_rows` = {settings.slice_rows} is not usable: "
                          "give a number of rows, or 0 to read every file whole")
    if settings.buffer_pool_mb < 0:
        raise ConfigError(f"setting `buffer_pool_mb` = {settings.buffer_pool_mb} is not usable: "
                          "give megabytes, or 0 for the engine's default")
    return settings


def neo4j_credentials(env: Mapping[str, str] | None = None) -> dict[str, str | None]:
    """Connection settings for Neo4j, from the environment only."""
    env = os.environ if env is None else env
    return {
        "uri": env.get("RINGSCAN_NEO4J_URI"),
        "user": env.get("RINGSCAN_NEO4J_USER", "neo4j"),
        "password": env.get("RINGSCAN_NEO4J_PASSWORD"),
        "database": env.get("RINGSCAN_NEO4J_DATABASE"),
    }
