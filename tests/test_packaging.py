"""The package works wherever it is installed: the wheel carries cypher/, no rules is an error, a version, a licence."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_cypher_file_is_package_data():
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["ringscan.cypher"]
    files = [p.relative_to(ROOT / "cypher") for p in (ROOT / "cypher").rglob("*") if p.is_file()]
    assert files

    def shipped(path: Path) -> bool:  # setuptools globs: "*.x" at the top, "**/*.x" in any folder below
        return any(fnmatch(path.name, pattern.removeprefix("**/"))
                   and (pattern.startswith("**/") == (len(path.parts) > 1)) for pattern in patterns)

    assert [str(f) for f in files if not shipped(f)] == []
    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    assert '"ringscan.cypher"' in setup and 'package_dir={"ringscan.cypher": "cypher"}' in setup


def test_licence_file_matches_pyproject():
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    assert "LICENSE" in PYPROJECT["project"]["license-files"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text


def test_installed_layout_is_found_first(tmp_path: Path):
    # A copy of the package with cypher/ inside it, as the wheel installs it, run from another folder.
    package = tmp_path / "site" / "ringscan"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "config.py").write_text((ROOT / "ringscan" / "config.py").read_text(encoding="utf-8"))
    (package / "cypher" / "rules").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k != "RINGSCAN_CYPHER_DIR"}
    found = subprocess.run([sys.executable, "-c", "from ringscan.config import CYPHER_DIR; print(CYPHER_DIR)"],
                           capture_output=True, text=True, cwd=tmp_path, env={**env, "PYTHONPATH": str(tmp_path / "site")})
    assert found.stdout.strip() == str(package / "cypher")


def test_no_rules_is_an_error_not_an_empty_scan(tmp_path: Path):
    shutil.copytree(ROOT / "cypher", tmp_path / "cypher")  # an install that lost its rules
    for rule in (tmp_path / "cypher" / "rules").glob("*.cypher"):
        rule.unlink()
    env = {**os.environ, "RINGSCAN_CYPHER_DIR": str(tmp_path / "cypher"), "RINGSCAN_LANG": "en"}
    proc = subprocess.run([sys.executable, "-m", "ringscan", "rules"], capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and "no rule files" in proc.stderr and "Traceback" not in proc.stderr
    db = tmp_path / "g.lbdb"
    subprocess.run([sys.executable, "-m", "ringscan", "load", str(ROOT / "tests" / "fixtures" / "settlements.csv"),
                    "--db", str(db)], capture_output=True, check=True, env=env)
    proc = subprocess.run([sys.executable, "-m", "ringscan", "scan", "--db", str(db), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 2 and "no rule files" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_version():
    proc = subprocess.run([sys.executable, "-m", "ringscan", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == f"ringscan {PYPROJECT['project']['version']}"


def test_no_private_typer_imports():
    offenders = [str(p) for p in (ROOT / "ringscan").rglob("*.py") if "typer._" in p.read_text(encoding="utf-8")]
    assert offenders == []
