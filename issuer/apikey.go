package issuer

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/tohu-nz/tohu/errs"
)

// TokenPrefix starts every API key token, so a leaked token is recognisable
// (secret scanners) and a wrong kind of string is refused before any lookup.
const TokenPrefix = "tohu_"

// lookupLen is how many characters of the random part, after TokenPrefix,
// are stored in the clear as the key's Prefix for lookup and display: 12
// base64url characters are 72 bits, so prefixes do not collide in practice
// (and the unique index would refuse it if they did).
const lookupLen = 12

// CreateAPIKey creates an API key for the provider with the given roles and
// returns it with its token, which is shown this once: only its SHA-256 is
// kept. Needs the admin role. Invalid for no or unknown roles.
func (s *Service) CreateAPIKey(ctx context.Context, actor Actor, providerID, name string, roles []Role) (*APIKey, string, error) {
	if err := actor.require(RoleAdmin, providerID); err != nil {
		return nil, "", err
	}
	if len(roles) == 0 {
		return nil, "", errs.F(errs.Invalid, "/roles", "an API key needs at least one role")
	}
	for i, r := range roles {
		if !r.Valid() {
			return nil, "", errs.F(errs.Invalid, "/roles/"+strconv.Itoa(i), "unknown role %q; use admin, assessor, approver or viewer", r)
		}
	}
	var (
		key   *APIKey
		token string
	)
	err := s.store.WithTx(ctx, func(tx Store) error {
		if _, err := tx.Provider(ctx, providerID); err != nil {
			return err
		}
		var err error
		if key, token, err = s.createAPIKey(ctx, tx, providerID, name, roles); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, providerID, "apikey.create", "apikey:"+key.ID,
			map[string]string{"name": name, "roles": joinRoles(roles)})
	})
	if err != nil {
		return nil, "", err
	}
	return key, token, nil
}

func (s *Service) createAPIKey(ctx context.Context, tx Store, providerID, name string, roles []Role) (*APIKey, string, error) {
	var raw [32]byte
	if _, err := io.ReadFull(s.cfg.Rand, raw[:]); err != nil {
		return nil, "", errs.Wrap(err, errs.Internal, "no randomness for an API key")
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	id, err := s.newID()
	if err != nil {
		return nil, "", err
	}
	sum := sha256.Sum256([]byte(token))
	roles = slices.Clone(roles)
	slices.Sort(roles)
	k := &APIKey{
		ID: id, ProviderID: providerID, Name: strings.TrimSpace(name), Roles: slices.Compact(roles),
		Hash: sum[:], Prefix: token[:len(TokenPrefix)+lookupLen], CreatedAt: s.now(),
	}
	if err := tx.CreateAPIKey(ctx, k); err != nil {
		return nil, "", err
	}
	return k, token, nil
}

// RevokeAPIKey revokes one of the provider's keys. Needs the admin role.
// NotFound when the key does not exist, belongs to another provider, or is
// already revoked.
func (s *Service) RevokeAPIKey(ctx context.Context, actor Actor, id string) error {
	k, err := s.store.APIKey(ctx, id)
	if err != nil {
		return err
	}
	if err := actor.require(RoleAdmin, k.ProviderID); err != nil {
		return err
	}
	return s.store.WithTx(ctx, func(tx Store) error {
		if err := tx.RevokeAPIKey(ctx, id, s.now()); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, k.ProviderID, "apikey.revoke", "apikey:"+id, nil)
	})
}

// APIKeys lists the provider's API keys (hashes cleared). Admin role.
func (s *Service) APIKeys(ctx context.Context, actor Actor, providerID string) ([]APIKey, error) {
	if err := actor.require(RoleAdmin, providerID); err != nil {
		return nil, err
	}
	ks, err := s.store.APIKeys(ctx, providerID)
	for i := range ks {
		ks[i].Hash = nil
	}
	return ks, err
}

// Authenticate turns a bearer token into the Actor it stands for (the
// caller adds the request id). The hash comparison is constant-time.
// Unauthorized, with one message for every failure (malformed, unknown,
// revoked), so the answer is no oracle.
func (s *Service) Authenticate(ctx context.Context, token string) (Actor, error) {
	bad := errs.E(errs.Unauthorized, "the API key is not valid")
	if !strings.HasPrefix(token, TokenPrefix) || len(token) < len(TokenPrefix)+lookupLen || len(token) > 256 {
		return Actor{}, bad
	}
	k, err := s.store.APIKeyByPrefix(ctx, token[:len(TokenPrefix)+lookupLen])
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return Actor{}, bad
		}
		return Actor{}, err
	}
	sum := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(sum[:], k.Hash) != 1 || k.RevokedAt != nil {
		return Actor{}, bad
	}
	return Actor{APIKeyID: k.ID, ProviderID: k.ProviderID, Roles: k.Roles}, nil
}

func joinRoles(rs []Role) string {
	ss := make([]string, len(rs))
	for i, r := range rs {
		ss[i] = string(r)
	}
	return strings.Join(ss, ",")
}
