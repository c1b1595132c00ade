//go:build tools

// Package tools pins the programs this wrapper module builds; see tools/binaries.
package tools

import (
	_ "go.etcd.io/etcd/etcdctl/v3"
	_ "go.etcd.io/etcd/server/v3"
)
