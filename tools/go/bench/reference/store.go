package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/types"

	"cairn.dev/tools/bench/internal/shape"
)

// held is what the view keeps of one key: its revisions and a hash of its value (data keys), or the
// parsed record (meta keys). No value is kept.
type held struct {
	shape.KeyState
	hash string
	meta *shape.StoredMeta
}

// storeView is the reference's picture of its keys in etcd, as Cairn's store view (store-mirror.ts):
// one range of the prefix, then every change from a watch. The reconciler plans from it without a
// read; a stale view only makes a guarded transaction fail. A change nobody here wrote (drift) queues
// the entry that owns the key. Only keys of the watched namespace are kept.
type storeView struct {
	client   *clientv3.Client
	prefix   string
	dataPart string // P/data/<namespace>/
	metaPart string // P/meta/<namespace>/
	fenceKey string
	drifted  func(types.NamespacedName)

	mu       sync.RWMutex
	keys     map[string]held
	expected map[string]string // key -> hash of the value our transaction in flight puts
	fence    int64
}

func newStoreView(client *clientv3.Client, prefix, namespace string, drifted func(types.NamespacedName)) *storeView {
	return &storeView{
		client: client, prefix: prefix, dataPart: prefix + "/data/" + namespace + "/", metaPart: prefix + "/meta/" + namespace + "/",
		fenceKey: shape.FenceKey(prefix), drifted: drifted, keys: map[string]held{}, expected: map[string]string{},
	}
}

// acquireFence puts P/fence conditional on its mod_revision as last seen, as Cairn's takeover does
// (src/etcd/store.ts acquireFence), retrying with etcd's answer; the fence is the put's revision.
func (v *storeView) acquireFence(ctx context.Context, holder string) error {
	record, _ := json.Marshal(map[string]string{"holder": holder, "acquiredAt": time.Now().UTC().Format(time.RFC3339Nano)})
	seen := int64(0)
	for attempt := 0; attempt < 5; attempt++ {
		cmp := clientv3.Compare(clientv3.CreateRevision(v.fenceKey), "=", 0)
		if seen != 0 {
			cmp = clientv3.Compare(clientv3.ModRevision(v.fenceKey), "=", seen)
		}
		resp, err := v.client.Txn(ctx).If(cmp).Then(clientv3.OpPut(v.fenceKey, string(record))).Else(clientv3.OpGet(v.fenceKey)).Commit()
		if err != nil {
			return fmt.Errorf("acquiring the fence %s: %w", v.fenceKey, err)
		}
		if resp.Succeeded {
			v.fence = resp.Header.Revision
			return nil
		}
		seen = 0
		if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) > 0 {
			seen = kvs[0].ModRevision
		}
	}
	return fmt.Errorf("the fence %s kept moving", v.fenceKey)
}

// load reads the prefix once and watches it from there; it returns once the read is applied.
func (v *storeView) load(ctx context.Context) error {
	resp, err := v.client.Get(ctx, v.prefix+"/", clientv3.WithPrefix())
	if err != nil {
		return fmt.Errorf("reading %s/: %w", v.prefix, err)
	}
	v.mu.Lock()
	for _, kv := range resp.Kvs {
		v.applyLocked(kv)
	}
	v.mu.Unlock()
	go v.watch(ctx, resp.Header.Revision+1)
	return nil
}

func (v *storeView) watch(ctx context.Context, from int64) {
	for ctx.Err() == nil {
		for resp := range v.client.Watch(clientv3.WithRequireLeader(ctx), v.prefix+"/", clientv3.WithPrefix(), clientv3.WithRev(from)) {
			if resp.Err() != nil {
				break
			}
			for _, ev := range resp.Events {
				from = ev.Kv.ModRevision + 1
				v.onEvent(ev)
			}
		}
		time.Sleep(time.Second) // the watch ended (compaction, leader loss): start again from the last revision seen
	}
}

func (v *storeView) onEvent(ev *clientv3.Event) {
	key := string(ev.Kv.Key)
	v.mu.Lock()
	before, had := v.keys[key]
	if had && before.ModRevision >= ev.Kv.ModRevision {
		v.mu.Unlock()
		return // already recorded by our own commit
	}
	var news bool
	if ev.Type == mvccpb.DELETE {
		news = v.forgetLocked(key)
	} else {
		h := v.applyLocked(ev.Kv)
		news = v.expected[key] != h.hash || h.hash == ""
	}
	owner, isOwned := v.ownerLocked(key)
	v.mu.Unlock()
	if news && isOwned && v.drifted != nil {
		v.drifted(owner)
	}
}

func (v *storeView) applyLocked(kv *mvccpb.KeyValue) held {
	key := string(kv.Key)
	h := held{KeyState: shape.KeyState{Exists: true, ModRevision: kv.ModRevision, CreateRevision: kv.CreateRevision}}
	switch {
	case key == v.fenceKey:
	case strings.HasPrefix(key, v.dataPart):
		h.hash = shape.Hash(string(kv.Value))
	case strings.HasPrefix(key, v.metaPart):
		var m shape.StoredMeta
		if json.Unmarshal(kv.Value, &m) == nil {
			h.meta = &m
		}
		h.hash = shape.Hash(string(kv.Value))
	default:
		return h // not ours to keep
	}
	v.keys[key] = h
	return h
}

func (v *storeView) forgetLocked(key string) bool {
	_, had := v.keys[key]
	delete(v.keys, key)
	return had
}

// ownerLocked names the entry whose meta record claims the data or meta key `key`.
func (v *storeView) ownerLocked(key string) (types.NamespacedName, bool) {
	var metaKey string
	switch {
	case strings.HasPrefix(key, v.dataPart):
		metaKey = v.metaPart + strings.TrimPrefix(key, v.dataPart)
	case strings.HasPrefix(key, v.metaPart):
		metaKey = key
	default:
		return types.NamespacedName{}, false
	}
	if h, ok := v.keys[metaKey]; ok && h.meta != nil {
		return types.NamespacedName{Namespace: h.meta.Namespace, Name: h.meta.Name}, true
	}
	return types.NamespacedName{}, false
}

// observe is what the view holds of an entry's keys (absent when not held).
func (v *storeView) observe(keys shape.Keys) (data, meta held) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.keys[keys.Data], v.keys[keys.Meta]
}

// expect marks the puts of a transaction in flight, so their watch events are not taken for drift.
func (v *storeView) expect(key, hash string) {
	v.mu.Lock()
	v.expected[key] = hash
	v.mu.Unlock()
}

// settle records a commit's outcome: on success the keys as written, then the marks are dropped.
func (v *storeView) settle(written map[string]held) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for key, h := range written {
		if cur, ok := v.keys[key]; !ok || cur.ModRevision < h.ModRevision {
			v.keys[key] = h
		}
	}
	for key := range written {
		delete(v.expected, key)
	}
}

func (v *storeView) unexpect(keys ...string) {
	v.mu.Lock()
	for _, key := range keys {
		delete(v.expected, key)
	}
	v.mu.Unlock()
}

// read is a linearizable read of an entry's two keys at one revision.
func (v *storeView) read(ctx context.Context, keys shape.Keys) (data, meta held, err error) {
	resp, err := v.client.Txn(ctx).Then(clientv3.OpGet(keys.Data), clientv3.OpGet(keys.Meta)).Commit()
	if err != nil {
		return held{}, held{}, err
	}
	return heldOf(resp.Responses[0], false), heldOf(resp.Responses[1], true), nil
}

func heldOf(op *etcdserverpb.ResponseOp, isMeta bool) held {
	kvs := op.GetResponseRange().Kvs
	if len(kvs) == 0 {
		return held{}
	}
	kv := kvs[0]
	h := held{KeyState: shape.KeyState{Exists: true, ModRevision: kv.ModRevision, CreateRevision: kv.CreateRevision}, hash: shape.Hash(string(kv.Value))}
	var m shape.StoredMeta
	if isMeta && json.Unmarshal(kv.Value, &m) == nil {
		h.meta = &m
	}
	return h
}
