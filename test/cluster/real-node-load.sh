#!/usr/bin/env bash
# Loads images from buildah's local storage (images/build.sh puts them there) into the real node's
# containerd, as `docker save | ctr import` would; the kubelet then finds them with pullPolicy IfNotPresent.
# Usage: real-node-load.sh IMAGE...    (e.g. localhost/kubetune/kubetune:0.1.0)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
[ $# -gt 0 ] || die "usage: real-node-load.sh IMAGE..."
SOCK="$KUBETUNE_CLUSTER_DIR/real-node/containerd/containerd.sock"
[ -S "$SOCK" ] || die "the real node's containerd is not running ($SOCK missing): run bash test/cluster/real-node-up.sh"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
for ref in "$@"; do
  buildah inspect --type image "$ref" >/dev/null 2>&1 || die "no image $ref in buildah's storage: build it first (make images)"
  buildah push --quiet "$ref" "docker-archive:$tmp/image.tar:$ref" >/dev/null
  ctr --address "$SOCK" --namespace k8s.io images import "$tmp/image.tar" >/dev/null || die "ctr images import of $ref failed"
  rm -f "$tmp/image.tar"
  log "loaded $ref into the real node's containerd"
done
