package store

import (
	"context"
	"time"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

type awardRow struct {
	ID                 string `gorm:"primaryKey"`
	ProviderID         string
	AchievementID      string
	AchievementVersion int
	LearnerName        string
	LearnerEmail       string
	LearnerDID         string `gorm:"column:learner_did"`
	NSN                string `gorm:"column:nsn"`
	Result             string
	CreditsEarned      int
	CompletedOn        time.Time
	EvidenceURLs       string `gorm:"column:evidence_urls"` // JSON array
	State              string
	CreatedBy          string
	ApprovedBy         string
	IssuedAt           *time.Time
	Reason             string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

func (awardRow) TableName() string { return "awards" }

func (r *awardRow) domain() issuer.Award {
	return issuer.Award{
		ID: r.ID, ProviderID: r.ProviderID, AchievementID: r.AchievementID, AchievementVersion: r.AchievementVersion,
		LearnerName: r.LearnerName, LearnerEmail: r.LearnerEmail, LearnerDID: r.LearnerDID, NSN: r.NSN,
		Result: r.Result, CreditsEarned: r.CreditsEarned, CompletedOn: r.CompletedOn.UTC(),
		EvidenceURLs: fromJSON[string](r.EvidenceURLs), State: issuer.AwardState(r.State),
		CreatedBy: r.CreatedBy, ApprovedBy: r.ApprovedBy, IssuedAt: utcPtr(r.IssuedAt), Reason: r.Reason,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

// CreateAward inserts a. Conflict if the id is taken; Invalid if its
// provider or achievement version does not exist.
func (db *DB) CreateAward(ctx context.Context, a *issuer.Award) error {
	r := newAwardRow(a)
	return translate(db.write(ctx).Create(&r).Error, "award")
}

func newAwardRow(a *issuer.Award) awardRow {
	return awardRow{
		ID: a.ID, ProviderID: a.ProviderID, AchievementID: a.AchievementID, AchievementVersion: a.AchievementVersion,
		LearnerName: a.LearnerName, LearnerEmail: a.LearnerEmail, LearnerDID: a.LearnerDID, NSN: a.NSN,
		Result: a.Result, CreditsEarned: a.CreditsEarned, CompletedOn: a.CompletedOn.UTC(),
		EvidenceURLs: toJSON(a.EvidenceURLs), State: string(a.State),
		CreatedBy: a.CreatedBy, ApprovedBy: a.ApprovedBy, IssuedAt: utcPtr(a.IssuedAt), Reason: a.Reason,
		CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
	}
}

// Award returns the award with id. NotFound if none.
func (db *DB) Award(ctx context.Context, id string) (*issuer.Award, error) {
	var r awardRow
	if err := db.read(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return nil, translate(err, "award")
	}
	a := r.domain()
	return &a, nil
}

// Awards returns awards matching f, newest first.
func (db *DB) Awards(ctx context.Context, f issuer.AwardFilter) ([]issuer.Award, error) {
	q := db.read(ctx).Model(&awardRow{})
	if f.ProviderID != "" {
		q = q.Where("provider_id = ?", f.ProviderID)
	}
	if f.AchievementID != "" {
		q = q.Where("achievement_id = ?", f.AchievementID)
	}
	if f.State != "" {
		q = q.Where("state = ?", string(f.State))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	var rows []awardRow
	if err := q.Order("created_at DESC, id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, translate(err, "awards")
	}
	out := make([]issuer.Award, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// UpdateAward writes a's state, approver, issue time, reason and update time
// if the stored state is still from. Conflict if it is not (someone else
// moved it first); NotFound if there is no such award.
func (db *DB) UpdateAward(ctx context.Context, a *issuer.Award, from issuer.AwardState) error {
	res := db.write(ctx).Model(&awardRow{}).Where("id = ? AND state = ?", a.ID, string(from)).
		Updates(map[string]any{
			"state":       string(a.State),
			"approved_by": a.ApprovedBy,
			"issued_at":   utcPtr(a.IssuedAt),
			"reason":      a.Reason,
			"updated_at":  a.UpdatedAt.UTC(),
		})
	if res.Error != nil {
		return translate(res.Error, "award")
	}
	if res.RowsAffected == 0 {
		if _, err := db.Award(ctx, a.ID); err != nil {
			return err
		}
		return errs.E(errs.Conflict, "the award is no longer %s", from)
	}
	return nil
}
