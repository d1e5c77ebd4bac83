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

# --- daemon bookkeeping for up.sh and real-node-up.sh: the caller sets RUN_DIR (pid and port files)
# and LOG_DIR (one log per daemon), and holds its lock on fd 9.
# running NAME MATCH: true when run/NAME.pid names a live process whose command line contains MATCH,
# so a recycled pid never counts as ours.
running() {
  local pid
  pid="$(cat "$RUN_DIR/$1.pid" 2>/dev/null)" || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"
}
# spawn NAME CMD...: start CMD in its own session (so a test runner's signals do not reach it).
spawn() {
  local name="$1"; shift
  log "starting $name"
  # 9>&-: the daemon must not inherit the lock fd, or it would hold up.lock for its whole life.
  setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null 9>&- &
  echo $! > "$RUN_DIR/$name.pid"
}

# port_free PORT: nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# ephemeral_low: the first port the kernel hands out to outgoing connections (ip_local_port_range).
ephemeral_low() { local lo _; read -r lo _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768; echo "$lo"; }
# port_for NAME: the port remembered for NAME, or a new free one from 10000 up to the ephemeral range. A
# port inside that range can be held by any outgoing connection (the API server's to etcd, say), which a
# listen test does not see, and the daemon's restart then fails with "address already in use"; such a
# remembered port is replaced.
port_for() {
  local f="$RUN_DIR/$1.port" p lo
  lo=$(ephemeral_low)
  if [ -f "$f" ] && [ "$(cat "$f")" -lt "$lo" ]; then cat "$f"; return; fi
  while :; do
    p=$(( 10000 + RANDOM % (lo - 10000) ))
    port_free "$p" && ! grep -qx "$p" "$RUN_DIR"/*.port 2>/dev/null && break
  done
  echo "$p" > "$f"; echo "$p"
}
# fresh_port NAME: forget NAME's port when something that is not ours now listens on it.
fresh_port() { [ -f "$RUN_DIR/$1.port" ] && ! port_free "$(cat "$RUN_DIR/$1.port")" && rm -f "$RUN_DIR/$1.port"; return 0; }

# wait_until SECONDS WHAT CMD...: poll CMD every 0.2 s; on timeout show the component's log tail.
wait_until() {
  local secs="$1" what="$2"; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail -n 30 "$LOG_DIR/$what.log" >&2 2>/dev/null || true
      die "$what not healthy after ${secs}s; full log: $LOG_DIR/$what.log"
    fi
    sleep 0.2
  done
}

# write_kubeconfig DIR NAME CERT: DIR/NAME.kubeconfig for one identity (client cert CERT under $P), to $SERVER.
write_kubeconfig() {
  local f="$1/$2.kubeconfig"
  cat > "$f.tmp" <<KC
apiVersion: v1
kind: Config
clusters:
- name: kubetune-test
  cluster: {server: "$SERVER", certificate-authority: "$P/ca.crt"}
users:
- name: $2
  user: {client-certificate: "$P/$3.crt", client-key: "$P/$3.key"}
contexts:
- name: kubetune-test
  context: {cluster: kubetune-test, user: $2, namespace: default}
current-context: kubetune-test
KC
  mv "$f.tmp" "$f"
}
