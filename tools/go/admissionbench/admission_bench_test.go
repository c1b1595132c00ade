// Package admissionbench measures what a ValidatingAdmissionPolicy costs the apiserver per request,
// with the apiserver's own code (k8s.io/apiserver validating.Validator, compiled as its plugin
// compiles a policy) on a ConfigEntry of database@v1 data, without a control plane: CPU time per
// Validate call (getrusage, steadier than wall time on a shared machine) and allocations per call
// (exact). Nothing here is run by the tests or the build; an experiment tool (docs/design-notes.md,
// "Admission policies generated from schemas", Cost). Its requirements are tools/go/kubernetes's.
//
//	npx node bench/admission-variants.ts --write-policies /tmp/policies   # the arms' policy specs as JSON
//	cd tools/go/admissionbench && GOMAXPROCS=1 POLICIES='/tmp/policies/*.json' go test -run x -bench . -benchtime=4000x -count=3
//	POLICIES=... DATA='{"host":1}' go test -run Decisions -v    # each policy's denials for DATA
package admissionbench

import (
	"context"
	"encoding/json"
	"syscall"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/cel/environment"
)

// compile mirrors validating.compilePolicy (unexported) with exported parts.
func compile(spec v1.ValidatingAdmissionPolicySpec) validating.Validator {
	optionalVars := cel.OptionalVariableDeclarations{HasParams: false, HasAuthorizer: true}
	expressionOptionalVars := cel.OptionalVariableDeclarations{HasParams: false, HasAuthorizer: false}
	fc, err := cel.NewCompositedCompiler(environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion()))
	if err != nil {
		panic(err)
	}
	vars := make([]cel.NamedExpressionAccessor, len(spec.Variables))
	for i, v := range spec.Variables {
		vars[i] = &validating.Variable{Name: v.Name, Expression: v.Expression}
	}
	fc.CompileAndStoreVariables(vars, optionalVars, environment.StoredExpressions)
	var matcher matchconditions.Matcher
	if len(spec.MatchConditions) > 0 {
		acc := make([]cel.ExpressionAccessor, len(spec.MatchConditions))
		for i := range spec.MatchConditions {
			acc[i] = (*matchconditions.MatchCondition)(&spec.MatchConditions[i])
		}
		matcher = matchconditions.NewMatcher(fc.CompileCondition(acc, optionalVars, environment.StoredExpressions), spec.FailurePolicy, "policy", "validate", "bench")
	}
	vals := make([]cel.ExpressionAccessor, len(spec.Validations))
	msgs := make([]cel.ExpressionAccessor, len(spec.Validations))
	for i, v := range spec.Validations {
		vals[i] = &validating.ValidationCondition{Expression: v.Expression, Message: v.Message, Reason: v.Reason}
		if v.MessageExpression != "" {
			msgs[i] = &validating.MessageExpressionCondition{MessageExpression: v.MessageExpression}
		}
	}
	return validating.NewValidator(
		fc.CompileCondition(vals, optionalVars, environment.StoredExpressions),
		matcher,
		fc.CompileCondition(nil, optionalVars, environment.StoredExpressions),
		fc.CompileCondition(msgs, expressionOptionalVars, environment.StoredExpressions),
		spec.FailurePolicy, nil)
}

func load(t testing.TB, file string) v1.ValidatingAdmissionPolicySpec {
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var spec v1.ValidatingAdmissionPolicySpec
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	return spec
}

var gvk = schema.GroupVersionKind{Group: "cairn.dev", Version: "v1alpha1", Kind: "ConfigEntry"}
var gvr = schema.GroupVersionResource{Group: "cairn.dev", Version: "v1alpha1", Resource: "configentries"}

func entry(data map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "cairn.dev/v1alpha1", "kind": "ConfigEntry",
		"metadata": map[string]any{"name": "adm-1", "namespace": "adm"},
		"spec":     map[string]any{"schema": "bench-database@v1", "data": data},
	}}
}

func benchData() map[string]any {
	var d map[string]any
	_ = utiljson.Unmarshal([]byte(os.Getenv("DATA")), &d)
	if d == nil {
		_ = utiljson.Unmarshal([]byte(`{"host":"db-7.bench.svc","port":5007,"database":"checkout","user":"checkout","passwordSecretRef":{"name":"checkout-db"},"sslMode":"require","pool":{"min":1,"max":11}}`), &d)
	}
	return d
}

func validate(v validating.Validator, obj *unstructured.Unstructured) validating.ValidateResult {
	a := admission.NewAttributesRecord(obj, nil, gvk, "adm", "adm-1", gvr, "", admission.Create, &metav1.CreateOptions{}, true, &user.DefaultInfo{Name: "admin"})
	va, err := admission.NewVersionedAttributes(a, gvk, nil)
	if err != nil {
		panic(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "adm"}}
	return v.Validate(context.Background(), gvr, va, nil, ns, celconfig.RuntimeCELCostBudget, nil)
}

func policies(t testing.TB) []string {
	var files []string
	for _, g := range strings.Fields(os.Getenv("POLICIES")) {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skip("POLICIES (space-separated globs of policy spec JSON files) matches nothing")
	}
	return files
}

func BenchmarkValidate(b *testing.B) {
	for _, file := range policies(b) {
		v := compile(load(b, file))
		obj := entry(benchData())
		b.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(b *testing.B) {
			b.ReportAllocs()
			before := cpu()
			for i := 0; i < b.N; i++ {
				validate(v, obj)
			}
			b.ReportMetric(float64(cpu()-before)/float64(b.N), "cpu-ns/op")
		})
	}
}

// TestDecisions prints each policy's decisions for the data in DATA (verdict and message).
func TestDecisions(t *testing.T) {
	for _, file := range policies(t) {
		r := validate(compile(load(t, file)), entry(benchData()))
		var out []string
		for _, d := range r.Decisions {
			if d.Action != validating.ActionAdmit {
				out = append(out, fmt.Sprintf("%s: %s", d.Action, d.Message))
			}
		}
		fmt.Printf("%s: %v\n", filepath.Base(file), out)
	}
}

func cpu() int64 {
	var r syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r)
	return r.Utime.Nano() + r.Stime.Nano()
}
