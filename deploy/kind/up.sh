#!/usr/bin/env bash
# Cairn on a local kind cluster: build the image, load it, make etcd certificates, install the chart
# with a dedicated 3-member etcd, apply the samples.
#
# UNTESTED HERE: the repository's CI runs no kind cluster, so this script has never run in CI. The
# chart, the manifests and the RBAC it installs are tested against a real kube-apiserver, and the image
# is built and run as the chart's pod would run it (test/integration/deploy/); pods on a real kubelet
# are not.
#
# Needs: docker (or podman as docker), kind >= 0.30, kubectl, helm (npm run binaries builds helm and
# kubectl). Kubernetes >= 1.36 for the admission policy; KIND_NODE_IMAGE picks the node version.
#   deploy/kind/up.sh            # create, build, install
#   kind delete cluster --name cairn
set -euo pipefail
cd "$(dirname "$0")/../.."

cluster=${KIND_CLUSTER:-cairn}
node_image=${KIND_NODE_IMAGE:-kindest/node:v1.37.2}
namespace=cairn-system
release=cairn
image=cairn-operator:dev

if ! kind get clusters | grep -qx "$cluster"; then
  kind create cluster --name "$cluster" --image "$node_image" --config deploy/kind/cluster.yaml --wait 120s
fi
kubectl config use-context "kind-$cluster"

docker build -t "$image" .
kind load docker-image "$image" --name "$cluster"

kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f -
deploy/etcd/make-certs.sh "$release" "$namespace" ".cairn/kind/etcd-certs"

helm upgrade --install "$release" helm/cairn --namespace "$namespace" \
  --set image.repository=cairn-operator --set image.tag=dev --set image.pullPolicy=Never \
  --set etcd.enabled=true \
  --set etcd.tls.serverSecretName="$release-etcd-server-tls" \
  --set etcd.tls.peerSecretName="$release-etcd-peer-tls" \
  --set store.tls.enabled=true --set store.tls.secretName="$release-etcd-client-tls" \
  --set etcd.persistence.size=1Gi \
  --wait --timeout 5m

kubectl apply -f deploy/samples/ || true   # two samples are refused at apply, on purpose
kubectl wait --for=condition=Ready -n cairn-demo ce/checkout-db --timeout=60s
kubectl get ce -n cairn-demo
