#!/usr/bin/env bash
# Creates the test cluster's PKI with openssl in $1 (idempotent: existing files are kept).
# One self-signed CA signs the API server's serving cert and every client cert; client identity is
# the cert's CN (user) and O (group), which is what RBAC sees.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
PKI="${1:?usage: pki.sh <dir>}"
mkdir -p "$PKI"
cd "$PKI"

if [ ! -f ca.crt ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
    -subj "/CN=kubetune-test-ca" 2>/dev/null
fi

# client_cert NAME CN ORG: a client cert for one identity (ORG may be empty).
client_cert() {
  local name="$1" cn="$2" org="$3" subj="/CN=$2"
  [ -f "$name.crt" ] && return 0
  [ -n "$org" ] && subj="/O=$org/CN=$cn"
  openssl req -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" -subj "$subj" 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

if [ ! -f apiserver.crt ]; then
  openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
  cat > apiserver.ext <<EXT
extendedKeyUsage=serverAuth
keyUsage=critical,digitalSignature,keyEncipherment
subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EXT
  openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
    -extfile apiserver.ext -out apiserver.crt 2>/dev/null
  rm -f apiserver.csr apiserver.ext
fi

# system:masters bypasses RBAC: the admin used by tests and kubectl.
client_cert admin kubetune-admin system:masters
# The bootstrap RBAC policy already binds system:kube-controller-manager to what it needs.
client_cert controller-manager system:kube-controller-manager ""
# The process kubelet is also the scheduler (it binds Pods); up.sh grants it a ClusterRole.
client_cert kubelet kubetune:process-kubelet kubetune:process-kubelets
# The real node (real-node-up.sh): a kubelet under the Node authorizer, and the scheduler's bootstrap identity.
client_cert real-node-kubelet system:node:kubetune-real-node system:nodes
client_cert kube-scheduler system:kube-scheduler ""

# Service-account token signing pair (the API server signs, and verifies with the public half).
if [ ! -f sa.key ]; then
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
fi
chmod 600 ./*.key
