#!/usr/bin/env bash
# Quickstart 2: install everything the tests need, then run the whole suite.
source "$(dirname "$0")/env.sh"
cd "$ROOT"
"$VENV/bin/python" -m pytest -q -rs "$@"
