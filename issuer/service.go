package issuer

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/base32"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/jsonld"
	"github.com/tohu-nz/tohu/credential/statuslist"
	"github.com/tohu-nz/tohu/errs"
)

// Sealer encrypts private keys at rest. *keys.MasterKey implements it
// (AES-256-GCM); Open returns Forbidden when the sealed blob was made under
// another master key. An interface here so a KMS-backed sealer can replace
// the local master key.
type Sealer interface {
	Seal(priv crypto.Signer, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) (crypto.Signer, error)
	// SealCheck and OpenCheck make and check the token that ties a
	// database to its master key (masterkey.go); OpenCheck returns
	// Forbidden for another master key's token.
	SealCheck() ([]byte, error)
	OpenCheck(token []byte) error
}

// Config is what New needs. cmd/tohu builds it from the environment.
type Config struct {
	// BaseURL is the public base URL (no trailing slash) used for every URL
	// and did:web identifier tohu writes.
	BaseURL string
	// Bounds are the accepted NZQCF level and credit ranges; zero means
	// credential.DefaultBounds().
	Bounds credential.Bounds
	// MasterKey seals the providers' signing keys. Required.
	MasterKey Sealer
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// Rand is the randomness for ids, tokens and status indexes; nil means
	// crypto/rand.Reader.
	Rand io.Reader
	// StatusListBits is the size of each status list; zero means
	// statuslist.MinBits (131,072, BSL §5.5 herd privacy).
	StatusListBits int
	// Mail sends learner notifications from the outbox (issue 6,
	// notify.go); zero means they are recorded but not sent.
	Mail MailConfig
}

// Service is the award workflow. It is safe for concurrent use; all state
// is in the Store.
type Service struct {
	store   Store
	cfg     Config
	baseURL *url.URL
	canon   *jsonld.Canonicalizer // shared: it caches processed contexts
}

// New returns a Service on store. Returns Invalid when the base URL is not
// an absolute http(s) URL or no master key is given.
func New(store Store, cfg Config) (*Service, error) {
	if store == nil {
		return nil, errs.E(errs.Invalid, "issuer needs a store")
	}
	if cfg.MasterKey == nil {
		return nil, errs.E(errs.Invalid, "issuer needs a master key")
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, errs.E(errs.Invalid, "base URL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.Bounds == (credential.Bounds{}) {
		cfg.Bounds = credential.DefaultBounds()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.StatusListBits == 0 {
		cfg.StatusListBits = statuslist.MinBits
	}
	if cfg.StatusListBits < statuslist.MinBits || cfg.StatusListBits%8 != 0 {
		return nil, errs.E(errs.Invalid, "status lists need at least %d bits, a multiple of 8", statuslist.MinBits)
	}
	return &Service{store: store, cfg: cfg, baseURL: u, canon: jsonld.New(nil)}, nil
}

func (s *Service) now() time.Time { return s.cfg.Clock().UTC() }

// idEncoding is lowercase base32 without padding: ids are URL-, DID- and
// filename-safe and case-insensitive.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID returns a random 128-bit id (26 characters).
func (s *Service) newID() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(s.cfg.Rand, b[:]); err != nil {
		return "", errs.Wrap(err, errs.Internal, "no randomness for an id")
	}
	return idEncoding.EncodeToString(b[:]), nil
}

// audit appends an event for a state change on st (the transaction).
func (s *Service) audit(ctx context.Context, st Store, a Actor, providerID, action, subject string, detail map[string]string) error {
	return st.AppendAudit(ctx, &AuditEvent{
		ProviderID: providerID, Actor: a.name(), Action: action, Subject: subject,
		RequestID: a.RequestID, At: s.now(), Detail: detail,
	})
}

// CredentialURL is the public URL of an award's credential.
func (s *Service) CredentialURL(awardID string) string {
	return s.cfg.BaseURL + "/credentials/" + awardID
}

// AchievementURL is the public URL of an achievement version.
func (s *Service) AchievementURL(id string, version int) string {
	return s.cfg.BaseURL + "/achievements/" + id + "/v" + strconv.Itoa(version)
}

// ProviderURL is the public URL of a provider's issuer profile.
func (s *Service) ProviderURL(slug string) string {
	return s.cfg.BaseURL + "/issuers/" + slug
}

// StatusListURL is the public URL of a provider's status list credential.
func (s *Service) StatusListURL(slug, purpose string) string {
	return s.cfg.BaseURL + "/issuers/" + slug + "/status/" + purpose
}
