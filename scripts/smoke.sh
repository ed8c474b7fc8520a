#!/usr/bin/env bash
# Smoke test after a deploy: each base URL must answer 200 on its liveness (/livez) and readiness
# (/readyz) routes, retried for a while since a rollout may still be settling.
#   scripts/smoke.sh http://127.0.0.1:15000 http://127.0.0.1:18000
set -euo pipefail
(( $# > 0 )) || { echo "usage: smoke.sh BASE_URL..." >&2; exit 2; }
attempts=${SMOKE_ATTEMPTS:-30}
delay=${SMOKE_DELAY_SECONDS:-2}

check() { # url
  local status
  for ((i = 1; i <= attempts; i++)); do
    status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" || true)
    if [[ $status == 200 ]]; then echo "ok   $1"; return 0; fi
    sleep "$delay"
  done
  echo "FAIL $1 (last status ${status:-none})" >&2
  return 1
}

failed=0
for base in "$@"; do
  for route in /livez /readyz; do
    check "${base%/}$route" || failed=1
  done
done
exit "$failed"
