package credential_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tohu-nz/tohu/contexts"
	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/jsonld"
	"github.com/tohu-nz/tohu/errs"
)

// terms is one canonicalizer for the builder tests' term checks.
var terms = jsonld.New(nil)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

var issueTime = time.Date(2025, 3, 3, 21, 30, 15, 999, time.UTC) // 2025-03-04 10:30 NZDT

func clock() time.Time { return issueTime }

// fixture returns a complete, valid award. The te reo Māori title and an
// outcome are written with DECOMPOSED macrons (vowel + U+0304), as some
// keyboards and databases produce them; the builder must precompose them.
func fixture() (credential.MicroCredential, credential.Learner, credential.AwardResult, credential.Profile) {
	mc := credential.MicroCredential{
		ID:            "https://tohu.example.ac.nz/achievements/te-reo-korero-tuatahi",
		Title:         "Te Reo Ma\u0304ori: Ko\u0304rero Tuatahi",
		TitleMi:       "Te Reo Ma\u0304ori: Ko\u0304rero Tuatahi (he putanga reo Ma\u0304ori)",
		NZQAReference: "MC5012",
		Version:       "2",
		Level:         3,
		Credits:       15,
		Description:   "Build everyday conversational te reo Māori for the workplace: mihi, pepeha and simple kōrero.",
		Outcomes: []string{
			"Deliver a mihi and pepeha in te reo Ma\u0304ori.",
			"Hold a short everyday conversation using present-tense sentence structures.",
			"Use tikanga-appropriate greetings & farewells <in context>.",
		},
		AssessmentNarrative: "Assessed by an oral presentation and a recorded conversation, marked against the outcomes.",
		CriteriaURL:         "https://tohu.example.ac.nz/achievements/te-reo-korero-tuatahi/criteria",
		FieldOfStudy:        credential.FieldOfStudy{Code: "091521", Name: "Māori Language"},
		Developer: &credential.Profile{
			ID:   "https://toitutewhakairo.example.nz",
			Name: "Toi Mai Workforce Development Council",
		},
		QualityAssurance: credential.QATeHono,
		EquityTags:       []string{"kaupapa Māori"},
		Image:            &credential.Image{ID: "https://tohu.example.ac.nz/achievements/te-reo-korero-tuatahi/badge.png", Caption: "Kōrero Tuatahi badge"},
		Grades:           []string{"Achieved", "Achieved with Merit", "Achieved with Excellence"},
	}
	learner := credential.Learner{
		Name:  "Aroha Te Ao",
		Email: "  Aroha.TeAo@Example.NZ ",
		DID:   "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
		Salt:  "fixed-salt-for-golden-tests",
	}
	res := credential.AwardResult{
		ID:          "urn:uuid:0c7c3a52-6f2b-4a7e-9d0f-3b1c5d2e8a91",
		Grade:       "Achieved with Merit",
		CompletedAt: time.Date(2025, 2, 28, 0, 0, 0, 0, time.UTC),
		ValidUntil:  time.Date(2030, 3, 4, 0, 0, 0, 0, time.UTC),
		Evidence: []credential.EvidenceLink{{
			ID: "https://tohu.example.ac.nz/evidence/0c7c3a52/recording", Name: "Recorded kōrero",
		}},
	}
	issuer := credential.Profile{
		ID:              "did:web:tohu.example.ac.nz:issuers:tohu-polytechnic",
		Name:            "Tohu Polytechnic | Te Kura Tohu",
		URL:             "https://tohu.example.ac.nz",
		Email:           "registry@tohu.example.ac.nz",
		OtherIdentifier: []credential.IdentifierEntry{credential.NZQAProviderIdentifier("8563")},
	}
	return mc, learner, res, issuer
}

func build(t *testing.T) []byte {
	t.Helper()
	mc, l, r, iss := fixture()
	c, err := credential.BuildAward(mc, l, r, iss, credential.DefaultBounds(), credential.WithClock(clock))
	if err != nil {
		t.Fatalf("BuildAward: %v", err)
	}
	b, err := credential.MarshalIndent(c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBuildAwardGolden(t *testing.T) {
	got := build(t)
	for _, name := range []string{"nz-microcredential.golden.json", "nz-microcredential-macrons.unsigned.json"} {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the builder output; rerun with -update if the change is intended:\n%s", name, got)
		}
	}
	if err := credential.ValidateSchema(got); err != nil {
		t.Errorf("golden credential is not schema-valid: %v", err)
	}
}

func TestBuildAwardContent(t *testing.T) {
	got := build(t)
	s := string(got)
	for _, want := range []string{
		"Te Reo M\u0101ori: K\u014drero Tuatahi", // precomposed in the output
		`"validFrom": "2025-03-03T21:30:15Z"`,    // UTC, whole seconds
		`"awardedDate": "2025-02-28T00:00:00Z"`,
		`"creditsAvailable": 15`,
		`"creditsEarned": 15`,
		`"achievementType": "MicroCredential"`,
		`"humanCode": "MC5012"`,
		`"inLanguage": "mi"`,
		`"inLanguage": "en-NZ"`,
		`"targetCode": "3"`,
		`"targetCode": "091521"`,
		`"targetType": "ext:LearningOutcome"`,
		`"type": "1EdTechJsonSchemaValidator2019"`,
		`"` + contexts.OBExtensions + `"`,
		`"identityType": "emailAddress"`,
		"not US semester",
		"- Use tikanga-appropriate greetings & farewells <in context>.", // no HTML escaping
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %s", want)
		}
	}
	if strings.Contains(s, "\u0304") {
		t.Error("output still has a combining macron")
	}
	if strings.Contains(strings.ToLower(s), "aroha.teao@example.nz") {
		t.Error("the learner's email appears in plain text")
	}
	c, err := credential.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	ids := c.CredentialSubject.Identifier
	if len(ids) != 2 || !ids[0].Matches("aroha.teao@example.nz") || ids[0].Matches("someone@example.nz") {
		t.Errorf("email identity does not match the learner: %+v", ids)
	}
	if ids[1].IdentityType != "name" || ids[1].Hashed || ids[1].IdentityHash != "Aroha Te Ao" {
		t.Errorf("name identity = %+v", ids[1])
	}
}

func TestBuildAwardVariants(t *testing.T) {
	tests := map[string]struct {
		edit  func(*credential.MicroCredential, *credential.Learner, *credential.AwardResult, *credential.Profile)
		check func(t *testing.T, c *credential.Credential)
	}{
		"ok/DID only": {
			edit: func(_ *credential.MicroCredential, l *credential.Learner, _ *credential.AwardResult, _ *credential.Profile) {
				l.Email, l.Name = "", ""
			},
			check: func(t *testing.T, c *credential.Credential) {
				if c.CredentialSubject.ID == "" || len(c.CredentialSubject.Identifier) != 0 {
					t.Errorf("subject = %+v", c.CredentialSubject)
				}
			},
		},
		"ok/email only with random salt": {
			edit: func(_ *credential.MicroCredential, l *credential.Learner, _ *credential.AwardResult, _ *credential.Profile) {
				l.DID, l.Salt = "", ""
			},
			check: func(t *testing.T, c *credential.Credential) {
				id := c.CredentialSubject.Identifier[0]
				if c.CredentialSubject.ID != "" || len(id.Salt) < 22 || !id.Matches("Aroha.TeAo@example.nz") {
					t.Errorf("subject = %+v", c.CredentialSubject)
				}
			},
		},
		"ok/minimal micro-credential": {
			edit: func(mc *credential.MicroCredential, _ *credential.Learner, r *credential.AwardResult, _ *credential.Profile) {
				mc.TitleMi, mc.Developer, mc.Image, mc.Grades, mc.EquityTags, mc.CriteriaURL, mc.Version = "", nil, nil, nil, nil, "", ""
				mc.QualityAssurance, mc.FieldOfStudy.Name = "", ""
				*r = credential.AwardResult{ID: r.ID}
			},
			check: func(t *testing.T, c *credential.Credential) {
				a := c.CredentialSubject.Achievement
				if len(a.Related) != 0 || a.FieldOfStudy != "NZSCED 091521" || c.ValidUntil != "" || c.AwardedDate != "" {
					t.Errorf("achievement = %+v", a)
				}
				if r := c.CredentialSubject.Result; len(r) != 1 || r[0].Status != "Completed" {
					t.Errorf("result = %+v", r)
				}
			},
		},
		"ok/partial credits": {
			edit: func(_ *credential.MicroCredential, _ *credential.Learner, r *credential.AwardResult, _ *credential.Profile) {
				r.CreditsEarned = 10
			},
			check: func(t *testing.T, c *credential.Credential) {
				if c.CredentialSubject.CreditsEarned != "10" {
					t.Errorf("creditsEarned = %s", c.CredentialSubject.CreditsEarned)
				}
			},
		},
		"ok/status list entry": {
			check: func(t *testing.T, c *credential.Credential) {
				if s := c.CredentialStatus; s == nil || !s.Type.Has("BitstringStatusListEntry") || s.StatusListIndex != "94567" {
					t.Errorf("credentialStatus = %+v", s)
				}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			mc, l, r, iss := fixture()
			if tc.edit != nil {
				tc.edit(&mc, &l, &r, &iss)
			}
			c, err := credential.BuildAward(mc, l, r, iss, credential.DefaultBounds(), credential.WithClock(clock),
				credential.WithStatus(credential.BitstringStatusListEntry{
					ID: "https://tohu.example.ac.nz/status/revocation/1#94567", StatusPurpose: "revocation",
					StatusListIndex: "94567", StatusListCredential: "https://tohu.example.ac.nz/status/revocation/1",
				}))
			if err != nil {
				t.Fatalf("BuildAward: %v", err)
			}
			b, err := credential.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			if err := credential.ValidateSchema(b); err != nil {
				t.Errorf("not schema-valid: %v", err)
			}
			// Every member the builder emits is defined by the contexts it
			// lists (the OB extensions context for the schema type), so
			// nothing falls outside the signature.
			if err := terms.CheckTerms(decode(t, b)); err != nil {
				t.Errorf("undefined term: %v", err)
			}
			tc.check(t, c)
		})
	}
}

func TestBuildAwardErrors(t *testing.T) {
	type in = struct {
		mc  *credential.MicroCredential
		l   *credential.Learner
		r   *credential.AwardResult
		iss *credential.Profile
		b   *credential.Bounds
	}
	tests := map[string]struct {
		edit      func(in)
		wantField string
		wantMsg   string
	}{
		"error/level 0":                  {edit: func(i in) { i.mc.Level = 0 }, wantField: "/level", wantMsg: "NZQCF level must be 1–10, got 0"},
		"error/level 11":                 {edit: func(i in) { i.mc.Level = 11 }, wantField: "/level", wantMsg: "NZQCF level must be 1–10, got 11"},
		"error/credits 0":                {edit: func(i in) { i.mc.Credits = 0 }, wantField: "/credits", wantMsg: "credits must be 1–40, got 0"},
		"error/credits 41":               {edit: func(i in) { i.mc.Credits = 41 }, wantField: "/credits", wantMsg: "credits must be 1–40, got 41"},
		"error/credits 4 under 5–40":     {edit: func(i in) { i.mc.Credits = 4; i.b.MinCredits = 5 }, wantField: "/credits", wantMsg: "credits must be 5–40, got 4"},
		"error/level 3 under bounds 4–7": {edit: func(i in) { i.b.MinLevel, i.b.MaxLevel = 4, 7 }, wantField: "/level"},
		"error/bounds beyond NZQCF":      {edit: func(i in) { i.b.MaxLevel = 11 }, wantField: "/bounds"},
		"error/bounds inverted":          {edit: func(i in) { i.b.MinCredits = 50 }, wantField: "/bounds"},
		"error/no id":                    {edit: func(i in) { i.mc.ID = "" }, wantField: "/id"},
		"error/relative id":              {edit: func(i in) { i.mc.ID = "/achievements/x" }, wantField: "/id"},
		"error/no title":                 {edit: func(i in) { i.mc.Title = "  " }, wantField: "/title"},
		"error/no NZQA reference":        {edit: func(i in) { i.mc.NZQAReference = "" }, wantField: "/nzqaReference"},
		"error/no description":           {edit: func(i in) { i.mc.Description = "" }, wantField: "/description"},
		"error/no outcomes":              {edit: func(i in) { i.mc.Outcomes = nil }, wantField: "/outcomes"},
		"error/empty outcome":            {edit: func(i in) { i.mc.Outcomes[2] = " " }, wantField: "/outcomes/2"},
		"error/NZSCED five digits":       {edit: func(i in) { i.mc.FieldOfStudy.Code = "09152" }, wantField: "/fieldOfStudy/code"},
		"error/NZSCED letters":           {edit: func(i in) { i.mc.FieldOfStudy.Code = "09152a" }, wantField: "/fieldOfStudy/code"},
		"error/quality assurance":        {edit: func(i in) { i.mc.QualityAssurance = "MoE" }, wantField: "/qualityAssurance"},
		"error/empty equity tag":         {edit: func(i in) { i.mc.EquityTags = []string{"Pacific", ""} }, wantField: "/equityTags/1"},
		"error/developer without id":     {edit: func(i in) { i.mc.Developer.ID = "" }, wantField: "/developer/id"},
		"error/bad image":                {edit: func(i in) { i.mc.Image.ID = "badge.png" }, wantField: "/image/id"},
		"error/no issuer id":             {edit: func(i in) { i.iss.ID = "" }, wantField: "/issuer/id"},
		"error/no issuer name":           {edit: func(i in) { i.iss.Name = "" }, wantField: "/issuer/name"},
		"error/issuer wrong type":        {edit: func(i in) { i.iss.Type = credential.TypesOf("Organization") }, wantField: "/issuer/type"},
		"error/no learner":               {edit: func(i in) { i.l.DID, i.l.Email = "", " " }, wantField: "/learner"},
		"error/learner DID not a DID":    {edit: func(i in) { i.l.DID = "https://example.org/me" }, wantField: "/learner/did"},
		"error/learner email":            {edit: func(i in) { i.l.Email = "aroha" }, wantField: "/learner/email"},
		"error/no award id":              {edit: func(i in) { i.r.ID = "" }, wantField: "/result/id"},
		"error/status":                   {edit: func(i in) { i.r.Status = "Passed" }, wantField: "/result/status"},
		"error/grade off scale":          {edit: func(i in) { i.r.Grade = "A+" }, wantField: "/result/grade"},
		"error/credits earned > credits": {edit: func(i in) { i.r.CreditsEarned = 16 }, wantField: "/result/creditsEarned", wantMsg: "credits earned (16) cannot exceed the micro-credential's 15 credits"},
		"error/negative credits earned":  {edit: func(i in) { i.r.CreditsEarned = -1 }, wantField: "/result/creditsEarned"},
		"error/completed in the future":  {edit: func(i in) { i.r.CompletedAt = issueTime.Add(time.Hour) }, wantField: "/result/completedAt"},
		"error/validUntil before issue":  {edit: func(i in) { i.r.ValidUntil = issueTime.Add(-time.Hour) }, wantField: "/result/validUntil"},
		"error/evidence not a URL":       {edit: func(i in) { i.r.Evidence[0].ID = "recording.mp4" }, wantField: "/result/evidence/0/id"},
		// Caught by the schema, not by checkAward: the pointer is into the credential.
		"error/schema catches bad developer image": {
			edit: func(i in) {
				i.mc.Developer.Image = &credential.Image{ID: "https://x.example/i.png", Caption: "c", Extra: credential.Extra{"size": []byte("1")}}
			},
			wantField: "/credentialSubject/achievement/creator/image",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			mc, l, r, iss := fixture()
			b := credential.DefaultBounds()
			tc.edit(in{&mc, &l, &r, &iss, &b})
			c, err := credential.BuildAward(mc, l, r, iss, b, credential.WithClock(clock))
			if c != nil {
				t.Errorf("got a credential despite the error")
			}
			if got := errs.ErrorCode(err); got != errs.Invalid {
				t.Fatalf("code = %q (%v), want invalid", got, err)
			}
			if got := errs.ErrorField(err); got != tc.wantField {
				t.Errorf("field = %q, want %q (%v)", got, tc.wantField, err)
			}
			if tc.wantMsg != "" && errs.ErrorMessage(err) != tc.wantMsg {
				t.Errorf("message = %q, want %q", errs.ErrorMessage(err), tc.wantMsg)
			}
		})
	}
}
