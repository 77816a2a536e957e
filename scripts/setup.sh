#!/usr/bin/env bash
# Installs and builds what the tests and the local control plane need; fast when everything is there.
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 20 )); then
  echo "setup: Node.js >= 20.19 is required (found $(node --version))" >&2
  exit 1
fi

missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
# The dashboard and HTML export tests drive Debian's chromium with playwright-core (no browser download).
[[ -x /usr/bin/chromium ]] || missing+=(chromium)

# Tests use the MySQL/MariaDB at LYNQ_TEST_MYSQL_URL; when nothing answers there the harness
# starts its own mariadbd, which then has to be installed.
url="${LYNQ_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306}"
hostport="${url#*@}"; hostport="${hostport%%/*}"
db_host="${hostport%%:*}"; db_port="${hostport##*:}"; [[ "$db_port" == "$hostport" ]] && db_port=3306
if ! (exec 3<>"/dev/tcp/$db_host/$db_port") 2>/dev/null; then
  if ! command -v mariadbd >/dev/null 2>&1 && [[ ! -x /usr/sbin/mariadbd ]]; then
    missing+=(mariadb-server)
  fi
fi

if (( ${#missing[@]} > 0 )); then
  echo "setup: installing ${missing[*]}"
  if [[ "$(id -u)" != 0 ]]; then
    echo "setup: need root to install ${missing[*]} (or install them yourself)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="$PATH:/usr/local/go/bin"
fi
bash "$here/build-control-plane.sh"
bash "$here/fetch-tools.sh"
