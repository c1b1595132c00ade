package main

import (
	"testing"

	"cairn.dev/tools/bench/internal/shape"
)

// Cairn's validateData of the benchmark's dataFor(7) (bench/workload.ts), run in Node: the defaults
// applied and the canonical JSON are what the reference must store too.
func TestDatabaseDefaultsAndCanonicalFormAreCairns(t *testing.T) {
	input := `{"host":"db-7.bench.svc","port":5007,"database":"checkout","user":"checkout","passwordSecretRef":{"name":"checkout-db"},"sslMode":"require","pool":{"min":1,"max":11}}`
	want := `{"database":"checkout","host":"db-7.bench.svc","passwordSecretRef":{"key":"password","name":"checkout-db"},"pool":{"idleTimeoutSeconds":300,"max":11,"min":1},"port":5007,"sslMode":"require","timeouts":{"connectMs":5000,"statementMs":30000},"user":"checkout"}`
	value, problems := validateDatabase([]byte(input))
	if problems != nil {
		t.Fatalf("refused: %v", problems)
	}
	if got := shape.Canonical(value); got != want {
		t.Fatalf("canonical\n got %s\nwant %s", got, want)
	}
}

func TestDatabaseRefusesWhatCairnRefuses(t *testing.T) {
	for name, input := range map[string]string{
		"unknown field":     `{"host":"h","database":"d","user":"u","extra":1}`,
		"port out of range": `{"host":"h","database":"d","user":"u","port":70000}`,
		"pool min > max":    `{"host":"h","database":"d","user":"u","pool":{"min":20,"max":10}}`,
		"missing host":      `{"database":"d","user":"u"}`,
		"bad sslMode":       `{"host":"h","database":"d","user":"u","sslMode":"maybe"}`,
	} {
		if _, problems := validateDatabase([]byte(input)); problems == nil {
			t.Errorf("%s: accepted %s", name, input)
		}
	}
}
