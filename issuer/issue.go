package issuer

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/dataintegrity"
	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/errs"
)

// Issued is the result of IssueAward.
type Issued struct {
	Award *Award
	URL   string // the credential's public URL (also its id)
}

// awardContext loads what an award is issued under: its provider and its
// micro-credential's version.
func (s *Service) awardContext(ctx context.Context, a *Award) (*Provider, *Achievement, error) {
	p, err := s.store.Provider(ctx, a.ProviderID)
	if err != nil {
		return nil, nil, err
	}
	ach, err := s.store.Achievement(ctx, a.AchievementID, a.AchievementVersion)
	if err != nil {
		return nil, nil, err
	}
	return p, ach, nil
}

// IssueAward signs and stores an approved award's credential. It checks
// that the achievement version is approved (Conflict at
// /achievement/approvalStatus), that its next review date has not lapsed
// (Conflict at /achievement/nextReviewOn) and that the provider is
// accredited to deliver it (Forbidden at /achievement/accreditedProviders);
// builds the OB 3.0 credential with credential.BuildAward; and signs that
// one unsigned document twice, as a Data Integrity eddsa-rdfc-2022 proof and
// as an OB 3.0 VC-JWT (the provider's RS256 or ES256 key).
//
// In one transaction it moves the award approved → issued, allocates its
// revocation and suspension status indexes, and stores both signed forms
// byte for byte, with an audit event: a crash leaves all or nothing, and of
// two replicas issuing the same award one gets Conflict.
//
// Needs the approver role. Conflict when the award is not approved;
// Forbidden when the master key cannot open the signing keys (nothing is
// changed).
//
// By default only the revocation entry goes into the credential: the OB 3.0
// AchievementCredential schema allows one credentialStatus object, not the
// VC 2.0 array. The suspension index is allocated and its list kept either
// way; tohu's own verification sees a suspension through its records
// (CredentialState). A provider with StatusMode StatusModeBoth gets the VC
// 2.0 array of both entries instead, and no credentialSchema member (see
// StatusModeBoth for the trade-off).
func (s *Service) IssueAward(ctx context.Context, actor Actor, id string) (*Issued, error) {
	a, err := s.store.Award(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := actor.require(RoleApprover, a.ProviderID); err != nil {
		return nil, err
	}
	if a.State != AwardApproved {
		return nil, errs.F(errs.Conflict, "/state", "only an approved award can be issued; this one is %s", a.State)
	}
	p, ach, err := s.awardContext(ctx, a)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if err := issuable(p, ach, now); err != nil {
		return nil, err
	}
	diSigner, err := s.activeSigner(ctx, s.store, p, PurposeDI)
	if err != nil {
		return nil, err
	}
	jwtSigner, err := s.activeSigner(ctx, s.store, p, PurposeJWT)
	if err != nil {
		return nil, err
	}
	url := s.CredentialURL(a.ID)
	issued := *a
	issued.State, issued.IssuedAt, issued.UpdatedAt = AwardIssued, &now, now
	err = s.store.WithTx(ctx, func(tx Store) error {
		if err := tx.UpdateAward(ctx, &issued, AwardApproved); err != nil {
			return err
		}
		idx := map[string]int{}
		for _, purpose := range []string{StatusRevocation, StatusSuspension} {
			i, err := tx.AllocateStatusIndex(ctx, p.ID, purpose, s.cfg.StatusListBits, s.cfg.Rand, a.ID)
			if err != nil {
				return err
			}
			idx[purpose] = i
		}
		unsigned, decoded, err := s.buildCredential(p, ach, &issued, url, idx, nil)
		if err != nil {
			return err
		}
		di, err := dataintegrity.SignDecoded(ctx, unsigned, decoded, diSigner, dataintegrity.SignOptions{VerificationMethod: diSigner.KeyID(), Created: now})
		if err != nil {
			return err
		}
		jwt, err := jose.SignDecoded(ctx, unsigned, decoded, jwtSigner, jose.SignOptions{KeyID: jwtSigner.KeyID(), Algorithm: jwtSigner.Algorithm(), Form: jose.FormOBJWT})
		if err != nil {
			return err
		}
		if err := saveCredentials(ctx, tx, a.ID, p.ID, di, jwt, now); err != nil {
			return err
		}
		// Issue 6: the learner's email, in the outbox, in this transaction.
		if err := s.recordIssued(ctx, tx, p, ach, &issued); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, p.ID, "award.issue", "award:"+a.ID, map[string]string{
			"url": url, "revocationIndex": strconv.Itoa(idx[StatusRevocation]), "suspensionIndex": strconv.Itoa(idx[StatusSuspension]),
			"diKey": diSigner.KeyID(), "jwtKey": jwtSigner.KeyID(),
		})
	})
	if err != nil {
		return nil, err
	}
	return &Issued{Award: &issued, URL: url}, nil
}

// saveCredentials stores an award's two signed forms.
func saveCredentials(ctx context.Context, tx Store, awardID, providerID string, di []byte, jwt string, at time.Time) error {
	for _, f := range [...]struct {
		format string
		body   []byte
	}{{FormatDI, di}, {FormatJWT, []byte(jwt)}} {
		if err := tx.SaveCredential(ctx, &Credential{AwardID: awardID, ProviderID: providerID, Format: f.format, Body: f.body, CreatedAt: at}); err != nil {
			return err
		}
	}
	return nil
}

// issuable is the rule of what may be issued: an approved achievement
// version whose next review date has not passed, by a provider accredited to
// deliver it.
func issuable(p *Provider, ach *Achievement, now time.Time) error {
	switch {
	case ach.ApprovalStatus != ApprovalApproved:
		return errs.F(errs.Conflict, "/achievement/approvalStatus", "the micro-credential %s is %s, not approved: it cannot be awarded", ach.NZQARef, ach.ApprovalStatus)
	case ach.NextReviewOn != nil && ach.NextReviewOn.Before(now.Truncate(24*time.Hour)):
		return errs.F(errs.Conflict, "/achievement/nextReviewOn", "the micro-credential %s was due for review on %s: it cannot be awarded until it is reviewed", ach.NZQARef, ach.NextReviewOn.Format("2006-01-02"))
	case !slices.Contains(ach.AccreditedProviders, p.ID):
		return errs.F(errs.Forbidden, "/achievement/accreditedProviders", "%s is not accredited to deliver the micro-credential %s", p.Name, ach.NZQARef)
	}
	return nil
}

// buildCredential maps the award onto the unsigned OB 3.0 credential.
//
// The credential also comes back decoded (nil when it was re-encoded after
// decoding), for dataintegrity.SignDecoded and jose.SignDecoded.
// cohort, when not nil, is the bulk job's (credential.WithCohort): the
// decoded form then shares its Achievement object with the job's other awards.
func (s *Service) buildCredential(p *Provider, ach *Achievement, a *Award, url string, idx map[string]int, cohort *credential.Cohort) ([]byte, map[string]any, error) {
	achURL := s.AchievementURL(ach.ID, ach.Version)
	mc := credential.MicroCredential{
		ID: achURL, Title: ach.Title, TitleMi: ach.TitleMi, NZQAReference: ach.NZQARef, Version: ach.NZQAVersion,
		Level: ach.Level, Credits: ach.Credits, Description: ach.Aim, Outcomes: ach.Outcomes,
		AssessmentNarrative: ach.AssessmentNarrative, CriteriaURL: achURL,
		FieldOfStudy:     credential.FieldOfStudy{Code: ach.NZSCEDCode, Name: ach.NZSCEDName},
		Developer:        &credential.Profile{ID: achURL + "#developer", Type: credential.TypesOf("Profile"), Name: ach.Developer},
		QualityAssurance: ach.QARoute, EquityTags: ach.EquityTags,
	}
	if ach.ImageURL != "" {
		mc.Image = &credential.Image{ID: ach.ImageURL, Type: credential.TypeOf("Image")}
	}
	res := credential.AwardResult{ID: url, Status: a.Result, CreditsEarned: a.CreditsEarned, CompletedAt: a.CompletedOn}
	for _, e := range a.EvidenceURLs {
		res.Evidence = append(res.Evidence, credential.EvidenceLink{ID: e})
	}
	status := s.statusEntry(p, StatusRevocation, idx[StatusRevocation])
	// BuildAwardJSON: the bytes Marshal(BuildAward(...)) would give, without
	// decoding and re-encoding the credential in between.
	b, decoded, err := credential.BuildAwardDoc(mc, credential.Learner{Name: a.LearnerName, Email: a.LearnerEmail, DID: a.LearnerDID},
		res, *s.profile(p), s.cfg.Bounds, credential.WithClock(s.cfg.Clock), credential.WithStatus(status), credential.WithCohort(cohort))
	if err != nil || p.StatusMode != StatusModeBoth {
		return b, decoded, err
	}
	// VC 2.0 §4.10: credentialStatus may be a list. The typed model holds
	// one entry, so the array is written into the generic form.
	doc, err := decodeGeneric(b)
	if err != nil {
		return nil, nil, err
	}
	doc["credentialStatus"] = []any{status, s.statusEntry(p, StatusSuspension, idx[StatusSuspension])}
	// The array breaks the OB 3.0 JSON Schema, so the credential must not
	// declare it (a verifier holds a credential to the schema it declares).
	delete(doc, "credentialSchema")
	b, err = marshalGeneric(doc)
	return b, nil, err
}

// statusEntry is the BitstringStatusListEntry (BSL §2.1) for index i of the
// provider's list for purpose.
func (s *Service) statusEntry(p *Provider, purpose string, i int) credential.BitstringStatusListEntry {
	listURL := s.StatusListURL(p.Slug, purpose)
	return credential.BitstringStatusListEntry{
		ID:                   listURL + "#" + strconv.Itoa(i),
		Type:                 credential.TypeOf("BitstringStatusListEntry"),
		StatusPurpose:        purpose,
		StatusListIndex:      strconv.Itoa(i),
		StatusListCredential: listURL,
	}
}

// GetCredential returns an issued credential exactly as it was signed:
// format "di" (or "") the JSON-LD document with its proof, "jwt" the compact
// VC-JWT. Public. NotFound when there is none.
func (s *Service) GetCredential(ctx context.Context, id, format string) ([]byte, error) {
	if format == "" {
		format = FormatDI
	}
	if format != FormatDI && format != FormatJWT {
		return nil, errs.F(errs.Unsupported, "/format", "format must be di or jwt")
	}
	c, err := s.store.Credential(ctx, id, format)
	if err != nil {
		return nil, err
	}
	return c.Body, nil
}
