#!/usr/bin/env bash
# Certificates for the chart's dedicated etcd (etcd.enabled=true), made with openssl, stored as the
# three Secrets the chart names by default in the README's values:
#   <fullname>-etcd-server-tls   serving certificate of each member (clients connect with TLS)
#   <fullname>-etcd-peer-tls     member-to-member certificate (server and client usage)
#   <fullname>-etcd-client-tls   the operator's client certificate (etcd requires one)
# Each holds ca.crt, tls.crt and tls.key. The CA's key stays in OUT_DIR: keep it safe, or delete it
# and make new certificates (and restart etcd) when these expire.
#
#   deploy/etcd/make-certs.sh <fullname> <namespace> [out-dir]      # fullname: e.g. `cairn` for release cairn
#   CLUSTER_DOMAIN=cluster.local DAYS=825 NO_APPLY=1 deploy/etcd/make-certs.sh ...
set -euo pipefail

fullname=${1:?usage: make-certs.sh <fullname> <namespace> [out-dir]}
namespace=${2:?usage: make-certs.sh <fullname> <namespace> [out-dir]}
out=${3:-./etcd-certs-$fullname}
domain=${CLUSTER_DOMAIN:-cluster.local}
days=${DAYS:-825}
etcd="$fullname-etcd"
peers="$fullname-etcd-peers"

mkdir -p "$out"
cd "$out"
umask 077

sans="DNS:*.$peers.$namespace.svc.$domain,DNS:*.$peers.$namespace.svc,DNS:*.$peers,DNS:$etcd.$namespace.svc.$domain,DNS:$etcd.$namespace.svc,DNS:$etcd.$namespace,DNS:$etcd,DNS:localhost,IP:127.0.0.1"

if [[ ! -f ca.key ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt \
    -days "$days" -subj "/CN=$etcd-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

# issue <name> <common name> <extendedKeyUsage> [subjectAltName]
issue() {
  local name=$1 cn=$2 eku=$3 san=${4:-}
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$name.key" -out "$name.csr" -subj "/CN=$cn" 2>/dev/null
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    [[ -n $san ]] && echo "subjectAltName=$san"
  } > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$name.crt" -days "$days" -extfile "$name.ext" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

issue server "$etcd" serverAuth "$sans"
issue peer "$etcd-peer" serverAuth,clientAuth "$sans"
issue client cairn-operator clientAuth

echo "certificates in $(pwd)"
if [[ -n ${NO_APPLY:-} ]]; then exit 0; fi
for kind in server peer client; do
  kubectl create secret generic "$etcd-$kind-tls" --namespace "$namespace" \
    --from-file=ca.crt=ca.crt --from-file=tls.crt="$kind.crt" --from-file=tls.key="$kind.key" \
    --dry-run=client -o yaml | kubectl apply -f -
done
