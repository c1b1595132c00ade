package shape

import "testing"

// The expected strings are Cairn's own output (src/domain/stored-meta.ts serializeStoredMeta and
// canonical.ts sha256, run in Node), not this package's: the meta value must be byte-identical.
func TestMetaJSONIsCairnsCanonicalRecord(t *testing.T) {
	got := StoredMeta{Schema: "database@v1", UID: "u-1", Namespace: "ns", Name: "n", Generation: 2, DataHash: "sha256:ab", CommittedAt: "2026-11-29T12:00:00Z", Fence: "41"}.JSON()
	want := `{"committedAt":"2026-11-29T12:00:00Z","dataHash":"sha256:ab","fence":"41","generation":2,"name":"n","namespace":"ns","schema":"database@v1","uid":"u-1"}`
	if got != want {
		t.Fatalf("meta JSON\n got %s\nwant %s", got, want)
	}
}

func TestHashIsCairnsDataHash(t *testing.T) {
	canonical := `{"database":"checkout","host":"db-7.bench.svc","passwordSecretRef":{"key":"password","name":"checkout-db"},"pool":{"idleTimeoutSeconds":300,"max":11,"min":1},"port":5007,"sslMode":"require","timeouts":{"connectMs":5000,"statementMs":30000},"user":"checkout"}`
	if got, want := Hash(canonical), "sha256:b2661e3f17870dfa4dc7cd2ebc0c3bca155fef11dd1a25940c6c541db1316155"; got != want {
		t.Fatalf("hash %s, want %s", got, want)
	}
}

func TestCanonicalDoesNotEscapeHTML(t *testing.T) {
	if got, want := Canonical(map[string]string{"b": "<&>", "a": "x"}), `{"a":"x","b":"<&>"}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
