package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

const portSchema = `{"type":"object","properties":{"spec":{"type":"object","properties":{"data":{"type":"object",
  "x-kubernetes-validations":[{"rule":"self.min <= self.max","message":"min must not exceed max"}],
  "properties":{"port":{"type":"integer","default":5432},"min":{"type":"integer"},"max":{"type":"integer"}}}}}}}`

func TestCompileRefusesANonStructuralSchema(t *testing.T) {
	_, problems := Compile([]byte(`{"type":"object","properties":{"spec":{"properties":{"a":{"type":"string"}}}}}`))
	if len(problems) == 0 || !strings.Contains(problems[0].Message, "spec.validation.openAPIV3Schema.properties[spec].type: Required value") {
		t.Fatalf("problems: %+v", problems)
	}
}

func TestValidateDefaultsPrunesAndReportsTheApiserversMessages(t *testing.T) {
	schema, problems := Compile([]byte(portSchema))
	if problems != nil {
		t.Fatalf("problems: %+v", problems)
	}
	ok := schema.Validate([]byte(`{"spec":{"data":{"min":1,"max":2,"extra":true}}}`))
	value, _ := json.Marshal(ok.Value)
	if !ok.OK || string(value) != `{"spec":{"data":{"max":2,"min":1,"port":5432}}}` {
		t.Fatalf("outcome: %+v %s", ok, value)
	}
	bad := schema.Validate([]byte(`{"spec":{"data":{"port":"x","min":3,"max":2}}}`))
	if bad.OK || bad.Errors[0].Message != `spec.data.port: Invalid value: "string": spec.data.port in body must be of type integer: "string"` {
		t.Fatalf("outcome: %+v", bad)
	}
	rule := schema.Validate([]byte(`{"spec":{"data":{"min":3,"max":2}}}`))
	if rule.OK || rule.Errors[0].Message != `spec.data: Invalid value: min must not exceed max` {
		t.Fatalf("outcome: %+v", rule)
	}
}

// BenchmarkValidateCached is the native figure beside the WebAssembly one (design-notes.md): one
// compiled schema with 13 CEL rules (test/parity/corpus/cel.json at spec.data), one valid value.
func BenchmarkValidateCached(b *testing.B) {
	raw, err := os.ReadFile("../../../test/parity/corpus/cel.json")
	if err != nil {
		b.Fatal(err)
	}
	var corpus struct {
		Schema json.RawMessage `json:"schema"`
	}
	if err := json.Unmarshal(raw, &corpus); err != nil {
		b.Fatal(err)
	}
	wrapped := `{"type":"object","properties":{"spec":{"type":"object","required":["data"],"properties":{"data":` + string(corpus.Schema) + `}}}}`
	schema, problems := Compile([]byte(wrapped))
	if problems != nil {
		b.Fatalf("%+v", problems)
	}
	value := []byte(`{"spec":{"data":{"mode":"manual","replicas":3,"maxReplicas":5,"items":["a","bb"],"tags":["primary"],"name":"abc-def","memory":"1Gi","endpoint":"https://x.y/z","window":{"start":1,"end":2},"limits":{"a":1}}}}`)
	for b.Loop() {
		if out := schema.Validate(value); !out.OK {
			b.Fatalf("%+v", out)
		}
	}
}
