package issuer

import (
	"context"
	"strings"

	"github.com/tohu-nz/tohu/errs"
	"github.com/tohu-nz/tohu/keys"
)

// HostDIDDocument is the did:web document for the service's host itself
// (did:web:<host>, served at /.well-known/did.json, DIDWEB §3.2 "Read"),
// built from the signing keys of the provider with the given slug — the
// operator's default issuer. Its id is the host DID, its methods are the
// provider's keys under that DID (same fragments), and alsoKnownAs names
// the provider's own did:web. NotFound for an unknown slug or a did:key
// provider; Invalid when the base URL has a path (did:web:<host> then
// names another document).
func (s *Service) HostDIDDocument(ctx context.Context, slug string) (map[string]any, error) {
	if s.baseURL.Path != "" && s.baseURL.Path != "/" {
		return nil, errs.E(errs.NotFound, "the base URL has a path; there is no host-level did:web")
	}
	did, err := keys.DIDWeb(s.cfg.BaseURL)
	if err != nil {
		return nil, errs.Wrap(err, errs.NotFound, "no did:web for base URL %s", s.cfg.BaseURL)
	}
	p, err := s.store.ProviderBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	if p.DIDMethod != DIDMethodWeb {
		return nil, errs.E(errs.NotFound, "the default issuer %s uses %s; there is no did:web document", slug, p.DID)
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
		_, frag, _ := strings.Cut(k.VerificationMethodID, "#")
		methods = append(methods, keys.VerificationMethod{ID: "#" + frag, PublicKey: pub, Retired: k.Status == KeyRetired})
	}
	doc, err := keys.DIDDocument(did, methods)
	if err != nil {
		return nil, err
	}
	doc["alsoKnownAs"] = []any{p.DID}
	return doc, nil
}
