package dataintegrity

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzTopLevel: on every JSON object encoding/json accepts, topLevel finds
// the members encoding/json finds, in order, each value byte for byte, and
// the closing brace; strings with escaped quotes and backslashes included
// (skipString jumps between quotes instead of reading every byte).
func FuzzTopLevel(f *testing.F) {
	for _, s := range []string{
		`{}`, ` { } `, `{"a":1}`, `{"a":"x\"y","b":[1,{"c":"}"}],"d":null}`,
		`{"a\\":"\\","b":"\\\"","c":"\u0022","\"k\"":{"x":"]"}}`,
		`{"name":"Kōrero \"Tuatahi\" \\ ","n":-1.5e3, "t" : true ,"f":false}`,
		"{\n  \"proof\": {\"type\": \"DataIntegrityProof\"},\n  \"z\": [\"a\\\\\", \"b\"]\n}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var want map[string]json.RawMessage
		// encoding/json turns invalid UTF-8 in a name into U+FFFD;
		// topLevel keeps the bytes (it looks only for "proof").
		if !utf8.Valid(doc) || json.Unmarshal(doc, &want) != nil || want == nil {
			return
		}
		ms, closing, err := topLevel(doc)
		if err != nil {
			t.Fatalf("topLevel: %v on %q", err, doc)
		}
		if c := bytes.LastIndexByte(doc, '}'); closing != c {
			t.Fatalf("closing brace at %d, want %d in %q", closing, c, doc)
		}
		// encoding/json keeps the last of duplicate members.
		got := map[string]json.RawMessage{}
		for _, m := range ms {
			got[m.name] = json.RawMessage(doc[m.valStart:m.valEnd])
		}
		if len(got) != len(want) {
			t.Fatalf("%d members, want %d in %q", len(got), len(want), doc)
		}
		for k, v := range want {
			if !bytes.Equal(got[k], bytes.TrimSpace(v)) {
				t.Fatalf("member %q = %q, want %q in %q", k, got[k], v, doc)
			}
		}
	})
}

// FuzzInsertProof: for every JSON object without a proof member,
// insertProof's unscanned path (noProof) gives the bytes of the scanning
// one, on one line or several (where it must scan, to indent).
func FuzzInsertProof(f *testing.F) {
	for _, s := range []string{
		`{}`, ` {  } `, `{"a":1}`, `{"a":1 , "b" : [1,{"c":"}"}] }` + "\t", `{"a":"x\"y}"}`,
		"{\n  \"a\": 1\n}\n", `{"pro\u006ff2":{"proof":1}}`,
	} {
		f.Add([]byte(s))
	}
	proof := &proofJSON{Type: TypeDataIntegrityProof, Cryptosuite: CryptosuiteEdDSARDFC2022, Created: "2026-12-02T01:02:03Z",
		VerificationMethod: "did:key:z6Mk#z6Mk", ProofPurpose: "assertionMethod", ProofValue: "z3&<>"}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var m map[string]json.RawMessage
		if json.Unmarshal(doc, &m) != nil || m == nil {
			return
		}
		if _, has := m["proof"]; has {
			return
		}
		want, werr := insertProof(doc, proof, false)
		got, gerr := insertProof(doc, proof, true)
		if (werr == nil) != (gerr == nil) || !bytes.Equal(got, want) {
			t.Fatalf("on %q:\n got %q (%v)\nwant %q (%v)", doc, got, gerr, want, werr)
		}
	})
}
