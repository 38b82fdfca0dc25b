package dataintegrity

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestProofConfigCache: a proof configuration comes out of the cache as
// RDFC-1.0 makes it, is kept only when its JSON encoding determines it, and
// two configurations one second apart are two entries.
func TestProofConfigCache(t *testing.T) {
	c := newCanonicalizer(nil)
	ctx := []any{"https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"}
	cfg := func(created string) map[string]any {
		return map[string]any{"@context": ctx, "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
			"created": created, "verificationMethod": "did:key:z6Mk#z6Mk", "proofPurpose": "assertionMethod"}
	}
	for _, created := range []string{"2026-03-01T09:30:00Z", "2026-03-01T09:30:01Z"} {
		want, err := c.document(cfg(created))
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			got, err := c.canonicalProofConfig(cfg(created))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("canonicalProofConfig = %q, %v; want %q", got, err, want)
			}
		}
		key, _ := json.Marshal(cfg(created))
		if _, ok := proofCanons.get(string(key)); !ok {
			t.Fatalf("the configuration created %s was not kept", created)
		}
	}

	notKept := map[string]map[string]any{
		"a number":                     {"@context": ctx, "type": "DataIntegrityProof", "nonce": json.Number("1")},
		"a float":                      {"@context": ctx, "type": "DataIntegrityProof", "nonce": 1.0},
		"invalid UTF-8":                {"@context": ctx, "type": "DataIntegrityProof", "nonce": "a\xffb"},
		"invalid UTF-8 name":           {"@context": ctx, "type": "DataIntegrityProof", "n\xffnce": "x"},
		"a typed Go value":             {"@context": ctx, "type": []string{"DataIntegrityProof"}},
		"nested inline context number": {"@context": []any{ctx[0], map[string]any{"@version": json.Number("1.1")}}, "type": "DataIntegrityProof"},
	}
	for name, m := range notKept {
		if exactlyEncoded(m) {
			t.Errorf("%s: exactlyEncoded = true", name)
		}
	}
	if !exactlyEncoded(map[string]any{"a": []any{true, nil, "x", map[string]any{"b": false}}}) {
		t.Error("strings, booleans, null, arrays and objects: exactlyEncoded = false")
	}
	m := notKept["a number"]
	want, wantErr := c.document(m)
	got, err := c.canonicalProofConfig(m)
	if !bytes.Equal(got, want) || (err == nil) != (wantErr == nil) {
		t.Fatalf("uncached configuration: %q, %v; want %q, %v", got, err, want, wantErr)
	}
	key, _ := json.Marshal(m)
	if _, ok := proofCanons.get(string(key)); ok {
		t.Fatal("a configuration with a number was kept")
	}
}
