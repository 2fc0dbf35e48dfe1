"""Settings resolve as: flag > environment > ringscan.toml > defaults."""
from __future__ import annotations

from pathlib import Path

import pytest

from ringscan.config import ConfigError, load_settings, neo4j_credentials


def test_precedence(tmp_path: Path):
    toml = tmp_path / "ringscan.toml"
    toml.write_text('seed = 3\nlang = "en"\nmax_reject_rate = 0.2\n[rule_params]\n"pharmacy-co-swipe.min_days" = 4\n',
                    encoding="utf-8")
    assert load_settings(toml, env={}).seed == 3
    assert load_settings(toml, env={"RINGSCAN_SEED": "5"}).seed == 5
    settings = load_settings(toml, env={"RINGSCAN_SEED": "5"}, seed=9)
    assert settings.seed == 9 and settings.lang == "en" and settings.max_reject_rate == 0.2
    assert settings.rule_params == {"pharmacy-co-swipe.min_days": 4}
    assert load_settings(None, env={"RINGSCAN_CONFIG": str(tmp_path / "none.toml")}).seed == 0


def test_bad_values_are_clear_errors(tmp_path: Path):
    with pytest.raises(ConfigError, match="backend"):
        load_settings(None, env={"RINGSCAN_BACKEND": "oracle", "RINGSCAN_CONFIG": str(tmp_path / "x")})
    with pytest.raises(ConfigError, match="seed"):
        load_settings(None, env={"RINGSCAN_SEED": "many", "RINGSCAN_CONFIG": str(tmp_path / "x")})
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml", env={})


def test_neo4j_credentials_only_from_environment():
    creds = neo4j_credentials({"RINGSCAN_NEO4J_URI": "bolt://h:7687", "RINGSCAN_NEO4J_PASSWORD": "pw"})
    assert creds["uri"] == "bolt://h:7687" and creds["user"] == "neo4j" and creds["password"] == "pw"
    from ringscan.config import Settings

    assert not any("password" in name for name in Settings.__dataclass_fields__)
