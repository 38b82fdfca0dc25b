package issuer

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tohu-nz/tohu/errs"
)

var nzscedPattern = regexp.MustCompile(`^[0-9]{6}$`)

// validateAchievement checks the NZ fields and their bounds. Field pointers
// name the API's JSON members.
func (s *Service) validateAchievement(a *Achievement) error {
	a.Title = strings.TrimSpace(a.Title)
	a.TitleMi = strings.TrimSpace(a.TitleMi)
	a.NZQARef = strings.TrimSpace(a.NZQARef)
	a.NZQAVersion = strings.TrimSpace(a.NZQAVersion)
	a.Aim = strings.TrimSpace(a.Aim)
	b := s.cfg.Bounds
	switch {
	case a.Title == "":
		return errs.F(errs.Invalid, "/title", "title is required")
	case a.NZQARef == "":
		return errs.F(errs.Invalid, "/nzqaRef", "the NZQA reference is required")
	case a.NZQAVersion == "":
		return errs.F(errs.Invalid, "/nzqaVersion", "the NZQA version is required")
	case a.Level < b.MinLevel || a.Level > b.MaxLevel:
		return errs.F(errs.Invalid, "/level", "NZQCF level must be %d–%d, not %d", b.MinLevel, b.MaxLevel, a.Level)
	case a.Credits < b.MinCredits || a.Credits > b.MaxCredits:
		return errs.F(errs.Invalid, "/credits", "credits must be %d–%d, not %d", b.MinCredits, b.MaxCredits, a.Credits)
	case !nzscedPattern.MatchString(a.NZSCEDCode):
		return errs.F(errs.Invalid, "/nzscedCode", "the NZSCED field of study must be six digits")
	case strings.TrimSpace(a.Developer) == "":
		return errs.F(errs.Invalid, "/developer", "the developer (e.g. a Workforce Development Council) is required")
	case a.Aim == "":
		// The credential's achievement description (OB 3.0 requires it):
		// asked for here so IssueAward cannot fail on it later.
		return errs.F(errs.Invalid, "/aim", "the aim (what the micro-credential is for) is required")
	}
	var outcomes []string
	for _, o := range a.Outcomes {
		if o = strings.TrimSpace(o); o != "" {
			outcomes = append(outcomes, o)
		}
	}
	if len(outcomes) == 0 {
		return errs.F(errs.Invalid, "/outcomes", "at least one learning outcome is required")
	}
	a.Outcomes = outcomes
	if a.ApprovalStatus == "" {
		a.ApprovalStatus = ApprovalDraft
	}
	if !slices.Contains([]string{ApprovalDraft, ApprovalApproved, ApprovalWithdrawn}, a.ApprovalStatus) {
		return errs.F(errs.Invalid, "/approvalStatus", "approvalStatus must be draft, approved or withdrawn")
	}
	if a.QARoute == "" {
		a.QARoute = QARouteNZQA
	}
	if a.QARoute != QARouteNZQA && a.QARoute != QARouteTeHono {
		return errs.F(errs.Invalid, "/qaRoute", "qaRoute must be %q or %q", QARouteNZQA, QARouteTeHono)
	}
	if a.ListedOn != nil && a.NextReviewOn != nil && a.NextReviewOn.Before(*a.ListedOn) {
		return errs.F(errs.Invalid, "/nextReviewOn", "the next review date is before the listing date")
	}
	if a.ImageURL != "" && !isHTTPURL(a.ImageURL) {
		return errs.F(errs.Invalid, "/imageUrl", "imageUrl must be an absolute http(s) URL")
	}
	return nil
}

// CreateAchievement registers a micro-credential (version 1) owned by the
// actor's provider. When AccreditedProviders is empty the owner is the one
// accredited provider. Needs the admin role. Invalid (with Field) for bad
// fields; Invalid at /accreditedProviders/N for an unknown provider.
func (s *Service) CreateAchievement(ctx context.Context, actor Actor, a Achievement) (*Achievement, error) {
	if a.ProviderID == "" {
		a.ProviderID = actor.ProviderID
	}
	if err := actor.require(RoleAdmin, a.ProviderID); err != nil {
		return nil, err
	}
	if err := s.validateAchievement(&a); err != nil {
		return nil, err
	}
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	a.ID, a.Version = id, 1
	a.CreatedAt, a.UpdatedAt = s.now(), s.now()
	if len(a.AccreditedProviders) == 0 {
		a.AccreditedProviders = []string{a.ProviderID}
	}
	err = s.store.WithTx(ctx, func(tx Store) error {
		if err := s.checkProviders(ctx, tx, a.AccreditedProviders); err != nil {
			return err
		}
		if err := tx.CreateAchievement(ctx, &a); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, a.ProviderID, "achievement.create", "achievement:"+a.ID+"/v1",
			map[string]string{"nzqaRef": a.NZQARef, "approvalStatus": a.ApprovalStatus})
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func (s *Service) checkProviders(ctx context.Context, tx Store, ids []string) error {
	for i, id := range ids {
		if _, err := tx.Provider(ctx, id); err != nil {
			if errs.Is(err, errs.NotFound) {
				return errs.F(errs.Invalid, "/accreditedProviders/"+strconv.Itoa(i), "no provider %q", id)
			}
			return err
		}
	}
	return nil
}

// UpdateAchievement replaces the fields of achievement a.ID with a's. When
// an award already refers to the latest version, the change becomes a new
// version (Version+1) and what was issued keeps pointing at the old one;
// otherwise the latest version is changed in place. Needs the admin role of
// the owning provider. NotFound for an unknown id; Invalid for bad fields.
func (s *Service) UpdateAchievement(ctx context.Context, actor Actor, a Achievement) (*Achievement, error) {
	if err := s.validateAchievement(&a); err != nil {
		return nil, err
	}
	var out *Achievement
	err := s.store.WithTx(ctx, func(tx Store) error {
		cur, err := tx.Achievement(ctx, a.ID, 0)
		if err != nil {
			return err
		}
		if err := actor.require(RoleAdmin, cur.ProviderID); err != nil {
			return err
		}
		if len(a.AccreditedProviders) == 0 {
			a.AccreditedProviders = cur.AccreditedProviders
		}
		if err := s.checkProviders(ctx, tx, a.AccreditedProviders); err != nil {
			return err
		}
		a.ProviderID, a.CreatedAt, a.UpdatedAt = cur.ProviderID, cur.CreatedAt, s.now()
		inUse, err := tx.AchievementInUse(ctx, cur.ID, cur.Version)
		if err != nil {
			return err
		}
		if inUse {
			a.Version, a.CreatedAt = cur.Version+1, s.now()
			err = tx.CreateAchievement(ctx, &a)
		} else {
			a.Version = cur.Version
			err = tx.UpdateAchievement(ctx, &a)
		}
		if err != nil {
			return err
		}
		out = &a
		return s.audit(ctx, tx, actor, a.ProviderID, "achievement.update",
			"achievement:"+a.ID+"/v"+strconv.Itoa(a.Version),
			map[string]string{"newVersion": strconv.FormatBool(inUse), "approvalStatus": a.ApprovalStatus})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetAchievement returns version of id (0 = latest). Achievements are
// public (their pages are), so no actor is needed. NotFound if absent.
func (s *Service) GetAchievement(ctx context.Context, id string, version int) (*Achievement, error) {
	return s.store.Achievement(ctx, id, version)
}

// ListAchievements returns the latest version of every achievement the
// actor's provider owns or is accredited to deliver. Viewer role.
func (s *Service) ListAchievements(ctx context.Context, actor Actor) ([]Achievement, error) {
	if err := actor.require(RoleViewer, actor.ProviderID); err != nil {
		return nil, err
	}
	return s.store.Achievements(ctx, actor.ProviderID)
}

// DeleteAchievement deletes an achievement, every version, while no award
// refers to it: a micro-credential entered by mistake. Once anything has
// been awarded it must stay (issued credentials point at its versions), so
// it is a Conflict at /approvalStatus: withdraw it instead. Needs the admin
// role of the owning provider; NotFound for an unknown id.
func (s *Service) DeleteAchievement(ctx context.Context, actor Actor, id string) error {
	return s.store.WithTx(ctx, func(tx Store) error {
		cur, err := tx.Achievement(ctx, id, 0)
		if err != nil {
			return err
		}
		if err := actor.require(RoleAdmin, cur.ProviderID); err != nil {
			return err
		}
		if err := tx.DeleteAchievement(ctx, id); err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.F(errs.Conflict, "/approvalStatus", "the micro-credential %s has been awarded, so it cannot be deleted; set its approvalStatus to withdrawn instead", cur.NZQARef)
			}
			return err
		}
		return s.audit(ctx, tx, actor, cur.ProviderID, "achievement.delete", "achievement:"+id,
			map[string]string{"nzqaRef": cur.NZQARef, "versions": strconv.Itoa(cur.Version)})
	})
}
