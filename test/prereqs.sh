#!/usr/bin/env bash
# Installs the system packages the test suites need (nats-server, openssl, prometheus + promtool for the
# chart tests, chromium for the report screenshot), once; a no-op when present.
set -euo pipefail
missing=()
command -v nats-server >/dev/null || missing+=(nats-server)
command -v openssl >/dev/null || missing+=(openssl)
command -v promtool >/dev/null || missing+=(prometheus)
command -v chromium >/dev/null || missing+=(chromium fonts-dejavu-core)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "test/prereqs.sh: missing ${missing[*]}; install them (e.g. sudo apt-get install -y ${missing[*]}) and rerun" >&2
  exit 1
fi
echo "test/prereqs.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
