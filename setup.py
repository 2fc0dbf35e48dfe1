"""Packages: ringscan's own, plus the top-level cypher/ folder shipped inside the wheel as ringscan.cypher.

Everything else about the build is in pyproject.toml.
"""
from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["ringscan", "ringscan.*"]), "ringscan.cypher"],
    package_dir={"ringscan.cypher": "cypher"},
)
