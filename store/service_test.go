package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/dataintegrity"
	"github.com/tohu-nz/tohu/credential/statuslist"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/keys"
	"github.com/tohu-nz/tohu/store"
)

const baseURL = "https://tohu.example.nz"

// now is the fixed test clock: the achievement below is listed before it
// and due for review after it.
var now = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

// env is one service on one real database.
type env struct {
	db     *store.DB
	svc    *issuer.Service
	master *keys.MasterKey
	dsn    string
	dir    string
	op     issuer.Actor
}

func newEnv(t *testing.T, db *store.DB, dsn, dir string) *env {
	t.Helper()
	mk, err := keys.NewMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, master: mk, dsn: dsn, dir: dir, op: issuer.OperatorActor("req-op")}
	e.svc = e.service(t, db, mk)
	return e
}

func (e *env) service(t *testing.T, db *store.DB, mk *keys.MasterKey) *issuer.Service {
	t.Helper()
	svc, err := issuer.New(db, issuer.Config{BaseURL: baseURL, MasterKey: mk, Clock: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// provider is a provider with an admin, an assessor and an approver key.
type provider struct {
	p                         *issuer.Provider
	admin, assessor, approver issuer.Actor
	tokens                    map[string]string
}

func (e *env) provider(t *testing.T, slug string, twoPerson bool) provider {
	t.Helper()
	ctx := context.Background()
	pc, err := e.svc.CreateProvider(ctx, e.op, issuer.NewProvider{Slug: slug, Name: "Te Kura " + slug, URL: "https://" + slug + ".example.nz",
		NZQAProviderNumber: "8123", RequireTwoPersonApproval: twoPerson})
	if err != nil {
		t.Fatalf("CreateProvider: %v", err)
	}
	out := provider{p: pc.Provider, tokens: map[string]string{"admin": pc.Token}}
	if out.admin, err = e.svc.Authenticate(ctx, pc.Token); err != nil {
		t.Fatalf("Authenticate admin: %v", err)
	}
	for _, r := range []issuer.Role{issuer.RoleAssessor, issuer.RoleApprover} {
		_, tok, err := e.svc.CreateAPIKey(ctx, out.admin, out.p.ID, string(r), []issuer.Role{r})
		if err != nil {
			t.Fatalf("CreateAPIKey: %v", err)
		}
		a, err := e.svc.Authenticate(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		out.tokens[string(r)] = tok
		if r == issuer.RoleAssessor {
			out.assessor = a
		} else {
			out.approver = a
		}
	}
	return out
}

func day(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

func sampleAchievement() issuer.Achievement {
	return issuer.Achievement{
		Title: "Te Reo Māori mō te Wāhi Mahi", TitleMi: "Te Reo Māori mō te Wāhi Mahi (reo Māori)",
		NZQARef: "4729", NZQAVersion: "1", Level: 4, Credits: 10,
		Aim:        "Use everyday te reo Māori at work.",
		Outcomes:   []string{"Greet and introduce people in te reo Māori", "Use workplace vocabulary"},
		NZSCEDCode: "091501", NZSCEDName: "Māori Language", Developer: "Toi Mai Workforce Development Council",
		ApprovalStatus: issuer.ApprovalApproved, ListedOn: day(2025, 1, 10), NextReviewOn: day(2027, 1, 10),
		EquityTags: []string{"kaupapa Māori"},
	}
}

func sampleAward(achID string) issuer.NewAward {
	return issuer.NewAward{AchievementID: achID, LearnerName: "Aroha Ngata", LearnerEmail: "aroha@example.nz",
		NSN: "123456789", CompletedOn: time.Date(2026, 4, 30, 0, 0, 0, 0, time.UTC), EvidenceURLs: []string{"https://lms.example.nz/e/1"}}
}

// issue creates, approves and issues one award.
func (e *env) issue(t *testing.T, pr provider, achID string) *issuer.Issued {
	t.Helper()
	ctx := context.Background()
	a, err := e.svc.CreateAward(ctx, pr.assessor, sampleAward(achID), "")
	if err != nil {
		t.Fatalf("CreateAward: %v", err)
	}
	if _, err := e.svc.ApproveAward(ctx, pr.approver, a.ID); err != nil {
		t.Fatalf("ApproveAward: %v", err)
	}
	is, err := e.svc.IssueAward(ctx, pr.approver, a.ID)
	if err != nil {
		t.Fatalf("IssueAward: %v", err)
	}
	return is
}

// fetcher serves the service's own DID documents to a keys.Resolver.
type fetcher struct{ svc *issuer.Service }

func (f fetcher) Fetch(ctx context.Context, url string) ([]byte, error) {
	slug, ok := strings.CutPrefix(url, baseURL+"/issuers/")
	if !ok {
		return nil, errs.E(errs.NotFound, "not ours: %s", url)
	}
	doc, err := f.svc.DIDDocument(ctx, strings.TrimSuffix(slug, "/did.json"))
	if err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}

func verifyDI(t *testing.T, svc *issuer.Service, doc []byte) {
	t.Helper()
	res, err := dataintegrity.Verify(context.Background(), doc, dataintegrity.VerifyOptions{Resolver: keys.NewResolver(keys.WithFetcher(fetcher{svc}))})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	for _, r := range res {
		if !r.Verified {
			t.Fatalf("proof %s not verified: %v", r.VerificationMethod, r.Err)
		}
	}
}

// bit reads index i of the provider's signed status list for purpose.
func bit(t *testing.T, svc *issuer.Service, slug, purpose string, i int) bool {
	t.Helper()
	body, err := svc.StatusListCredential(context.Background(), slug, purpose)
	if err != nil {
		t.Fatalf("StatusListCredential: %v", err)
	}
	verifyDI(t, svc, body)
	var lc struct {
		CredentialSubject struct {
			StatusPurpose string `json:"statusPurpose"`
			EncodedList   string `json:"encodedList"`
		} `json:"credentialSubject"`
	}
	if err := json.Unmarshal(body, &lc); err != nil {
		t.Fatal(err)
	}
	if lc.CredentialSubject.StatusPurpose != purpose {
		t.Fatalf("list purpose %q, want %q", lc.CredentialSubject.StatusPurpose, purpose)
	}
	l, err := statuslist.Decode(lc.CredentialSubject.EncodedList)
	if err != nil {
		t.Fatal(err)
	}
	v, err := l.Get(i)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAwardLifecycle(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *store.DB, dsn, dir string) {
		ctx := context.Background()
		e := newEnv(t, db, dsn, dir)
		pr := e.provider(t, "wintec", false)
		if pr.p.DID != "did:web:tohu.example.nz:issuers:wintec" {
			t.Fatalf("DID = %s", pr.p.DID)
		}
		ach, err := e.svc.CreateAchievement(ctx, pr.admin, sampleAchievement())
		if err != nil {
			t.Fatalf("CreateAchievement: %v", err)
		}
		is := e.issue(t, pr, ach.ID)
		if is.URL != baseURL+"/credentials/"+is.Award.ID || is.Award.State != issuer.AwardIssued {
			t.Fatalf("Issued = %+v", is)
		}
		di, err := e.svc.GetCredential(ctx, is.Award.ID, issuer.FormatDI)
		if err != nil {
			t.Fatal(err)
		}
		verifyDI(t, e.svc, di)
		if strings.Contains(string(di), "123456789") {
			t.Fatal("the NSN is in the credential")
		}
		if !strings.Contains(string(di), "Māori") {
			t.Fatal("macrons lost")
		}
		jwt, err := e.svc.GetCredential(ctx, is.Award.ID, issuer.FormatJWT)
		if err != nil || strings.Count(string(jwt), ".") != 2 {
			t.Fatalf("JWT form = %q, %v", jwt, err)
		}
		// Both forms come from the same unsigned document.
		c, err := credential.Parse(di)
		if err != nil {
			t.Fatal(err)
		}
		if c.ID != is.URL || c.CredentialStatus == nil || c.CredentialStatus.StatusPurpose != issuer.StatusRevocation {
			t.Fatalf("credential id %q status %+v", c.ID, c.CredentialStatus)
		}
		var idx int
		if err := json.Unmarshal([]byte(c.CredentialStatus.StatusListIndex), &idx); err != nil {
			t.Fatal(err)
		}
		if bit(t, e.svc, "wintec", issuer.StatusRevocation, idx) {
			t.Fatal("fresh credential already revoked")
		}

		// Suspend, reinstate, revoke.
		stored, _ := db.Credential(ctx, is.Award.ID, issuer.FormatDI)
		sIdx := stored.StatusIndex[issuer.StatusSuspension]
		if _, err := e.svc.Suspend(ctx, pr.approver, is.Award.ID, "under review"); err != nil {
			t.Fatalf("Suspend: %v", err)
		}
		if !bit(t, e.svc, "wintec", issuer.StatusSuspension, sIdx) {
			t.Fatal("suspension bit not set")
		}
		if _, err := e.svc.Reinstate(ctx, pr.approver, is.Award.ID, "review cleared"); err != nil {
			t.Fatalf("Reinstate: %v", err)
		}
		if bit(t, e.svc, "wintec", issuer.StatusSuspension, sIdx) {
			t.Fatal("suspension bit still set after reinstatement")
		}
		if _, err := e.svc.Revoke(ctx, pr.approver, is.Award.ID, "issued in error"); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
		if !bit(t, e.svc, "wintec", issuer.StatusRevocation, idx) {
			t.Fatal("revocation bit not set in the regenerated list")
		}
		// Revocation is permanent.
		for name, f := range map[string]func() (*issuer.Award, error){
			"reinstate": func() (*issuer.Award, error) { return e.svc.Reinstate(ctx, pr.approver, is.Award.ID, "oops") },
			"suspend":   func() (*issuer.Award, error) { return e.svc.Suspend(ctx, pr.approver, is.Award.ID, "oops") },
			"revoke":    func() (*issuer.Award, error) { return e.svc.Revoke(ctx, pr.approver, is.Award.ID, "again") },
		} {
			if _, err := f(); !errs.Is(err, errs.Conflict) {
				t.Fatalf("%s after revoke: %v, want conflict", name, err)
			}
		}
		// The credential is still served byte for byte.
		again, _ := e.svc.GetCredential(ctx, is.Award.ID, issuer.FormatDI)
		if string(again) != string(di) {
			t.Fatal("stored credential changed")
		}
		// Every state change is in the audit log with its actor and request id.
		ev, err := e.svc.AuditEvents(ctx, pr.admin, pr.p.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"award.revoke", "award.reinstate", "award.suspend", "award.issue", "award.approve", "award.create",
			"achievement.create", "apikey.create", "apikey.create", "provider.create"}
		if len(ev) != len(want) {
			t.Fatalf("%d audit events, want %d: %+v", len(ev), len(want), ev)
		}
		for i, w := range want {
			if ev[i].Action != w {
				t.Fatalf("audit[%d] = %s, want %s", i, ev[i].Action, w)
			}
		}
		if ev[3].Actor != pr.approver.APIKeyID || ev[9].Actor != "operator" || ev[9].RequestID != "req-op" {
			t.Fatalf("audit actors: %+v / %+v", ev[3], ev[9])
		}
	})
}
