package issuer

import (
	"context"
	"io"
	"time"
)

// Store is the persistence issuer needs. The store package implements it on
// PostgreSQL and SQLite.
//
// Error contract for every method: NotFound when the thing asked for does
// not exist; Conflict when a unique constraint is violated (a slug, an
// Idempotency-Key, a status index) or a conditional update finds the row in
// another state; Unavailable when the database cannot be reached; Internal
// otherwise.
type Store interface {
	// WithTx runs fn in one transaction on a Store bound to it: fn's changes
	// commit together when it returns nil and roll back otherwise (its error
	// is returned unchanged). fn must use only the Store it is given.
	WithTx(ctx context.Context, fn func(tx Store) error) error

	CreateProvider(ctx context.Context, p *Provider) error
	Provider(ctx context.Context, id string) (*Provider, error)
	ProviderBySlug(ctx context.Context, slug string) (*Provider, error)

	CreateKey(ctx context.Context, k *Key) error
	// Keys returns all of a provider's keys (every provider's when
	// providerID is ""), active and retired, oldest first.
	Keys(ctx context.Context, providerID string) ([]Key, error)
	// RetireKey marks an active key retired; NotFound if no such active key.
	RetireKey(ctx context.Context, id string, at time.Time) error
	// MasterKeyCheck returns the stored master key check token; NotFound
	// when none is stored yet.
	MasterKeyCheck(ctx context.Context) ([]byte, error)
	// InitMasterKeyCheck stores token unless a token is stored already (the
	// first of racing replicas wins) and returns the token now stored.
	InitMasterKeyCheck(ctx context.Context, token []byte) ([]byte, error)

	CreateAPIKey(ctx context.Context, k *APIKey) error
	APIKey(ctx context.Context, id string) (*APIKey, error)
	APIKeyByPrefix(ctx context.Context, prefix string) (*APIKey, error)
	APIKeys(ctx context.Context, providerID string) ([]APIKey, error)
	// RevokeAPIKey sets RevokedAt; NotFound if there is no unrevoked key id.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error

	// CreateAchievement inserts the version a.Version of a.ID.
	CreateAchievement(ctx context.Context, a *Achievement) error
	// UpdateAchievement rewrites version a.Version of a.ID in place.
	UpdateAchievement(ctx context.Context, a *Achievement) error
	// Achievement returns version of id; version 0 means the latest.
	Achievement(ctx context.Context, id string, version int) (*Achievement, error)
	// Achievements returns the latest version of every achievement the
	// provider owns or is accredited to deliver (all when providerID is "").
	Achievements(ctx context.Context, providerID string) ([]Achievement, error)
	// AchievementInUse reports whether any award refers to version of id.
	AchievementInUse(ctx context.Context, id string, version int) (bool, error)
	// DeleteAchievement deletes every version of id: NotFound if there is
	// none, Conflict if an award refers to any of them.
	DeleteAchievement(ctx context.Context, id string) error

	CreateAward(ctx context.Context, a *Award) error
	Award(ctx context.Context, id string) (*Award, error)
	Awards(ctx context.Context, f AwardFilter) ([]Award, error)
	// UpdateAward writes a's mutable fields (state, approver, issue time,
	// reason, updated time) only if the stored state is still from; Conflict
	// otherwise. This is what stops two replicas issuing an award twice.
	UpdateAward(ctx context.Context, a *Award, from AwardState) error

	// SaveCredential inserts one signed form of an award's credential;
	// Conflict if that form exists.
	SaveCredential(ctx context.Context, c *Credential) error
	Credential(ctx context.Context, awardID, format string) (*Credential, error)

	// CreateIssuedCredential records a credential signed through the VC-API.
	// Conflict when the provider already has one with that credential id.
	CreateIssuedCredential(ctx context.Context, c *IssuedCredential) error
	// IssuedCredential returns the provider's VC-API credential with the
	// given credential id, with its status indexes. NotFound if none.
	IssuedCredential(ctx context.Context, providerID, credentialID string) (*IssuedCredential, error)
	// UpdateIssuedCredential writes c's state, reason and update time if the
	// stored state is still from; Conflict otherwise.
	UpdateIssuedCredential(ctx context.Context, c *IssuedCredential, from AwardState) error

	// AllocateStatusIndex picks a random index in [0, bits) that no
	// credential of the provider uses for purpose, records it for awardID and
	// returns it. A unique constraint on (provider, purpose, index) means two
	// replicas can never hand out the same index; on a clash it draws again.
	// Conflict when the list is full.
	AllocateStatusIndex(ctx context.Context, providerID, purpose string, bits int, rnd io.Reader, awardID string) (int, error)
	// (awardID may also be an IssuedCredential's ID.)
	// StatusIndex returns the index allocated to awardID for purpose.
	StatusIndex(ctx context.Context, awardID, purpose string) (int, error)
	// SetStatus sets or clears the bit of awardID's entry for purpose.
	SetStatus(ctx context.Context, awardID, purpose string, set bool) error
	// SetStatusIndexes returns the indexes whose bit is set, ascending.
	SetStatusIndexes(ctx context.Context, providerID, purpose string) ([]int, error)
	// LockStatusList serialises regeneration of one list across replicas:
	// it holds a row lock until the transaction ends (Postgres; SQLite
	// already has a single writer). Call it inside WithTx before reading the
	// set indexes.
	LockStatusList(ctx context.Context, providerID, purpose string) error
	SaveStatusList(ctx context.Context, l *StatusList) error
	StatusList(ctx context.Context, providerID, purpose string) (*StatusList, error)

	// IdempotencyKey returns the saved outcome for (providerID, key).
	IdempotencyKey(ctx context.Context, providerID, key string) (*Idempotency, error)
	// SaveIdempotencyKey records it; Conflict if the key is already saved.
	SaveIdempotencyKey(ctx context.Context, i *Idempotency) error

	AppendAudit(ctx context.Context, e *AuditEvent) error
	// AuditEvents returns the provider's events, newest first, at most limit.
	AuditEvents(ctx context.Context, providerID string, limit int) ([]AuditEvent, error)

	// Bulk jobs, the notification outbox and reports (issue 6; bulk_types.go).
	BulkStore
}

// AwardFilter selects awards. Zero fields match anything.
type AwardFilter struct {
	ProviderID    string
	AchievementID string
	State         AwardState
	Limit         int // 0 means 100
}
