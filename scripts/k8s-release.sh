#!/usr/bin/env bash
# Writes a kustomization that is OVERLAY with this release's images, and prints its folder:
#   kubectl kustomize "$(scripts/k8s-release.sh qat registry.example.com/catalogue 1.2.3)"
# The overlays stay untouched in git; the pipeline renders what it deploys from them
# (scripts/k8s-deploy.sh applies it in order: provisioning, migrations, the rest).
set -euo pipefail
overlay=${1:?usage: k8s-release.sh OVERLAY REGISTRY TAG [OUT_DIR]}
registry=${2:?registry, e.g. registry.example.com/catalogue}
tag=${3:?image tag}
root=$(cd "$(dirname "$0")/.." && pwd)
out=${4:-$root/.release/$overlay}

[[ -f "$root/deploy/k8s/overlays/$overlay/kustomization.yaml" ]] || { echo "no overlay named $overlay" >&2; exit 2; }
[[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || { echo "invalid image tag: $tag" >&2; exit 2; }
[[ $registry =~ ^[A-Za-z0-9.:/_-]+$ ]] || { echo "invalid registry: $registry" >&2; exit 2; }

mkdir -p "$out"
overlay_path=$(realpath --relative-to="$out" "$root/deploy/k8s/overlays/$overlay")
{
  echo "apiVersion: kustomize.config.k8s.io/v1beta1"
  echo "kind: Kustomization"
  echo "resources:"
  echo "  - $overlay_path"
  echo "images:"
  for image in main-service admin-service migrations; do
    echo "  - name: catalogue/$image"
    echo "    newName: $registry/$image"
    echo "    newTag: \"$tag\""
  done
} > "$out/kustomization.yaml"
echo "$out"
