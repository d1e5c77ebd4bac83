#!/usr/bin/env bash
# Removes the real node that real-node-up.sh added, and everything it left on the machine: the workload
# controller-manager, kube-scheduler, the kubelet, every container and Pod sandbox, containerd, the
# mounts under its folder, the network namespaces of its Pods, the kubepods cgroups, the iptables
# chains the kubelet created, the Node's address interface, and the Node object. The rest of the test cluster keeps running.
# Usage: real-node-down.sh [--purge]   (--purge: also delete its containerd store and images)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
D="$KUBETUNE_CLUSTER_DIR"
R="$D/real-node"
purge=0
case "${1:-}" in --purge) purge=1 ;; "") ;; *) die "unknown argument $1 (usage: real-node-down.sh [--purge])" ;; esac
[ -d "$R" ] || { log "no real node in $R"; exit 0; }
SOCK="$R/containerd/containerd.sock"

stop_one() { # NAME MATCH: SIGTERM the daemon whose pid file and command line match, SIGKILL after 15 s
  local f="$R/run/$1.pid" pid i
  pid="$(cat "$f" 2>/dev/null)" || return 0
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"; then
    log "stopping $1 (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { log "$1 ignored SIGTERM for 15s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; }
  fi
  rm -f "$f"
}
stop_one kube-controller-manager-workloads kube-controller-manager
stop_one kube-scheduler kube-scheduler
stop_one kubelet kubelet

# The kubelet leaves its containers running when it stops: kill and remove them through containerd.
if [ -S "$SOCK" ]; then
  CTR=(ctr --address "$SOCK" --namespace k8s.io)
  for id in $("${CTR[@]}" tasks list -q 2>/dev/null); do "${CTR[@]}" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
  for i in $(seq 1 50); do [ -z "$("${CTR[@]}" tasks list -q 2>/dev/null | head -1)" ] && break; sleep 0.2; "${CTR[@]}" tasks list -q 2>/dev/null | xargs -r -n1 "${CTR[@]}" tasks delete >/dev/null 2>&1 || true; done
  "${CTR[@]}" containers list -q 2>/dev/null | xargs -r "${CTR[@]}" containers delete >/dev/null 2>&1 || true
fi
stop_one containerd "$R/containerd/config.toml"

# Mounts under the real node's folder (kubelet volumes, container root filesystems), deepest first.
awk -v r="$R/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
# Network namespaces of its Pods: containerd 1.6 names them cni-<uuid> and nothing else here does.
for ns in /run/netns/cni-*; do
  [ -e "$ns" ] || continue
  ip netns delete "$(basename "$ns")" 2>/dev/null || { umount -l "$ns" 2>/dev/null; rm -f "$ns"; }
done
# cgroups: the kubelet's kubepods tree in every v1 hierarchy (and the v2 one), leaves first.
for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
  [ -d "$h/kubepods" ] || continue
  find "$h/kubepods" -depth -type d -exec rmdir {} \; 2>/dev/null || log "warning: could not remove every cgroup under $h/kubepods"
done
# iptables chains the kubelet created (real-node-up.sh recorded the KUBE-* chains that existed before).
before="$R/iptables-chains-before"
for cmd in iptables ip6tables; do
  command -v "$cmd" >/dev/null || continue
  for table in filter nat mangle; do
    for chain in $("$cmd" -t "$table" -S 2>/dev/null | sed -n 's/^-N \(KUBE-[^ ]*\)$/\1/p'); do
      grep -qx "$cmd $table $chain" "$before" 2>/dev/null && continue
      rules="$("$cmd" -t "$table" -S 2>/dev/null | grep -- "-j $chain\( \|$\)" | sed 's/^-A /-D /' || true)"
      while read -r rule; do
        # shellcheck disable=SC2086
        [ -z "$rule" ] || "$cmd" -t "$table" $rule 2>/dev/null || true
      done <<< "$rules"
      "$cmd" -t "$table" -F "$chain" 2>/dev/null || true
      "$cmd" -t "$table" -X "$chain" 2>/dev/null || log "warning: could not delete $cmd -t $table chain $chain"
    done
  done
done

ip link delete kt-real0 2>/dev/null || true
if [ -f "$D/env" ]; then
  # shellcheck disable=SC1091
  source "$D/env"
  "$KUBETUNE_KUBECTL" --kubeconfig "$KUBECONFIG" delete node kubetune-real-node --ignore-not-found >/dev/null 2>&1 || true
fi
rm -rf "$R"/run "$R"/kubelet "$R"/pod-logs "$R"/cni/ipam "$R"/env "$R"/containerd/state "$before"
if [ "$purge" = 1 ]; then log "purging $R"; rm -rf "${R:?}"; fi
log "real node stopped"
