package api

import (
	"context"
	"time"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/issuer"
	"github.com/tohu-nz/tohu/verifier"
)

// Pinger reports whether the service can serve requests (the database is
// reachable). Returns an errs.Unavailable error when it cannot.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Authenticator turns a bearer API key into the actor that holds it.
// Returns errs.Unauthorized for an unknown, revoked or malformed key, with
// one message for all three so the response is no oracle; the comparison is
// constant-time in the implementation (issuer.Service).
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (issuer.Actor, error)
}

// Verifier is what the verify routes call; implemented by
// *verifier.Verifier. Verify never fails: a bad input is a report.
type Verifier interface {
	Verify(ctx context.Context, input []byte) *verifier.Report
}

// PublicIssuer is what the public (no API key) routes read.
type PublicIssuer interface {
	GetCredential(ctx context.Context, id, format string) ([]byte, error)
	DIDDocument(ctx context.Context, slug string) (map[string]any, error)
	Profile(ctx context.Context, slug string) (*credential.Profile, error)
	StatusListCredential(ctx context.Context, slug, purpose string) ([]byte, error)
}

// Issuer is the award workflow the authenticated routes call; implemented
// by *issuer.Service. Each method's error codes are documented there; the
// handlers render them through the problem table unchanged.
type Issuer interface {
	PublicIssuer

	CreateProvider(ctx context.Context, actor issuer.Actor, in issuer.NewProvider) (*issuer.ProviderCreated, error)
	CreateAPIKey(ctx context.Context, actor issuer.Actor, providerID, name string, roles []issuer.Role) (*issuer.APIKey, string, error)
	APIKeys(ctx context.Context, actor issuer.Actor, providerID string) ([]issuer.APIKey, error)
	RotateKeys(ctx context.Context, actor issuer.Actor, providerID string) ([]issuer.Key, error)
	Keys(ctx context.Context, actor issuer.Actor, providerID string) ([]issuer.Key, error)

	CreateAchievement(ctx context.Context, actor issuer.Actor, a issuer.Achievement) (*issuer.Achievement, error)
	UpdateAchievement(ctx context.Context, actor issuer.Actor, a issuer.Achievement) (*issuer.Achievement, error)
	DeleteAchievement(ctx context.Context, actor issuer.Actor, id string) error
	GetAchievement(ctx context.Context, id string, version int) (*issuer.Achievement, error)
	ListAchievements(ctx context.Context, actor issuer.Actor) ([]issuer.Achievement, error)

	CreateAward(ctx context.Context, actor issuer.Actor, in issuer.NewAward, idempotencyKey string) (*issuer.Award, error)
	ApproveAward(ctx context.Context, actor issuer.Actor, id string) (*issuer.Award, error)
	IssueAward(ctx context.Context, actor issuer.Actor, id string) (*issuer.Issued, error)
	GetAward(ctx context.Context, actor issuer.Actor, id string) (*issuer.Award, error)
	ListAwards(ctx context.Context, actor issuer.Actor, f issuer.AwardFilter) ([]issuer.Award, error)
	Revoke(ctx context.Context, actor issuer.Actor, id, reason string) (*issuer.Award, error)
	Suspend(ctx context.Context, actor issuer.Actor, id, reason string) (*issuer.Award, error)
	Reinstate(ctx context.Context, actor issuer.Actor, id, reason string) (*issuer.Award, error)
	AuditEvents(ctx context.Context, actor issuer.Actor, providerID string, limit int) ([]issuer.AuditEvent, error)

	// Cohort issuance, notifications and reports (issue 6: bulk.go, report.go).
	SubmitBulk(ctx context.Context, actor issuer.Actor, rows []issuer.BulkRow, defaultAchievement string, createOnly bool) (*issuer.BulkSubmitted, error)
	BulkJobStatus(ctx context.Context, actor issuer.Actor, id string) (*issuer.BulkStatus, error)
	ResendNotification(ctx context.Context, actor issuer.Actor, awardID, to string) (*issuer.NotificationStatus, error)
	ListBulkJobs(ctx context.Context, actor issuer.Actor, state string, limit int) ([]*issuer.BulkStatus, error)
	BulkResults(ctx context.Context, actor issuer.Actor, id string, fn func(issuer.BulkResult) error) error
	CancelBulkJob(ctx context.Context, actor issuer.Actor, id string) (*issuer.BulkStatus, error)
	AwardNotification(ctx context.Context, actor issuer.Actor, awardID string) (*issuer.NotificationStatus, error)
	NZQACompletions(ctx context.Context, actor issuer.Actor, from, to time.Time, withNSN bool) ([]issuer.Completion, int, error)

	RevokeAPIKey(ctx context.Context, actor issuer.Actor, id string) error
	IssueRaw(ctx context.Context, actor issuer.Actor, credentialJSON []byte, opts issuer.RawOptions) (*issuer.RawIssued, error)
	UpdateCredentialStatus(ctx context.Context, actor issuer.Actor, credentialID, purpose string, set bool, reason string) (issuer.AwardState, error)
	HostDIDDocument(ctx context.Context, slug string) (map[string]any, error)
}
