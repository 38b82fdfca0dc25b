package credential_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/errs"
)

func TestEmbeddedSchemaHashes(t *testing.T) {
	want := map[string]string{ // shared/spec/MANIFEST.md
		"schema/achievementcredential.json": "5753fb3ecf7d024ed273dd364bd683f483eb47257e718e6618832cf89eb2083a",
		"schema/endorsementcredential.json": "4627e1878848d0192c3f9e26f09ef88a96ad48a46f5fca11b80b679ece0de345",
		"schema/profile.json":               "9b05049f720b8ad9bd7aed358ca59c643c34bf1cec0b29fd7baa8bf98efed164",
	}
	for file, sum := range want {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		got := sha256.Sum256(b)
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s: sha256 %x, want %s", file, got, sum)
		}
	}
}

func TestValidateSchema(t *testing.T) {
	tests := map[string]struct {
		file      string
		wantField string // "" with wantOK
		wantOK    bool
		alsoHas   []string // other pointers the full list must contain
	}{
		"ok/impl guide unsigned": {file: "ob30-impl-guide-credential-unsigned.json", wantOK: true},
		"ok/impl guide signed":   {file: "ob30-impl-guide-credential-signed.json", wantOK: true},
		"ok/validator complete":  {file: "validator-complete.json", wantOK: true},
		// The peer benchmark's sample uses targetType "ceterms:Competency",
		// which the OB 3.0 enum lacks (it has ceasn:Competency).
		"error/jsbench sample targetType": {file: "jsbench-sample-credential.json", wantField: "/credentialSubject/achievement/alignment/0/targetType"},
		"ok/simple":                       {file: "validator/simple.json", wantOK: true},
		"ok/multiple proofs":              {file: "validator/simple-multiple-proofs.json", wantOK: true},
		"ok/endorsement":                  {file: "validator/endorsement-valid.json", wantOK: true},
		"error/status fixture is VC 1.1":  {file: "validator/credential-status-revoked.json", wantField: "/validFrom", alsoHas: []string{"/@context/0"}},
		"ok/single proof object":          {file: "validator/simple-err-proof-value.json", wantOK: true}, // a proof error, not a schema one
		"error/context":                   {file: "validator/simple-err-context.json", wantField: "/@context", alsoHas: []string{"/@context/0", "/validFrom"}},
		"error/subject type":              {file: "validator/simple-err-credential-subject-type.json", wantField: "/credentialSubject/type"},
		"error/evidence type":             {file: "validator/simple-err-evidence-type.json", wantField: "/evidence/1/type"},
		"error/no issuer":                 {file: "validator/simple-err-issuer.json", wantField: "/issuer", alsoHas: []string{"/credentialSubject/achievement"}},
		"error/credential type":           {file: "validator/simple-err-type.json", wantField: "/type"},
		"error/endorsement 1.1":           {file: "validator/endorsement-err-schema-status-refresh.json", wantField: "/validFrom", alsoHas: []string{"/@context/0"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			err := credential.ValidateSchema(readFile(t, tc.file))
			if tc.wantOK {
				if err != nil {
					t.Fatalf("ValidateSchema: %v", err)
				}
				return
			}
			if got := errs.ErrorCode(err); got != errs.Invalid {
				t.Fatalf("code = %q (%v), want invalid", got, err)
			}
			if got := errs.ErrorField(err); got != tc.wantField {
				t.Errorf("field = %q, want %q (%v)", got, tc.wantField, err)
			}
			var se *credential.SchemaError
			if !errors.As(err, &se) {
				t.Fatalf("no *SchemaError in %v", err)
			}
			var ptrs []string
			for _, v := range se.Violations {
				if v.Message == "" {
					t.Errorf("violation at %q has no message", v.Pointer)
				}
				ptrs = append(ptrs, v.Pointer)
			}
			for _, p := range append([]string{tc.wantField}, tc.alsoHas...) {
				if !slices.Contains(ptrs, p) {
					t.Errorf("violations %v lack %q", ptrs, p)
				}
			}
		})
	}
}

func TestValidateAgainst(t *testing.T) {
	v, err := credential.NewSchemaValidator()
	if err != nil {
		t.Fatal(err)
	}
	doc := readFile(t, "validator/simple.json")
	tests := map[string]struct {
		url      string
		wantCode errs.Code
	}{
		"ok/credentialSchema url": {credential.AchievementCredentialSchemaURL, ""},
		"ok/schema $id":           {credential.AchievementCredentialSchemaID, ""},
		"error/profile schema":    {credential.ProfileSchemaURL, errs.Invalid},
		"error/unknown schema":    {"https://example.org/schema.json", errs.Unsupported},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := errs.ErrorCode(v.ValidateAgainst(tc.url, doc)); got != tc.wantCode {
				t.Errorf("code = %q, want %q", got, tc.wantCode)
			}
		})
	}
}

func TestValidateSchemaNotJSON(t *testing.T) {
	if got := errs.ErrorCode(credential.ValidateSchema([]byte("{"))); got != errs.Invalid {
		t.Errorf("code = %q, want invalid", got)
	}
}

func TestValidateSchemaConcurrent(t *testing.T) {
	good, bad := readFile(t, "validator/simple.json"), readFile(t, "validator/simple-err-type.json")
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			doc, wantErr := good, false
			if i%2 == 1 {
				doc, wantErr = bad, true
			}
			if err := credential.ValidateSchema(doc); (err != nil) != wantErr {
				t.Errorf("goroutine %d: err = %v", i, err)
			}
		})
	}
	wg.Wait()
}
