#!/usr/bin/env bash
# Runs every test suite: unit tests (ctest), conformance runners, end-to-end tests with real clients.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
ctest --test-dir "$build" --output-on-failure
