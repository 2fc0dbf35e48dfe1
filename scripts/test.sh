#!/usr/bin/env bash
# Quickstart 2: install everything the tests need, then run the whole suite.
source "$(dirname "$0")/env.sh"
cd "$ROOT"
# Neo4j's own Cypher front-end, for the rule lint test.
(cd tools/cypher-lint && npm ci --no-audit --no-fund --loglevel=error)
"$VENV/bin/python" -m pytest -q -rs "$@"
