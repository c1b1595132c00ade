// Command kstatus reads one Kubernetes object as JSON on stdin and prints the verdict of kstatus
// (sigs.k8s.io/cli-utils/pkg/kstatus/status, the library Flux, kpt and Argo CD's health checks
// follow) as JSON on stdout: {"status":"Current","message":"..."}.
//
// Cairn's integration tests use it to check that ConfigEntry status reads the way those tools
// expect: Current when committed, Failed on a terminal failure, InProgress while working.
//
// Exit codes: 0 with a verdict; 1 when the input is not one JSON object or kstatus cannot compute
// a status (the reason is on stderr).
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kjson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

// verdict is what this program prints: kstatus's Result without its conditions.
type verdict struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "kstatus: %v\n", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	raw, err := io.ReadAll(in)
	if err != nil {
		return fmt.Errorf("reading stdin: %w", err)
	}
	// apimachinery's decoder, as client-go's: whole numbers become int64, which kstatus requires
	// of metadata.generation and status.observedGeneration.
	var object map[string]interface{}
	if err := kjson.Unmarshal(raw, &object); err != nil {
		return fmt.Errorf("stdin is not a JSON object: %w", err)
	}
	if object == nil {
		return fmt.Errorf("stdin is not a JSON object: got null")
	}
	result, err := status.Compute(&unstructured.Unstructured{Object: object})
	if err != nil {
		return fmt.Errorf("computing status: %w", err)
	}
	return json.NewEncoder(out).Encode(verdict{Status: result.Status.String(), Message: result.Message})
}
