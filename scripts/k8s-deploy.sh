#!/usr/bin/env bash
# One step of a release to one environment (dev, qat or prod), as the Jenkinsfile runs it and as a
# person can by hand, in this order:
#   export TARGET=qat REGISTRY=registry.example.com/catalogue IMAGE_TAG=1a2b3c4d5e6f
#   scripts/k8s-deploy.sh provision   # the catalogue-provision Job, alone, waited for
#   scripts/k8s-deploy.sh migrate     # then the catalogue-migrate Job, alone, waited for
#   scripts/k8s-deploy.sh rollout     # then everything else, and every Deployment's rollout
#   scripts/k8s-deploy.sh smoke       # then the smoke test through port-forwards
# (`all` runs the four). Plain `kubectl apply -k` sends everything at once and cannot make the
# Deployments wait for a Job: the ordering is here. kubectl must point at the environment's cluster.
set -euo pipefail
step=${1:?usage: k8s-deploy.sh provision|migrate|rollout|smoke|all}
target=${TARGET:?set TARGET to the overlay: dev, qat or prod}
registry=${REGISTRY:?set REGISTRY, e.g. registry.example.com/catalogue}
tag=${IMAGE_TAG:?set IMAGE_TAG to the release image tag}
root=$(cd "$(dirname "$0")/.." && pwd)
ns="catalogue-$target"
job_timeout=${JOB_TIMEOUT_SECONDS:-600}

render() { "$root/scripts/k8s-release.sh" "$target" "$registry" "$tag" ${RELEASE_DIR:+"$RELEASE_DIR"}; }

# Applies one Job with the ConfigMaps it reads, and waits until it completes or fails.
run_job() { # job, component label
  local job=$1 component=$2 release state
  release=$(render)
  # A Job's pod template is immutable: the previous release's Job goes first.
  kubectl -n "$ns" delete job "$job" --ignore-not-found --wait=true
  kubectl apply -k "$release" -l "app.kubernetes.io/component in (config,$component)"
  for ((waited = 0; waited < job_timeout; waited += 5)); do
    state=$(kubectl -n "$ns" get job "$job" -o jsonpath='{.status.conditions[?(@.status=="True")].type}')
    case " $state " in
      *" Complete "*)
        kubectl -n "$ns" logs "job/$job" --tail=100 || true
        return 0 ;;
      *" Failed "*)
        echo "job $job failed:" >&2
        kubectl -n "$ns" logs "job/$job" --tail=200 >&2 || true
        return 1 ;;
    esac
    sleep 5
  done
  echo "job $job did not finish within ${job_timeout}s" >&2
  kubectl -n "$ns" logs "job/$job" --tail=200 >&2 || true
  return 1
}

rollout() {
  local release
  release=$(render)
  kubectl apply -k "$release" -l 'app.kubernetes.io/component notin (migration,provision)'
  for deployment in main-service admin-service main-consumer admin-consumer; do
    kubectl -n "$ns" rollout status "deployment/$deployment" --timeout=300s
  done
}

smoke() {
  kubectl -n "$ns" port-forward svc/main-service 15000:5000 >/dev/null 2>&1 &
  local main_pf=$!
  kubectl -n "$ns" port-forward svc/admin-service 18000:8000 >/dev/null 2>&1 &
  local admin_pf=$!
  trap 'kill $main_pf $admin_pf 2>/dev/null || true' EXIT
  "$root/scripts/smoke.sh" http://127.0.0.1:15000 http://127.0.0.1:18000
}

case $step in
  provision) run_job catalogue-provision provision ;;
  migrate) run_job catalogue-migrate migration ;;
  rollout) rollout ;;
  smoke) smoke ;;
  all) run_job catalogue-provision provision && run_job catalogue-migrate migration && rollout && smoke ;;
  *) echo "unknown step: $step (provision, migrate, rollout, smoke or all)" >&2; exit 2 ;;
esac
