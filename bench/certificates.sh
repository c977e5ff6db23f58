#!/usr/bin/env bash
# For every verified, non-MILP row of a `verity vnncomp` results CSV: verify again with --certificate, then
# `verity check` the certificate. Writes one CSV row per instance (issue 17: certificate counts and checking times).
# Usage (from the repository root): bench/certificates.sh RESULTS.csv OUT.csv [TIMEOUT_S]
#   VERITY=... overrides the command (default ./verity).
set -euo pipefail
results=$1 out=$2 timeout=${3:-120}
verity=${VERITY:-./verity}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "onnx,vnnlib,verified_by,certificate,boxes,write_ms,check,check_ms,reason" > "$out"
tail -n +2 "$results" | while IFS=, read -r onnx vnnlib result time method; do
    [ "$result" = unsat ] || continue
    [ "$method" = milp ] && continue
    # vnncomp finds X.onnx.gz when the csv names X.onnx (the 2022 benchmarks); verify needs the real name
    [ -f "$onnx" ] || onnx=$onnx.gz
    [ -f "$vnnlib" ] || vnnlib=$vnnlib.gz
    cert=$tmp/cert.json
    rm -f "$cert"
    v=$($verity verify "$onnx" "$vnnlib" --timeout "$timeout" --certificate "$cert" --json 2>/dev/null || true)
    by=$(echo "$v" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("method") or d["result"])' 2>/dev/null || echo error)
    if [ ! -f "$cert" ]; then
        echo "$onnx,$vnnlib,$by,none,0,0,,0,not verified again" >> "$out"
        continue
    fi
    read -r complete boxes wms < <(echo "$v" | python3 -c 'import json,sys; c=json.load(sys.stdin)["certificate"]; print(c["complete"], c["boxes"], c["time_ms"])')
    c=$($verity check "$onnx" "$vnnlib" "$cert" --json 2>/dev/null || true)
    read -r accepted cms < <(echo "$c" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["accepted"], d["time_ms"])')
    reason=$(echo "$c" | python3 -c 'import json,sys; print(json.load(sys.stdin)["reason"].replace(",", ";")[:160])')
    echo "$onnx,$vnnlib,$by,$([ "$complete" = True ] && echo complete || echo incomplete),$boxes,$wms,$([ "$accepted" = True ] && echo accepted || echo rejected),$cms,$reason" >> "$out"
    echo "$(basename "$onnx") $(basename "$vnnlib"): $by, $boxes boxes, check $accepted in $cms ms" >&2
done
