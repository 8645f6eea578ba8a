#!/usr/bin/env bash
# Runs every test: unit tests and conformance runners (ctest), then the end-to-end tests that drive
# a real server with /usr/bin/aws and boto3.
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
ctest --test-dir "$build" --output-on-failure -j2
WHARF_BUILD="$(realpath "$build")" python3 -m unittest discover -s test/e2e -p '*_test.py' -v
