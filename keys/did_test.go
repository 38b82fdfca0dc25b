package keys_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/contexts"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/keys"
)

func TestDIDWeb(t *testing.T) {
	tests := map[string]struct {
		in, want string
		code     errs.Code
	}{
		"ok/host only":           {"https://tohu.example", "did:web:tohu.example", ""},
		"ok/issuer path":         {"https://tohu.example/issuers/wintec", "did:web:tohu.example:issuers:wintec", ""},
		"ok/port encoded":        {"https://tohu.example:8443/issuers/x", "did:web:tohu.example%3A8443:issuers:x", ""},
		"ok/trailing slash":      {"https://Tohu.Example/issuers/x/", "did:web:tohu.example:issuers:x", ""},
		"ok/localhost over http": {"http://localhost:8080/issuers/x", "did:web:localhost%3A8080:issuers:x", ""},
		"ok/127.0.0.1 over http": {"http://127.0.0.1:8080", "did:web:127.0.0.1%3A8080", ""},
		"error/http public host": {"http://tohu.example/issuers/x", "", errs.Invalid},
		"error/other scheme":     {"ftp://tohu.example/x", "", errs.Invalid},
		"error/query":            {"https://tohu.example/x?a=1", "", errs.Invalid},
		"error/fragment":         {"https://tohu.example/x#k", "", errs.Invalid},
		"error/user":             {"https://u@tohu.example/x", "", errs.Invalid},
		"error/ipv6 literal":     {"https://[::1]/x", "", errs.Invalid},
		"error/colon in path":    {"https://tohu.example/a:b", "", errs.Invalid},
		"error/encoded slash":    {"https://tohu.example/a%2Fb", "", errs.Invalid},
		"error/dot dot":          {"https://tohu.example/a/../b", "", errs.Invalid},
		"error/no host":          {"https:///x", "", errs.Invalid},
		"error/underscore host":  {"https://to_hu.example/x", "", errs.Invalid},
		"error/not a url":        {"::", "", errs.Invalid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := keys.DIDWeb(tc.in)
			if tc.code != "" {
				if errs.ErrorCode(err) != tc.code {
					t.Fatalf("DIDWeb(%q) = %q, %v; want %s", tc.in, got, err, tc.code)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("DIDWeb(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// did:web Method Specification §3.3 examples and NOTES §8.
func TestDIDWebURL(t *testing.T) {
	tests := map[string]struct {
		in, want string
	}{
		"ok/well-known":          {"did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"},
		"ok/path":                {"did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"},
		"ok/port":                {"did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"},
		"ok/issuer":              {"did:web:example.org:issuers:42", "https://example.org/issuers/42/did.json"},
		"ok/lower-case escape":   {"did:web:localhost%3a8443:issuers:x", "https://localhost:8443/issuers/x/did.json"},
		"error/not did:web":      {"did:key:z6Mk", ""},
		"error/empty id":         {"did:web:", ""},
		"error/fragment":         {"did:web:example.org#k", ""},
		"error/query":            {"did:web:example.org?service=x", ""},
		"error/slash":            {"did:web:example.org/x", ""},
		"error/empty segment":    {"did:web:example.org::x", ""},
		"error/dot dot":          {"did:web:example.org:..:x", ""},
		"error/encoded dot dot":  {"did:web:example.org:%2E%2E:x", ""},
		"error/encoded slash":    {"did:web:example.org:a%2Fb", ""},
		"error/userinfo in host": {"did:web:user%40example.org", ""},
		"error/port not digits":  {"did:web:example.org%3Ahttp", ""},
		"error/host with slash":  {"did:web:example.org%2Fevil", ""},
		"error/bad escape":       {"did:web:example.org:%zz", ""},
		"error/space":            {"did:web:example.org:a b", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := keys.DIDWebURL(tc.in)
			if tc.want == "" {
				if errs.ErrorCode(err) != errs.Invalid {
					t.Fatalf("DIDWebURL(%q) = %q, %v; want Invalid", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("DIDWebURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// A did:web made from a base URL must map back to that base's did.json.
func TestDIDWebRoundTrip(t *testing.T) {
	for _, base := range []string{"https://tohu.example", "https://tohu.example:8443/issuers/te-pukenga", "https://a.b.c/issuers/x_1~y"} {
		did, err := keys.DIDWeb(base)
		if err != nil {
			t.Fatal(err)
		}
		u, err := keys.DIDWebURL(did)
		if err != nil {
			t.Fatal(err)
		}
		want := base + "/did.json"
		if !strings.Contains(base[len("https://"):], "/") {
			want = base + "/.well-known/did.json"
		}
		if u != want {
			t.Fatalf("%s → %s → %s, want %s", base, did, u, want)
		}
	}
}

func TestDIDDocument(t *testing.T) {
	ed, _ := keys.Generate("")
	old, _ := keys.Generate("")
	p256, _ := keys.Generate("p256")
	rsaKey, _ := keys.Generate("rsa")
	did := "did:web:tohu.example:issuers:wintec"
	doc, err := keys.DIDDocument(did, []keys.VerificationMethod{
		{ID: "#key-2", PublicKey: ed.Public()},
		{ID: did + "#key-1", PublicKey: old.Public(), Retired: true},
		{ID: "#es256", PublicKey: p256.Public()},
		{ID: "#rs256", PublicKey: rsaKey.Public()},
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(doc)
	var got struct {
		Context            []string `json:"@context"`
		ID                 string
		VerificationMethod []struct {
			ID, Type, Controller, PublicKeyMultibase string
			PublicKeyJwk                             map[string]any
		}
		AssertionMethod, Authentication []string
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	wantCtx := []string{contexts.DIDv1, contexts.MultikeyV1, contexts.JWKv1}
	if strings.Join(got.Context, " ") != strings.Join(wantCtx, " ") {
		t.Errorf("@context %v", got.Context)
	}
	if got.ID != did {
		t.Errorf("id %q", got.ID)
	}
	wantTypes := []string{"Multikey", "Multikey", "JsonWebKey", "JsonWebKey"}
	for i, vm := range got.VerificationMethod {
		if vm.Type != wantTypes[i] || vm.Controller != did || !strings.HasPrefix(vm.ID, did+"#") {
			t.Errorf("method %d: %+v", i, vm)
		}
		if vm.PublicKeyJwk != nil {
			if _, ok := vm.PublicKeyJwk["d"]; ok {
				t.Errorf("method %d publishes a private key", i)
			}
		}
	}
	if len(got.AssertionMethod) != 4 || len(got.Authentication) != 3 {
		t.Errorf("assertionMethod %v authentication %v", got.AssertionMethod, got.Authentication)
	}
	for _, a := range got.Authentication {
		if a == did+"#key-1" {
			t.Errorf("retired key listed for authentication")
		}
	}

	// Ed25519-only documents need no JWK context.
	doc, _ = keys.DIDDocument(did, []keys.VerificationMethod{{ID: "#k", PublicKey: ed.Public()}})
	if ctx := doc["@context"].([]any); len(ctx) != 2 {
		t.Errorf("@context %v", ctx)
	}
}

func TestDIDDocumentErrors(t *testing.T) {
	ed, _ := keys.Generate("")
	rsaKey, _ := keys.Generate("rsa")
	did := "did:web:tohu.example"
	tests := map[string]struct {
		did     string
		methods []keys.VerificationMethod
		want    errs.Code
	}{
		"error/not a did":           {"https://tohu.example", []keys.VerificationMethod{{ID: "#k", PublicKey: ed.Public()}}, errs.Invalid},
		"error/did url":             {did + "#k", nil, errs.Invalid},
		"error/method of other did": {did, []keys.VerificationMethod{{ID: "did:web:evil.example#k", PublicKey: ed.Public()}}, errs.Invalid},
		"error/no fragment":         {did, []keys.VerificationMethod{{ID: did, PublicKey: ed.Public()}}, errs.Invalid},
		"error/duplicate id":        {did, []keys.VerificationMethod{{ID: "#k", PublicKey: ed.Public()}, {ID: did + "#k", PublicKey: ed.Public()}}, errs.Invalid},
		"error/no key":              {did, []keys.VerificationMethod{{ID: "#k"}}, errs.Invalid},
		"error/rsa as multikey":     {did, []keys.VerificationMethod{{ID: "#k", Type: keys.TypeMultikey, PublicKey: rsaKey.Public()}}, errs.Unsupported},
		"error/unknown type":        {did, []keys.VerificationMethod{{ID: "#k", Type: "Ed25519VerificationKey2018", PublicKey: ed.Public()}}, errs.Unsupported},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := keys.DIDDocument(tc.did, tc.methods); errs.ErrorCode(err) != tc.want {
				t.Fatalf("err = %v, want %s", err, tc.want)
			}
		})
	}
}
