package issuer

import (
	"context"
	"crypto"
	"encoding/json"
	"regexp"
	"strings"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/keys"
)

// NewProvider is the input to CreateProvider.
type NewProvider struct {
	Slug                     string
	Name                     string
	URL                      string
	Email                    string
	NZQAProviderNumber       string
	ImageURL                 string
	DIDMethod                string // "web" (default) or "key"
	JWTAlgorithm             string // "ES256" (default) or "RS256"; did:key providers sign JWTs with EdDSA
	RequireTwoPersonApproval bool
	StatusMode               string // StatusModeRevocation (default) or StatusModeBoth
}

// ProviderCreated is what CreateProvider returns: the provider and its first
// admin API key, whose Token is shown once and never stored.
type ProviderCreated struct {
	Provider *Provider
	AdminKey *APIKey
	Token    string
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)

// CreateProvider registers a provider: it generates an Ed25519 key for Data
// Integrity proofs and a P-256 (ES256, the default) or RSA-2048 (RS256) key for VC-JWTs,
// seals both under the master key, signs empty revocation and suspension
// status lists, and creates a first admin API key. The DID is
// did:web:<host>:issuers:<slug> from the base URL, or for DIDMethod "key" the
// Ed25519 key's did:key (development only; a did:key provider signs JWTs with
// that same key, EdDSA, since a did:key document holds one key).
//
// Only the operator may create providers. Errors: Forbidden for others;
// Invalid (with Field) for bad input; Conflict when the slug is taken.
func (s *Service) CreateProvider(ctx context.Context, actor Actor, in NewProvider) (*ProviderCreated, error) {
	if !actor.Operator {
		return nil, errs.E(errs.Forbidden, "only the operator may create providers")
	}
	in.Slug = strings.TrimSpace(in.Slug)
	in.Name = strings.TrimSpace(in.Name)
	if !slugPattern.MatchString(in.Slug) {
		return nil, errs.F(errs.Invalid, "/slug", "slug must be 1–63 lowercase letters, digits or inner hyphens")
	}
	if in.Name == "" {
		return nil, errs.F(errs.Invalid, "/name", "name is required")
	}
	if in.URL != "" && !isHTTPURL(in.URL) {
		return nil, errs.F(errs.Invalid, "/url", "url must be an absolute http(s) URL")
	}
	if in.ImageURL != "" && !isHTTPURL(in.ImageURL) {
		return nil, errs.F(errs.Invalid, "/imageUrl", "imageUrl must be an absolute http(s) URL")
	}
	if in.Email != "" && !strings.Contains(in.Email, "@") {
		return nil, errs.F(errs.Invalid, "/email", "email is not an email address")
	}
	if in.DIDMethod == "" {
		in.DIDMethod = DIDMethodWeb
	}
	if in.DIDMethod != DIDMethodWeb && in.DIDMethod != DIDMethodKey {
		return nil, errs.F(errs.Invalid, "/didMethod", "didMethod must be web or key")
	}
	if in.JWTAlgorithm == "" {
		// ES256 by default: the 1EdTech validator accepts ES256 and RS256
		// alike, and a P-256 signature costs a small fraction of an
		// RSA-2048 one (RSA alone capped cohort issuance near 700/s per
		// core). A provider going through OB 3.0 certification, which
		// asks for RS256, chooses it explicitly.
		in.JWTAlgorithm = keys.AlgES256
	}
	if in.JWTAlgorithm != keys.AlgRS256 && in.JWTAlgorithm != keys.AlgES256 {
		return nil, errs.F(errs.Invalid, "/jwtAlgorithm", "jwtAlgorithm must be RS256 or ES256")
	}
	if in.StatusMode == "" {
		in.StatusMode = StatusModeRevocation
	}
	if in.StatusMode != StatusModeRevocation && in.StatusMode != StatusModeBoth {
		return nil, errs.F(errs.Invalid, "/statusMode", "statusMode must be %q or %q", StatusModeRevocation, StatusModeBoth)
	}
	id, err := s.newID()
	if err != nil {
		return nil, err
	}
	p := &Provider{
		ID: id, Slug: in.Slug, Name: in.Name, URL: in.URL, Email: in.Email,
		NZQAProviderNumber: in.NZQAProviderNumber, ImageURL: in.ImageURL,
		DIDMethod: in.DIDMethod, JWTAlgorithm: in.JWTAlgorithm,
		RequireTwoPersonApproval: in.RequireTwoPersonApproval, StatusMode: in.StatusMode, CreatedAt: s.now(),
	}
	if p.DIDMethod == DIDMethodWeb {
		if p.DID, err = keys.DIDWeb(s.ProviderURL(p.Slug)); err != nil {
			return nil, errs.Wrap(err, errs.Invalid, "no did:web for base URL %s: %s", s.cfg.BaseURL, errs.ErrorMessage(err))
		}
	}
	newKeys, err := s.newKeySet(p)
	if err != nil {
		return nil, err
	}
	out := &ProviderCreated{Provider: p}
	err = s.store.WithTx(ctx, func(tx Store) error {
		if err := tx.CreateProvider(ctx, p); err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.F(errs.Conflict, "/slug", "slug %q is taken", p.Slug)
			}
			return err
		}
		for i := range newKeys {
			if err := tx.CreateKey(ctx, &newKeys[i]); err != nil {
				return err
			}
		}
		key, token, err := s.createAPIKey(ctx, tx, p.ID, "admin (created with the provider)", []Role{RoleAdmin})
		if err != nil {
			return err
		}
		out.AdminKey, out.Token = key, token
		for _, purpose := range []string{StatusRevocation, StatusSuspension} {
			if err := s.regenerateStatusList(ctx, tx, p, purpose); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, p.ID, "provider.create", "provider:"+p.ID,
			map[string]string{"slug": p.Slug, "did": p.DID, "adminKey": key.ID})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// newKeySet generates the provider's signing keys (and, for did:key, its
// DID). The keys are sealed with their own id as associated data.
func (s *Service) newKeySet(p *Provider) ([]Key, error) {
	di, err := s.newKey(p, keys.KindEd25519, PurposeDI)
	if err != nil {
		return nil, err
	}
	if p.DIDMethod == DIDMethodKey {
		// One key does both proofs: a did:key document holds exactly one.
		p.JWTAlgorithm = keys.AlgEdDSA
		return []Key{di}, nil
	}
	kind := keys.KindRSA
	if p.JWTAlgorithm == keys.AlgES256 {
		kind = keys.KindP256
	}
	jwt, err := s.newKey(p, kind, PurposeJWT)
	if err != nil {
		return nil, err
	}
	return []Key{di, jwt}, nil
}

func (s *Service) newKey(p *Provider, kind, purpose string) (Key, error) {
	priv, err := keys.Generate(kind)
	if err != nil {
		return Key{}, err
	}
	id, err := s.newID()
	if err != nil {
		return Key{}, err
	}
	k := Key{ID: id, ProviderID: p.ID, Kind: kind, Purpose: purpose, Status: KeyActive, CreatedAt: s.now()}
	if p.DIDMethod == DIDMethodKey {
		did, vm, err := keys.DIDKey(priv.Public())
		if err != nil {
			return Key{}, err
		}
		p.DID, k.VerificationMethodID = did, vm
	} else {
		k.VerificationMethodID = p.DID + "#" + id
	}
	if err := s.fillPublic(&k, priv.Public()); err != nil {
		return Key{}, err
	}
	if k.Sealed, err = s.cfg.MasterKey.Seal(priv, []byte(k.ID)); err != nil {
		return Key{}, errs.Wrap(err, errs.Internal, "could not seal the new key")
	}
	return k, nil
}

func (s *Service) fillPublic(k *Key, pub crypto.PublicKey) error {
	if k.Kind == keys.KindEd25519 || k.Kind == keys.KindP256 {
		mk, err := keys.MultikeyFromPublic(pub)
		if err != nil {
			return err
		}
		k.PublicMultikey = mk
	}
	jwk, err := keys.PublicJWK(pub, k.VerificationMethodID)
	if err != nil {
		return err
	}
	if k.PublicJWK, err = json.Marshal(jwk); err != nil {
		return errs.Wrap(err, errs.Internal, "could not encode the public key")
	}
	return nil
}

// RotateKeys gives the provider new active signing keys and retires the old
// ones, which stay in the DID document so what they signed keeps verifying.
// Needs the admin role. Unsupported for did:key providers (their DID is
// their key).
func (s *Service) RotateKeys(ctx context.Context, actor Actor, providerID string) ([]Key, error) {
	if err := actor.require(RoleAdmin, providerID); err != nil {
		return nil, err
	}
	p, err := s.store.Provider(ctx, providerID)
	if err != nil {
		return nil, err
	}
	if p.DIDMethod == DIDMethodKey {
		return nil, errs.E(errs.Unsupported, "a did:key provider cannot rotate keys: its DID is its key")
	}
	fresh, err := s.newKeySet(p)
	if err != nil {
		return nil, err
	}
	err = s.store.WithTx(ctx, func(tx Store) error {
		old, err := tx.Keys(ctx, p.ID)
		if err != nil {
			return err
		}
		for _, k := range old {
			if k.Status == KeyActive {
				if err := tx.RetireKey(ctx, k.ID, s.now()); err != nil {
					return err
				}
			}
		}
		for i := range fresh {
			if err := tx.CreateKey(ctx, &fresh[i]); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, actor, p.ID, "keys.rotate", "provider:"+p.ID,
			map[string]string{"di": fresh[0].ID, "jwt": fresh[len(fresh)-1].ID})
	})
	if err != nil {
		return nil, err
	}
	return s.store.Keys(ctx, p.ID)
}

// Keys lists a provider's keys (public parts; Sealed is cleared). Viewer role.
func (s *Service) Keys(ctx context.Context, actor Actor, providerID string) ([]Key, error) {
	if err := actor.require(RoleViewer, providerID); err != nil {
		return nil, err
	}
	ks, err := s.store.Keys(ctx, providerID)
	for i := range ks {
		ks[i].Sealed = nil
	}
	return ks, err
}

// activeSigner opens the provider's active key for purpose. Forbidden when
// the master key does not open it (the wrong TOHU_MASTER_KEY); nothing is
// changed then.
func (s *Service) activeSigner(ctx context.Context, st Store, p *Provider, purpose string) (keys.Signer, error) {
	ks, err := st.Keys(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	want := purpose
	if p.DIDMethod == DIDMethodKey {
		want = PurposeDI
	}
	for i := len(ks) - 1; i >= 0; i-- {
		k := ks[i]
		if k.Status != KeyActive || k.Purpose != want {
			continue
		}
		priv, err := s.cfg.MasterKey.Open(k.Sealed, []byte(k.ID))
		if err != nil {
			if errs.Is(err, errs.Forbidden) {
				return nil, errs.Wrap(err, errs.Forbidden, "the master key does not open this provider's signing key; is TOHU_MASTER_KEY the one it was created with?")
			}
			return nil, err
		}
		return keys.NewSigner(priv, k.VerificationMethodID)
	}
	return nil, errs.E(errs.Internal, "provider %s has no active %s key", p.Slug, purpose)
}

// ProviderBySlug returns a provider's public record. NotFound if none.
func (s *Service) ProviderBySlug(ctx context.Context, slug string) (*Provider, error) {
	return s.store.ProviderBySlug(ctx, slug)
}

// DIDDocument returns the provider's did:web document with every key,
// retired ones included (they stay published for verification). NotFound
// for an unknown slug or a did:key provider (whose document is derived from
// the DID itself).
func (s *Service) DIDDocument(ctx context.Context, slug string) (map[string]any, error) {
	p, err := s.store.ProviderBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	if p.DIDMethod != DIDMethodWeb {
		return nil, errs.E(errs.NotFound, "provider %s uses %s; there is no did:web document", slug, p.DID)
	}
	ks, err := s.store.Keys(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	var methods []keys.VerificationMethod
	for _, k := range ks {
		pub, err := keys.PublicFromJWK(k.PublicJWK)
		if err != nil {
			return nil, errs.Wrap(err, errs.Internal, "stored public key %s is unreadable", k.ID)
		}
		methods = append(methods, keys.VerificationMethod{ID: k.VerificationMethodID, PublicKey: pub, Retired: k.Status == KeyRetired})
	}
	return keys.DIDDocument(p.DID, methods)
}

// Profile returns the provider's OB 3.0 issuer Profile (its id is the DID).
func (s *Service) Profile(ctx context.Context, slug string) (*credential.Profile, error) {
	p, err := s.store.ProviderBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	return s.profile(p), nil
}

func (s *Service) profile(p *Provider) *credential.Profile {
	prof := &credential.Profile{ID: p.DID, Type: credential.TypesOf("Profile"), Name: p.Name, URL: p.URL, Email: p.Email}
	if p.ImageURL != "" {
		prof.Image = &credential.Image{ID: p.ImageURL, Type: credential.TypeOf("Image")}
	}
	if p.NZQAProviderNumber != "" {
		prof.OtherIdentifier = []credential.IdentifierEntry{credential.NZQAProviderIdentifier(p.NZQAProviderNumber)}
	}
	return prof
}

func isHTTPURL(s string) bool {
	return strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")
}
