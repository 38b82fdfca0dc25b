package keys_test

import (
	"crypto"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/keys"
)

func TestKeyFileRoundTrip(t *testing.T) {
	tests := map[string]struct {
		kind      string
		didWebURL string
		wantDID   string // prefix
		wantMB    bool
	}{
		"ok/ed25519 did:key":    {"ed25519", "", "did:key:z6Mk", true},
		"ok/p256 did:key":       {"p256", "", "did:key:zDn", true},
		"ok/p384 did:key":       {"p384", "", "did:key:z82", true},
		"ok/ed25519 did:web":    {"ed25519", "https://tohu.example/issuers/wintec", "did:web:tohu.example:issuers:wintec", true},
		"ok/rsa did:web port":   {"rsa", "https://tohu.example:8443/issuers/ara", "did:web:tohu.example%3A8443:issuers:ara", false},
		"ok/p256 did:web local": {"p256", "http://127.0.0.1:8080/issuers/x", "did:web:127.0.0.1%3A8080:issuers:x", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			priv, err := keys.Generate(tc.kind)
			if err != nil {
				t.Fatal(err)
			}
			kf, err := keys.NewKeyFile(priv, tc.didWebURL)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(kf.DID, tc.wantDID) || kf.Controller != kf.DID || !strings.HasPrefix(kf.VerificationMethod, kf.DID+"#") {
				t.Fatalf("did %q controller %q vm %q", kf.DID, kf.Controller, kf.VerificationMethod)
			}
			if (kf.PublicKeyMultibase != "") != tc.wantMB {
				t.Fatalf("publicKeyMultibase = %q", kf.PublicKeyMultibase)
			}
			path := filepath.Join(t.TempDir(), "issuer.key.json")
			if err := kf.Save(path); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Fatalf("mode %v, want 0600", st.Mode().Perm())
			}
			if err := kf.Save(path); errs.ErrorCode(err) != errs.Conflict {
				t.Fatalf("second Save: %v, want Conflict", err)
			}
			got, err := keys.LoadKeyFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got.DID != kf.DID || got.VerificationMethod != kf.VerificationMethod || got.Type != kf.Type {
				t.Fatalf("loaded %+v, saved %+v", got, kf)
			}
			s, err := got.Signer()
			if err != nil {
				t.Fatal(err)
			}
			if s.KeyID() != kf.VerificationMethod || !s.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(priv.Public()) {
				t.Fatalf("signer kid %q or key differs", s.KeyID())
			}
			doc, err := got.DIDDocument()
			if err != nil {
				t.Fatal(err)
			}
			if doc["id"] != kf.DID {
				t.Fatalf("document id %v", doc["id"])
			}
			if am := doc["assertionMethod"].([]any); len(am) != 1 || am[0] != kf.VerificationMethod {
				t.Fatalf("assertionMethod %v", am)
			}
		})
	}
}

func TestNewKeyFileErrors(t *testing.T) {
	rsaKey, _ := keys.Generate("rsa")
	ed, _ := keys.Generate("")
	tests := map[string]struct {
		priv crypto.Signer
		url  string
		want errs.Code
	}{
		"error/rsa without did:web": {rsaKey, "", errs.Invalid},
		"error/http public host":    {ed, "http://tohu.example/issuers/x", errs.Invalid},
		"error/bad path":            {ed, "https://tohu.example/issuers/a b", errs.Invalid},
		"error/nil key":             {nil, "", errs.Invalid},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := keys.NewKeyFile(tc.priv, tc.url); errs.ErrorCode(err) != tc.want {
				t.Fatalf("err = %v, want %s", err, tc.want)
			}
		})
	}
}

func TestLoadKeyFileErrors(t *testing.T) {
	a, _ := keys.Generate("")
	b, _ := keys.Generate("")
	kfA, err := keys.NewKeyFile(a, "")
	if err != nil {
		t.Fatal(err)
	}
	kfB, _ := keys.NewKeyFile(b, "")
	web, _ := keys.NewKeyFile(a, "https://tohu.example/issuers/x")
	edit := func(kf *keys.KeyFile, f func(m map[string]any)) string {
		raw, _ := json.Marshal(kf)
		var m map[string]any
		json.Unmarshal(raw, &m)
		f(m)
		out, _ := json.Marshal(m)
		return string(out)
	}
	tests := map[string]struct {
		content   string
		wantField string
	}{
		"error/not json":      {"hello", ""},
		"error/empty":         {"", ""},
		"error/json array":    {"[1]", ""},
		"error/trailing data": {edit(kfA, func(map[string]any) {}) + "{}", ""},
		"error/unknown field": {edit(kfA, func(m map[string]any) { m["pasword"] = "x" }), ""},
		"error/missing did":   {edit(kfA, func(m map[string]any) { delete(m, "did") }), "/did"},
		"error/missing private key": {edit(kfA, func(m map[string]any) { delete(m, "privateKeyJwk") }),
			"/privateKeyJwk"},
		"error/public key only": {edit(kfA, func(m map[string]any) { m["privateKeyJwk"] = m["publicKeyJwk"] }),
			"/privateKeyJwk"},
		"error/public does not match": {edit(kfA, func(m map[string]any) {
			var other map[string]any
			raw, _ := json.Marshal(kfB)
			json.Unmarshal(raw, &other)
			m["publicKeyJwk"] = other["publicKeyJwk"]
		}), "/publicKeyJwk"},
		"error/did of another key": {edit(kfA, func(m map[string]any) { m["did"], m["controller"] = kfB.DID, kfB.DID }), "/did"},
		"error/wrong vm":           {edit(kfA, func(m map[string]any) { m["verificationMethod"] = kfA.DID + "#key-1" }), "/verificationMethod"},
		"error/wrong type":         {edit(kfA, func(m map[string]any) { m["type"] = "p256" }), "/type"},
		"error/multibase mismatch": {edit(kfA, func(m map[string]any) { m["publicKeyMultibase"] = kfB.PublicKeyMultibase }), "/publicKeyMultibase"},
		"error/controller differs": {edit(kfA, func(m map[string]any) { m["controller"] = "did:example:x" }), "/controller"},
		"error/did:web vm elsewhere": {edit(web, func(m map[string]any) { m["verificationMethod"] = "did:web:evil.example#k" }),
			"/verificationMethod"},
		"error/other did method": {edit(web, func(m map[string]any) { m["did"], m["controller"] = "did:ion:x", "did:ion:x" }), "/did"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k.json")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := keys.LoadKeyFile(path)
			if errs.ErrorCode(err) != errs.Invalid {
				t.Fatalf("err = %v, want Invalid", err)
			}
			if errs.ErrorField(err) != tc.wantField {
				t.Errorf("field = %q, want %q", errs.ErrorField(err), tc.wantField)
			}
			msg := errs.ErrorMessage(err)
			if strings.Contains(msg, "\n") || !strings.Contains(msg, path) {
				t.Errorf("message %q must be one line naming the file", msg)
			}
		})
	}
	t.Run("error/missing file", func(t *testing.T) {
		_, err := keys.LoadKeyFile(filepath.Join(t.TempDir(), "nope.json"))
		if errs.ErrorCode(err) != errs.NotFound {
			t.Fatalf("err = %v, want NotFound", err)
		}
	})
}
