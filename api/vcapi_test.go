package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/tohu-nz/tohu/credential/dataintegrity"
	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/verifier"
)

// signedFixtures signs testdata/credential-unsigned.json (a te reo Māori
// micro-credential) with a fresh did:key, as Data Integrity and as a JWT.
func signedFixtures(t *testing.T) (di []byte, jwt string) {
	t.Helper()
	unsigned, err := os.ReadFile("testdata/credential-unsigned.json")
	if err != nil {
		t.Fatal(err)
	}
	priv, err := keys.Generate(keys.KindEd25519)
	if err != nil {
		t.Fatal(err)
	}
	did, vm, err := keys.DIDKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	doc := bytes.ReplaceAll(unsigned, []byte("did:key:ISSUER"), []byte(did))
	ctx := context.Background()
	di, err = dataintegrity.Sign(ctx, doc, priv, dataintegrity.SignOptions{VerificationMethod: vm, Created: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	jwt, err = jose.Sign(ctx, doc, priv, jose.SignOptions{KeyID: vm})
	if err != nil {
		t.Fatal(err)
	}
	return di, jwt
}

func verifyApp(t *testing.T) *fiber.App {
	app, _ := newTestApp(t, Deps{
		Verifier: verifier.New(),
		Presentations: func(ch, dom string) Verifier {
			return verifier.New(verifier.WithChallenge(ch), verifier.WithDomain(dom))
		},
	})
	return app
}

func TestVerifyCredential(t *testing.T) {
	di, jwt := signedFixtures(t)
	tampered := bytes.Replace(di, []byte(`"creditsEarned": 15`), []byte(`"creditsEarned": 40`), 1)
	if bytes.Equal(tampered, di) {
		t.Fatal("tampering did not change the credential")
	}
	jwtJSON, _ := json.Marshal(jwt)
	tests := map[string]struct {
		body       string
		wantStatus int
		wantResult verifier.Result
	}{
		"ok/data integrity":                {`{"verifiableCredential":` + string(di) + `}`, 200, verifier.Verified},
		"ok/jwt string":                    {`{"verifiableCredential":` + string(jwtJSON) + `}`, 200, verifier.Verified},
		"ok/unknown options ignored":       {`{"verifiableCredential":` + string(di) + `,"options":{"checks":["proof"]}}`, 200, verifier.Verified},
		"error/tampered":                   {`{"verifiableCredential":` + string(tampered) + `}`, 400, verifier.NotVerified},
		"error/unsigned":                   {`{"verifiableCredential":{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"did:example:1","credentialSubject":{"id":"did:example:2"}}}`, 400, verifier.NotVerified},
		"error/garbage jwt":                {`{"verifiableCredential":"eyJhbGciOiJub25lIn0.e30."}`, 400, verifier.NotVerified},
		"error/missing credential":         {`{"options":{}}`, 400, ""},
		"error/credential is a number":     {`{"verifiableCredential":5}`, 400, ""},
		"error/unknown top-level member":   {`{"verifiableCredential":{},"credential":{}}`, 400, ""},
		"error/not json":                   {`verifiableCredential=x`, 400, ""},
		"error/options not an object":      {`{"verifiableCredential":` + string(di) + `,"options":"x"}`, 400, ""},
		"error/presentation to credential": {`{"verifiableCredential":{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"]}}`, 400, ""},
	}
	app := verifyApp(t)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/credentials/verify", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			resp, body := do(t, app, req)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tc.wantStatus, body)
			}
			if tc.wantResult == "" {
				if resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Fatalf("want a problem, got %s", body)
				}
				return
			}
			var got struct {
				Verified bool                    `json:"verified"`
				Checks   []string                `json:"checks"`
				Warnings []any                   `json:"warnings"`
				Errors   []struct{ Code string } `json:"errors"`
				Result   verifier.Result         `json:"result"`
				Report   *verifier.Report        `json:"report"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if got.Result != tc.wantResult || got.Verified != (tc.wantResult == verifier.Verified) ||
				got.Checks == nil || got.Warnings == nil || got.Errors == nil || got.Report == nil {
				t.Fatalf("response = %s", body)
			}
			if got.Verified && (len(got.Errors) != 0 || !contains(got.Checks, verifier.CheckProof)) {
				t.Fatalf("verified with errors or without a proof check: %s", body)
			}
			if !got.Verified && len(got.Errors) == 0 {
				t.Fatalf("not verified but no errors listed: %s", body)
			}
		})
	}
}

func TestVerifyPresentation(t *testing.T) {
	di, _ := signedFixtures(t)
	vp := `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiablePresentation"],"verifiableCredential":[` + string(di) + `]}`
	tests := map[string]struct {
		body       string
		wantStatus int
	}{
		"ok/unsigned presentation without challenge":   {`{"verifiablePresentation":` + vp + `}`, 200},
		"error/challenge asked, presentation unsigned": {`{"verifiablePresentation":` + vp + `,"options":{"challenge":"n-0S6_WzA2Mj","domain":"tohu.test"}}`, 400},
		"error/credential to presentations":            {`{"verifiablePresentation":` + string(di) + `}`, 400},
		"error/missing presentation":                   {`{}`, 400},
	}
	app := verifyApp(t)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/presentations/verify", strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			resp, body := do(t, app, req)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tc.wantStatus, body)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
