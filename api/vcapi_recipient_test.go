package api

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/verifier"
)

// TestVerifyCredentialRecipient: options.recipient adds the OB 3.0
// recipient check (step 5) to POST /credentials/verify.
func TestVerifyCredentialRecipient(t *testing.T) {
	di, _ := signedFixtures(t)
	tests := map[string]struct {
		options    string
		wantStatus int
		wantCode   string // of the recipient check; "" for none
	}{
		"ok/subject id":          {`{"recipient":"did:example:ākonga-42"}`, 200, "recipient.ok"},
		"ok/no recipient":        {`{}`, 200, ""},
		"error/another learner":  {`{"recipient":"someone@example.ac.nz"}`, 400, "recipient.mismatch"},
		"error/recipient number": {`{"recipient":5}`, 400, "problem"},
	}
	app := verifyApp(t)
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			body := `{"verifiableCredential":` + string(di) + `,"options":` + tc.options + `}`
			req := httptest.NewRequest("POST", "/credentials/verify", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, out := do(t, app, req)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tc.wantStatus, out)
			}
			if tc.wantCode == "problem" {
				if resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Fatalf("want a problem, got %s", out)
				}
				return
			}
			var got struct {
				Report *verifier.Report `json:"report"`
			}
			if err := json.Unmarshal(out, &got); err != nil || got.Report == nil {
				t.Fatalf("response %s: %v", out, err)
			}
			c, ok := got.Report.Check(verifier.CheckRecipient)
			if tc.wantCode == "" {
				if ok {
					t.Fatalf("unexpected recipient check %+v", c)
				}
				return
			}
			if c.Code != tc.wantCode {
				t.Fatalf("recipient check %+v, want code %s", c, tc.wantCode)
			}
		})
	}
}
