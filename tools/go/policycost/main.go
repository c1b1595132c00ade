// Command policycost compiles a ValidatingAdmissionPolicy as the apiserver's validating admission
// plugin does (k8s.io/apiserver v0.37.2, plugin.go compilePolicy) and reports the runtime CEL cost the
// apiserver charges for one object: the match conditions (budget 2.5e6), the validations (each
// limited to 1e6 per call) and the message expressions (validations + messages share 1e7 per
// binding). Input: policy.json and object.json paths (the object is a ConfigEntry or ConfigBundle).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/cel/environment"
)

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

type result struct {
	Match         int64    `json:"match"`
	PerMatch      []int64  `json:"perMatch"`
	MatchResults  []string `json:"matchResults"`
	Validations   int64    `json:"validations"`
	Messages      int64    `json:"messages"`
	MaxValidation int64    `json:"maxValidation"`
	PerValidation []int64  `json:"perValidation"`
	Denied        []int    `json:"denied"`
	Errors        []string `json:"errors"`
}

func main() {
	var policy admissionregistrationv1.ValidatingAdmissionPolicy
	raw, err := os.ReadFile(os.Args[1])
	must(err)
	must(json.Unmarshal(raw, &policy))
	var object map[string]any
	raw, err = os.ReadFile(os.Args[2])
	must(err)
	// As the apiserver decodes a custom resource: integers as int64, not float64.
	must(utiljson.Unmarshal(raw, &object))
	obj := &unstructured.Unstructured{Object: object}
	gvk := obj.GroupVersionKind()
	plural := map[string]string{"ConfigEntry": "configentries", "ConfigBundle": "configbundles"}[gvk.Kind]
	gvr := schema.GroupVersionResource{Group: gvk.Group, Version: gvk.Version, Resource: plural}
	attr := admission.NewAttributesRecord(obj, nil, gvk, obj.GetNamespace(), obj.GetName(), gvr, "", admission.Create, nil, false, nil)
	versioned := &admission.VersionedAttributes{Attributes: attr, VersionedObject: admission.NewLazyObject(obj), VersionedKind: gvk}
	request := cel.CreateAdmissionRequest(attr, metaGVR(gvr), metaGVK(gvk))

	env := environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion())
	optional := cel.OptionalVariableDeclarations{HasParams: false, HasAuthorizer: true}
	messageOptional := cel.OptionalVariableDeclarations{HasParams: false, HasAuthorizer: false}
	compiler := func() *cel.CompositedCompiler {
		c, err := cel.NewCompositedCompiler(env)
		must(err)
		variables := make([]cel.NamedExpressionAccessor, len(policy.Spec.Variables))
		for i, v := range policy.Spec.Variables {
			variables[i] = &validating.Variable{Name: v.Name, Expression: v.Expression}
		}
		c.CompileAndStoreVariables(variables, optional, environment.StoredExpressions)
		return c
	}
	ctx := context.Background()
	var out result
	spend := func(evaluator cel.ConditionEvaluator, opts cel.OptionalVariableBindings, budget int64) (int64, []cel.EvaluationResult) {
		results, remaining, err := evaluator.ForInput(ctx, versioned, request, opts, nil, budget)
		must(err)
		return budget - remaining, results
	}
	bindings := cel.OptionalVariableBindings{}

	matches := make([]cel.ExpressionAccessor, len(policy.Spec.MatchConditions))
	for i := range policy.Spec.MatchConditions {
		matches[i] = (*matchconditions.MatchCondition)(&policy.Spec.MatchConditions[i])
	}
	out.Match, _ = spend(compiler().CompileCondition(matches, optional, environment.StoredExpressions), bindings, celconfig.RuntimeCELCostBudgetMatchConditions)
	// Each match condition alone: its cost, and its value or error (the fast path's must never err on cost).
	for _, m := range matches {
		one, results := spend(compiler().CompileCondition([]cel.ExpressionAccessor{m}, optional, environment.StoredExpressions), bindings, celconfig.RuntimeCELCostBudgetMatchConditions)
		out.PerMatch = append(out.PerMatch, one)
		if results[0].Error != nil {
			out.MatchResults = append(out.MatchResults, "error: "+results[0].Error.Error())
		} else {
			out.MatchResults = append(out.MatchResults, fmt.Sprint(results[0].EvalResult.Value()))
		}
	}

	validations := make([]cel.ExpressionAccessor, len(policy.Spec.Validations))
	messages := make([]cel.ExpressionAccessor, len(policy.Spec.Validations))
	for i, v := range policy.Spec.Validations {
		validations[i] = &validating.ValidationCondition{Expression: v.Expression, Message: v.Message}
		if v.MessageExpression != "" {
			messages[i] = &validating.MessageExpressionCondition{MessageExpression: v.MessageExpression}
		}
		one, results := spend(compiler().CompileCondition([]cel.ExpressionAccessor{validations[i]}, optional, environment.StoredExpressions), bindings, celconfig.RuntimeCELCostBudget)
		out.PerValidation = append(out.PerValidation, one)
		if one > out.MaxValidation {
			out.MaxValidation = one
		}
		if results[0].Error != nil {
			out.Errors = append(out.Errors, results[0].Error.Error())
		} else if results[0].EvalResult.Value() != true {
			out.Denied = append(out.Denied, i)
		}
	}
	// As the validator runs them: one composition context per pass, variables cached within it.
	c := compiler()
	out.Validations, _ = spend(c.CompileCondition(validations, optional, environment.StoredExpressions), bindings, celconfig.RuntimeCELCostBudget)
	out.Messages, _ = spend(c.CompileCondition(messages, messageOptional, environment.StoredExpressions), bindings, celconfig.RuntimeCELCostBudget)
	encoded, err := json.Marshal(out)
	must(err)
	fmt.Println(string(encoded))
}

func metaGVR(g schema.GroupVersionResource) metav1.GroupVersionResource {
	return metav1.GroupVersionResource{Group: g.Group, Version: g.Version, Resource: g.Resource}
}

func metaGVK(g schema.GroupVersionKind) metav1.GroupVersionKind {
	return metav1.GroupVersionKind{Group: g.Group, Version: g.Version, Kind: g.Kind}
}
