// Command probe measures the floor with the fastest clients there are (client-go and etcd's
// clientv3, compiled): for each item of a workload, serially, create -> the watch event that shows
// it, one etcd transaction of Cairn's shape, status patch -> the watch event that shows it. The
// benchmark (bench/floor-go.ts) writes the workload and divides every ratio by what this prints.
//
// Input: a JSON workload file (see workload below). Output on stdout: one JSON object with the
// samples in milliseconds, warm-up iterations left out. Errors: exits 1 with the reason on stderr.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"cairn.dev/tools/bench/internal/shape"
)

type workload struct {
	Namespace     string `json:"namespace"`
	Prefix        string `json:"prefix"`
	FenceRevision int64  `json:"fenceRevision"`
	Warmup        int    `json:"warmup"`
	Items         []struct {
		Name      string          `json:"name"`
		Body      json.RawMessage `json:"body"`
		Canonical string          `json:"canonical"`
	} `json:"items"`
}

type result struct {
	CreateToWatchMs      []float64 `json:"createToWatchMs"`
	TxnMs                []float64 `json:"txnMs"`
	StatusPatchToWatchMs []float64 `json:"statusPatchToWatchMs"`
}

var entries = schema.GroupVersionResource{Group: "cairn.dev", Version: "v1alpha1", Resource: "configentries"}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig file")
	endpoints := flag.String("etcd-endpoints", "", "comma-separated etcd client URLs")
	workloadFile := flag.String("workload", "", "the workload (JSON)")
	flag.Parse()
	if err := run(*kubeconfig, strings.Split(*endpoints, ","), *workloadFile); err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
}

func run(kubeconfig string, endpoints []string, workloadFile string) error {
	raw, err := os.ReadFile(workloadFile)
	if err != nil {
		return err
	}
	var w workload
	if err := json.Unmarshal(raw, &w); err != nil {
		return fmt.Errorf("reading %s: %w", workloadFile, err)
	}
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	config.QPS, config.Burst = 1000, 1000 // serial requests: the client's rate limiter must not be what is measured
	kube, err := dynamic.NewForConfig(config)
	if err != nil {
		return err
	}
	etcd, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer etcd.Close()

	ctx := context.Background()
	client := kube.Resource(entries).Namespace(w.Namespace)
	watcher, err := client.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	defer watcher.Stop()
	events := watcher.ResultChan()
	fenceKey := shape.FenceKey(w.Prefix)

	var out result
	for i, item := range w.Items {
		if i == w.Warmup {
			out = result{}
		}
		var obj unstructured.Unstructured
		if err := obj.UnmarshalJSON(item.Body); err != nil {
			return fmt.Errorf("item %s: %w", item.Name, err)
		}
		t0 := time.Now()
		created, err := client.Create(ctx, &obj, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create %s: %w", item.Name, err)
		}
		if err := awaitEvent(events, item.Name, func(e watch.Event, _ *unstructured.Unstructured) bool { return e.Type == watch.Added }); err != nil {
			return err
		}
		out.CreateToWatchMs = append(out.CreateToWatchMs, ms(time.Since(t0)))

		keys := shape.EntryKeys(w.Prefix, w.Namespace, item.Name)
		dataHash := shape.Hash(item.Canonical)
		meta := shape.StoredMeta{CommittedAt: shape.FormatTime(time.Now()), DataHash: dataHash, Fence: fmt.Sprint(w.FenceRevision), Generation: created.GetGeneration(), Name: item.Name, Namespace: w.Namespace, Schema: "database@v1", UID: string(created.GetUID())}
		t1 := time.Now()
		txn, err := shape.Commit(etcd.Txn(ctx), fenceKey, w.FenceRevision, keys, shape.KeyState{}, shape.KeyState{}, item.Canonical, meta.JSON()).Commit()
		if err != nil {
			return fmt.Errorf("transaction for %s: %w", item.Name, err)
		}
		out.TxnMs = append(out.TxnMs, ms(time.Since(t1)))
		if !txn.Succeeded {
			return fmt.Errorf("transaction for %s failed its compares", item.Name)
		}

		revision := fmt.Sprint(txn.Header.Revision)
		patch := statusPatch(created.GetGeneration(), keys.Data, revision, dataHash, created.GetResourceVersion())
		t2 := time.Now()
		if _, err := client.Patch(ctx, item.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "cairn-bench-probe"}, "status"); err != nil {
			return fmt.Errorf("status patch of %s: %w", item.Name, err)
		}
		if err := awaitEvent(events, item.Name, func(e watch.Event, o *unstructured.Unstructured) bool {
			got, _, _ := unstructured.NestedString(o.Object, "status", "revision")
			return e.Type == watch.Modified && got == revision
		}); err != nil {
			return err
		}
		out.StatusPatchToWatchMs = append(out.StatusPatchToWatchMs, ms(time.Since(t2)))
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

// statusPatch is the merge patch Cairn sends on a commit: the whole status, over the version read.
func statusPatch(generation int64, key, revision, dataHash, resourceVersion string) []byte {
	patch := map[string]any{
		"metadata": map[string]any{"resourceVersion": resourceVersion},
		"status": map[string]any{
			"observedGeneration": generation, "key": key, "revision": revision, "dataHash": dataHash, "schema": "database@v1",
			"conditions": []any{map[string]any{
				"type": "Ready", "status": "True", "reason": "Committed", "message": "committed to " + key + " at revision " + revision,
				"observedGeneration": generation, "lastTransitionTime": shape.FormatTime(time.Now()),
			}},
		},
	}
	body, _ := json.Marshal(patch)
	return body
}

func awaitEvent(events <-chan watch.Event, name string, match func(watch.Event, *unstructured.Unstructured) bool) error {
	timeout := time.After(30 * time.Second)
	for {
		select {
		case e, ok := <-events:
			if !ok {
				return fmt.Errorf("the watch ended while waiting for %s", name)
			}
			if o, isObject := e.Object.(*unstructured.Unstructured); isObject && o.GetName() == name && match(e, o) {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("no watch event for %s within 30 s", name)
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
