//go:build tools

// Package tools pins the programs this wrapper module builds; see tools/binaries.
package tools

import (
	_ "helm.sh/helm/v3/cmd/helm"
)
