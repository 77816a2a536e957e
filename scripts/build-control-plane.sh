#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager and etcd from the Go module proxy into a versioned
# cache outside the repository, for the test harness. Exits at once when the cache is complete.
set -euo pipefail

# shellcheck source=control-plane.env
source "$(dirname "${BASH_SOURCE[0]}")/control-plane.env"
K8S_VERSION="${LYNQ_K8S_VERSION:-$K8S_VERSION}"
ETCD_VERSION="${LYNQ_ETCD_VERSION:-$ETCD_VERSION}"
CACHE_ROOT="${LYNQ_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/lynq}"
BIN_DIR="$CACHE_ROOT/testbin/k8s-$K8S_VERSION-etcd-$ETCD_VERSION"
STAMP="$BIN_DIR/.complete"

if [[ -f "$STAMP" && -x "$BIN_DIR/kube-apiserver" && -x "$BIN_DIR/kube-controller-manager" && -x "$BIN_DIR/etcd" ]]; then
  echo "control plane: cached in $BIN_DIR"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "build-control-plane: 'go' is not on PATH. The local control plane (kube-apiserver, etcd) is built" >&2
  echo "from the Go module proxy and needs Go >= 1.26 (install it, or set PATH to include /usr/local/go/bin)." >&2
  exit 1
fi

started=$(date +%s)
phase_start=$started
phase() {
  local now
  now=$(date +%s)
  echo "control plane: phase '$1' took $((now - phase_start))s"
  phase_start=$now
}

# The k8s tag's go.mod names the Go it needs; a local Go at least that new is used as is,
# an older one makes Go fetch that toolchain through the module proxy.
version_ge() { [[ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" == "$2" ]]; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/lynq-cp-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export GOFLAGS="-buildvcs=false -mod=mod"
export CGO_ENABLED=0
export GOTOOLCHAIN=local

echo "control plane: building kubernetes $K8S_VERSION and etcd $ETCD_VERSION into $BIN_DIR"
(cd "$WORK" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" >/dev/null)
K8S_MOD="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$K8S_VERSION.mod"
GO_LINE="$(awk '$1 == "go" { print $2; exit }' "$K8S_MOD")"
GODEBUG_LINE="$(grep -E '^godebug ' "$K8S_MOD" || true)"
LOCAL_GO="$(go env GOVERSION | sed 's/^go//')"
if ! version_ge "$LOCAL_GO" "$GO_LINE"; then
  export GOTOOLCHAIN="go$GO_LINE"
  echo "control plane: local Go $LOCAL_GO is older than $GO_LINE; using GOTOOLCHAIN=$GOTOOLCHAIN"
fi
phase "download kubernetes module"

# Staging modules are required at v0.0.0 and replaced by local paths in the tag; point each at
# its published v0.X.Y instead (a module the proxy does not serve gets an empty stub).
STAGING_VERSION="v0.${K8S_VERSION#v1.}"
K8S_DIR="$WORK/k8s"
mkdir -p "$K8S_DIR"
{
  echo "module lynq.local/testbin/kubernetes"
  echo
  echo "go $GO_LINE"
  [[ -n "$GODEBUG_LINE" ]] && echo "$GODEBUG_LINE"
  echo
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo
} >"$K8S_DIR/go.mod"
while read -r mod; do
  if (cd "$WORK" && go mod download "$mod@$STAGING_VERSION" >/dev/null 2>&1); then
    echo "replace $mod => $mod $STAGING_VERSION" >>"$K8S_DIR/go.mod"
  else
    stub="$K8S_DIR/stubs/${mod//\//_}"
    mkdir -p "$stub"
    echo "module $mod" >"$stub/go.mod"
    echo "replace $mod => ./stubs/${mod//\//_}" >>"$K8S_DIR/go.mod"
    echo "control plane: $mod@$STAGING_VERSION is not served; replaced by an empty stub"
  fi
done < <(awk '$2 == "v0.0.0" && $1 ~ /^k8s\.io\// { print $1 }' "$K8S_MOD")
echo 'package main' >"$K8S_DIR/tools.go"
phase "prepare kubernetes wrapper"

# Each package names the version: a bare `go get pkg` would upgrade k8s.io/kubernetes to the newest tag.
(cd "$K8S_DIR" && go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" \
  "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION")
phase "resolve kubernetes modules"

MAJOR="${K8S_VERSION#v}"; MAJOR="${MAJOR%%.*}"
MINOR="${K8S_VERSION#v*.}"; MINOR="${MINOR%%.*}"
BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDFLAGS+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$MAJOR -X $pkg.gitMinor=$MINOR"
  LDFLAGS+=" -X $pkg.gitTreeState=clean -X $pkg.gitCommit=0000000000000000000000000000000000000000"
  LDFLAGS+=" -X $pkg.buildDate=$BUILD_DATE"
done
OUT="$WORK/out"
mkdir -p "$OUT"
(cd "$K8S_DIR" && go build -trimpath -ldflags "$LDFLAGS" -o "$OUT/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager)
phase "build kube-apiserver and kube-controller-manager"

# etcd in a separate wrapper, so its dependencies cannot move the apiserver's.
ETCD_DIR="$WORK/etcd"
mkdir -p "$ETCD_DIR"
printf 'module lynq.local/testbin/etcd\n\ngo %s\n' "$GO_LINE" >"$ETCD_DIR/go.mod"
(cd "$ETCD_DIR" && go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION")
(cd "$ETCD_DIR" && go build -trimpath -ldflags "-s -w" -o "$OUT/etcd" go.etcd.io/etcd/server/v3)
phase "build etcd"

mkdir -p "$BIN_DIR"
mv "$OUT/kube-apiserver" "$OUT/kube-controller-manager" "$OUT/etcd" "$BIN_DIR/"
"$BIN_DIR/kube-apiserver" --version
"$BIN_DIR/etcd" --version | head -n1
date -u +%Y-%m-%dT%H:%M:%SZ >"$STAMP"
echo "control plane: built in $(($(date +%s) - started))s; cache size $(du -sh "$BIN_DIR" | cut -f1)"
