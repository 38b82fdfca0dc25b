package verifier

import (
	"context"
	"time"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/jsonld"
	"github.com/tohu-nz/tohu/keys"
)

// Fetcher fetches a document by URL (a status list credential). fetch.Fetcher
// satisfies it; it must refuse anything that is not safe to fetch.
type Fetcher interface {
	Fetch(ctx context.Context, url string) ([]byte, error)
}

// Extractor pulls a credential out of a container format tohu does not parse
// itself (a baked PNG or SVG badge). It returns ok=false when input is not in
// its format; otherwise the embedded credential (JSON or compact JWT) and a
// format name for the report ("png", "svg"). Errors mean the container was
// recognised but is broken.
type Extractor func(input []byte) (inner []byte, format string, ok bool, err error)

// Default limits.
const (
	DefaultClockSkew = 5 * time.Minute
	DefaultMaxSize   = 2 << 20 // 2 MiB
	// maxCredentialsInPresentation bounds the work one presentation can ask for.
	maxCredentialsInPresentation = 100
)

// Verifier verifies credentials and presentations. It is safe for
// concurrent use; build one and share it.
type Verifier struct {
	resolver   credential.KeyResolver
	fetcher    Fetcher
	now        func() time.Time
	challenge  string
	domain     string
	skew       time.Duration
	maxSize    int
	extractors []Extractor
	canon      *jsonld.Canonicalizer
	lists      *listCache // verified status lists (statuscache.go); nil: none kept

	// OB30 Verification steps 3, 5 and 6 (refresh.go, recipient.go,
	// endorsement.go).
	refreshFetcher Fetcher // nil: the status fetcher is used
	noRefresh      bool    // set on the copy that verifies a refreshed credential
	recipient      string  // WithRecipient
	recipientType  string
	endorseDepth   int            // 0 for the presented credential, 1 for its endorsements, …
	endorseBudget  *endorseBudget // shared by one Verify call's endorsement tree
}

// Option configures a Verifier.
type Option func(*Verifier)

// WithResolver sets how verification methods are resolved to keys. The
// default is keys.NewResolver(): did:key only, no network.
func WithResolver(r credential.KeyResolver) Option {
	return func(v *Verifier) {
		if r != nil {
			v.resolver = r
		}
	}
}

// WithStatusFetcher turns on status checking (revocation, suspension)
// through f. Without it, a credential that has a status entry is reported
// as could_not_check: its status was not looked at.
func WithStatusFetcher(f Fetcher) Option { return func(v *Verifier) { v.fetcher = f } }

// WithNow sets the clock used for validity dates.
func WithNow(now func() time.Time) Option {
	return func(v *Verifier) {
		if now != nil {
			v.now = now
		}
	}
}

// WithChallenge sets the challenge (nonce) a presentation's proof must carry.
func WithChallenge(s string) Option { return func(v *Verifier) { v.challenge = s } }

// WithDomain sets the domain (audience) a presentation's proof must carry.
func WithDomain(s string) Option { return func(v *Verifier) { v.domain = s } }

// WithClockSkew sets the tolerance for validity dates (default 5 minutes).
func WithClockSkew(d time.Duration) Option {
	return func(v *Verifier) {
		if d >= 0 {
			v.skew = d
		}
	}
}

// WithMaxSize sets the largest input Verify accepts (default 2 MiB).
func WithMaxSize(n int) Option {
	return func(v *Verifier) {
		if n > 0 {
			v.maxSize = n
		}
	}
}

// WithExtractor adds a container format (baked PNG/SVG badges) whose
// embedded credential is verified in its place.
func WithExtractor(e Extractor) Option {
	return func(v *Verifier) {
		if e != nil {
			v.extractors = append(v.extractors, e)
		}
	}
}

// New returns a Verifier. Without options it is offline: did:key keys only,
// no status checks, the system clock, 5 minutes of clock skew, 2 MiB inputs.
func New(opts ...Option) *Verifier {
	v := &Verifier{
		now:     time.Now,
		skew:    DefaultClockSkew,
		maxSize: DefaultMaxSize,
	}
	for _, o := range opts {
		o(v)
	}
	if v.resolver == nil {
		v.resolver = keys.NewResolver()
	}
	v.canon = jsonld.New(nil)
	v.lists = newListCache()
	return v
}
