// Command reference is the Go operator the benchmark measures Cairn against (issue 13): the same
// visible work as Cairn's ConfigEntry path, written as a Go team would write it with
// controller-runtime. Per commit it runs one guarded etcd transaction of exactly Cairn's shape (fence
// compare, ownership compares, data + meta puts, the same meta JSON; internal/shape), merge-patches
// the status only when it changed (the same conditions) and records exactly the Events Cairn records
// (core/v1, through client-go's correlating recorder). The finalizer is added at CREATE by Cairn's
// MutatingAdmissionPolicy, as for Cairn; the reconciler adds it only when missing.
//
// Like Cairn it plans from a view of its etcd keys (one range, then a watch) instead of reading
// before every write, informer cache trimmed of managedFields, the given concurrency, and
// GenerationChangedPredicate (status writes do not queue the entry again). It takes the fence at
// start-up as Cairn does without leader election (a conditional put of P/fence) and has no leader
// election; the benchmark gives it its own namespace and prefix. Only database@v1 is validated (the
// schema the benchmark applies); ConfigSchemas are not reconciled.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/source"
)

func main() {
	// --kubeconfig is controller-runtime's own flag (pkg/client/config), read by ctrl.GetConfig.
	endpoints := flag.String("etcd-endpoints", "", "comma-separated etcd client URLs")
	namespace := flag.String("watch-namespace", "", "reconcile entries of this namespace only")
	prefix := flag.String("prefix", "/cairn", "etcd key prefix P")
	concurrency := flag.Int("concurrency", 8, "reconciles in flight at once")
	metricsAddress := flag.String("metrics-address", "127.0.0.1:8080", "address of /metrics")
	healthAddress := flag.String("health-address", "127.0.0.1:8081", "address of /healthz and /readyz")
	identity := flag.String("identity", "", "this process in the fence record")
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.Level(zapcore.WarnLevel))) // warnings and errors, as Cairn at --log-level=warn
	if err := run(strings.Split(*endpoints, ","), *namespace, *prefix, *concurrency, *metricsAddress, *healthAddress, *identity); err != nil {
		fmt.Fprintln(os.Stderr, "reference:", err)
		os.Exit(1)
	}
}

func run(endpoints []string, namespace, prefix string, concurrency int, metricsAddress, healthAddress, identity string) error {
	ctx := ctrl.SetupSignalHandler()
	config, err := ctrl.GetConfig()
	if err != nil {
		return err
	}
	// No client-side rate limit, as Cairn has none: client-go's default (5/s, burst 10) would make the
	// client the bottleneck of the bulk run, not the operator.
	config.QPS = -1
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err := addToScheme(scheme); err != nil {
		return err
	}
	ctrlmetrics.Registry.MustRegister(etcdTxns)

	cacheOptions := cache.Options{DefaultTransform: cache.TransformStripManagedFields()}
	if namespace != "" {
		cacheOptions.DefaultNamespaces = map[string]cache.Config{namespace: {}}
	}
	mgr, err := ctrl.NewManager(config, ctrl.Options{
		Scheme:                 scheme,
		Cache:                  cacheOptions,
		Metrics:                metricsserver.Options{BindAddress: metricsAddress},
		HealthProbeBindAddress: healthAddress,
	})
	if err != nil {
		return err
	}

	etcd, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, MaxCallRecvMsgSize: 1 << 30})
	if err != nil {
		return err
	}
	defer etcd.Close()
	drift := make(chan event.TypedGenericEvent[*ConfigEntry], 1024)
	view := newStoreView(etcd, prefix, namespace, func(owner types.NamespacedName) {
		drift <- event.TypedGenericEvent[*ConfigEntry]{Object: &ConfigEntry{ObjectMeta: metav1ObjectMeta(owner)}}
	})
	if identity == "" {
		host, _ := os.Hostname()
		identity = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if err := view.acquireFence(ctx, identity); err != nil {
		return err
	}
	if err := view.load(ctx); err != nil {
		return err
	}

	reconciler := &entryReconciler{Client: mgr.GetClient(), view: view, recorder: mgr.GetEventRecorderFor("cairn-operator"), prefix: prefix, now: time.Now} //nolint:staticcheck // core/v1 Events, as Cairn writes
	err = builder.ControllerManagedBy(mgr).
		Named("configentry").
		For(&ConfigEntry{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		WatchesRawSource(source.Channel(drift, &handler.TypedEnqueueRequestForObject[*ConfigEntry]{})).
		WithOptions(controller.Options{MaxConcurrentReconciles: concurrency}).
		Complete(reconciler)
	if err != nil {
		return err
	}

	var synced atomic.Bool
	if err := mgr.AddHealthzCheck("ping", func(*http.Request) error { return nil }); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("synced", func(*http.Request) error {
		if !synced.Load() {
			return fmt.Errorf("informer not synced")
		}
		return nil
	}); err != nil {
		return err
	}
	go func() {
		if mgr.GetCache().WaitForCacheSync(ctx) {
			synced.Store(true)
		}
	}()
	return mgr.Start(ctx)
}

var _ client.Object = &ConfigEntry{}
