#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kubectl, etcd and helm from published Go modules into
# $KUBETUNE_CACHE/k8s-<version>-<goversion>/. Idempotent: exits at once when the binaries exist.
# Usage: build.sh [--real-node]   (--real-node: also kubelet and kube-scheduler, for real-node-up.sh)
#
# k8s.io/kubernetes pins its ~30 staging modules at v0.0.0 with `replace => ./staging/...`, which a
# module download does not contain, so a throwaway wrapper module replaces each of them with its
# published v0.<minor>.<patch> tag. The list is read from the downloaded go.mod, never hard-coded.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_cmds go:golang-go
OUT="$(bin_dir)"
BINS=(kube-apiserver kube-controller-manager kubectl etcd helm)
KUBE_CMDS=(kube-apiserver kubectl kube-controller-manager)
if [ "${1:-}" = --real-node ]; then BINS+=(kubelet kube-scheduler); KUBE_CMDS+=(kubelet kube-scheduler)
elif [ $# -gt 0 ]; then die "unknown argument $1 (usage: build.sh [--real-node])"; fi
HELM_VERSION="${KUBETUNE_HELM_VERSION:-v3.22.0}"

all_built() { local b; for b in "${BINS[@]}"; do [ -x "$OUT/$b" ] || return 1; done; }
if all_built; then log "binaries cached in $OUT"; exit 0; fi

start=$(date +%s)
mkdir -p "$OUT"
WORK="$KUBETUNE_CACHE/build/k8s-$K8S_VERSION"
mkdir -p "$WORK/kube" "$WORK/etcd"
export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0

# --- kubernetes -----------------------------------------------------------------------------
cd "$WORK/kube"
[ -f go.mod ] || go mod init kubetune.local/k8sbuild >/dev/null 2>&1
log "downloading k8s.io/kubernetes@$K8S_VERSION go.mod"
KMOD="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
[ -f "$KMOD" ] || die "could not download k8s.io/kubernetes@$K8S_VERSION (check GOPROXY and the version)"

# vX.Y.Z -> v0.Y.Z: the staging modules are tagged with the kubernetes minor/patch under major 0.
STAGING_VERSION="v0.${K8S_VERSION#v1.}"
mapfile -t STAGING < <(sed -n 's#^[[:space:]]*\(k8s.io/[^[:space:]]*\) => ./staging/.*#\1#p' "$KMOD" | sort -u)
[ ${#STAGING[@]} -gt 10 ] || die "found only ${#STAGING[@]} staging replaces in $KMOD; the go.mod layout changed"
log "replacing ${#STAGING[@]} staging modules with @$STAGING_VERSION"
args=(-require "k8s.io/kubernetes@$K8S_VERSION")
for m in "${STAGING[@]}"; do args+=(-replace "$m=$m@$STAGING_VERSION"); done
go mod edit "${args[@]}"
# Same Go language/godebug defaults as the release itself.
go mod edit -go="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$KMOD")"
grep -q '^godebug' "$KMOD" && go mod edit -godebug="$(sed -n 's/^godebug \(.*\)$/\1/p' "$KMOD" | head -1)"
{
  printf '//go:build tools\n\npackage tools\n\nimport (\n'
  for b in "${KUBE_CMDS[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$b"; done
  printf ')\n'
} > tools.go
log "resolving kubernetes dependencies"
go mod tidy -e >/dev/null 2>"$WORK/kube/tidy.log" || true

MINOR="${K8S_VERSION#v1.}"; MINOR="${MINOR%%.*}"
BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
LD="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LD+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$MINOR"
  LD+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$BUILD_DATE -X $pkg.gitCommit=kubetune-module-build"
done
for b in "${KUBE_CMDS[@]}"; do
  [ -x "$OUT/$b" ] && continue
  t0=$(date +%s)
  log "go build $b (slow the first time)"
  go build -trimpath -ldflags "$LD" -o "$OUT/$b.tmp" "k8s.io/kubernetes/cmd/$b" \
    || die "go build $b failed; dependency resolution log: $WORK/kube/tidy.log"
  mv "$OUT/$b.tmp" "$OUT/$b"
  log "built $b in $(( $(date +%s) - t0 ))s"
done

# --- etcd at the version kubernetes pins -------------------------------------------------------
ETCD_VERSION="$(sed -n 's#^[[:space:]]*go.etcd.io/etcd/server/v3 \(v[^[:space:]]*\).*#\1#p' "$KMOD" | head -1)"
[ -n "$ETCD_VERSION" ] || ETCD_VERSION="$(sed -n 's#^[[:space:]]*go.etcd.io/etcd/client/v3 \(v[^[:space:]]*\).*#\1#p' "$KMOD" | head -1)"
[ -n "$ETCD_VERSION" ] || die "no go.etcd.io/etcd version found in $KMOD"
if [ ! -x "$OUT/etcd" ]; then
  cd "$WORK/etcd"
  [ -f go.mod ] || go mod init kubetune.local/etcdbuild >/dev/null 2>&1
  t0=$(date +%s)
  log "go build etcd $ETCD_VERSION"
  go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null 2>&1 || die "go get go.etcd.io/etcd/server/v3@$ETCD_VERSION failed"
  go build -trimpath -ldflags "-s -w" -o "$OUT/etcd.tmp" go.etcd.io/etcd/server/v3 || die "go build etcd $ETCD_VERSION failed"
  mv "$OUT/etcd.tmp" "$OUT/etcd"
  log "built etcd in $(( $(date +%s) - t0 ))s"
fi
# --- helm (for the chart's lint/template/install tests); its go.mod has no replaces: go install works
if [ ! -x "$OUT/helm" ]; then
  t0=$(date +%s)
  log "go install helm $HELM_VERSION"
  mkdir -p "$WORK/helm-bin"
  (cd "$WORK" && GOFLAGS=-buildvcs=false GOBIN="$WORK/helm-bin" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" 2>"$WORK/helm-build.log") \
    || die "go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION failed; see $WORK/helm-build.log"
  mv "$WORK/helm-bin/helm" "$OUT/helm"
  log "built helm in $(( $(date +%s) - t0 ))s"
fi
printf 'kubernetes=%s\netcd=%s\nhelm=%s\ngo=%s\nbuild_seconds=%s\n' "$K8S_VERSION" "$ETCD_VERSION" "$HELM_VERSION" "$(go_version)" \
  "$(( $(date +%s) - start ))" > "$OUT/VERSIONS"
log "all binaries in $OUT ($(( $(date +%s) - start ))s)"
