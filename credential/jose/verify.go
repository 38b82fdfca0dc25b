package jose

import (
	"context"
	"crypto"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	gojose "github.com/go-jose/go-jose/v4"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/errs"
)

// VerifyOptions says how Verify checks a token. The zero value plus a
// Resolver is the secure default.
type VerifyOptions struct {
	// Resolver turns a `kid` (or the issuer's did:key) into a public key and
	// its controller. Required unless the token carries an allowed jwk.
	Resolver credential.KeyResolver
	// Algorithms is the allow-list handed to go-jose's parser. Empty means
	// DefaultAlgorithms. "none" and HS* can never be allowed.
	Algorithms []string
	// Now is not used to judge validFrom/validUntil: date validity is the
	// verifier's decision, reported as expired / not yet valid. It is kept
	// so callers can pass one clock to every check.
	Now time.Time
	// AllowEmbeddedJWK accepts a key carried in the `jwk` header (OB30 §8.2.2
	// allows it). Such a key is not bound to the issuer; Verified.EmbeddedJWK
	// reports it and the caller must say so.
	AllowEmbeddedJWK bool
}

// Verified is what Verify returns for a token whose signature checks out.
type Verified struct {
	// Header is the decoded protected header.
	Header map[string]any
	// Credential is the credential JSON: the payload for VC-JOSE-COSE and the
	// OB 3.0 VC-JWT (claims included, bytes as signed), the `vc` claim of a
	// VC 1.1 JWT (with issuer/id/subject/dates filled back from the claims
	// when missing), or the presentation for FormVPJWT.
	Credential []byte
	// Claims holds the JWT registered claims found in the payload (iss, sub,
	// jti, nbf, exp, iat, aud, nonce), e.g. for a presentation's nonce/aud.
	Claims map[string]any
	// KeyID is the verification method that verified the signature (the kid,
	// or the did:key URL derived from the issuer); empty for an embedded jwk.
	KeyID string
	// Algorithm is the JWS alg.
	Algorithm string
	// Controller is the key's controller as the resolver reported it; empty
	// for an embedded jwk.
	Controller string
	// Form is FormVCJOSE, FormOBJWT, FormVCJWT11 or FormVPJWT.
	Form string
	// EmbeddedJWK is true when the key came from the `jwk` header and so is
	// not bound to the issuer.
	EmbeddedJWK bool
}

// registeredClaims are the RFC 7519 §4.1 claims (and OpenID nonce) copied to
// Verified.Claims.
var registeredClaims = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "nonce"}

// Verify checks a compact JWS credential or presentation: header policy,
// signature (RFC 7515 §5.2), key binding to the issuer, and the registered
// claims against the fields they mirror (OB30 §8.2.4 "Verifying").
//
// Errors: Unsupported for a refused or unknown algorithm ("none", HS*, or
// one outside the allow-list) or typ; Invalid for a malformed token, a bad
// signature, a key the issuer does not control, an embedded jwk when not
// allowed, a token with no way to find its key, or a claim (iss, jti, sub,
// nbf, exp) that contradicts the credential (Field names the claim). Errors
// from the Resolver pass through unchanged (Unavailable = could not check).
func Verify(ctx context.Context, token string, opts VerifyOptions) (*Verified, error) {
	token = strings.TrimSpace(token)
	if len(token) > MaxTokenSize {
		return nil, errs.E(errs.Invalid, "the JWT is larger than %d bytes", MaxTokenSize)
	}
	algs, err := allowList(opts.Algorithms)
	if err != nil {
		return nil, err
	}
	parts, ok := splitCompact(token)
	if !ok {
		return nil, errs.E(errs.Invalid, "not a compact JWS: it must have three dot-separated parts")
	}
	h, err := parseHeader(parts[0])
	if err != nil {
		return nil, err
	}
	if !slices.Contains(algs, gojose.SignatureAlgorithm(h.alg)) {
		return nil, errs.E(errs.Unsupported, "algorithm %q is not allowed", h.alg)
	}
	// go-jose checks alg against the same allow-list while parsing.
	jws, err := gojose.ParseSignedCompact(token, algs)
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "the JWS could not be parsed")
	}
	if len(jws.Signatures) != 1 {
		return nil, errs.E(errs.Invalid, "the JWS must have exactly one signature")
	}

	// The payload is read before the signature is checked only to learn
	// which key to use; nothing in it is trusted until Verify below succeeds.
	payloadRaw := jws.UnsafePayloadWithoutVerification()
	payload, err := parseObject(payloadRaw, "the JWT payload")
	if err != nil {
		return nil, err
	}
	doc, err := extract(h, payloadRaw, payload)
	if err != nil {
		return nil, err
	}

	out := &Verified{Header: h.all, Algorithm: h.alg, Form: doc.form}
	pub, err := findKey(ctx, h, jws, doc, opts, out)
	if err != nil {
		return nil, err
	}
	if err := checkKey(h.alg, pub); err != nil {
		return nil, err
	}
	if _, err := jws.Verify(pub); err != nil {
		return nil, errs.Wrap(fmt.Errorf("%w: %w", credential.ErrBadSignature, err), errs.Invalid, "the JWS signature does not verify")
	}

	if !out.EmbeddedJWK && doc.signer != out.Controller {
		if doc.signer != "" || !doc.presentation {
			field := "/issuer"
			if doc.presentation {
				field = "/holder"
			}
			return nil, errs.F(errs.Invalid, field, "signing key is not controlled by the issuer")
		}
	}
	if err := doc.checkClaims(payload); err != nil {
		return nil, err
	}

	out.Credential = doc.raw
	out.Claims = map[string]any{}
	for _, name := range registeredClaims {
		if v, ok := payload[name]; ok {
			var x any
			if json.Unmarshal(v, &x) == nil {
				out.Claims[name] = x
			}
		}
	}
	return out, nil
}

// findKey picks the verification key: the `kid` through the resolver, else
// an allowed embedded `jwk`, else the issuer's (or holder's) did:key. It
// fills KeyID, Controller and EmbeddedJWK in out.
func findKey(ctx context.Context, h *header, jws *gojose.JSONWebSignature, doc *document, opts VerifyOptions, out *Verified) (crypto.PublicKey, error) {
	purpose := credential.PurposeAssertion
	if doc.presentation {
		// VC-DATA-MODEL-2.0 §5.12 / VC-JOSE-COSE §3.2: a holder proves control
		// with an authentication key.
		purpose = credential.PurposeAuthentication
	}
	vm := h.kid
	if strings.HasPrefix(vm, "#") && doc.signer != "" {
		// VC-JOSE-COSE §3.1.1: a kid may be relative to the issuer's DID.
		vm = doc.signer + vm
	}
	switch {
	case vm != "":
	case h.jwk:
		if !opts.AllowEmbeddedJWK {
			return nil, errs.E(errs.Invalid, "the token carries its own key (jwk header), which is not bound to the issuer; embedded keys are not allowed here")
		}
		k := jws.Signatures[0].Header.JSONWebKey
		if k == nil || !k.IsPublic() {
			return nil, errs.E(errs.Invalid, "the jwk header is not a public key")
		}
		out.EmbeddedJWK = true
		return publicKey(k.Key)
	case strings.HasPrefix(doc.signer, "did:key:"):
		// DID-KEY §3.1.2: the one verification method of did:key:X is #X.
		vm = doc.signer + "#" + strings.TrimPrefix(doc.signer, "did:key:")
	default:
		return nil, errs.E(errs.Invalid, "no key: the token has neither kid nor jwk and its issuer is not a did:key")
	}
	if opts.Resolver == nil {
		return nil, errs.E(errs.Unavailable, "no key resolver is configured to look up %q", vm)
	}
	pub, controller, err := opts.Resolver.PublicKey(ctx, vm, purpose)
	if err != nil {
		return nil, err
	}
	out.KeyID, out.Controller = vm, controller
	return publicKey(pub)
}
