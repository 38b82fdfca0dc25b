// Package sample builds the fixed example data the pages' tests and the
// preview program render: a real OB 3.0 credential built by
// credential.BuildAward, verifier reports in each state with the verifier's
// real check codes, and achievement and provider views. The provider and the
// learner are fictional.
package sample

import (
	"time"

	"github.com/tohu-nz/tohu/api/pages"
	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/verifier"
)

// Base is the example site's origin.
const Base = "https://tohu.example.nz"

// Issued is the issue time: 9:30 am on 15 January 2025 in New Zealand.
var Issued = time.Date(2025, 1, 14, 20, 30, 0, 0, time.UTC)

// MicroCredential is the example micro-credential, as NZQA would list it.
func MicroCredential() credential.MicroCredential {
	return credential.MicroCredential{
		ID:            Base + "/achievements/sustainable-horticulture",
		Title:         "Sustainable Horticulture Practice",
		TitleMi:       "Te Ahuwhenua Toitū",
		NZQAReference: "MC4321",
		Version:       "1",
		Level:         4,
		Credits:       15,
		Description: "This micro-credential recognises the skills to plan and carry out sustainable growing practice " +
			"on a commercial horticulture operation, caring for soil, water and the people who work the land.",
		Outcomes: []string{
			"Assess soil health and plan nutrient management that protects waterways.",
			"Apply integrated pest management using the least harmful controls.",
			"Describe kaitiakitanga and how it guides decisions on the whenua.",
			"Keep accurate records of inputs, yields and environmental measures.",
		},
		AssessmentNarrative: "Learners are assessed through a practical project on a working orchard or market garden, and a short written report.",
		CriteriaURL:         Base + "/achievements/sustainable-horticulture/criteria",
		FieldOfStudy:        credential.FieldOfStudy{Code: "050101", Name: "Agriculture"},
		Developer:           &credential.Profile{ID: "https://www.mukatangata.nz", Name: "Muka Tangata – People, Food and Fibre Workforce Development Council"},
		QualityAssurance:    credential.QANZQA,
		EquityTags:          []string{"Kaupapa Māori", "Regional"},
	}
}

// Issuer is the example provider's profile.
func Issuer() credential.Profile {
	return credential.Profile{
		ID:              "did:web:tohu.example.nz:issuers:waitemata-trades",
		Name:            "Waitematā Trades Academy",
		URL:             "https://waitemata-trades.example.nz",
		OtherIdentifier: []credential.IdentifierEntry{credential.NZQAProviderIdentifier("8123")},
	}
}

// CredentialJSON is the example credential (unsigned: the pages read it,
// they do not check it).
func CredentialJSON() []byte {
	c, err := credential.BuildAward(MicroCredential(),
		credential.Learner{Name: "Aroha Ngata-Wilson", Email: "aroha@example.nz", Salt: "fixed-salt-for-tests"},
		credential.AwardResult{ID: "urn:uuid:7f1c2a8e-4b3d-4c55-9e21-0d6f3a9b1c42", CompletedAt: Issued.Add(-24 * time.Hour)},
		Issuer(), credential.DefaultBounds(), credential.WithClock(func() time.Time { return Issued }))
	if err != nil {
		panic(err)
	}
	b, err := credential.MarshalIndent(c)
	if err != nil {
		panic(err)
	}
	return b
}

// URLs are the example credential page's links.
func URLs() pages.URLs {
	id := "7f1c2a8e-4b3d-4c55-9e21-0d6f3a9b1c42"
	return pages.URLs{
		Page:        Base + "/c/" + id,
		JSON:        "/c/" + id + ".json",
		PNG:         "/c/" + id + ".png",
		SVG:         "/c/" + id + ".svg",
		Image:       Base + "/c/" + id + "/badge.svg",
		Issuer:      "/issuers/waitemata-trades",
		Achievement: "/achievements/sustainable-horticulture",
		Verify:      "/verify",
	}
}

func passed(id, code, msg string) verifier.Check {
	return verifier.Check{ID: id, Status: verifier.Passed, Code: code, Message: msg}
}

// checks are the checks of a verified credential, in the verifier's order.
func checks() []verifier.Check {
	return []verifier.Check{
		passed(verifier.CheckFormat, "format.ok", "The input is a VC 2.0 credential with an embedded proof."),
		passed(verifier.CheckContexts, "contexts.ok", "The credential uses only pinned contexts."),
		passed(verifier.CheckTerms, "terms.ok", "Every term in the credential is defined by its contexts."),
		passed(verifier.CheckSchema, "schema.ok", "The credential is valid against the Open Badges 3.0 schema."),
		passed(verifier.CheckRequiredFields, "required_fields.ok", "The credential has every required field."),
		passed(verifier.CheckProof, "proof.ok", "The eddsa-rdfc-2022 proof verifies with the issuer's key."),
		passed(verifier.CheckIssuerKey, "issuer_key.ok", "The signing key belongs to the issuer."),
		passed(verifier.CheckValidFrom, "valid_from.ok", "The credential has been valid since 15 January 2025."),
		{ID: verifier.CheckValidUntil, Status: verifier.Skipped, Code: "valid_until.absent", Message: "The credential has no expiry date."},
		passed(verifier.CheckStatus, "status.ok", "The issuer has not revoked or suspended the credential."),
	}
}

// Report returns a report in the given state, as the verifier would write
// it for the example credential.
func Report(result verifier.Result) *verifier.Report {
	r := &verifier.Report{
		Result: result, Format: "vc2+ld", Checks: checks(),
		Issuer:     &verifier.Issuer{ID: Issuer().ID, Name: Issuer().Name},
		Subject:    &verifier.Subject{LearnerName: "Aroha Ngata-Wilson", Achievement: "Sustainable Horticulture Practice", AchievementType: "MicroCredential", Code: "MC4321", Level: "4", CreditsEarned: "15", CreditsAvailable: "15"},
		Credential: CredentialJSON(),
	}
	set := func(id, status, code, msg string) {
		for i := range r.Checks {
			if r.Checks[i].ID == id {
				r.Checks[i] = verifier.Check{ID: id, Status: status, Code: code, Message: msg}
			}
		}
	}
	switch result {
	case verifier.Revoked:
		set(verifier.CheckStatus, verifier.Failed, "status.revoked", "The issuer has revoked this credential.")
	case verifier.Suspended:
		set(verifier.CheckStatus, verifier.Failed, "status.suspended", "The issuer has suspended this credential.")
	case verifier.Expired:
		set(verifier.CheckValidUntil, verifier.Failed, "valid_until.passed", "The credential expired on 1 March 2025.")
	case verifier.NotYetValid:
		set(verifier.CheckValidFrom, verifier.Failed, "valid_from.in_future", "The credential is not valid until 1 June 2030.")
	case verifier.NotVerified:
		set(verifier.CheckProof, verifier.Failed, "proof.bad_signature", "The signature does not match the credential: it was changed after signing, or signed with another key.")
		set(verifier.CheckIssuerKey, verifier.Skipped, "issuer_key.not_run", "The key was not compared with the issuer because the signature did not verify.")
		set(verifier.CheckStatus, verifier.Skipped, "status.not_run", "The status was not looked up because the credential's signature did not verify.")
	case verifier.CouldNotCheck:
		set(verifier.CheckStatus, verifier.CouldNotRun, "status.unreachable", "The status list at https://tohu.example.nz/status/1 could not be fetched: timeout.")
	}
	return r
}

// AchievementView is the example achievement page.
func AchievementView(l pages.Lang) pages.AchievementView {
	mc := MicroCredential()
	return pages.AchievementView{
		Lang: l, ID: mc.ID, Title: mc.Title, TitleMi: mc.TitleMi, Aim: mc.Description,
		Level: mc.Level, Credits: mc.Credits, Reference: mc.NZQAReference, Version: mc.Version,
		FieldOfStudy: "Agriculture (050101)", QualityAssurance: "NZQA", Developer: mc.Developer.Name,
		Outcomes: mc.Outcomes, Assessment: mc.AssessmentNarrative, EquityTags: mc.EquityTags,
		ListedOn: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), NextReviewOn: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC),
		ImageURL:  Base + "/achievements/sustainable-horticulture/badge.svg",
		PageURL:   mc.ID,
		Providers: []pages.ProviderLink{{Name: "Waitematā Trades Academy", URL: "/issuers/waitemata-trades"}},
	}
}

// IssuerView is the example provider page.
func IssuerView(l pages.Lang) pages.IssuerView {
	return pages.IssuerView{
		Lang: l, Name: "Waitematā Trades Academy",
		Description: "A private training establishment in Tāmaki Makaurau teaching horticulture, construction and engineering trades since 1998.",
		Website:     "https://waitemata-trades.example.nz", Email: "awards@waitemata-trades.example.nz",
		NZQANumber: "8123", DID: "did:web:tohu.example.nz:issuers:waitemata-trades",
		PageURL: Base + "/issuers/waitemata-trades",
		Achievements: []pages.AchievementLink{
			{Title: "Sustainable Horticulture Practice", TitleMi: "Te Ahuwhenua Toitū", URL: "/achievements/sustainable-horticulture", Level: 4, Credits: 15, Ref: "MC4321"},
			{Title: "Site Safety for Construction", URL: "/achievements/site-safety", Level: 3, Credits: 5, Ref: "MC2210"},
			{Title: "Introduction to Heat Pump Servicing", URL: "/achievements/heat-pumps", Level: 4, Credits: 20, Ref: "MC3987"},
		},
	}
}
