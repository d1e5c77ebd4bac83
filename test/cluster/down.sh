#!/usr/bin/env bash
# Stops the test cluster's processes, only those up.sh started (by pid file, checked against the
# process's command line so a recycled pid is never killed).
# Usage: down.sh [--purge] [--only NAME]
#   --purge      also delete the cluster's state (etcd data, NATS store, PKI, logs) for a clean start
# A real node (real-node-up.sh) is stopped too, and everything it added to the machine removed.
#   --only NAME  stop one component (etcd, kube-apiserver, kube-controller-manager, nats-server, kubelet)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
D="$KUBETUNE_CLUSTER_DIR"
purge=0; only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --purge) purge=1 ;;
    --only) only="${2:?--only needs a component name}"; shift ;;
    *) die "unknown argument $1 (usage: down.sh [--purge] [--only NAME])" ;;
  esac
  shift
done

# What each component's command line contains; dependants first so nothing logs spurious errors.
ORDER=(kubelet kube-controller-manager kube-apiserver etcd nats-server)
declare -A MATCH=([kubelet]=kubelet/main.ts [kube-controller-manager]=kube-controller-manager
  [kube-apiserver]=kube-apiserver [etcd]="etcd --name kubetune" [nats-server]=nats-server)

stop_one() {
  local name="$1" f="$D/run/$1.pid" pid i
  pid="$(cat "$f" 2>/dev/null)" || return 0
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
     && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "${MATCH[$name]}"; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    # The kubelet stops its Pods' processes first, which takes up to its own 10 s grace.
    for i in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then log "$name ignored SIGTERM for 15s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$f"
}

if [ -n "$only" ]; then
  [ -n "${MATCH[$only]:-}" ] || die "unknown component $only (one of: ${ORDER[*]})"
  stop_one "$only"
  exit 0
fi
# The real node first (real-node-up.sh): it deletes its Node while the API server still runs.
if [ -d "$D/real-node/run" ]; then
  if [ "$purge" = 1 ]; then bash "$REPO_ROOT/test/cluster/real-node-down.sh" --purge; else bash "$REPO_ROOT/test/cluster/real-node-down.sh"; fi
fi
for name in "${ORDER[@]}"; do stop_one "$name"; done
rm -f "$D/env"
if [ "$purge" = 1 ]; then
  log "purging $D"
  rm -rf "${D:?}"/{etcd-data,nats-store,pki,logs,pods,run} "$D"/*.kubeconfig
fi
log "cluster stopped"
