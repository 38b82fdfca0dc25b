package jose

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/tohu-nz/tohu/errs"
)

// MaxTokenSize caps the compact JWS Verify accepts. A baked badge may embed
// images as data: URLs, so the cap is generous; the API caps bodies anyway.
const MaxTokenSize = 8 << 20

// header is the protected header, decoded before go-jose sees the token so
// that policy errors carry tohu's codes and name the member at fault.
type header struct {
	all map[string]any
	alg string
	kid string
	typ string // normalised: lower case, "application/" dropped; "" when absent
	cty string // normalised like typ
	jwk bool
}

// privateJWKMembers are the JWK members that carry private or symmetric key
// material (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2).
var privateJWKMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// splitCompact splits a compact JWS (RFC 7515 §7.1) into its three parts.
func splitCompact(token string) (parts [3]string, ok bool) {
	h, rest, ok1 := strings.Cut(token, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s, ".") {
		return parts, false
	}
	return [3]string{h, p, s}, true
}

// isBase64URL reports whether s uses only the unpadded base64url alphabet
// (RFC 7515 §2, "Base64url Encoding").
func isBase64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// LooksLikeJWT reports whether b looks like a compact JWS: three base64url
// segments separated by dots, the first of which decodes to a JSON object.
// It does not verify anything; it only lets a caller pick the right parser.
func LooksLikeJWT(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || len(b) > MaxTokenSize {
		return false
	}
	parts, ok := splitCompact(string(b))
	if !ok || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return false
	}
	for _, p := range parts {
		if !isBase64URL(p) {
			return false
		}
	}
	h, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return false
	}
	h = bytes.TrimSpace(h)
	return len(h) > 1 && h[0] == '{'
}

// parseHeader decodes and checks the protected header of a compact JWS.
//
// Refused: a header that is not a base64url JSON object (Invalid); an `alg`
// of "none" or HMAC (Unsupported, whatever the allow-list says); `crit`
// (RFC 7515 §4.1.11: tohu understands no extensions, so it must reject);
// a `jwk` holding private members (RFC 7515 §4.1.3, OB30 §8.2.2: public key
// only) (Invalid); a `typ` that is not vc+jwt, vp+jwt or JWT (Unsupported);
// a `cty` other than vc / vp (Invalid).
func parseHeader(seg string) (*header, error) {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "the JWS header is not base64url")
	}
	o, err := parseObject(raw, "the JWS header")
	if err != nil {
		return nil, err
	}
	h := &header{}
	if err := json.Unmarshal(raw, &h.all); err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "the JWS header is not valid JSON")
	}

	alg, ok, err := o.str("alg")
	if err != nil || !ok {
		return nil, errs.E(errs.Invalid, "the JWS header has no alg")
	}
	if neverAllowed(alg) {
		return nil, errs.E(errs.Unsupported, "algorithm %q is never accepted", alg)
	}
	h.alg = alg

	if _, ok := h.all["crit"]; ok {
		return nil, errs.E(errs.Invalid, "the JWS header has crit, which tohu does not understand")
	}
	if _, ok := h.all["b64"]; ok {
		// RFC 7797 unencoded payloads change what is signed; no credential
		// format uses them.
		return nil, errs.E(errs.Invalid, "the JWS header has b64, which tohu does not accept")
	}
	if h.kid, _, err = o.str("kid"); err != nil {
		return nil, errs.E(errs.Invalid, "the JWS header's kid is not a string")
	}

	if o.has("jwk") {
		jwk, err := parseObject(o["jwk"], "the JWS header's jwk")
		if err != nil {
			return nil, err
		}
		for _, m := range privateJWKMembers {
			if _, ok := jwk[m]; ok {
				return nil, errs.E(errs.Invalid, "the JWS header's jwk contains private key material (%q)", m)
			}
		}
		h.jwk = true
	}

	typ, _, err := o.str("typ")
	if err != nil {
		return nil, errs.E(errs.Invalid, "the JWS header's typ is not a string")
	}
	h.typ = mediaType(typ)
	switch h.typ {
	case "", typVC, typVP, strings.ToLower(typJWT):
	default:
		return nil, errs.E(errs.Unsupported, "JWS typ %q is not a credential or presentation type", typ)
	}

	cty, _, err := o.str("cty")
	if err != nil {
		return nil, errs.E(errs.Invalid, "the JWS header's cty is not a string")
	}
	h.cty = mediaType(cty)
	switch {
	case h.cty == "":
	case h.typ == typVP && h.cty != ctyVP:
		return nil, errs.E(errs.Invalid, "JWS cty %q does not match typ vp+jwt (want vp)", cty)
	case h.typ != typVP && h.cty != ctyVC:
		return nil, errs.E(errs.Invalid, "JWS cty %q is not vc", cty)
	}
	return h, nil
}

// mediaType normalises a typ/cty value: RFC 7515 §4.1.9 lets the
// "application/" prefix be omitted and media types compare case-insensitively.
func mediaType(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if hasPrefixFold(s, "application/") {
		s = s[len("application/"):]
	}
	return s
}
