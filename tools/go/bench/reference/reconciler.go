package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"cairn.dev/tools/bench/internal/shape"
)

const (
	schemaID    = "database@v1"
	maxAttempts = 5
)

// outcome of one commit step, as Cairn's (src/domain/outcome.ts).
type outcome struct {
	kind     string // committed | terminal | transient | driftReported
	reason   string
	message  string
	key      string
	revision string
	dataHash string
	wrote    bool
	drift    bool // the write restored a value changed outside
}

var etcdTxns = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cairn_etcd_txn_total", Help: "etcd transactions by result."}, []string{"result"})

// errFencingLost: another writer moved the fence; this process stops writing.
var errFencingLost = errors.New("fencing lost: the fence moved to a revision that is not ours")

// entryReconciler commits a ConfigEntry to etcd in one guarded transaction and reports its status.
type entryReconciler struct {
	client.Client
	view     *storeView
	recorder record.EventRecorder
	prefix   string
	now      func() time.Time
}

func (r *entryReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var entry ConfigEntry
	if err := r.Get(ctx, req.NamespacedName, &entry); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !entry.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, &entry)
	}
	if !controllerutil.ContainsFinalizer(&entry, finalizer) { // the admission policy usually added it
		base := entry.DeepCopy()
		controllerutil.AddFinalizer(&entry, finalizer)
		if err := r.Patch(ctx, &entry, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
			return ctrl.Result{}, err
		}
	}
	out, err := r.commit(ctx, &entry)
	if err != nil {
		return ctrl.Result{}, err
	}
	if err := r.reportStatus(ctx, &entry, out); err != nil {
		return ctrl.Result{}, err
	}
	if out.kind == "transient" {
		return ctrl.Result{}, fmt.Errorf("%s: %s", out.reason, out.message) // a rate-limited retry
	}
	return ctrl.Result{}, nil
}

// commit plans from the view and runs at most one guarded transaction per attempt (Cairn's plan.ts
// and commit-entry.ts); on failed compares it plans again from what the transaction read back.
func (r *entryReconciler) commit(ctx context.Context, entry *ConfigEntry) (outcome, error) {
	if entry.Spec.Schema != schemaID {
		return outcome{kind: "terminal", reason: "UnknownSchema", message: fmt.Sprintf("spec.schema: no schema %q in the reference operator", entry.Spec.Schema)}, nil
	}
	value, problems := validateDatabase(entry.Spec.Data)
	if problems != nil {
		return outcome{kind: "terminal", reason: "InvalidData", message: strings.Join(problems, "; ")}, nil
	}
	canonical := shape.Canonical(value)
	dataHash := shape.Hash(canonical)
	key := entry.Spec.Key
	if key == "" {
		key = entry.Name
	}
	keys := shape.EntryKeys(r.prefix, entry.Namespace, key)
	data, meta := r.view.observe(keys)
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		drift := false
		switch {
		case meta.Exists && meta.meta == nil:
			return outcome{kind: "terminal", reason: "KeyConflict", message: keys.Meta + " holds a record the operator cannot read"}, nil
		case meta.Exists && meta.meta.UID != string(entry.UID):
			return outcome{kind: "terminal", reason: "KeyConflict", message: fmt.Sprintf("%s is owned by ConfigEntry %s/%s (uid %s); its value is left untouched", keys.Data, meta.meta.Namespace, meta.meta.Name, meta.meta.UID)}, nil
		case !meta.Exists && data.Exists && data.hash != dataHash:
			return outcome{kind: "terminal", reason: "ValueConflict", message: keys.Data + " already holds a value that no ConfigEntry owns and that differs from spec.data"}, nil
		case meta.Exists && meta.meta.DataHash == dataHash && meta.meta.Schema == schemaID && data.Exists && data.hash == dataHash:
			etcdTxns.WithLabelValues("unchanged").Inc()
			return outcome{kind: "committed", key: keys.Data, revision: fmt.Sprint(data.ModRevision), dataHash: dataHash}, nil
		case meta.Exists && meta.meta.DataHash == dataHash && meta.meta.Schema == schemaID:
			if entry.Spec.DriftPolicy == "Report" {
				return outcome{kind: "driftReported", reason: "DriftReported", message: keys.Data + " was changed outside the operator; driftPolicy is Report, so it is left as it is"}, nil
			}
			drift = true
		}
		record := shape.StoredMeta{CommittedAt: shape.FormatTime(r.now()), DataHash: dataHash, Fence: fmt.Sprint(r.view.fence), Generation: entry.Generation, Name: entry.Name, Namespace: entry.Namespace, Schema: schemaID, UID: string(entry.UID)}
		metaJSON := record.JSON()
		metaHash := shape.Hash(metaJSON)
		r.view.expect(keys.Data, dataHash)
		r.view.expect(keys.Meta, metaHash)
		resp, err := shape.Commit(r.view.client.Txn(ctx), r.view.fenceKey, r.view.fence, keys, meta.KeyState, data.KeyState, canonical, metaJSON).Commit()
		if err != nil {
			r.view.unexpect(keys.Data, keys.Meta)
			return outcome{}, fmt.Errorf("committing %s: %w", keys.Data, err)
		}
		if resp.Succeeded {
			etcdTxns.WithLabelValues("committed").Inc()
			rev := resp.Header.Revision
			created := func(prior held) int64 {
				if prior.Exists {
					return prior.CreateRevision
				}
				return rev
			}
			r.view.settle(map[string]held{
				keys.Data: {KeyState: shape.KeyState{Exists: true, ModRevision: rev, CreateRevision: created(data)}, hash: dataHash},
				keys.Meta: {KeyState: shape.KeyState{Exists: true, ModRevision: rev, CreateRevision: created(meta)}, hash: metaHash, meta: &record},
			})
			return outcome{kind: "committed", key: keys.Data, revision: fmt.Sprint(rev), dataHash: dataHash, wrote: true, drift: drift}, nil
		}
		r.view.unexpect(keys.Data, keys.Meta)
		etcdTxns.WithLabelValues("compare_failed").Inc()
		fence := heldOf(resp.Responses[0], false)
		if fence.ModRevision != r.view.fence {
			return outcome{}, errFencingLost
		}
		meta, data = heldOf(resp.Responses[1], true), heldOf(resp.Responses[2], false)
	}
	return outcome{kind: "transient", reason: "CompareFailed", message: fmt.Sprintf("the keys kept changing during %d attempts; retrying", maxAttempts)}, nil
}

// reportStatus merge-patches the status only when it changed, and records the Event Cairn's
// report-status.ts and domain/events.ts record: DriftCorrected for a write that restored drift,
// Committed when the committed revision differs from the one status recorded (none for a reconcile
// that finds it again, after a failure too), a Warning when Ready's status, reason or message changed
// on a failure.
func (r *entryReconciler) reportStatus(ctx context.Context, entry *ConfigEntry, out outcome) error {
	base := entry.DeepCopy()
	next := nextStatus(entry.Status, out, entry.Generation, r.now())
	if equality.Semantic.DeepEqual(entry.Status, next) {
		return nil
	}
	entry.Status = next
	if err := r.Status().Patch(ctx, entry, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})); err != nil {
		return err
	}
	was, is := findCondition(base.Status.Conditions, "Ready"), findCondition(next.Conditions, "Ready")
	switch {
	case out.kind == "committed" && out.drift && out.wrote:
		r.recorder.Event(entry, corev1.EventTypeNormal, "DriftCorrected", "restored after an outside change: "+is.Message)
	case out.kind == "committed":
		if next.Revision != base.Status.Revision {
			r.recorder.Event(entry, corev1.EventTypeNormal, "Committed", is.Message)
		}
	case was != nil && was.Status == is.Status && was.Reason == is.Reason && was.Message == is.Message:
	default:
		r.recorder.Event(entry, corev1.EventTypeWarning, out.reason, is.Message)
	}
	return nil
}

// finalize deletes the entry's keys (Delete) or its meta only (Retain) if this entry owns them, in
// one transaction guarded by the fence and the meta as read, then removes the finalizer.
func (r *entryReconciler) finalize(ctx context.Context, entry *ConfigEntry) error {
	if !controllerutil.ContainsFinalizer(entry, finalizer) {
		return nil
	}
	key := entry.Spec.Key
	if key == "" {
		key = entry.Name
	}
	keys := shape.EntryKeys(r.prefix, entry.Namespace, key)
	_, meta, err := r.view.read(ctx, keys)
	if err != nil {
		return err
	}
	if meta.Exists && meta.meta != nil && meta.meta.UID == string(entry.UID) {
		ops := []clientv3.Op{clientv3.OpDelete(keys.Meta)}
		if entry.Spec.DeletionPolicy != "Retain" {
			ops = append(ops, clientv3.OpDelete(keys.Data))
		}
		resp, err := r.view.client.Txn(ctx).
			If(clientv3.Compare(clientv3.ModRevision(r.view.fenceKey), "=", r.view.fence), shape.Guard(keys.Meta, meta.KeyState)).
			Then(ops...).Commit()
		if err != nil {
			return err
		}
		if !resp.Succeeded {
			etcdTxns.WithLabelValues("compare_failed").Inc()
			return fmt.Errorf("%s changed while deleting; retrying", keys.Meta)
		}
		etcdTxns.WithLabelValues("committed").Inc()
	}
	base := entry.DeepCopy()
	controllerutil.RemoveFinalizer(entry, finalizer)
	return r.Patch(ctx, entry, client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{}))
}
