#!/usr/bin/env bash
# Quickstart 1: the whole pipeline on a synthetic district, embedded store, results in ./demo/
source "$(dirname "$0")/env.sh"
cd "$ROOT"
"$VENV/bin/ringscan" demo demo "$@"
