// Command policystatus runs the ValidatingAdmissionPolicy status controller of kube-controller-manager
// (k8s.io/kubernetes/pkg/controller/validatingadmissionpolicystatus) on its own, wired exactly as
// kube-controller-manager v1.37.2 wires it (cmd/kube-controller-manager/app/validatingadmissionpolicystatus.go):
// the built-in OpenAPI definitions combined with the apiserver's published OpenAPI (so CRD schemas
// resolve), a discovery-backed REST mapper, and the same type checker. It writes each policy's
// status.observedGeneration and status.typeChecking, which kube-apiserver alone never writes.
//
// Cairn's integration tests start it against their control plane (tools/controlplane); it is not a
// product component. The whole kube-controller-manager would need 326 more packages and modules the
// wrapper does not have; this needs one package beyond kube-apiserver's build.
//
// Usage: policystatus --kubeconfig <path> [--workers N]. Stops on SIGTERM or SIGINT.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	apiextensionsscheme "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset/scheme"
	pluginvalidatingadmissionpolicy "k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/cel/openapi/resolver"
	cacheddiscovery "k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	k8sscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/kubernetes/pkg/controller/validatingadmissionpolicystatus"
	"k8s.io/kubernetes/pkg/generated/openapi"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "path to a kubeconfig")
	workers := flag.Int("workers", 5, "concurrent policy syncs (kube-controller-manager's default is 5)")
	flag.Parse()
	if err := run(*kubeconfig, *workers); err != nil {
		fmt.Fprintf(os.Stderr, "policystatus: %v\n", err)
		os.Exit(1)
	}
}

func run(kubeconfig string, workers int) error {
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	discovery := client.Discovery()
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(cacheddiscovery.NewMemCacheClient(discovery))
	schemaResolver := resolver.NewDefinitionsSchemaResolver(openapi.GetOpenAPIDefinitions, k8sscheme.Scheme, apiextensionsscheme.Scheme).
		Combine(&resolver.ClientDiscoveryResolver{Discovery: discovery})
	typeChecker := &pluginvalidatingadmissionpolicy.TypeChecker{SchemaResolver: schemaResolver, RestMapper: mapper}

	factory := informers.NewSharedInformerFactory(client, 10*time.Minute)
	controller, err := validatingadmissionpolicystatus.NewController(
		factory.Admissionregistration().V1().ValidatingAdmissionPolicies(),
		client.AdmissionregistrationV1().ValidatingAdmissionPolicies(),
		typeChecker,
	)
	if err != nil {
		return err
	}
	factory.Start(ctx.Done())
	fmt.Fprintln(os.Stderr, "policystatus: running")
	controller.Run(ctx, workers)
	factory.Shutdown()
	return nil
}
