package jose

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"time"
	"unsafe"

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
	return SignDecoded(ctx, credentialJSON, nil, signer, opts)
}

// SignDecoded is Sign for a caller that has decoded credentialJSON already,
// as encoding/json does with UseNumber (map[string]any, []any, string,
// json.Number, bool, nil): doc must be exactly that decoding, which Sign
// would otherwise repeat to read the issuer and the claims' values (the
// issuer's builder decodes every credential to check it). doc is read, never
// changed, and the token is the one Sign gives: the payload is still
// credentialJSON's own bytes (with the claims spliced in), and a credential
// that is not plain — a claim member already there, or an issuer, id,
// subject or date of another shape than the builder writes — is read from
// credentialJSON exactly as Sign reads it. A nil doc means credentialJSON is
// decoded here, as by Sign.
func SignDecoded(ctx context.Context, credentialJSON []byte, doc map[string]any, signer crypto.Signer, opts SignOptions) (string, error) {
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

	// cred stays nil when doc gave every value (plainClaims).
	var cred object
	values, plain := plainClaims(doc)
	issuer := values.iss
	if !plain {
		if cred, err = parseObject(credentialJSON, "the credential"); err != nil {
			return "", err
		}
		var ok bool
		if issuer, ok, err = cred.idOf("issuer"); err != nil {
			return "", err
		}
		if !ok || issuer == "" {
			return "", errs.F(errs.Invalid, "/issuer", "the credential has no issuer id")
		}
	}

	h := protectedHeader{Alg: alg, Kid: opts.KeyID}
	payload := credentialJSON
	switch opts.Form {
	case "", FormVCJOSE:
		h.Typ, h.Cty = typVC, ctyVC
	case FormOBJWT:
		h.Typ = typJWT
		if cred == nil {
			payload = appendClaims(credentialJSON, values.list())
		} else if payload, err = withClaims(credentialJSON, cred, issuer); err != nil {
			return "", err
		}
	default:
		return "", errs.E(errs.Unsupported, "JWT form %q is not supported", opts.Form)
	}
	return compactSign(h, payload, cryptosigner.Opaque(signer))
}

// protectedHeader is the JOSE header Sign writes. Its members are in the
// order go-jose writes them (sorted by name; it marshals a map).
type protectedHeader struct {
	Alg string `json:"alg"`
	Cty string `json:"cty,omitempty"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

// compactSign returns the compact JWS (RFC 7515 §7.1) of payload under
// header h, signed by go-jose's signer for h.Alg (which hashes the signing
// input and, for ECDSA, writes r‖s as JWS needs). It is what go-jose's
// Signer.Sign and CompactSerialize give, byte for byte
// (TestCompactSignMatchesGoJose), without their work on the payload: they
// base64-encode it twice and copy it through two buffers, which for a
// credential of ~12 KB was half of a VC-JWT's signing time after ECDSA.
func compactSign(h protectedHeader, payload []byte, signer gojose.OpaqueSigner) (string, error) {
	hj, err := json.Marshal(h)
	if err != nil {
		return "", errs.Wrap(err, errs.Internal, "could not write the JWS header")
	}
	enc := base64.RawURLEncoding
	sigLen := 2 * 66 // the longest of the algorithms' signatures but RSA's
	if h.Alg == AlgRS256 {
		sigLen = 1024 // up to 8192-bit keys without a copy
	}
	b := make([]byte, 0, enc.EncodedLen(len(hj))+enc.EncodedLen(len(payload))+enc.EncodedLen(sigLen)+2)
	b = enc.AppendEncode(b, hj)
	b = append(b, '.')
	b = enc.AppendEncode(b, payload)
	sig, err := signer.SignPayload(b, gojose.SignatureAlgorithm(h.Alg))
	if err != nil {
		return "", errs.Wrap(err, errs.Unavailable, "the signing key could not sign")
	}
	b = append(b, '.')
	b = enc.AppendEncode(b, sig)
	// b is not touched again, so the token can be its bytes (as
	// strings.Builder does) rather than a second ~16 KB copy.
	return unsafe.String(unsafe.SliceData(b), len(b)), nil
}

// claim is one registered JWT claim and the JSON value it should have.
type claim struct {
	name  string
	value []byte
}

// claimValues are the values of OB30 §8.2.3's claims: iss = issuer id,
// jti = id, sub = the single credentialSubject's id ("" = no such claim),
// nbf and exp = validFrom and validUntil as NumericDates (RFC 7519 §2).
type claimValues struct {
	iss, jti, sub string
	nbf, exp      *int64
}

// list returns the claims in the order Sign appends them.
func (v claimValues) list() []claim {
	add := make([]claim, 0, 5)
	str := func(name, s string) {
		b, _ := json.Marshal(s)
		add = append(add, claim{name, b})
	}
	num := func(name string, n *int64) {
		if n != nil {
			add = append(add, claim{name, []byte(strconv.FormatInt(*n, 10))})
		}
	}
	str("iss", v.iss)
	if v.jti != "" {
		str("jti", v.jti)
	}
	if v.sub != "" {
		str("sub", v.sub)
	}
	num("nbf", v.nbf)
	num("exp", v.exp)
	return add
}

// withClaims appends OB30 §8.2.3's claims to the credential object. A claim
// the credential already has must carry the same value.
func withClaims(raw []byte, cred object, issuer string) ([]byte, error) {
	v := claimValues{iss: issuer}
	id, ok, err := cred.str("id")
	if err != nil {
		return nil, err
	}
	if ok {
		v.jti = id
	}
	subs, err := cred.subjectIDs()
	if err != nil {
		return nil, err
	}
	if len(subs) == 1 {
		v.sub = subs[0]
	}
	fromName, untilName := cred.dateNames()
	if v.nbf, err = unixDate(cred, fromName); err != nil {
		return nil, err
	}
	if v.exp, err = unixDate(cred, untilName); err != nil {
		return nil, err
	}

	var add []claim
	for _, c := range v.list() {
		if cred.has(c.name) {
			if err := sameClaim(cred, c); err != nil {
				return nil, err
			}
			continue
		}
		add = append(add, c)
	}
	return appendClaims(raw, add), nil
}

// appendClaims splices the claims in before the credential object's closing
// brace, leaving every other byte of it as it was.
func appendClaims(raw []byte, add []claim) []byte {
	if len(add) == 0 {
		return raw
	}
	var tail bytes.Buffer
	for _, c := range add {
		tail.WriteByte(',')
		tail.WriteString(strconv.Quote(c.name))
		tail.WriteByte(':')
		tail.Write(c.value)
	}
	trimmed := bytes.TrimSpace(raw)
	body := bytes.TrimRightFunc(trimmed[:len(trimmed)-1], isSpace)
	extra := tail.Bytes()
	if len(bytes.TrimSpace(body[1:])) == 0 {
		extra = extra[1:] // empty object: no leading comma
	}
	out := make([]byte, 0, len(body)+len(extra)+1)
	out = append(out, body...)
	out = append(out, extra...)
	return append(out, '}')
}

// plainClaims reads the claims' values from a decoded credential (see
// SignDecoded). plain is false, and Sign reads the bytes instead, unless
// doc is non-nil, carries none of the claims already, and has the shapes
// tohu's builder writes: issuer a non-empty string or an object with a
// non-empty string id; id absent or a string; credentialSubject absent or
// an object whose id is absent or a string; the dates absent or RFC 3339
// strings. For those, the values are the ones withClaims would find.
func plainClaims(doc map[string]any) (v claimValues, plain bool) {
	if doc == nil {
		return v, false
	}
	for _, name := range []string{"iss", "jti", "sub", "nbf", "exp"} {
		if doc[name] != nil {
			return v, false
		}
	}
	switch iss := doc["issuer"].(type) {
	case string:
		v.iss = iss
	case map[string]any:
		v.iss, _ = iss["id"].(string)
	}
	if v.iss == "" {
		return v, false
	}
	var ok bool
	if v.jti, ok = optString(doc, "id"); !ok {
		return v, false
	}
	if cs := doc["credentialSubject"]; cs != nil {
		m, isObj := cs.(map[string]any)
		if !isObj {
			return v, false
		}
		if v.sub, ok = optString(m, "id"); !ok {
			return v, false
		}
	}
	v1 := false
	switch c := doc["@context"].(type) {
	case string:
		v1 = c == contextV1
	case []any:
		v1 = len(c) > 0 && c[0] == any(contextV1)
	}
	from, until := dateNames(v1, doc["validFrom"] != nil, doc["validUntil"] != nil)
	for _, d := range []struct {
		name string
		to   **int64
	}{{from, &v.nbf}, {until, &v.exp}} {
		if doc[d.name] == nil {
			continue
		}
		s, ok := doc[d.name].(string)
		if !ok {
			return v, false
		}
		t, err := time.Parse(dateLayout, s)
		if err != nil {
			return v, false
		}
		sec := t.Unix()
		*d.to = &sec
	}
	return v, true
}

// unixDate returns date member name of cred in seconds since the epoch, nil
// when it is absent.
func unixDate(cred object, name string) (*int64, error) {
	t, ok, err := cred.date(name)
	if err != nil || !ok {
		return nil, err
	}
	sec := t.Unix()
	return &sec, nil
}

// optString returns member name of m when it is a string; "" and ok when it
// is absent or null; ok is false for any other type.
func optString(m map[string]any, name string) (s string, ok bool) {
	switch x := m[name].(type) {
	case nil:
		return "", true
	case string:
		return x, true
	}
	return "", false
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
