// Package shape holds what Cairn writes to etcd, byte for byte, for the Go programs that measure
// against it (the probe and the reference operator): the key layout, the meta record and the guarded
// transaction of one commit. The TypeScript originals are src/domain/keys.ts, stored-meta.ts, plan.ts
// and src/etcd/txn-request.ts; a change there must be made here too, or the comparison is unfair.
package shape

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Keys of one entry under a prefix P: P/data/<namespace>/<key> and P/meta/<namespace>/<key>.
type Keys struct {
	Data string
	Meta string
}

// EntryKeys are the keys of relative key `key` in `namespace` under `prefix`.
func EntryKeys(prefix, namespace, key string) Keys {
	return Keys{Data: prefix + "/data/" + namespace + "/" + key, Meta: prefix + "/meta/" + namespace + "/" + key}
}

// FenceKey is P/fence.
func FenceKey(prefix string) string { return prefix + "/fence" }

// StoredMeta is the record at the meta key. Fields in the order canonical JSON sorts them, so
// encoding/json writes exactly Cairn's canonical form.
type StoredMeta struct {
	CommittedAt string `json:"committedAt"`
	DataHash    string `json:"dataHash"`
	Fence       string `json:"fence,omitempty"` // the fence revision the writing transaction compared
	Generation  int64  `json:"generation"`
	Name        string `json:"name"`
	Namespace   string `json:"namespace"`
	Schema      string `json:"schema"`
	UID         string `json:"uid"`
}

// JSON is the meta value as Cairn writes it (canonical JSON).
func (m StoredMeta) JSON() string { return Canonical(m) }

// Canonical encodes v as Cairn's canonical JSON for the values Cairn stores: structs whose fields are
// declared in sorted order and maps (encoding/json sorts map keys), no HTML escaping, no newline.
// It differs from JSON.stringify only for U+2028 and U+2029, which Go escapes; the benchmark's data
// has neither.
func Canonical(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // only values built in this program are encoded
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

// Hash is `sha256:<hex>` of the text's bytes, as Cairn's dataHash.
func Hash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// FormatTime is RFC 3339 at second precision in UTC, as Cairn (and metav1.Time) write times.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// KeyState is a key as observed: absent, or present at a mod and create revision.
type KeyState struct {
	Exists         bool
	ModRevision    int64
	CreateRevision int64
}

// Guard is the compare that holds only while key is as observed: mod_revision equal, or
// create_revision 0 (etcd's "absent").
func Guard(key string, state KeyState) clientv3.Cmp {
	if state.Exists {
		return clientv3.Compare(clientv3.ModRevision(key), "=", state.ModRevision)
	}
	return clientv3.Compare(clientv3.CreateRevision(key), "=", 0)
}

// Commit is Cairn's guarded transaction of one commit: if the fence, the meta key and the data key
// are as observed, put the data and the meta; otherwise read back the fence, the meta and the data.
func Commit(txn clientv3.Txn, fenceKey string, fenceRevision int64, keys Keys, meta, data KeyState, value, metaJSON string) clientv3.Txn {
	return txn.
		If(clientv3.Compare(clientv3.ModRevision(fenceKey), "=", fenceRevision), Guard(keys.Meta, meta), Guard(keys.Data, data)).
		Then(clientv3.OpPut(keys.Data, value), clientv3.OpPut(keys.Meta, metaJSON)).
		Else(clientv3.OpGet(fenceKey), clientv3.OpGet(keys.Meta), clientv3.OpGet(keys.Data))
}
