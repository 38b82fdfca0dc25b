package store

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

type achievementRow struct {
	ID                  string `gorm:"primaryKey"`
	Version             int    `gorm:"primaryKey;autoIncrement:false"`
	ProviderID          string
	Title               string
	TitleMi             string `gorm:"column:title_mi"`
	NZQARef             string `gorm:"column:nzqa_ref"`
	NZQAVersion         string `gorm:"column:nzqa_version"`
	Level               int
	Credits             int
	Aim                 string
	Outcomes            string // JSON array
	AssessmentNarrative string
	NZSCEDCode          string `gorm:"column:nzsced_code"`
	NZSCEDName          string `gorm:"column:nzsced_name"`
	Developer           string
	QARoute             string `gorm:"column:qa_route"`
	EquityTags          string // JSON array
	ApprovalStatus      string
	ListedOn            *time.Time
	NextReviewOn        *time.Time
	ImageURL            string `gorm:"column:image_url"`
	AccreditedProviders string // JSON array of provider ids
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

func (achievementRow) TableName() string { return "achievements" }

func achievementToRow(a *issuer.Achievement) *achievementRow {
	return &achievementRow{
		ID: a.ID, Version: a.Version, ProviderID: a.ProviderID, Title: a.Title, TitleMi: a.TitleMi,
		NZQARef: a.NZQARef, NZQAVersion: a.NZQAVersion, Level: a.Level, Credits: a.Credits,
		Aim: a.Aim, Outcomes: toJSON(a.Outcomes), AssessmentNarrative: a.AssessmentNarrative,
		NZSCEDCode: a.NZSCEDCode, NZSCEDName: a.NZSCEDName, Developer: a.Developer,
		QARoute: a.QARoute, EquityTags: toJSON(a.EquityTags), ApprovalStatus: a.ApprovalStatus,
		ListedOn: utcPtr(a.ListedOn), NextReviewOn: utcPtr(a.NextReviewOn), ImageURL: a.ImageURL,
		AccreditedProviders: toJSON(a.AccreditedProviders),
		CreatedAt:           a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
	}
}

func (r *achievementRow) domain() issuer.Achievement {
	return issuer.Achievement{
		ID: r.ID, Version: r.Version, ProviderID: r.ProviderID, Title: r.Title, TitleMi: r.TitleMi,
		NZQARef: r.NZQARef, NZQAVersion: r.NZQAVersion, Level: r.Level, Credits: r.Credits,
		Aim: r.Aim, Outcomes: fromJSON[string](r.Outcomes), AssessmentNarrative: r.AssessmentNarrative,
		NZSCEDCode: r.NZSCEDCode, NZSCEDName: r.NZSCEDName, Developer: r.Developer,
		QARoute: r.QARoute, EquityTags: fromJSON[string](r.EquityTags), ApprovalStatus: r.ApprovalStatus,
		ListedOn: utcPtr(r.ListedOn), NextReviewOn: utcPtr(r.NextReviewOn), ImageURL: r.ImageURL,
		AccreditedProviders: fromJSON[string](r.AccreditedProviders),
		CreatedAt:           r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

// CreateAchievement inserts version a.Version of a.ID. Conflict if it exists.
func (db *DB) CreateAchievement(ctx context.Context, a *issuer.Achievement) error {
	return translate(db.write(ctx).Create(achievementToRow(a)).Error, "achievement version")
}

// UpdateAchievement rewrites version a.Version of a.ID. NotFound if absent.
func (db *DB) UpdateAchievement(ctx context.Context, a *issuer.Achievement) error {
	r := achievementToRow(a)
	res := db.write(ctx).Model(&achievementRow{}).Where("id = ? AND version = ?", a.ID, a.Version).
		Select("*").Omit("id", "version", "provider_id", "created_at").Updates(r)
	if res.Error != nil {
		return translate(res.Error, "achievement")
	}
	if res.RowsAffected == 0 {
		return errs.E(errs.NotFound, "achievement not found")
	}
	return nil
}

// Achievement returns version of id, or the latest when version is 0.
func (db *DB) Achievement(ctx context.Context, id string, version int) (*issuer.Achievement, error) {
	var r achievementRow
	q := db.read(ctx).Where("id = ?", id)
	if version > 0 {
		q = q.Where("version = ?", version)
	} else {
		q = q.Order("version DESC")
	}
	if err := q.Limit(1).Take(&r).Error; err != nil {
		return nil, translate(err, "achievement")
	}
	a := r.domain()
	return &a, nil
}

// Achievements returns the latest version of each achievement the provider
// owns or is accredited to deliver (every achievement when providerID is "").
func (db *DB) Achievements(ctx context.Context, providerID string) ([]issuer.Achievement, error) {
	var rows []achievementRow
	q := db.read(ctx).Where("version = (SELECT MAX(a2.version) FROM achievements a2 WHERE a2.id = achievements.id)")
	if providerID != "" {
		// Provider ids are opaque [a-z0-9] strings, so a quoted substring
		// match on the JSON array is exact.
		q = q.Where("(provider_id = ? OR accredited_providers LIKE ?)", providerID, `%"`+providerID+`"%`)
	}
	if err := q.Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "achievements")
	}
	out := make([]issuer.Achievement, len(rows))
	for i := range rows {
		out[i] = rows[i].domain()
	}
	return out, nil
}

// AchievementInUse reports whether any award refers to version of id.
func (db *DB) AchievementInUse(ctx context.Context, id string, version int) (bool, error) {
	var n int64
	err := db.read(ctx).Model(&awardRow{}).Where("achievement_id = ? AND achievement_version = ?", id, version).Limit(1).Count(&n).Error
	return n > 0, translate(err, "awards")
}

// DeleteAchievement deletes every version of achievement id. Conflict when an
// award refers to one of them (checked first for a clear message; the
// awards' foreign key refuses it too, should one be created meanwhile).
func (db *DB) DeleteAchievement(ctx context.Context, id string) error {
	var n int64
	if err := db.read(ctx).Model(&awardRow{}).Where("achievement_id = ?", id).Limit(1).Count(&n).Error; err != nil {
		return translate(err, "awards")
	}
	if n > 0 {
		return errs.E(errs.Conflict, "achievement %s has awards", id)
	}
	res := db.write(ctx).Where("id = ?", id).Delete(&achievementRow{})
	if errors.Is(res.Error, gorm.ErrForeignKeyViolated) {
		return errs.Wrap(res.Error, errs.Conflict, "achievement %s has awards", id)
	}
	if res.Error != nil {
		return translate(res.Error, "achievement")
	}
	if res.RowsAffected == 0 {
		return errs.E(errs.NotFound, "achievement not found")
	}
	return nil
}
