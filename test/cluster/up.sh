#!/usr/bin/env bash
# Starts the kubetune test cluster: etcd, kube-apiserver, kube-controller-manager, nats-server (with
# JetStream) and the process kubelet, each on a free loopback port, unless already running.
# Idempotent and safe to run concurrently (a lock file serialises runs). Builds binaries on first use.
# Writes $KUBETUNE_CLUSTER_DIR/env (KUBECONFIG, NATS_URL, KUBETUNE_KUBECTL, KUBETUNE_HELM) and prints it.
# Usage: up.sh [--real-node]   (--real-node: then also the real node, real-node-up.sh)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
started_at=$(date +%s)
real_node=0
case "${1:-}" in --real-node) real_node=1 ;; "") ;; *) die "unknown argument $1 (usage: up.sh [--real-node])" ;; esac

D="$KUBETUNE_CLUSTER_DIR"
mkdir -p "$D"/{pki,run,logs,etcd-data,nats-store,pods}
exec 9>"$D/up.lock"
flock -w 3600 9 || die "another up.sh held $D/up.lock for an hour; remove it if no up.sh is running"

ensure_cmds openssl:openssl nats-server:nats-server curl:curl setsid:util-linux
command -v go >/dev/null 2>&1 || die "Go >= 1.25 is required to build kube-apiserver/etcd (Debian's golang-go is too old); install it from https://go.dev/dl and put it on PATH"
NODE="$REPO_ROOT/node_modules/.bin/node"
if [ ! -x "$NODE" ]; then
  log "node_modules missing: npm ci"
  (cd "$REPO_ROOT" && npm ci --no-audit --no-fund >&2) || die "npm ci failed in $REPO_ROOT"
fi

bash "$REPO_ROOT/test/cluster/build.sh"
BIN="$(bin_dir)"
bash "$REPO_ROOT/test/cluster/pki.sh" "$D/pki"
P="$D/pki"
NODE_NAME="${KUBETUNE_NODE_NAME:-kubetune-node}"

# --- process bookkeeping (helpers in lib.sh) -----------------------------------------------------
RUN_DIR="$D/run"; LOG_DIR="$D/logs"
stop() { bash "$REPO_ROOT/test/cluster/down.sh" --only "$1"; }

# --- etcd + kube-apiserver (restarted together: the API server is bound to etcd's port) -----------
if ! running etcd "$BIN/etcd" || ! running kube-apiserver "$BIN/kube-apiserver"; then
  stop kube-apiserver; stop etcd
  fresh_port etcd; fresh_port etcd-peer; fresh_port kube-apiserver
  ETCD_PORT=$(port_for etcd); ETCD_PEER=$(port_for etcd-peer)
  # Plain HTTP on loopback only: etcd is reachable from this machine alone.
  spawn etcd "$BIN/etcd" --name kubetune --data-dir "$D/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
    --initial-cluster "kubetune=http://127.0.0.1:$ETCD_PEER" \
    --unsafe-no-fsync --quota-backend-bytes 2147483648 --log-level warn
  wait_until 60 etcd curl -fsS "http://127.0.0.1:$ETCD_PORT/health"

  API_PORT=$(port_for kube-apiserver)
  spawn kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
    --tls-cert-file "$P/apiserver.crt" --tls-private-key-file "$P/apiserver.key" --client-ca-file "$P/ca.crt" \
    --authorization-mode Node,RBAC \
    --service-account-key-file "$P/sa.pub" --service-account-signing-key-file "$P/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-cluster-ip-range 10.0.0.0/24 \
    --allow-privileged=true --v 1
fi
API_PORT=$(cat "$D/run/kube-apiserver.port")
SERVER="https://127.0.0.1:$API_PORT"
wait_until 120 kube-apiserver curl -fsS --cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key" "$SERVER/readyz"

# --- kubeconfigs (one per identity) --------------------------------------------------------------
write_kubeconfig "$D" admin admin
write_kubeconfig "$D" controller-manager controller-manager
write_kubeconfig "$D" kubelet kubelet
KUBECONFIG="$D/admin.kubeconfig"
KUBECTL="$BIN/kubectl"
"$KUBECTL" --kubeconfig "$KUBECONFIG" apply --server-side --force-conflicts -f "$REPO_ROOT/test/cluster/rbac.yaml" >/dev/null \
  || die "could not apply test/cluster/rbac.yaml"

# --- kube-controller-manager: garbage collection, namespace deletion, default service accounts ----
# --root-ca-file: what the root-CA publisher puts in every namespace's kube-root-ca.crt, which Pods on the
# real node (real-node-up.sh) use to verify the API server; without it the ConfigMap is empty.
if ! running kube-controller-manager "--root-ca-file"; then
  stop kube-controller-manager
  fresh_port kube-controller-manager
  KCM_PORT=$(port_for kube-controller-manager)
  spawn kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig "$D/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$D/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$D/controller-manager.kubeconfig" --authentication-skip-lookup \
    --bind-address 127.0.0.1 --secure-port "$KCM_PORT" \
    --controllers garbage-collector-controller,namespace-controller,serviceaccount-controller,root-ca-certificate-publisher-controller \
    --root-ca-file "$P/ca.crt" \
    --use-service-account-credentials --leader-elect=false --v 1
fi
KCM_PORT=$(cat "$D/run/kube-controller-manager.port")
wait_until 60 kube-controller-manager curl -fsSk "https://127.0.0.1:$KCM_PORT/healthz"

# --- nats-server with JetStream ------------------------------------------------------------------
if ! running nats-server nats-server; then
  fresh_port nats; fresh_port nats-monitor
  NATS_PORT=$(port_for nats); NATS_MON=$(port_for nats-monitor)
  spawn nats-server "$(command -v nats-server)" -a 127.0.0.1 -p "$NATS_PORT" -m "$NATS_MON" \
    -js -sd "$D/nats-store" -n kubetune-test
fi
NATS_PORT=$(cat "$D/run/nats.port"); NATS_MON=$(cat "$D/run/nats-monitor.port")
wait_until 30 nats-server curl -fsS "http://127.0.0.1:$NATS_MON/healthz?js-enabled-only=true"

# --- process kubelet -----------------------------------------------------------------------------
if ! running kubelet "test/cluster/kubelet/main.ts"; then
  spawn kubelet env KUBECONFIG="$D/kubelet.kubeconfig" KUBETUNE_NODE_NAME="$NODE_NAME" \
    KUBETUNE_KUBELET_DIR="$D" "$NODE" "$REPO_ROOT/test/cluster/kubelet/main.ts"
fi
node_ready() {
  [ "$("$KUBECTL" --kubeconfig "$KUBECONFIG" get node "$NODE_NAME" \
    -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" = True ]
}
wait_until 60 kubelet node_ready

cat > "$D/env.tmp" <<ENV
export KUBECONFIG=$KUBECONFIG
export NATS_URL=nats://127.0.0.1:$NATS_PORT
export KUBETUNE_KUBECTL=$KUBECTL
export KUBETUNE_HELM=$BIN/helm
ENV
mv "$D/env.tmp" "$D/env"
log "cluster ready in $(( $(date +%s) - started_at ))s (stop: make cluster-down; logs: $D/logs)"
cat "$D/env"
if [ "$real_node" = 1 ]; then
  exec 9>&-   # real-node-up.sh runs up.sh itself, which takes up.lock
  bash "$REPO_ROOT/test/cluster/real-node-up.sh" >&2
fi
