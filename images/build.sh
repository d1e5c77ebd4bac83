#!/usr/bin/env bash
# Builds kubetune's images offline with buildah from images/Containerfile (no registry is needed):
# Debian 12 stand-ins for NODE_IMAGE and BASE_IMAGE are made with mmdebstrap from the apt mirror this
# machine already uses, Node is the `node` devDependency's binary, and `npm ci` runs offline from the
# host's npm cache (which `npm ci` on this machine filled).
# Installs buildah, mmdebstrap and runc from Debian when missing. Prints each image's size.
# Usage: images/build.sh [controller] [trainer-cpu] [nats]     (default: controller trainer-cpu)
#   nats: a NATS image from Debian's nats-server, for the real-node install test (not a kubetune image).
# Env: KUBETUNE_IMAGE_TAG (default: package.json version), KUBETUNE_IMAGE_PREFIX (default: kubetune).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../test/cluster/lib.sh"
started_at=$(date +%s)
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(controller trainer-cpu)
for t in "${targets[@]}"; do
  case "$t" in controller|trainer-cpu|nats) ;; trainer-gpu) die "trainer-gpu needs the network (npm downloads libtensorflow for CUDA) and the CUDA base image: build it with docker, see docs/install.md" ;;
    *) die "unknown image $t (one of: controller trainer-cpu nats)" ;; esac
done

ensure_cmds buildah:buildah mmdebstrap:mmdebstrap runc:runc strip:binutils
W="$KUBETUNE_CACHE/images"
mkdir -p "$W"
# buildah reads this instead of /etc/containers/containers.conf: runc (crun 1.8 refuses this machine's
# hybrid cgroup layout) and rlimits within the hard limits (the defaults exceed them here).
export CONTAINERS_CONF="$W/containers.conf"
printf '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n[engine]\nruntime = "runc"\n' > "$CONTAINERS_CONF"

NODE_BIN="$REPO_ROOT/node_modules/node/bin/node"
[ -x "$NODE_BIN" ] || die "$NODE_BIN is missing: run npm ci in $REPO_ROOT (the image's Node is the node devDependency)"
NODE_VERSION="$("$NODE_BIN" --version)"
NPM_DIR="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
[ -f "$NPM_DIR/package.json" ] || die "cannot find npm's package folder from $(command -v npm)"
NPM_VERSION="$(npm --version)"
SUITE="$(. /etc/os-release && echo "$VERSION_CODENAME")"
[ "$SUITE" = bookworm ] || log "warning: this machine runs Debian '$SUITE'; the images are meant to be bookworm (Debian 12)"
SOURCES=""
for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list; do [ -s "$f" ] && { SOURCES="$f"; break; }; done
[ -n "$SOURCES" ] || die "no apt sources found in /etc/apt: mmdebstrap takes the Debian mirror from there"

image_exists() { buildah inspect --type image "$1" >/dev/null 2>&1; }
size_mb() { buildah images --noheading --format '{{.Size}}' "$1" 2>/dev/null | head -1; }

# rootfs NAME PACKAGES: an extracted Debian rootfs (no maintainer scripts run) with the distroless
# `nonroot` user (65532), without apt's state, docs, or glibc's iconv modules (8 MB; Node has its own
# ICU, time zones included).
rootfs() {
  local name="$1" pkgs="$2" dir="$W/$1"
  rm -rf "$dir" "$dir.tar"
  mmdebstrap --quiet --mode=root --variant=extract --include="$pkgs" \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/lib/*/gconv/*' \
    --extract-hook='cp "$1"/usr/share/base-passwd/passwd.master "$1"/etc/passwd
      cp "$1"/usr/share/base-passwd/group.master "$1"/etc/group
      echo "nonroot:x:65532:65532:nonroot:/home/nonroot:/usr/sbin/nologin" >> "$1"/etc/passwd
      echo "nonroot:x:65532:" >> "$1"/etc/group
      mkdir -p "$1"/home/nonroot "$1"/tmp && chown 65532:65532 "$1"/home/nonroot && chmod 1777 "$1"/tmp' \
    "$SUITE" "$dir" "$SOURCES" >&2 || die "mmdebstrap $name failed (is the Debian mirror in $SOURCES reachable?)"
  # No mirror address or package state is left in the image.
  rm -rf "$dir"/etc/apt "$dir"/var/lib/apt "$dir"/var/cache/apt "$dir"/var/lib/dpkg "$dir"/var/log/*
}
# import TARGET DIR [CONFIG...]: a single-layer image from a folder, with buildah config options.
import() {
  local ref="$1" dir="$2"; shift 2
  local c; c="$(buildah from scratch)"
  buildah add --quiet "$c" "$dir" / >/dev/null
  [ $# -eq 0 ] || buildah config "$@" "$c"
  buildah commit --quiet --rm "$c" "$ref" >/dev/null
}

RUNTIME_PKGS=base-files,base-passwd,libc6,libgcc-s1,libstdc++6,netbase
BUILD_PKGS=$RUNTIME_PKGS,dash,coreutils,findutils
# Image tags carry a hash of their inputs, so a changed input makes a new stand-in and the old one is reused otherwise.
key() { printf '%s\n' "$@" | sha256sum | cut -c1-12; }
BASE_REF="localhost/kubetune/debian-runtime:$(key "$SUITE" "$RUNTIME_PKGS")"
NODE_REF="localhost/kubetune/node-build:$(key "$SUITE" "$BUILD_PKGS" "$NODE_VERSION" "$NPM_VERSION")"
NATS_REF="localhost/kubetune/nats-server:debian-$SUITE"

if ! image_exists "$BASE_REF"; then
  t0=$(date +%s); log "making $BASE_REF (mmdebstrap: $RUNTIME_PKGS)"
  rootfs debian-runtime "$RUNTIME_PKGS"
  import "$BASE_REF" "$W/debian-runtime" --env PATH=/usr/local/bin:/usr/bin:/bin --user 65532:65532
  log "made $BASE_REF in $(( $(date +%s) - t0 ))s"
fi
if ! image_exists "$NODE_REF"; then
  t0=$(date +%s); log "making $NODE_REF (Node $NODE_VERSION, npm $NPM_VERSION)"
  rootfs node-build "$BUILD_PKGS"
  install -D -m 0755 "$NODE_BIN" "$W/node-build/usr/local/bin/node"
  strip --strip-all "$W/node-build/usr/local/bin/node"
  mkdir -p "$W/node-build/usr/local/lib/node_modules"
  cp -a "$NPM_DIR" "$W/node-build/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$W/node-build/usr/local/bin/npm"
  import "$NODE_REF" "$W/node-build" --env PATH=/usr/local/bin:/usr/bin:/bin --env HOME=/root
  log "made $NODE_REF in $(( $(date +%s) - t0 ))s"
fi

VERSION="${KUBETUNE_IMAGE_TAG:-$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$REPO_ROOT/package.json")}"
PREFIX="${KUBETUNE_IMAGE_PREFIX:-kubetune}"
REVISION="$(git -C "$REPO_ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
git -C "$REPO_ROOT" diff --quiet HEAD 2>/dev/null || REVISION="$REVISION-dirty"
SOURCE="$(git -C "$REPO_ROOT" remote get-url origin 2>/dev/null || echo unknown)"

NPM_CACHE="$(npm config get cache)"

built=()
for t in "${targets[@]}"; do
  t0=$(date +%s)
  case "$t" in
    controller) ref="localhost/$PREFIX/kubetune:$VERSION" ;;
    trainer-cpu) ref="localhost/$PREFIX/trainer:$VERSION" ;;
    nats) ref="$NATS_REF" ;;
  esac
  if [ "$t" = nats ]; then
    # nats-server is a static Go binary; the chart's StatefulSet passes --config and runs as 1000.
    # Made from Debian packages only: kept while the tag (the suite) is the same.
    image_exists "$ref" || rootfs nats-server "$RUNTIME_PKGS,nats-server"
    if [ -d "$W/nats-server" ]; then
      import "$ref" "$W/nats-server" --entrypoint '["/usr/sbin/nats-server"]' --user 1000:1000 \
        --env PATH=/usr/sbin:/usr/bin:/bin --port 4222 --port 8222
      rm -rf "$W/nats-server"
    fi
  else
    log "buildah bud --target $t -> $ref"
    buildah bud --quiet --layers --network none \
      -v "$NPM_CACHE:/root/.npm" \
      --build-arg NODE_IMAGE="$NODE_REF" --build-arg BASE_IMAGE="$BASE_REF" --build-arg npm_config_offline=true \
      --build-arg VERSION="$VERSION" --build-arg REVISION="$REVISION" --build-arg SOURCE="$SOURCE" \
      -f "$REPO_ROOT/images/Containerfile" --target "$t" -t "$ref" "$REPO_ROOT" >/dev/null \
      || die "buildah bud --target $t failed; if at npm ci, the npm cache $NPM_CACHE lacks a package of package-lock.json (run 'npm ci' once with the registry reachable); rerun without --quiet in images/build.sh to see the step"
    # buildah 1.28's layer cache ignores build args, so a cached LABEL step would keep an old revision:
    # set the build's own labels on the result (a config change, no new files).
    c="$(buildah from "$ref")"
    buildah config --label org.opencontainers.image.version="$VERSION" --label org.opencontainers.image.revision="$REVISION" \
      --label org.opencontainers.image.source="$SOURCE" "$c"
    buildah commit --quiet --rm "$c" "$ref" >/dev/null
  fi
  log "built $ref in $(( $(date +%s) - t0 ))s"
  built+=("$ref")
done
rm -rf "$W/debian-runtime" "$W/node-build"
printf '%-48s %s\n' IMAGE 'SIZE (uncompressed)'
for ref in "${built[@]}"; do printf '%-48s %s\n' "$ref" "$(size_mb "$ref")"; done
log "images done in $(( $(date +%s) - started_at ))s"
