#!/usr/bin/env bash
# Builds helm from its Go module into ${KUBETUNE_CACHE:-~/.cache/kubetune}/helm-<version>-<goversion>/helm
# and prints that path. Idempotent: prints the cached binary at once when it exists.
set -euo pipefail
CACHE="${KUBETUNE_CACHE:-$HOME/.cache/kubetune}"
VERSION="${KUBETUNE_HELM_VERSION:-v3.22.0}"
log() { printf '[helm %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
command -v go >/dev/null || { log "ERROR: go is missing; install Go 1.24+ (or apt-get install golang-go) and rerun"; exit 1; }
OUT="$CACHE/helm-$VERSION-$(go env GOVERSION)"
if [ -x "$OUT/helm" ]; then echo "$OUT/helm"; exit 0; fi
mkdir -p "$OUT"
t0=$(date +%s)
log "go install helm.sh/helm/v3/cmd/helm@$VERSION (a few minutes the first time)"
# helm's go.mod has no replace directives, so a plain go install of the tagged module works. Each build
# installs into its own folder and renames the binary into place, so test files that build at the same
# time do not take each other's binary away.
BIN="$OUT/.bin.$$"
GOFLAGS=-buildvcs=false CGO_ENABLED=0 GOBIN="$BIN" go install -trimpath \
  -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean" \
  "helm.sh/helm/v3/cmd/helm@$VERSION" 2>"$OUT/build.log" \
  || { log "ERROR: go install helm@$VERSION failed; see $OUT/build.log (is the Go module proxy reachable?)"; exit 1; }
mv -f "$BIN/helm" "$OUT/helm"
rmdir "$BIN"
log "built $OUT/helm in $(( $(date +%s) - t0 ))s"
echo "$OUT/helm"
