# Shared settings and helpers for the test-cluster scripts (sourced, not run).
# Paths live outside the repo so nothing built or generated here is ever committed.

KUBETUNE_CACHE="${KUBETUNE_CACHE:-$HOME/.cache/kubetune}"
KUBETUNE_CLUSTER_DIR="${KUBETUNE_CLUSTER_DIR:-$KUBETUNE_CACHE/cluster}"
K8S_VERSION="${KUBETUNE_K8S_VERSION:-v1.35.4}"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { printf '[cluster %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# go_version prints e.g. go1.26.8 (part of the cache key: a new toolchain rebuilds).
go_version() { go env GOVERSION; }

# bin_dir prints the cache folder holding the binaries for this k8s version and Go toolchain.
bin_dir() { printf '%s/k8s-%s-%s\n' "$KUBETUNE_CACHE" "$K8S_VERSION" "$(go_version)"; }

# ensure_cmds installs the Debian packages providing the given commands when any is missing.
# Usage: ensure_cmds cmd:package ...
ensure_cmds() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing packages ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}"
  log "apt-get install ${missing[*]}"
  # Lock timeout: another apt-get (a parallel job on this machine) is waited for, not failed on.
  apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 || die "apt-get update failed (is the Debian mirror reachable?)"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
}
