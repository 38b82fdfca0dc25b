package issuer

import (
	"context"
	"slices"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

// PublicAward is what anyone holding an award's credential link may learn
// from tohu's records: its state and where its provider and achievement
// live. It carries no learner data (no email, no NSN).
type PublicAward struct {
	ID                 string
	State              AwardState // issued, suspended or revoked
	Reason             string     // of the last revoke/suspend/reinstate, as the provider wrote it
	ProviderSlug       string
	ProviderName       string
	AchievementID      string
	AchievementVersion int
	IssuedAt           *time.Time
	UpdatedAt          time.Time
}

// PublicAward returns the public record of an issued award, so the
// credential page can show a suspension, which the credential itself cannot
// carry (only its revocation entry is in the credential; see IssueAward).
// No actor: the credential is public. NotFound for an unknown id and for an
// award that was never issued (a pending award's existence is not public).
func (s *Service) PublicAward(ctx context.Context, id string) (*PublicAward, error) {
	a, err := s.store.Award(ctx, id)
	if err != nil {
		return nil, err
	}
	switch a.State {
	case AwardIssued, AwardSuspended, AwardRevoked:
	default:
		return nil, errs.E(errs.NotFound, "no issued credential %s", id)
	}
	p, err := s.store.Provider(ctx, a.ProviderID)
	if err != nil {
		return nil, err
	}
	return &PublicAward{
		ID: a.ID, State: a.State, Reason: a.Reason, ProviderSlug: p.Slug, ProviderName: p.Name,
		AchievementID: a.AchievementID, AchievementVersion: a.AchievementVersion,
		IssuedAt: a.IssuedAt, UpdatedAt: a.UpdatedAt,
	}, nil
}

// Awardable reports whether an achievement version can be awarded on day
// now: approved, and its next review date not passed.
func (a *Achievement) Awardable(now time.Time) bool {
	return a.ApprovalStatus == ApprovalApproved &&
		(a.NextReviewOn == nil || !a.NextReviewOn.Before(now.Truncate(24*time.Hour)))
}

// PublicAchievements returns the micro-credentials a provider offers
// publicly: the latest version of each achievement it owns or is accredited
// to deliver that can be awarded today (approved, review not lapsed) and
// that it is accredited for. No actor: achievement descriptions are public.
// NotFound for an unknown slug.
func (s *Service) PublicAchievements(ctx context.Context, slug string) (*Provider, []Achievement, error) {
	p, err := s.store.ProviderBySlug(ctx, slug)
	if err != nil {
		return nil, nil, err
	}
	all, err := s.store.Achievements(ctx, p.ID)
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	var out []Achievement
	for _, a := range all {
		if a.Awardable(now) && slices.Contains(a.AccreditedProviders, p.ID) {
			out = append(out, a)
		}
	}
	return p, out, nil
}

// AchievementProviders returns the providers accredited to deliver an
// achievement version, in its list's order. Accredited ids that no longer
// resolve are left out. Public.
func (s *Service) AchievementProviders(ctx context.Context, a *Achievement) ([]Provider, error) {
	var out []Provider
	for _, id := range a.AccreditedProviders {
		p, err := s.store.Provider(ctx, id)
		if errs.ErrorCode(err) == errs.NotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, nil
}

// standInAward is the placeholder learner and result PublicAchievementJSON
// builds a credential around; that part of the credential is thrown away.
var standInAward = Award{LearnerName: "Achievement document", LearnerEmail: "achievement@example.invalid"}

const standInAwardURL = "urn:uuid:00000000-0000-4000-8000-000000000000"

// PublicAchievementJSON returns the OB 3.0 Achievement of a published
// achievement version as a JSON-LD document (GET /achievements/{id}/v{n}
// for machines): the "achievement" object every credential of that version
// carries, under the credential's @context. It is cut from a credential
// built by buildCredential, the code that issues, so the document and the
// credentials cannot drift apart. Drafts are NotFound.
func (s *Service) PublicAchievementJSON(ctx context.Context, a *Achievement) ([]byte, error) {
	if a.ApprovalStatus == ApprovalDraft {
		return nil, errs.E(errs.NotFound, "There is no micro-credential %s.", a.ID)
	}
	p, err := s.store.Provider(ctx, a.ProviderID)
	if err != nil {
		return nil, err
	}
	award := standInAward
	b, _, err := s.buildCredential(p, a, &award, standInAwardURL, nil, nil)
	if err != nil {
		return nil, errs.Wrap(err, errs.Internal, "the achievement %s cannot be described", a.ID)
	}
	doc, err := decodeGeneric(b)
	if err != nil {
		return nil, err
	}
	subj, _ := doc["credentialSubject"].(map[string]any)
	ach, _ := subj["achievement"].(map[string]any)
	if ach == nil {
		return nil, errs.E(errs.Internal, "the built credential of achievement %s has no achievement", a.ID)
	}
	ach["@context"] = doc["@context"]
	return marshalGeneric(ach)
}
