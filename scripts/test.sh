#!/usr/bin/env bash
# Quickstart 2: install everything the tests need, then run the whole suite.
source "$(dirname "$0")/env.sh"
cd "$ROOT"
# Debian's Chromium for the browser tests (Playwright drives it; its own browser download is not used),
# poppler-utils to read the printed PDFs back, and a CJK font so Chinese pages render (and print) as text.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdfinfo >/dev/null 2>&1 || missing+=(poppler-utils)
fc-list 2>/dev/null | grep -qi "noto.*cjk" || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing for the browser and print tests: ${missing[*]} (apt-get install ${missing[*]})" >&2
  fi
fi
# Neo4j's own Cypher front-end, for the rule lint test.
(cd tools/cypher-lint && npm ci --no-audit --no-fund --loglevel=error)
# Lint and types first (rule set and settings in pyproject.toml): fast, and they name the line.
"$VENV/bin/ruff" check ringscan examples
"$VENV/bin/mypy"
"$VENV/bin/python" -m pytest -q -rs "$@"
