#!/usr/bin/env bash
# Measures OTLP/gRPC against OTLP/HTTP with the sample's own two programs.
# The harness is the Go module in scripts/compare; see scripts/compare.sh -h.
# Works from any directory; results go to stdout, progress to stderr.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Build the harness into bin/ (ignored by git), then run it, so that its
# exit code (0 ok, 1 a run lost spans or failed, 2 bad input) is the script's.
(cd "$root" && go build -o bin/compare ./scripts/compare)
exec "$root/bin/compare" --repo "$root" "$@"
