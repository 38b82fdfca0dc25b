package credential_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/errs"
)

// decode decodes JSON with UseNumber so numbers compare by their literal.
func decode(t testing.TB, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return v
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRoundTrip: unmarshal → marshal of real credentials gives back a
// JSON-equal document, so nothing a signature covers is lost or reshaped.
func TestRoundTrip(t *testing.T) {
	files := []string{
		"ob30-impl-guide-credential-unsigned.json",
		"ob30-impl-guide-credential-signed.json",
		"validator-complete.json",
		"jsbench-sample-credential.json",
		"validator/simple.json",
		"validator/simple-err-credential-subject-type.json", // proof as a single object
		"validator/simple-err-evidence-type.json",           // evidence type as a string
		"validator/simple-err-issuer.json",                  // no issuer at all
		"validator/simple-multiple-proofs.json",
		"validator/endorsement-valid.json",
		"validator/endorsement-err-schema-status-refresh.json",
		"validator/credential-status-revoked.json",
		"validator/simple-context-alias.json",
	}
	for _, name := range files {
		t.Run("ok/"+name, func(t *testing.T) {
			in := readFile(t, name)
			c, err := credential.Parse(in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			out, err := credential.Marshal(c)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if got, want := decode(t, out), decode(t, in); !reflect.DeepEqual(got, want) {
				t.Errorf("round trip changed the document:\n got %s\nwant %s", out, in)
			}
		})
	}
}

func TestRoundTripKeepsForms(t *testing.T) {
	in := []byte(`{"@context":["https://www.w3.org/ns/credentials/v2",{"ex":"https://example.org/#"}],` +
		`"type":"VerifiableCredential","issuer":"https://example.org/issuer",` +
		`"credentialSchema":{"id":"https://example.org/s","type":"JsonSchema"},` +
		`"credentialSubject":{"type":"AchievementSubject","creditsEarned":7.50,"ex:x":{"a":[1,2.0]}},` +
		`"ex:unknown":true,"validFrom":"2024-01-01T00:00:00.000+13:00"}`)
	c, err := credential.Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Issuer.RefOnly || c.Issuer.ID != "https://example.org/issuer" {
		t.Errorf("issuer = %+v, want a bare reference", c.Issuer)
	}
	if got := c.ContextURLs(); len(got) != 1 || got[0] != "https://www.w3.org/ns/credentials/v2" {
		t.Errorf("ContextURLs = %v", got)
	}
	if !c.Type.Has("VerifiableCredential") || !c.Type.Single {
		t.Errorf("type = %+v", c.Type)
	}
	if c.CredentialSubject.CreditsEarned.String() != "7.50" {
		t.Errorf("creditsEarned = %q, want the literal 7.50", c.CredentialSubject.CreditsEarned)
	}
	out, err := credential.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := decode(t, out), decode(t, in); !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %s\nwant %s", out, in)
	}
	if !bytes.Contains(out, []byte(`"creditsEarned":7.50`)) || !bytes.Contains(out, []byte(`"2024-01-01T00:00:00.000+13:00"`)) {
		t.Errorf("number or date re-serialised: %s", out)
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]struct {
		in        string
		wantField string
	}{
		"error/not json":              {`{"id":`, ""},
		"error/subject is an array":   {`{"credentialSubject":[{"id":"x"}]}`, "/credentialSubject"},
		"error/achievement name type": {`{"credentialSubject":{"achievement":{"name":5}}}`, "/credentialSubject/achievement/name"},
		"error/credits as text":       {`{"credentialSubject":{"creditsEarned":"many"}}`, "/credentialSubject/creditsEarned"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := credential.Parse([]byte(tc.in))
			if got := errs.ErrorCode(err); got != errs.Invalid {
				t.Fatalf("code = %q (%v), want invalid", got, err)
			}
			if got := errs.ErrorField(err); got != tc.wantField {
				t.Errorf("field = %q, want %q (%v)", got, tc.wantField, err)
			}
		})
	}
}

// TestParseCaseSensitive: encoding/json matches member names without regard
// to case, JSON-LD does not; a look-alike member must not shadow the real one.
func TestParseCaseSensitive(t *testing.T) {
	in := []byte(`{"name":"Real","Name":"Shadow","credentialSubject":{"ID":"did:example:x"}}`)
	c, err := credential.Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Real" || c.CredentialSubject.ID != "" {
		t.Errorf("name = %q, subject id = %q", c.Name, c.CredentialSubject.ID)
	}
	if string(c.Extra["Name"]) != `"Shadow"` || string(c.CredentialSubject.Extra["ID"]) != `"did:example:x"` {
		t.Errorf("extra = %v / %v", c.Extra, c.CredentialSubject.Extra)
	}
	out, err := credential.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(decode(t, out), decode(t, in)) {
		t.Errorf("round trip: %s", out)
	}
}

func TestAddOBExtensionsContext(t *testing.T) {
	v2, ob := "https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
	ext := "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
	schema := []any{map[string]any{"id": "https://example.org/s.json", "type": "1EdTechJsonSchemaValidator2019"}}
	tests := map[string]struct {
		doc     map[string]any
		added   bool
		wantCtx []any // nil: @context absent, left so
	}{
		"ok/schema validator type":  {doc: map[string]any{"@context": []any{v2, ob}, "credentialSchema": schema}, added: true, wantCtx: []any{v2, ob, ext}},
		"ok/revocation list status": {doc: map[string]any{"@context": []any{v2, ob}, "credentialStatus": map[string]any{"id": "https://x.example/1", "type": "1EdTechRevocationList"}}, added: true, wantCtx: []any{v2, ob, ext}},
		"ok/refresh in a type list": {doc: map[string]any{"@context": []any{v2, ob}, "refreshService": map[string]any{"id": "https://x.example/r", "type": []any{"1EdTechCredentialRefresh"}}}, added: true, wantCtx: []any{v2, ob, ext}},
		"ok/string context":         {doc: map[string]any{"@context": v2, "credentialSchema": schema}, added: true, wantCtx: []any{v2, ext}},
		"ok/already listed":         {doc: map[string]any{"@context": []any{v2, ob, ext}, "credentialSchema": schema}, wantCtx: []any{v2, ob, ext}},
		"ok/not used":               {doc: map[string]any{"@context": []any{v2, ob}, "credentialStatus": map[string]any{"type": "BitstringStatusListEntry"}}, wantCtx: []any{v2, ob}},
		"ok/type elsewhere ignored": {doc: map[string]any{"@context": []any{v2, ob}, "evidence": []any{map[string]any{"type": "1EdTechRevocationList"}}}, wantCtx: []any{v2, ob}},
		"ok/no context left alone":  {doc: map[string]any{"credentialSchema": schema}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := credential.AddOBExtensionsContext(tc.doc); got != tc.added {
				t.Fatalf("added = %v, want %v", got, tc.added)
			}
			if got := tc.doc["@context"]; tc.wantCtx != nil && !reflect.DeepEqual(got, tc.wantCtx) {
				t.Fatalf("@context = %v, want %v", got, tc.wantCtx)
			}
		})
	}
}
