{{/* Chart name, truncated to a label value. */}}
{{- define "cairn.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name: <release> when it already contains the chart name, else <release>-<chart>. */}}
{{- define "cairn.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "cairn.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "cairn.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cairn
{{- end -}}

{{- define "cairn.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cairn.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "cairn.etcdSelectorLabels" -}}
app.kubernetes.io/name: {{ include "cairn.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: etcd
{{- end -}}

{{- define "cairn.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "cairn.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* repository:tag or repository@digest. */}}
{{- define "cairn.image" -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository (default .appVersion .image.tag) -}}
{{- end -}}
{{- end -}}

{{- define "cairn.etcdName" -}}{{ include "cairn.fullname" . }}-etcd{{- end -}}
{{- define "cairn.etcdPeersName" -}}{{ include "cairn.fullname" . }}-etcd-peers{{- end -}}

{{/* The etcd client URLs the operator uses: store.endpoints, or the dedicated cluster's members. */}}
{{- define "cairn.storeEndpoints" -}}
{{- if .Values.store.endpoints -}}
{{- join "," .Values.store.endpoints -}}
{{- else if .Values.etcd.enabled -}}
{{- $urls := list -}}
{{- range $i := until (int .Values.etcd.replicas) -}}
{{- $urls = append $urls (printf "https://%s-%d.%s.%s.svc.%s:2379" (include "cairn.etcdName" $) $i (include "cairn.etcdPeersName" $) $.Release.Namespace $.Values.etcd.clusterDomain) -}}
{{- end -}}
{{- join "," $urls -}}
{{- else -}}
{{- fail "store.endpoints is required (the etcd client URLs), or set etcd.enabled=true for a dedicated etcd cluster" -}}
{{- end -}}
{{- end -}}

{{/* Checks across values that the schema cannot express; fails the render with a plain message. */}}
{{- define "cairn.validate" -}}
{{- if and .Values.store.tls.enabled (not .Values.store.tls.secretName) -}}
{{- fail "store.tls.enabled needs store.tls.secretName (a Secret with ca.crt, and tls.crt + tls.key for mTLS)" -}}
{{- end -}}
{{- if and .Values.store.auth.enabled (or (not .Values.store.auth.username) (not .Values.store.auth.secretName)) -}}
{{- fail "store.auth.enabled needs store.auth.username and store.auth.secretName" -}}
{{- end -}}
{{- if .Values.etcd.enabled -}}
{{- if or (not .Values.etcd.tls.serverSecretName) (not .Values.etcd.tls.peerSecretName) -}}
{{- fail "etcd.enabled needs etcd.tls.serverSecretName and etcd.tls.peerSecretName (see deploy/etcd/make-certs.sh)" -}}
{{- end -}}
{{- if not (and .Values.store.tls.enabled .Values.store.tls.secretName .Values.store.tls.clientCertificate) -}}
{{- fail "etcd.enabled requires client certificates: set store.tls.enabled=true and store.tls.secretName to a client certificate from the etcd CA" -}}
{{- end -}}
{{- end -}}
{{- if and .Values.admissionPolicy.enabled (semverCompare "<1.36.0-0" .Capabilities.KubeVersion.Version) -}}
{{- fail (printf "admissionPolicy.enabled needs Kubernetes >= 1.36 (MutatingAdmissionPolicy v1); this is %s: set admissionPolicy.enabled=false, the operator then adds the finalizer itself" .Capabilities.KubeVersion.Version) -}}
{{- end -}}
{{- end -}}
