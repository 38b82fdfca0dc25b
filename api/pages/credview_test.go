package pages_test

import (
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/tohu-nz/tohu/api/pages"
	"github.com/tohu-nz/tohu/api/pages/internal/sample"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/verifier"
)

func TestNewCredentialView(t *testing.T) {
	v, err := pages.NewCredentialView(sample.CredentialJSON(), sample.Report(verifier.Verified), sample.URLs(), pages.En)
	if err != nil {
		t.Fatal(err)
	}
	mc := sample.MicroCredential()
	checks := map[string]struct{ got, want string }{
		"ok/title":     {v.Title, "Sustainable Horticulture Practice"},
		"ok/mi title":  {v.TitleMi, "Te Ahuwhenua Toitū"},
		"ok/level":     {v.Level, "4"},
		"ok/credits":   {v.Credits, "15"},
		"ok/hours":     {v.Hours, "150"},
		"ok/reference": {v.Reference, "MC4321"},
		"ok/learner":   {v.Learner, "Aroha Ngata-Wilson"},
		"ok/provider":  {v.Provider, "Waitematā Trades Academy"},
		"ok/provider page link wins over website": {v.ProviderURL, "/issuers/waitemata-trades"},
		"ok/issued in NZ time":                    {pages.FormatDate(v.Issued, pages.En), "15 January 2025"},
		"ok/image from urls":                      {v.ImageURL, sample.URLs().Image},
		"ok/credential id":                        {v.ID, "urn:uuid:7f1c2a8e-4b3d-4c55-9e21-0d6f3a9b1c42"},
	}
	for name, c := range checks {
		t.Run(name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %q, want %q", c.got, c.want)
			}
		})
	}
	if !slices.Equal(v.Outcomes, mc.Outcomes) {
		t.Errorf("outcomes = %q, want %q", v.Outcomes, mc.Outcomes)
	}
	if len(v.Paragraphs) != 1 || !strings.HasPrefix(v.Paragraphs[0], "This micro-credential recognises") {
		t.Errorf("paragraphs = %q, want only the aim (the credits sentence is shown as facts)", v.Paragraphs)
	}
	if !v.ValidUntil.IsZero() {
		t.Errorf("valid until = %v, want none", v.ValidUntil)
	}
	li, _ := url.Parse(v.LinkedIn)
	if q := li.Query(); q.Get("name") != v.Title || q.Get("organizationName") != v.Provider || q.Get("certUrl") != sample.URLs().Page || q.Get("certId") != v.ID || q.Get("issueMonth") != "1" {
		t.Errorf("LinkedIn query = %v", q)
	}
	if !strings.Contains(string(v.QR), "<svg") {
		t.Error("no QR code for the page link")
	}
}

func TestNewCredentialViewOutcomesFromNarrative(t *testing.T) {
	// A credential from another issuer: outcomes only in the criteria
	// narrative, the learner's name as a subject member, no te reo title.
	doc := `{"@context":["https://www.w3.org/ns/credentials/v2","https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
	"id":"https://other.example/c/1","type":["VerifiableCredential","OpenBadgeCredential"],"issuer":{"id":"https://other.example","type":["Profile"],"name":"Other Polytechnic"},
	"validFrom":"2024-06-30T12:00:00Z","validUntil":"2026-06-30T12:00:00Z",
	"credentialSubject":{"type":["AchievementSubject"],"name":"Sione Tuilagi","achievement":{"id":"https://other.example/a/1","type":["Achievement"],"name":"First Aid",
	"description":"Basic first aid.","creditsAvailable":2,"criteria":{"narrative":"Learners can:\n\n- Assess a scene for danger\n- Give CPR\n\nAssessed in practice."},
	"alignment":[{"type":["Alignment"],"targetName":"Level 2","targetUrl":"https://example.org","targetFramework":"NZQCF","targetCode":"2"}]}}}`
	v, err := pages.NewCredentialView([]byte(doc), nil, pages.URLs{}, pages.Mi)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v.Outcomes, []string{"Assess a scene for danger", "Give CPR"}) {
		t.Errorf("outcomes = %q", v.Outcomes)
	}
	if v.Learner != "Sione Tuilagi" || v.Level != "2" || v.Credits != "2" || v.Hours != "20" || v.TitleMi != "" || v.ProviderURL != "" {
		t.Errorf("view = learner %q level %q credits %q hours %q mi %q provider url %q", v.Learner, v.Level, v.Credits, v.Hours, v.TitleMi, v.ProviderURL)
	}
	if got := pages.FormatDate(v.ValidUntil, pages.Mi); got != "1 Hōngongoi 2026" {
		t.Errorf("valid until = %q", got)
	}
	if v.Banner.Result != verifier.CouldNotCheck || v.QR != "" {
		t.Errorf("nil report should be could_not_check and no page link no QR; got %q", v.Banner.Result)
	}
}

func TestNewCredentialViewErrors(t *testing.T) {
	tests := map[string]string{
		"error/not json":  "not json",
		"error/an array":  "[1,2]",
		"error/truncated": `{"type":["VerifiableCredential"`,
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := pages.NewCredentialView([]byte(in), nil, pages.URLs{}, pages.En)
			if errs.ErrorCode(err) != errs.Invalid {
				t.Errorf("err = %v, want code invalid", err)
			}
		})
	}
}

func TestNewBanner(t *testing.T) {
	tests := map[string]struct {
		result          verifier.Result
		lang            pages.Lang
		tone, title     string
		descHas         string
		failedCheckName string
	}{
		"ok/verified":           {verifier.Verified, pages.En, "ok", "Verified", "issued by Waitematā Trades Academy", ""},
		"ok/revoked mi":         {verifier.Revoked, pages.Mi, "bad", `Kua whakakorea <span class="gloss" lang="en-NZ">(Revoked)</span>`, "Kua whakakorea tēnei tohu e Waitematā Trades Academy", "Te whakakore me te whakatārewa"},
		"ok/suspended":          {verifier.Suspended, pages.En, "warn", "Suspended", "has suspended", "Revocation and suspension"},
		"ok/expired":            {verifier.Expired, pages.En, "warn", "Expired", "has ended", "End date"},
		"ok/not yet valid":      {verifier.NotYetValid, pages.En, "warn", "Not yet valid", "later date", "Start date"},
		"ok/not verified":       {verifier.NotVerified, pages.En, "bad", "Not verified", "could not confirm", "Digital signature"},
		"ok/could not check mi": {verifier.CouldNotCheck, pages.Mi, "info", `Kāore i taea te tirotiro <span class="gloss" lang="en-NZ">(Could not check)</span>`, "Ehara i te mea he tohu teka", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			b := pages.NewBanner(sample.Report(tc.result), "", tc.lang)
			if b.Tone != tc.tone || string(b.Title) != tc.title {
				t.Errorf("tone %q title %q, want %q %q", b.Tone, b.Title, tc.tone, tc.title)
			}
			if !strings.Contains(b.Desc, tc.descHas) {
				t.Errorf("desc %q lacks %q", b.Desc, tc.descHas)
			}
			if len(b.Checks) != 10 {
				t.Fatalf("checks = %d, want 10", len(b.Checks))
			}
			var failed []string
			for _, c := range b.Checks {
				if c.Status == verifier.Failed {
					failed = append(failed, c.Name)
				}
			}
			if tc.failedCheckName == "" && len(failed) > 0 {
				t.Errorf("failed checks %q, want none", failed)
			}
			if tc.failedCheckName != "" && (len(failed) != 1 || failed[0] != tc.failedCheckName) {
				t.Errorf("failed checks %q, want [%s]", failed, tc.failedCheckName)
			}
		})
	}
}

func TestVerifyErrorKey(t *testing.T) {
	tests := map[string]struct {
		err  error
		want string
	}{
		"ok/unavailable is fetch":   {errs.E(errs.Unavailable, "timeout"), "fetch"},
		"ok/unsupported":            {errs.E(errs.Unsupported, "gif"), "unsupported"},
		"ok/invalid":                {errs.E(errs.Invalid, "bad"), "invalid"},
		"ok/plain error is invalid": {io.ErrUnexpectedEOF, "invalid"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if got := pages.VerifyErrorKey(tc.err); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCheckDetailNotRepeated(t *testing.T) {
	tests := map[string]struct {
		check      verifier.Check
		lang       pages.Lang
		wantDetail bool
	}{
		"ok/bad signature says the sentence again": {verifier.Check{ID: verifier.CheckProof, Status: verifier.Failed, Code: "proof.bad_signature",
			Message: "The signature does not match the credential: it was changed after signing, or signed with another key."}, pages.En, false},
		"ok/status list URL is news": {verifier.Check{ID: verifier.CheckStatus, Status: verifier.CouldNotRun, Code: "status.unreachable",
			Message: "The status list at https://tohu.example.nz/status/1 could not be fetched: timeout."}, pages.En, true},
		"ok/te reo Māori page keeps the English": {verifier.Check{ID: verifier.CheckProof, Status: verifier.Failed, Code: "proof.bad_signature",
			Message: "The signature does not match the credential: it was changed after signing, or signed with another key."}, pages.Mi, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rep := &verifier.Report{Result: verifier.NotVerified, Checks: []verifier.Check{tc.check}}
			b := pages.NewBanner(rep, "Waitematā Trades Academy", tc.lang)
			if len(b.Checks) != 1 {
				t.Fatalf("checks %+v", b.Checks)
			}
			if got := b.Checks[0].Detail != ""; got != tc.wantDetail {
				t.Errorf("detail %q (sentence %q), want shown %v", b.Checks[0].Detail, b.Checks[0].Sentence, tc.wantDetail)
			}
		})
	}
}
