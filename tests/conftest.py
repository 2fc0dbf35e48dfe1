from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ringscan.graph.embedded import EmbeddedBackend

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures(tmp_path: Path) -> Path:
    """A private copy of the tiny fixture files."""
    target = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, target)
    return target


@pytest.fixture
def store(tmp_path: Path):
    backend = EmbeddedBackend(tmp_path / "graph.lbdb")
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def district(tmp_path_factory) -> Path:
    """A generated district with every ring variant and look-alike, shared by the tests that only read it."""
    from ringscan.synth.district import generate_district

    out = tmp_path_factory.mktemp("district")
    generate_district(out, patients=8000, days=120, seed=7, variants="all", benign="all")
    return out
