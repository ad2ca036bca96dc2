#!/usr/bin/env bash
# Set up everything and grade the bundled example assignment (the starter solution, which earns 5/10).
# Usage: bash scripts/grade-example.sh [SUBMISSION]   (default: examples/assignment/starter)
set -euo pipefail
cd "$(dirname "$0")/.."

submission="${1:-examples/assignment/starter}"
if [ ! -x .venv/bin/grader ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e .
fi
if ! docker info >/dev/null 2>&1 || ! docker image inspect pytest-grader-runner:latest >/dev/null 2>&1; then
  # Starts the engine when it is not running (needs root) and picks a base image for the runner.
  base_image=$(bash .ci/docker-up.sh)
  .venv/bin/grader image build --base-image "$base_image"
fi
mkdir -p out
exec .venv/bin/grader run "$submission" --config examples/assignment/grading.yml --json out/report.json --summary out/summary.md
