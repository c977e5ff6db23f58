#!/usr/bin/env bash
# VNN-COMP tool interface: prepare_instance.sh VERSION BENCHMARK ONNX VNNLIB
# Verity needs no per-instance preparation (models are read at run time); this only makes sure the jar is
# built, so that the build minute is not charged to the first instance's timeout.
set -euo pipefail
if (( $# != 4 )); then
  echo "usage: $0 VERSION BENCHMARK ONNX VNNLIB" >&2
  exit 1
fi
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The launcher builds the jar when it is missing or older than the sources; --version then does nothing else.
"$REPO/verity" --version >&2
exit 0
