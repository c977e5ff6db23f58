#!/usr/bin/env bash
# Paper 003's MNIST rows, resumably: for each preset named on the command line (e.g. fc-box-0.3 conv-crown-ibp-0.3),
# train it (continuing from its checkpoint when one exists) and certify the result with `verity eval` on the
# 10,000 test images (continuing from the results written so far). Kill it at any time and run it again.
#
#   bench/reproduce-003.sh fc-box-0.3 fc-crown-ibp-0.3            # full 200-epoch schedules
#   EPOCHS=10 bench/reproduce-003.sh fc-hbox-0.3 fc-deepz-0.3      # a reduced schedule (same shape), named ...-e10
#   EVAL_METHODS=pgd,ibp,crown bench/reproduce-003.sh fc-box-0.1  # certifiers (default: every 003 relaxation + pgd)
#
# Outputs: runs/003/<row>/<row>.{onnx,train.jsonl,train.png,ckpt} and runs/003/<row>/eval/ (table.md, summary.json, ...).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="${DATA:-$REPO/../shared/benchmarks/datasets/mnist}"
OUT="${OUT:-$REPO/runs/003}"
METHODS="${EVAL_METHODS:-pgd,ibp,hbox,crown-ibp,deepz,crown}"
JOBS="${JOBS:-2}"
[[ $# -gt 0 ]] || { echo "usage: $0 PRESET... (see ./verity train --list-presets)" >&2; exit 2; }

for preset in "$@"; do
  eps="${preset##*-}"                       # fc-box-0.3 -> 0.3
  name="$preset${EPOCHS:+-e$EPOCHS}"
  dir="$OUT/$name"
  mkdir -p "$dir"
  args=(train --data "$DATA" --preset "$preset" --out "$dir/$name.onnx")
  [[ -n "${EPOCHS:-}" ]] && args+=(--epochs "$EPOCHS")
  [[ -f "$dir/$name.ckpt" ]] && args+=(--resume)
  echo "== $name: training ($(date -u +%H:%M))" >&2
  "$REPO/verity" "${args[@]}"
  echo "== $name: certifying at eps $eps with $METHODS ($(date -u +%H:%M))" >&2
  eval_args=(eval "$dir/$name.onnx" --data "$DATA" --eps "$eps" --methods "$METHODS" --jobs "$JOBS" --out "$dir/eval")
  [[ -f "$dir/eval/results.jsonl" ]] && eval_args+=(--resume)
  "$REPO/verity" "${eval_args[@]}"
done
