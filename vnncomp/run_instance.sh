#!/usr/bin/env bash
# VNN-COMP tool interface: run_instance.sh VERSION BENCHMARK ONNX VNNLIB RESULT_FILE TIMEOUT
# Runs `verity verify` and writes RESULT_FILE in the competition's words: "sat" followed by the counterexample,
# "unsat", "timeout" or "unknown" ("error" when Verity could not run the instance).
set -uo pipefail
if (( $# != 6 )); then
  echo "usage: $0 VERSION BENCHMARK ONNX VNNLIB RESULT_FILE TIMEOUT" >&2
  exit 1
fi
ONNX="$3" VNNLIB="$4" RESULT="$5" TIMEOUT="$6"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The competition names files without .gz even where they are stored compressed; Verity reads either.
[[ -f "$ONNX" || ! -f "$ONNX.gz" ]] || ONNX="$ONNX.gz"
[[ -f "$VNNLIB" || ! -f "$VNNLIB.gz" ]] || VNNLIB="$VNNLIB.gz"

# The competition's clock includes JVM start-up and loading the model; keep 2 s of the budget for them
# (half the budget when it is shorter than 4 s), so that the verdict is written before the harness gives up.
BUDGET="$(awk -v t="$TIMEOUT" 'BEGIN { b = (t > 4) ? t - 2 : t / 2; printf "%.3f", b }')"

TMP="$(mktemp -d -t verity-run.XXXXXX)"
trap 'rm -rf "$TMP"' EXIT
CE="$TMP/counterexample" # verify writes it only when it falsifies the property
LAST="$("$REPO/verity" verify "$ONNX" "$VNNLIB" --timeout "$BUDGET" --counterexample "$CE" | tail -n 1)"

case "$LAST" in
  falsified)
    if [[ -s "$CE" ]]; then cp "$CE" "$RESULT"; else echo "unknown" > "$RESULT"; fi ;;
  verified) echo "unsat" > "$RESULT" ;;
  timeout) echo "timeout" > "$RESULT" ;;
  unknown) echo "unknown" > "$RESULT" ;;
  *) echo "error" > "$RESULT" ;;
esac
exit 0
