package jose

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"strconv"

	gojose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/cryptosigner"

	"github.com/tohu-nz/tohu/errs"
)

// The forms Sign writes and Verify reports.
const (
	// FormVCJOSE is VC-JOSE-COSE §3.1.1: payload = the credential, typ vc+jwt, cty vc.
	FormVCJOSE = "vc+jwt"
	// FormOBJWT is OB30 §8.2: payload = the credential plus iss/jti/nbf/sub/exp, typ JWT.
	FormOBJWT = "ob-vcjwt"
	// FormVCJWT11 is a VC Data Model 1.1 JWT (VC-DATA-MODEL-1.1 §6.3.1): the
	// credential is in the "vc" claim. Verify only.
	FormVCJWT11 = "vc-jwt-1.1"
	// FormVPJWT is a presentation JWT: typ vp+jwt or a "vp" claim. Verify only.
	FormVPJWT = "vp+jwt"
)

// Header values (VC-JOSE-COSE §3.1.1; OB30 §8.2.2 "JOSE Header").
const (
	typVC  = "vc+jwt"
	typVP  = "vp+jwt"
	typJWT = "JWT"
	ctyVC  = "vc"
	ctyVP  = "vp"
)

// SignOptions says how Sign signs.
type SignOptions struct {
	// KeyID is the verification method URL of the signing key (DID URL or
	// https URL); it becomes the `kid` header. Required.
	KeyID string
	// Algorithm is one of EdDSA, ES256, ES384, ES512, RS256. Empty means the
	// key's default: Ed25519 → EdDSA, P-256 → ES256, P-384 → ES384,
	// P-521 → ES512, RSA → RS256.
	Algorithm string
	// Form is FormVCJOSE (the default when empty) or FormOBJWT.
	Form string
}

// Sign signs credentialJSON as a compact JWS with signer, which may be any
// crypto.Signer (a local key, a KMS or an HSM), and returns the token.
//
// For FormVCJOSE the payload is credentialJSON byte for byte. For FormOBJWT
// the registered claims OB30 §8.2.3 asks for are appended to the credential's
// JSON object without re-serialising the rest: iss = issuer id, jti = id,
// sub = credentialSubject.id (single subject with an id), nbf = validFrom
// and exp = validUntil (when present), as NumericDates (RFC 7519 §2).
//
// Errors: Invalid when the credential is not a JSON object, has no issuer,
// already carries a claim that contradicts its fields, KeyID is empty, the
// algorithm does not match the key or an RSA key is under 2048 bits;
// Unsupported for an unknown algorithm, form or key type; Unavailable when
// the signer fails (a remote KMS, for instance).
func Sign(ctx context.Context, credentialJSON []byte, signer crypto.Signer, opts SignOptions) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", errs.Wrap(err, errs.Unavailable, "signing was cancelled")
	}
	if signer == nil {
		return "", errs.E(errs.Invalid, "no signer")
	}
	if opts.KeyID == "" {
		return "", errs.E(errs.Invalid, "a key id (verification method URL) is required to sign")
	}
	pub, err := publicKey(signer.Public())
	if err != nil {
		return "", err
	}
	alg := opts.Algorithm
	if alg == "" {
		if alg, err = algForKey(pub); err != nil {
			return "", err
		}
	}
	if neverAllowed(alg) || !supported(alg) {
		return "", errs.E(errs.Unsupported, "algorithm %q is not supported for signing", alg)
	}
	if err := checkKey(alg, pub); err != nil {
		return "", err
	}

	cred, err := parseObject(credentialJSON, "the credential")
	if err != nil {
		return "", err
	}
	issuer, ok, err := cred.idOf("issuer")
	if err != nil {
		return "", err
	}
	if !ok || issuer == "" {
		return "", errs.F(errs.Invalid, "/issuer", "the credential has no issuer id")
	}

	so := &gojose.SignerOptions{}
	so.WithHeader(gojose.HeaderKey("kid"), opts.KeyID)
	payload := credentialJSON
	switch opts.Form {
	case "", FormVCJOSE:
		so.WithType(typVC).WithContentType(ctyVC)
	case FormOBJWT:
		so.WithType(typJWT)
		if payload, err = withClaims(credentialJSON, cred, issuer); err != nil {
			return "", err
		}
	default:
		return "", errs.E(errs.Unsupported, "JWT form %q is not supported", opts.Form)
	}

	js, err := gojose.NewSigner(gojose.SigningKey{
		Algorithm: gojose.SignatureAlgorithm(alg),
		Key:       cryptosigner.Opaque(signer),
	}, so)
	if err != nil {
		return "", errs.Wrap(err, errs.Unsupported, "the key cannot sign with %s", alg)
	}
	jws, err := js.Sign(payload)
	if err != nil {
		return "", errs.Wrap(err, errs.Unavailable, "the signing key could not sign")
	}
	token, err := jws.CompactSerialize()
	if err != nil {
		return "", errs.Wrap(err, errs.Internal, "could not serialise the JWS")
	}
	return token, nil
}

// claim is one registered JWT claim and the JSON value it should have.
type claim struct {
	name  string
	value []byte
}

// withClaims appends OB30 §8.2.3's claims to the credential object. A claim
// the credential already has must carry the same value.
func withClaims(raw []byte, cred object, issuer string) ([]byte, error) {
	var add []claim
	str := func(name, v string) {
		b, _ := json.Marshal(v)
		add = append(add, claim{name, b})
	}
	num := func(name string, v int64) {
		add = append(add, claim{name, []byte(strconv.FormatInt(v, 10))})
	}

	str("iss", issuer)
	id, ok, err := cred.str("id")
	if err != nil {
		return nil, err
	}
	if ok && id != "" {
		str("jti", id)
	}
	subs, err := cred.subjectIDs()
	if err != nil {
		return nil, err
	}
	if len(subs) == 1 && subs[0] != "" {
		str("sub", subs[0])
	}
	fromName, untilName := cred.dateNames()
	if t, ok, err := cred.date(fromName); err != nil {
		return nil, err
	} else if ok {
		num("nbf", t.Unix())
	}
	if t, ok, err := cred.date(untilName); err != nil {
		return nil, err
	} else if ok {
		num("exp", t.Unix())
	}

	var tail bytes.Buffer
	for _, c := range add {
		if cred.has(c.name) {
			if err := sameClaim(cred, c); err != nil {
				return nil, err
			}
			continue
		}
		tail.WriteByte(',')
		tail.WriteString(strconv.Quote(c.name))
		tail.WriteByte(':')
		tail.Write(c.value)
	}
	if tail.Len() == 0 {
		return raw, nil
	}

	// Splice the claims in before the closing brace, leaving every other byte
	// of the credential as it was.
	trimmed := bytes.TrimSpace(raw)
	body := bytes.TrimRightFunc(trimmed[:len(trimmed)-1], isSpace)
	extra := tail.Bytes()
	if len(bytes.TrimSpace(body[1:])) == 0 {
		extra = extra[1:] // empty object: no leading comma
	}
	out := make([]byte, 0, len(body)+len(extra)+1)
	out = append(out, body...)
	out = append(out, extra...)
	return append(out, '}'), nil
}

// sameClaim checks a claim the credential already carries against the value
// Sign would write.
func sameClaim(cred object, c claim) error {
	var have, want any
	if json.Unmarshal(cred[c.name], &have) != nil || json.Unmarshal(c.value, &want) != nil {
		return errs.F(errs.Invalid, "/"+c.name, "claim %s is not valid JSON", c.name)
	}
	if hf, ok := have.(float64); ok {
		if wf, ok := want.(float64); ok && int64(hf) == int64(wf) {
			return nil
		}
	}
	if have != want {
		return errs.F(errs.Invalid, "/"+c.name, "the credential's %s member does not match the field it mirrors", c.name)
	}
	return nil
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }
