package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"io"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/issuer"
)

type statusEntryRow struct {
	ProviderID string `gorm:"primaryKey"`
	Purpose    string `gorm:"primaryKey"`
	Idx        int    `gorm:"primaryKey;autoIncrement:false"`
	AwardID    string
	IsSet      bool
}

func (statusEntryRow) TableName() string { return "status_entries" }

type statusListRow struct {
	ProviderID string `gorm:"primaryKey"`
	Purpose    string `gorm:"primaryKey"`
	Bits       int
	Body       []byte
	Revision   int
	UpdatedAt  time.Time
}

func (statusListRow) TableName() string { return "status_lists" }

// maxDraws bounds the blind random draws for one index. When the list is
// nearly full they keep hitting used indexes; then we read the used ones and
// draw uniformly among the free ones instead, so the choice stays random and
// only a really full list is a Conflict.
const maxDraws = 16

// AllocateStatusIndex picks a random unused index of the provider's list for
// purpose and records it for awardID. The insert uses ON CONFLICT DO NOTHING
// on the primary key (provider, purpose, index): a clash with an index that
// another transaction (on any replica) holds inserts nothing, and we draw
// again, without aborting the surrounding Postgres transaction.
func (db *DB) AllocateStatusIndex(ctx context.Context, providerID, purpose string, bits int, rnd io.Reader, awardID string) (int, error) {
	if bits <= 0 {
		return 0, errs.E(errs.Internal, "status list size must be positive")
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	try := func(idx int) (bool, error) {
		res := db.write(ctx).Clauses(clause.OnConflict{DoNothing: true}).
			Create(&statusEntryRow{ProviderID: providerID, Purpose: purpose, Idx: idx, AwardID: awardID})
		if res.Error != nil {
			return false, translate(res.Error, "status entry")
		}
		return res.RowsAffected == 1, nil
	}
	for range maxDraws {
		idx, err := randIndex(rnd, bits)
		if err != nil {
			return 0, err
		}
		if ok, err := try(idx); ok || err != nil {
			return idx, err
		}
	}
	for range maxDraws {
		var used []int
		if err := db.read(ctx).Model(&statusEntryRow{}).Where("provider_id = ? AND purpose = ?", providerID, purpose).
			Order("idx").Pluck("idx", &used).Error; err != nil {
			return 0, translate(err, "status entries")
		}
		free := bits - len(used)
		if free <= 0 {
			return 0, errs.E(errs.Conflict, "the %s status list of this provider is full", purpose)
		}
		k, err := randIndex(rnd, free)
		if err != nil {
			return 0, err
		}
		// The k-th free index: walk the sorted used list.
		idx := k
		for _, u := range used {
			if u <= idx {
				idx++
			} else {
				break
			}
		}
		if ok, err := try(idx); ok || err != nil {
			return idx, err
		}
	}
	return 0, errs.E(errs.Conflict, "could not find a free index in the %s status list", purpose)
}

// randIndex returns a uniform random int in [0, n).
func randIndex(rnd io.Reader, n int) (int, error) {
	var b [8]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return 0, errs.Wrap(err, errs.Internal, "no randomness for a status index")
	}
	// Modulo bias is below 2^-40 for lists under 2^24 bits.
	return int(binary.BigEndian.Uint64(b[:]) % uint64(n)), nil
}

// StatusIndex returns the index allocated to awardID for purpose.
func (db *DB) StatusIndex(ctx context.Context, awardID, purpose string) (int, error) {
	var r statusEntryRow
	if err := db.read(ctx).Where("award_id = ? AND purpose = ?", awardID, purpose).Take(&r).Error; err != nil {
		return 0, translate(err, "status entry")
	}
	return r.Idx, nil
}

// SetStatus sets or clears the bit of awardID's entry for purpose.
func (db *DB) SetStatus(ctx context.Context, awardID, purpose string, set bool) error {
	res := db.write(ctx).Model(&statusEntryRow{}).Where("award_id = ? AND purpose = ?", awardID, purpose).Update("is_set", set)
	if res.Error != nil {
		return translate(res.Error, "status entry")
	}
	if res.RowsAffected == 0 {
		return errs.E(errs.NotFound, "the award has no %s status entry", purpose)
	}
	return nil
}

// SetStatusIndexes returns the set indexes of one list, ascending.
func (db *DB) SetStatusIndexes(ctx context.Context, providerID, purpose string) ([]int, error) {
	var idx []int
	err := db.read(ctx).Model(&statusEntryRow{}).Where("provider_id = ? AND purpose = ? AND is_set", providerID, purpose).
		Order("idx").Pluck("idx", &idx).Error
	return idx, translate(err, "status entries")
}

// LockStatusList makes sure the list's row exists and holds its row lock
// until the transaction ends, by bumping its revision: an UPDATE locks the
// row on Postgres, and a second replica regenerating the same list waits
// here, then reads the bits including ours. On SQLite the transaction
// already holds the database's write lock.
func (db *DB) LockStatusList(ctx context.Context, providerID, purpose string) error {
	w := db.write(ctx)
	err := w.Clauses(clause.OnConflict{DoNothing: true}).Create(&statusListRow{
		ProviderID: providerID, Purpose: purpose, UpdatedAt: time.Now().UTC(),
	}).Error
	if err != nil {
		return translate(err, "status list")
	}
	err = w.Model(&statusListRow{}).Where("provider_id = ? AND purpose = ?", providerID, purpose).
		UpdateColumn("revision", gorm.Expr("revision + 1")).Error
	return translate(err, "status list")
}

// SaveStatusList stores the signed list credential (insert or replace).
func (db *DB) SaveStatusList(ctx context.Context, l *issuer.StatusList) error {
	r := statusListRow{ProviderID: l.ProviderID, Purpose: l.Purpose, Bits: l.Bits, Body: l.Body, UpdatedAt: l.UpdatedAt.UTC()}
	err := db.write(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "provider_id"}, {Name: "purpose"}},
		DoUpdates: clause.AssignmentColumns([]string{"bits", "body", "updated_at"}),
	}).Create(&r).Error
	return translate(err, "status list")
}

// StatusList returns the stored list credential. NotFound if none was
// signed yet.
func (db *DB) StatusList(ctx context.Context, providerID, purpose string) (*issuer.StatusList, error) {
	var r statusListRow
	if err := db.read(ctx).Where("provider_id = ? AND purpose = ? AND body IS NOT NULL", providerID, purpose).Take(&r).Error; err != nil {
		return nil, translate(err, "status list")
	}
	return &issuer.StatusList{ProviderID: r.ProviderID, Purpose: r.Purpose, Bits: r.Bits, Body: r.Body, UpdatedAt: r.UpdatedAt.UTC()}, nil
}
