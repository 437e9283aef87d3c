#!/usr/bin/env bash
# The README's test command: builds what the tests need, then runs every
# test of the workspace. Extra arguments go to go test (e.g. -run X).
#
# The set-up below is a list: one line per thing the tests need that Go's
# module cache does not fetch by itself. Each prints its own progress and
# has no time limit (Jaeger's first build takes 5 minutes on an idle 2-core
# machine, 30 or more on a busy one), so that go test's -timeout covers
# the tests alone.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== set-up: Jaeger, built from its Go module (the end-to-end tests start it)"
scripts/jaeger.sh build >/dev/null

echo "== set-up: the OpenTelemetry Collector of scripts/scale.sh, built from its manifest (internal/scaletest)"
scripts/collector.sh build >/dev/null

echo "== tests: go test -count=1 -timeout 20m work $*"
exec go test -count=1 -timeout 20m work "$@"
