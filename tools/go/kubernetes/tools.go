//go:build tools

// Package tools pins the programs this wrapper module builds; see tools/binaries.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
