package issuer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tohu-nz/tohu/errs"
)

// NewAward is the input to CreateAward.
type NewAward struct {
	AchievementID      string
	AchievementVersion int // 0 means the latest version
	LearnerName        string
	LearnerEmail       string
	LearnerDID         string
	NSN                string // National Student Number; kept for NZQA reporting, never in the credential
	Result             string // OB ResultStatusType; default "Completed"
	CreditsEarned      int    // 0 means all the achievement's credits
	CompletedOn        time.Time
	EvidenceURLs       []string
	// ToIssue says the caller issues the award in the same request (create,
	// approve and issue in one call): then CreateAward refuses, as IssueAward
	// would, an achievement that cannot be issued, rather than leave a
	// pending award behind a refused request. Not part of the request an
	// Idempotency-Key identifies.
	ToIssue bool `json:"-"`
}

var (
	nsnPattern = regexp.MustCompile(`^[0-9]{1,10}$`)
	// resultStatuses is OB 3.0's ResultStatusType enumeration.
	resultStatuses = []string{"Completed", "Enrolled", "Failed", "InProgress", "OnHold", "Provisional", "Withdrew"}
)

// CreateAward records a learner's result as a pending award of the actor's
// provider. With a non-empty idempotencyKey, a retry of the same request
// returns the award the first one created (and does nothing else); the same
// key with a different request is a Conflict. Needs the assessor role.
// Invalid (with Field) for bad input; NotFound for an unknown achievement.
func (s *Service) CreateAward(ctx context.Context, actor Actor, in NewAward, idempotencyKey string) (*Award, error) {
	if err := actor.require(RoleAssessor, actor.ProviderID); err != nil {
		return nil, err
	}
	if actor.ProviderID == "" {
		return nil, errs.E(errs.Invalid, "awards are created with a provider's API key")
	}
	hash := requestHash(in)
	if idempotencyKey != "" {
		if len(idempotencyKey) > 255 {
			return nil, errs.F(errs.Invalid, "/idempotencyKey", "the Idempotency-Key is longer than 255 characters")
		}
		if a, err := s.replay(ctx, actor.ProviderID, idempotencyKey, hash); a != nil || err != nil {
			return a, err
		}
	}
	ach, err := s.store.Achievement(ctx, in.AchievementID, in.AchievementVersion)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, errs.F(errs.NotFound, "/achievementId", "no achievement %q version %d", in.AchievementID, in.AchievementVersion)
		}
		return nil, err
	}
	a, err := s.validateAward(in, ach)
	if err != nil {
		return nil, err
	}
	if in.ToIssue {
		p, err := s.store.Provider(ctx, actor.ProviderID)
		if err != nil {
			return nil, err
		}
		if err := issuable(p, ach, s.now()); err != nil {
			return nil, err
		}
	}
	if a.ID, err = s.newID(); err != nil {
		return nil, err
	}
	a.ProviderID, a.State, a.CreatedBy = actor.ProviderID, AwardPending, actor.name()
	a.CreatedAt, a.UpdatedAt = s.now(), s.now()
	err = s.store.WithTx(ctx, func(tx Store) error {
		if err := tx.CreateAward(ctx, a); err != nil {
			return err
		}
		if idempotencyKey != "" {
			if err := tx.SaveIdempotencyKey(ctx, &Idempotency{ProviderID: a.ProviderID, Key: idempotencyKey,
				RequestHash: hash, AwardID: a.ID, CreatedAt: s.now()}); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, a.ProviderID, "award.create", "award:"+a.ID,
			map[string]string{"achievement": a.AchievementID + "/v" + strconv.Itoa(a.AchievementVersion)})
	})
	if err != nil && idempotencyKey != "" && errs.Is(err, errs.Conflict) {
		// A concurrent request with the same key won the race: answer as it did.
		if prev, rerr := s.replay(ctx, actor.ProviderID, idempotencyKey, hash); prev != nil || rerr != nil {
			return prev, rerr
		}
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

// replay returns the award an earlier request with the same key created,
// nil when the key is new, or Conflict when it was used for another request.
func (s *Service) replay(ctx context.Context, providerID, key, hash string) (*Award, error) {
	prev, err := s.store.IdempotencyKey(ctx, providerID, key)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if prev.RequestHash != hash {
		return nil, errs.F(errs.Conflict, "/idempotencyKey", "this Idempotency-Key was used for a different request")
	}
	return s.store.Award(ctx, prev.AwardID)
}

func requestHash(in NewAward) string {
	b, _ := json.Marshal(in) // plain struct of strings, ints and a time
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (s *Service) validateAward(in NewAward, ach *Achievement) (*Award, error) {
	a := &Award{
		AchievementID: ach.ID, AchievementVersion: ach.Version,
		LearnerName: strings.TrimSpace(in.LearnerName), LearnerEmail: strings.TrimSpace(in.LearnerEmail),
		LearnerDID: strings.TrimSpace(in.LearnerDID), NSN: strings.TrimSpace(in.NSN),
		Result: in.Result, CreditsEarned: in.CreditsEarned, CompletedOn: in.CompletedOn.UTC(),
	}
	if a.Result == "" {
		a.Result = "Completed"
	}
	if a.CreditsEarned == 0 {
		a.CreditsEarned = ach.Credits
	}
	switch {
	case a.LearnerName == "":
		return nil, errs.F(errs.Invalid, "/learner/name", "the learner's name is required")
	case a.LearnerEmail == "" && a.LearnerDID == "":
		return nil, errs.F(errs.Invalid, "/learner/email", "the learner's email or DID is required")
	case a.LearnerEmail != "" && !validEmail(a.LearnerEmail):
		return nil, errs.F(errs.Invalid, "/learner/email", "the learner's email is not an email address")
	case a.LearnerDID != "" && !strings.HasPrefix(a.LearnerDID, "did:"):
		return nil, errs.F(errs.Invalid, "/learner/did", "the learner's DID must start with did:")
	case a.NSN != "" && !nsnPattern.MatchString(a.NSN):
		return nil, errs.F(errs.Invalid, "/learner/nsn", "the National Student Number is up to ten digits")
	case !slices.Contains(resultStatuses, a.Result):
		return nil, errs.F(errs.Invalid, "/result", "result must be one of %s", strings.Join(resultStatuses, ", "))
	case a.CreditsEarned < 1 || a.CreditsEarned > ach.Credits:
		return nil, errs.F(errs.Invalid, "/creditsEarned", "credits earned must be 1–%d (the achievement's credits)", ach.Credits)
	case a.CompletedOn.IsZero():
		return nil, errs.F(errs.Invalid, "/completedOn", "the completion date is required")
	case a.CompletedOn.After(s.now().Add(24 * time.Hour)):
		return nil, errs.F(errs.Invalid, "/completedOn", "the completion date is in the future")
	}
	for i, u := range in.EvidenceURLs {
		u = strings.TrimSpace(u)
		if !isHTTPURL(u) {
			return nil, errs.F(errs.Invalid, "/evidence/"+strconv.Itoa(i), "evidence must be an absolute http(s) URL")
		}
		a.EvidenceURLs = append(a.EvidenceURLs, u)
	}
	return a, nil
}

// ApproveAward moves a pending award to approved. Needs the approver role;
// when the provider asks for two-person approval, the approver must not be
// the key that created the award (Forbidden). Conflict when the award is not
// pending; NotFound when it does not exist or is another provider's.
func (s *Service) ApproveAward(ctx context.Context, actor Actor, id string) (*Award, error) {
	a, err := s.store.Award(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := actor.require(RoleApprover, a.ProviderID); err != nil {
		return nil, err
	}
	p, err := s.store.Provider(ctx, a.ProviderID)
	if err != nil {
		return nil, err
	}
	if p.RequireTwoPersonApproval && a.CreatedBy == actor.name() {
		return nil, errs.F(errs.Forbidden, "/approvedBy", "this provider requires two-person approval: the award must be approved with a key other than the one that created it")
	}
	if a.State != AwardPending {
		return nil, errs.F(errs.Conflict, "/state", "only a pending award can be approved; this one is %s", a.State)
	}
	a.State, a.ApprovedBy, a.UpdatedAt = AwardApproved, actor.name(), s.now()
	err = s.store.WithTx(ctx, func(tx Store) error {
		if err := tx.UpdateAward(ctx, a, AwardPending); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, a.ProviderID, "award.approve", "award:"+a.ID, nil)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// GetAward returns an award of the actor's provider (NSN included). Viewer
// role; NotFound for another provider's award.
func (s *Service) GetAward(ctx context.Context, actor Actor, id string) (*Award, error) {
	a, err := s.store.Award(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := actor.require(RoleViewer, a.ProviderID); err != nil {
		return nil, err
	}
	return a, nil
}

// ListAwards returns the actor's provider's awards, newest first. Viewer role.
func (s *Service) ListAwards(ctx context.Context, actor Actor, f AwardFilter) ([]Award, error) {
	if err := actor.require(RoleViewer, actor.ProviderID); err != nil {
		return nil, err
	}
	f.ProviderID = actor.ProviderID
	return s.store.Awards(ctx, f)
}

// AuditEvents returns the provider's audit log, newest first. Admin role.
func (s *Service) AuditEvents(ctx context.Context, actor Actor, providerID string, limit int) ([]AuditEvent, error) {
	if err := actor.require(RoleAdmin, providerID); err != nil {
		return nil, err
	}
	return s.store.AuditEvents(ctx, providerID, limit)
}
