#!/bin/sh
# Waits for the kubeconfig k3s writes (server https://127.0.0.1:6443, everything named "default")
# and publishes a copy Lamplight can use from another container: server https://k3s:6443 (k3s is
# started with --tls-san=k3s) and cluster/context/user named "k3s", so the dashboard shows a
# cluster called k3s. World-readable because Lamplight runs as user 65532.
set -eu
src=/k3s-output/kubeconfig.yaml
dst=/kube/config
waited=0
until [ -s "$src" ]; do
  if [ "$waited" -ge 180 ]; then
    echo "kubeconfig: k3s wrote no $src in 180 s" >&2
    exit 1
  fi
  sleep 1
  waited=$((waited + 1))
done
sed -E -e 's#https://127\.0\.0\.1:6443#https://k3s:6443#' \
    -e 's/^([[:space:]-]*(name|cluster|user|current-context)): default$/\1: k3s/' \
    "$src" > "$dst.tmp"
chmod 0644 "$dst.tmp"
mv "$dst.tmp" "$dst"
echo "kubeconfig: wrote $dst (server https://k3s:6443, context k3s)"
