#!/usr/bin/env bash
# npm run test:images: the three images built and run on this machine, and docker-compose.yml run
# with this machine's override (docs/decisions/0020). Installs what it needs (idempotent), takes the
# lock on the image engine's state (one run at a time per machine: the engine's data root holds the
# base image and the build cache between runs), then runs both test files, one after the other.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if ((${#missing[@]})); then
  echo "installing ${missing[*]}"
  # docker.io must not start Debian's own daemon (it would make a bridge network): deny service
  # starts during the install unless the machine already does.
  policy=/usr/sbin/policy-rc.d made_policy=
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && made_policy=1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -z "$made_policy" ] || rm -f "$policy"
fi

mkdir -p /var/lib/catalogue-images
exec 9>/var/lib/catalogue-images/lock
if ! flock -n 9; then
  echo "another npm run test:images holds /var/lib/catalogue-images/lock; waiting for it"
  flock -w 3600 9
fi

status=0
node_modules/.bin/node --test --test-concurrency=1 --test-timeout=3600000 --test-reporter=spec \
  test/dist/images/containers.images.js test/dist/images/docker-compose.images.js || status=$?
echo "test:images took $((SECONDS - started)) s"
exit "$status"
