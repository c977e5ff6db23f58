#!/usr/bin/env bash
# Issue 17: is verify's --timeout honoured? Runs `verity verify MODEL SPEC --timeout T` N times on an instance that
# cannot be decided within T and prints each run's wall time (the whole command, JVM start included) and its overshoot.
# Usage: bench/timeout_accuracy.sh [N] [T] [MODEL] [SPEC]   (default: 20 runs, 20 s, ERAN relu 9x200 idx 2697)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-20}"; T="${2:-20}"
MODEL="${3:-../shared/benchmarks/vnncomp2021/eran/nets/mnist_relu_9_200.onnx}"
SPEC="${4:-../shared/benchmarks/vnncomp2021/eran/specs/mnist/mnist_spec_idx_2697_eps_0.01500.vnnlib}"
./verity --version >/dev/null 2>&1   # build first, outside the timed runs
echo "run,timeout_s,wall_s,overshoot_pct,result"
worst=0
for i in $(seq 1 "$N"); do
  start=$(date +%s.%N)
  result=$(./verity verify "$MODEL" "$SPEC" --timeout "$T" 2>/dev/null | tail -1 || true)
  end=$(date +%s.%N)
  wall=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
  over=$(awk -v w="$wall" -v t="$T" 'BEGIN { print (w - t) * 100 / t }')
  printf '%d,%s,%.2f,%.1f,%s\n' "$i" "$T" "$wall" "$over" "$result"
  worst=$(awk -v o="$over" -v w="$worst" 'BEGIN { print (o > w ? o : w) }')
done
printf 'worst overshoot: %.1f %% of %s s over %d runs\n' "$worst" "$T" "$N"
