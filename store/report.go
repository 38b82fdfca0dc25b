package store

import (
	"context"
	"time"

	"github.com/tohu-nz/tohu/issuer"
)

// Completions returns the provider's issued or suspended awards completed
// in [from, to] (revoked ones are not completions to report), joined with
// the achievement version they were awarded for, by completion date and id.
func (db *DB) Completions(ctx context.Context, providerID string, from, to time.Time) ([]issuer.Completion, error) {
	var rows []struct {
		ID            string
		NSN           string `gorm:"column:nsn"`
		LearnerName   string
		NZQARef       string `gorm:"column:nzqa_ref"`
		NZQAVersion   string `gorm:"column:nzqa_version"`
		Title         string
		CompletedOn   time.Time
		CreditsEarned int
		State         string
	}
	err := db.read(ctx).Table("awards").
		Select("awards.id, awards.nsn, awards.learner_name, achievements.nzqa_ref, achievements.nzqa_version, achievements.title, awards.completed_on, awards.credits_earned, awards.state").
		Joins("JOIN achievements ON achievements.id = awards.achievement_id AND achievements.version = awards.achievement_version").
		Where("awards.provider_id = ? AND awards.state IN ? AND awards.completed_on >= ? AND awards.completed_on <= ?",
			providerID, []string{string(issuer.AwardIssued), string(issuer.AwardSuspended)}, from.UTC(), to.UTC()).
		Order("awards.completed_on, awards.id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "completions")
	}
	out := make([]issuer.Completion, len(rows))
	for i, r := range rows {
		out[i] = issuer.Completion{AwardID: r.ID, NSN: r.NSN, LearnerName: r.LearnerName, NZQARef: r.NZQARef,
			NZQAVersion: r.NZQAVersion, Title: r.Title, CompletedOn: r.CompletedOn.UTC(), CreditsEarned: r.CreditsEarned,
			State: issuer.AwardState(r.State)}
	}
	return out, nil
}
