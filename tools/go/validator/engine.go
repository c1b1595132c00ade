// Package main is Cairn's schema engine: the kube-apiserver's own custom-resource validation
// (k8s.io/apiextensions-apiserver, the version Kubernetes v1.37.2 uses), composed the way the
// apiserver composes it for a CRD with one version, and built to WebAssembly (wasip1) so the
// operator, the CLI and the reader client get the apiserver's verdicts, defaults and messages
// without a cluster. exports.go is the WebAssembly surface; this file is plain Go, tested natively.
//
// compile mirrors creating a CRD whose single version has the given openAPIV3Schema:
// the v1 CRD is decoded strictly, defaulted and converted to the internal version, then checked by
// ValidateCustomResourceDefinition (structural schema, formats, defaults, CEL compilation and its
// estimated cost limits). validate mirrors a create of a custom resource of that CRD: decode with
// integers as int64, prune unknown fields, drop non-nullable nulls, default, then the OpenAPI schema
// validator, embedded-resource metadata, list-type set/map invariants and the CEL rules with the
// apiserver's per-call limit and per-request budget.
package main

import (
	"context"
	"fmt"
	"regexp"

	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	crdvalidation "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structurallisttype "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	kjson "sigs.k8s.io/json"
)

// Problem is one field error, as the apiserver reports it in a Status's causes.
type Problem struct {
	Field   string `json:"field"`
	Type    string `json:"type"`
	Detail  string `json:"detail"`
	Message string `json:"message"` // field.Error.Error(): "<field>: <body>", what kubectl prints
	Body    string `json:"body"`    // field.Error.ErrorBody(): the cause's message
}

// Schema is a compiled schema: everything validate needs, built once.
type Schema struct {
	structural *structuralschema.Structural
	validator  apiservervalidation.SchemaValidator
	cel        *cel.Validator
}

// Outcome is validate's answer: ok with the defaulted, pruned value, or the errors.
type Outcome struct {
	OK       bool                   `json:"ok"`
	Value    map[string]interface{} `json:"value,omitempty"`
	Errors   []Problem              `json:"errors,omitempty"`
	Warnings []string               `json:"warnings,omitempty"`
}

func problemsOf(errs field.ErrorList) []Problem {
	out := make([]Problem, 0, len(errs))
	for _, e := range errs {
		out = append(out, Problem{Field: e.Field, Type: string(e.Type), Detail: e.Detail, Message: e.Error(), Body: e.ErrorBody()})
	}
	return out
}

// problem is a failure outside the apiserver's validators (decoding, the engine itself): the
// message is the detail alone, prefixed by the path when there is one.
func problem(fieldPath, detail string) []Problem {
	message := detail
	if fieldPath != "" {
		message = fieldPath + ": " + detail
	}
	return []Problem{{Field: fieldPath, Type: "Decode", Detail: detail, Message: message, Body: detail}}
}

// schemaRoot is where a CRD's schema is, as the apiserver names it in its errors.
const schemaRoot = "spec.validation.openAPIV3Schema"

// crdOf is the v1 CRD a schema would be served by: one served, stored version named v1.
func crdOf(schema *apiextensionsv1.JSONSchemaProps) *apiextensionsv1.CustomResourceDefinition {
	return &apiextensionsv1.CustomResourceDefinition{
		ObjectMeta: metav1.ObjectMeta{Name: "values.check.cairn.dev"},
		Spec: apiextensionsv1.CustomResourceDefinitionSpec{
			Group: "check.cairn.dev",
			Names: apiextensionsv1.CustomResourceDefinitionNames{Plural: "values", Singular: "value", Kind: "Value", ListKind: "ValueList"},
			Scope: apiextensionsv1.NamespaceScoped,
			Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1", Served: true, Storage: true,
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: schema},
			}},
		},
	}
}

// oldSelfPattern finds transition rules: a create has no old value, and Cairn validates entries
// without their previous data, so such a rule would be skipped silently. It is refused instead.
var oldSelfPattern = regexp.MustCompile(`\boldSelf\b`)

func refuseTransitionRules(s *apiextensionsinternal.JSONSchemaProps, path *field.Path) field.ErrorList {
	if s == nil {
		return nil
	}
	var errs field.ErrorList
	for i, rule := range s.XValidations {
		usesOld := oldSelfPattern.MatchString(rule.Rule) || oldSelfPattern.MatchString(rule.MessageExpression) ||
			(rule.OptionalOldSelf != nil && *rule.OptionalOldSelf)
		if usesOld {
			errs = append(errs, field.Forbidden(path.Child("x-kubernetes-validations").Index(i).Child("rule"),
				fmt.Sprintf("transition rule %q refers to oldSelf; Cairn validates values without their previous version, so it cannot evaluate it", rule.Rule)))
		}
	}
	for name, p := range s.Properties {
		errs = append(errs, refuseTransitionRules(&p, path.Child("properties").Key(name))...)
	}
	if s.Items != nil {
		errs = append(errs, refuseTransitionRules(s.Items.Schema, path.Child("items"))...)
	}
	if s.AdditionalProperties != nil {
		errs = append(errs, refuseTransitionRules(s.AdditionalProperties.Schema, path.Child("additionalProperties"))...)
	}
	return errs
}

// Compile checks a CRD version schema as the apiserver does when the CRD is created, and builds
// its validators. It returns the compiled schema, or the problems that made the apiserver refuse it.
func Compile(raw []byte) (*Schema, []Problem) {
	var props apiextensionsv1.JSONSchemaProps
	strict, err := kjson.UnmarshalStrict(raw, &props, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil {
		return nil, problem(schemaRoot, err.Error())
	}
	if len(strict) > 0 {
		out := make([]Problem, 0, len(strict))
		for _, e := range strict {
			out = append(out, problem(schemaRoot, e.Error())...)
		}
		return nil, out
	}
	crd := crdOf(&props)
	apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(crd)
	internal := &apiextensionsinternal.CustomResourceDefinition{}
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(crd, internal, nil); err != nil {
		return nil, problem(schemaRoot, err.Error())
	}
	// What the CRD strategy's PrepareForCreate sets before validation.
	internal.Generation = 1
	internal.Status = apiextensionsinternal.CustomResourceDefinitionStatus{StoredVersions: []string{"v1"}}
	if errs := crdvalidation.ValidateCustomResourceDefinition(context.Background(), internal); len(errs) > 0 {
		return nil, problemsOf(errs)
	}
	internalSchema := internal.Spec.Validation.OpenAPIV3Schema
	if errs := refuseTransitionRules(internalSchema, field.NewPath(schemaRoot)); len(errs) > 0 {
		return nil, problemsOf(errs)
	}
	structural, err := structuralschema.NewStructural(internalSchema)
	if err != nil {
		return nil, problem(schemaRoot, err.Error())
	}
	// As the CR handler: its own copy, with unknown fields pruned from defaults.
	structural = structural.DeepCopy()
	if err := structuraldefaulting.PruneDefaults(structural); err != nil {
		return nil, problem(schemaRoot, err.Error())
	}
	validator, _, err := apiservervalidation.NewSchemaValidator(internalSchema)
	if err != nil {
		return nil, problem(schemaRoot, err.Error())
	}
	return &Schema{structural: structural, validator: validator, cel: cel.NewValidator(structural, true, celconfig.PerCallLimit)}, nil
}

// hasBlockingErr is the CR strategy's: CEL rules are not run on an object with these errors.
func hasBlockingErr(errs field.ErrorList) (bool, *field.Error) {
	for _, err := range errs {
		if err.Type == field.ErrorTypeNotSupported || err.Type == field.ErrorTypeRequired || err.Type == field.ErrorTypeTooLong || err.Type == field.ErrorTypeTooMany || err.Type == field.ErrorTypeTypeInvalid {
			return true, field.Invalid(nil, nil, "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation")
		}
	}
	return false, nil
}

// Validate runs a custom resource's create path (decode, prune, default, validate) on raw JSON.
func (s *Schema) Validate(raw []byte) Outcome {
	var decoded interface{}
	if err := utiljson.Unmarshal(raw, &decoded); err != nil {
		return Outcome{Errors: problem("", err.Error())}
	}
	obj, isObject := decoded.(map[string]interface{})
	if !isObject {
		return Outcome{Errors: problem("", "the value must be a JSON object")}
	}
	unknown := structuralpruning.PruneWithOptions(obj, s.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(obj, s.structural)
	coerceErr, metaUnknown := schemaobjectmeta.CoerceWithOptions(nil, obj, s.structural, false, schemaobjectmeta.CoerceOptions{ReturnUnknownFieldPaths: true})
	if coerceErr != nil {
		return Outcome{Errors: problemsOf(field.ErrorList{coerceErr})}
	}
	unknown = append(unknown, metaUnknown...)
	structuraldefaulting.Default(obj, s.structural)

	ctx := context.Background()
	var errs field.ErrorList
	errs = append(errs, apiservervalidation.ValidateCustomResource(nil, obj, s.validator)...)
	errs = append(errs, schemaobjectmeta.Validate(ctx, nil, obj, s.structural, false)...)
	errs = append(errs, structurallisttype.ValidateListSetsAndMaps(nil, s.structural, obj)...)
	// cel.NewValidator answers nil for a schema without rules, and the strategy then skips this
	// step altogether, the "rules were not checked" error included.
	if s.cel != nil {
		if blocked, err := hasBlockingErr(errs); blocked {
			errs = append(errs, err)
		} else {
			celErrs, _ := s.cel.Validate(ctx, nil, s.structural, obj, nil, celconfig.RuntimeCELCostBudget)
			errs = append(errs, celErrs...)
		}
	}
	warnings := make([]string, 0, len(unknown))
	for _, path := range unknown {
		warnings = append(warnings, fmt.Sprintf("unknown field %q", path))
	}
	if len(errs) > 0 {
		return Outcome{Errors: problemsOf(errs), Warnings: warnings}
	}
	return Outcome{OK: true, Value: obj, Warnings: warnings}
}
