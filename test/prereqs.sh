#!/usr/bin/env bash
# Installs the system packages the test suites need (nats-server, openssl, prometheus + promtool for the
# chart tests, chromium for the report screenshot, python3 with venv), once; a no-op when present. Then makes
# the Python venv (.venv at the repository root) that the Python SDK's tests and trials run in.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

# The venv gets the SDK as `pip install ./sdk/python` would, from PyPI; it is reinstalled when the SDK or this script changes.
python_venv() {
  local venv="$repo/.venv" stamp
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  stamp="$(cd "$repo" && find test/prereqs.sh sdk/python/pyproject.toml sdk/python/src -type f -not -path '*/__pycache__/*' | LC_ALL=C sort | xargs sha256sum | sha256sum)"
  [ "$(cat "$venv/.kubetune-sdk-stamp" 2>/dev/null)" = "$stamp" ] && return 0
  echo "test/prereqs.sh: installing sdk/python[test] into $venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$repo/sdk/python[test]"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "scikit-learn>=1.3,<2" # examples/sklearn and sklearn-*.test.ts
  echo "$stamp" >"$venv/.kubetune-sdk-stamp"
}

missing=()
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3 python3-venv)
command -v nats-server >/dev/null || missing+=(nats-server)
command -v openssl >/dev/null || missing+=(openssl)
command -v promtool >/dev/null || missing+=(prometheus)
command -v chromium >/dev/null || missing+=(chromium fonts-dejavu-core)
if [ ${#missing[@]} -eq 0 ]; then python_venv; exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "test/prereqs.sh: missing ${missing[*]}; install them (e.g. sudo apt-get install -y ${missing[*]}) and rerun" >&2
  exit 1
fi
echo "test/prereqs.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
python_venv
