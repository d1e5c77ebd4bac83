#!/usr/bin/env bash
# Adds a real node to the running test cluster, next to the process kubelet: containerd + runc + CNI
# plugins from Debian, a kubelet v1.35.4 registered as Node kubetune-real-node (label
# kubetune.io/real-node=true, taint kubetune.io/real-node=true:NoSchedule, so only Pods that select it
# land there), kube-scheduler, and a second kube-controller-manager running the workload controllers
# (Deployment, ReplicaSet, StatefulSet) that the shared cluster's does not run.
# Pods get their own network namespace on a ptp CNI network (10.250.0.0/24) or the host network; the
# Node's address 10.250.255.1 is on a port-less bridge interface; nothing is routed anywhere else. No kube-proxy,
# no DNS: see docs/test-cluster.md. Idempotent; real-node-down.sh removes everything it added.
# Needs root (containerd, cgroups, network namespaces). Starts the cluster (up.sh) if it is not running.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
started_at=$(date +%s)
D="$KUBETUNE_CLUSTER_DIR"
R="$D/real-node"
NODE_NAME=kubetune-real-node
# The Node's address (the kubelet refuses a loopback one), on a bridge with no ports (these kernels lack
# the dummy driver): reachable from this machine and from the Pods' network namespaces (through their
# veth), and from nowhere else.
NODE_IP=10.250.255.1
LINK=kt-real0
[ "$(id -u)" -eq 0 ] || die "the real node needs root (containerd, cgroups, network namespaces)"
# The cluster itself (a no-op when it runs; it also gives kube-controller-manager the root CA to publish).
bash "$REPO_ROOT/test/cluster/up.sh" >/dev/null
# shellcheck disable=SC1091
source "$D/env"
mkdir -p "$R"/{run,logs,kubelet,pod-logs,cni/net.d,cni/ipam,containerd}
exec 9>"$R/up.lock"
flock -w 600 9 || die "another real-node-up.sh held $R/up.lock for 10 minutes"
RUN_DIR="$R/run"; LOG_DIR="$R/logs"

ensure_cmds containerd:containerd ctr:containerd runc:runc iptables:iptables buildah:buildah
ensure_cmds /usr/lib/cni/ptp:containernetworking-plugins
bash "$REPO_ROOT/test/cluster/build.sh" --real-node
BIN="$(bin_dir)"
bash "$REPO_ROOT/test/cluster/pki.sh" "$D/pki"
P="$D/pki"
SERVER="$(sed -n 's/^[[:space:]]*cluster: {server: "\(.*\)", certificate-authority.*/\1/p' "$KUBECONFIG")"
[ -n "$SERVER" ] || die "cannot read the API server address from $KUBECONFIG"
KUBECTL=("$BIN/kubectl" --kubeconfig "$KUBECONFIG")

write_kubeconfig "$R" kubelet real-node-kubelet
write_kubeconfig "$R" kube-scheduler kube-scheduler
write_kubeconfig "$R" controller-manager controller-manager

if ! ip -o addr show dev "$LINK" 2>/dev/null | grep -q " $NODE_IP/"; then
  ip link add "$LINK" type bridge 2>/dev/null || true
  ip addr add "$NODE_IP/32" dev "$LINK" || die "cannot give $LINK the address $NODE_IP"
  ip link set "$LINK" up
fi

# --- containerd ----------------------------------------------------------------------------------
SOCK="$R/containerd/containerd.sock"
CTR=(ctr --address "$SOCK" --namespace k8s.io)
PAUSE_REF=localhost/kubetune/pause:3.10
# A Pod's only routes: its /24 and the Node's address (through its veth); no default route.
cat > "$R/cni/net.d/10-kubetune-ptp.conflist" <<JSON
{"cniVersion": "1.0.0", "name": "kubetune-real-node", "plugins": [
  {"type": "ptp", "ipMasq": false, "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.250.0.0/24"}]],
    "routes": [{"dst": "$NODE_IP/32"}], "dataDir": "$R/cni/ipam"}},
  {"type": "loopback"}]}
JSON
# restrict_oom_score_adj: these machines lack CAP_SYS_RESOURCE, so the negative oom_score_adj the kubelet
# asks for (pause -998, Guaranteed Pods -997) would fail `runc create`; it is clamped to containerd's own.
cat > "$R/containerd/config.toml" <<TOML
version = 2
root = "$R/containerd/root"
state = "$R/containerd/state"
[grpc]
  address = "$SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_REF"
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$R/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
      BinaryName = "$(command -v runc)"
      SystemdCgroup = false
TOML
if ! running containerd "$R/containerd/config.toml"; then
  spawn containerd containerd --config "$R/containerd/config.toml"
fi
wait_until 30 containerd "${CTR[@]}" version

# No pause image can be pulled here: a static Go one (test/cluster/real-node/pause.go), built once.
if ! "${CTR[@]}" images check "name==$PAUSE_REF" 2>/dev/null | grep -q "$PAUSE_REF"; then
  PW="$KUBETUNE_CACHE/build/pause"
  mkdir -p "$PW"; cp "$REPO_ROOT/test/cluster/real-node/pause.go" "$PW/main.go"
  [ -f "$PW/go.mod" ] || (cd "$PW" && go mod init kubetune.local/pause >/dev/null 2>&1)
  (cd "$PW" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o pause .) || die "go build of the pause program failed"
  c="$(buildah from scratch)"
  buildah add --quiet "$c" "$PW/pause" /pause >/dev/null
  buildah config --entrypoint '["/pause"]' --user 65535:65535 "$c"
  buildah commit --quiet --rm "$c" "$PAUSE_REF" >/dev/null
  bash "$REPO_ROOT/test/cluster/real-node-load.sh" "$PAUSE_REF"
fi

# --- kubelet -------------------------------------------------------------------------------------
# The KUBE-* iptables chains that exist before the kubelet first starts: real-node-down.sh removes the others.
if [ ! -f "$R/iptables-chains-before" ]; then
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null || continue
    for table in filter nat mangle; do
      "$cmd" -t "$table" -S 2>/dev/null | sed -n "s/^-N \(KUBE-[^ ]*\)\$/$cmd $table \1/p"
    done
  done > "$R/iptables-chains-before.tmp"
  mv "$R/iptables-chains-before.tmp" "$R/iptables-chains-before"
fi
fresh_port kubelet; fresh_port kubelet-healthz
KUBELET_PORT=$(port_for kubelet); HEALTHZ_PORT=$(port_for kubelet-healthz)
cat > "$R/kubelet-config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This machine's cgroups are v1 (hybrid): deprecated, but still supported when asked for.
failCgroupV1: false
cgroupDriver: cgroupfs
containerRuntimeEndpoint: unix://$SOCK
imageServiceEndpoint: unix://$SOCK
podLogsDir: $R/pod-logs
address: $NODE_IP
port: $KUBELET_PORT
healthzBindAddress: 127.0.0.1
healthzPort: $HEALTHZ_PORT
readOnlyPort: 0
# The API server reaches the kubelet (logs, exec) at the Node's address without a client cert.
authentication: {anonymous: {enabled: true}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
failSwapOn: false
# No CAP_SYS_RESOURCE: the kubelet cannot lower its own oom_score_adj.
oomScoreAdj: 0
# Images are loaded by hand (none can be pulled): never garbage-collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {}
registerWithTaints: [{key: kubetune.io/real-node, value: "true", effect: NoSchedule}]
resolvConf: /etc/resolv.conf
syncFrequency: 5s
fileCheckFrequency: 5s
nodeStatusUpdateFrequency: 5s
YAML
if ! running kubelet "$BIN/kubelet"; then
  spawn kubelet "$BIN/kubelet" --config "$R/kubelet-config.yaml" --kubeconfig "$R/kubelet.kubeconfig" \
    --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" --root-dir "$R/kubelet" \
    --node-labels kubetune.io/real-node=true --v 1
fi
node_ready() {
  [ "$("${KUBECTL[@]}" get node "$NODE_NAME" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" = True ]
}
wait_until 120 kubelet node_ready
# No node-lifecycle controller runs to lift the taint the API server puts on a new Node.
"${KUBECTL[@]}" taint node "$NODE_NAME" node.kubernetes.io/not-ready:NoSchedule- >/dev/null 2>&1 || true

# --- kube-scheduler and the workload controllers -------------------------------------------------
if ! running kube-scheduler "$BIN/kube-scheduler"; then
  fresh_port kube-scheduler
  spawn kube-scheduler "$BIN/kube-scheduler" --kubeconfig "$R/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig "$R/kube-scheduler.kubeconfig" --authorization-kubeconfig "$R/kube-scheduler.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$(port_for kube-scheduler)" --leader-elect=false --v 1
fi
wait_until 60 kube-scheduler curl -fsSk "https://127.0.0.1:$(cat "$RUN_DIR/kube-scheduler.port")/healthz"
if ! running kube-controller-manager-workloads "$BIN/kube-controller-manager"; then
  fresh_port kube-controller-manager-workloads
  spawn kube-controller-manager-workloads "$BIN/kube-controller-manager" \
    --kubeconfig "$R/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$R/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$R/controller-manager.kubeconfig" --authentication-skip-lookup \
    --bind-address 127.0.0.1 --secure-port "$(port_for kube-controller-manager-workloads)" \
    --controllers deployment-controller,replicaset-controller,statefulset-controller \
    --use-service-account-credentials --leader-elect=false --v 1
fi
wait_until 60 kube-controller-manager-workloads curl -fsSk "https://127.0.0.1:$(cat "$RUN_DIR/kube-controller-manager-workloads.port")/healthz"

cat > "$R/env.tmp" <<ENV
export KUBETUNE_REAL_NODE=$NODE_NAME
export KUBETUNE_REAL_NODE_CONTAINERD=$SOCK
export KUBETUNE_REAL_NODE_IP=$NODE_IP
ENV
mv "$R/env.tmp" "$R/env"
log "real node $NODE_NAME ready in $(( $(date +%s) - started_at ))s (stop: bash test/cluster/real-node-down.sh; logs: $LOG_DIR)"
cat "$R/env"
