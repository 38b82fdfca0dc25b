package verifier

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tohu-nz/tohu/credential/jose"
)

// Verify checks input — a JSON credential or presentation, a compact JWT,
// an enveloped credential, or anything an Extractor recognises — and
// returns a report. It never panics and never returns nil: malformed input
// is a report whose result is not_verified with a failed "format" check.
func (v *Verifier) Verify(ctx context.Context, input []byte) (rep *Report) {
	defer func() {
		if p := recover(); p != nil {
			// A bug in a parser must not take the caller down, and must not
			// verify anything either.
			rep = &Report{Format: "unknown"}
			rep.fail(CheckFormat, codeFormatUnknown, "The input could not be processed; tohu hit an internal error reading it.")
			_ = fmt.Sprint(p)
			rep.decide()
		}
	}()
	return v.verify(ctx, input, 0)
}

// VerifyWith is Verify with per-call options (for example the challenge and
// domain of one presentation request) applied over the verifier's own. The
// shared parts (resolver caches, canonicalizer) are reused.
func (v *Verifier) VerifyWith(ctx context.Context, input []byte, opts ...Option) *Report {
	if len(opts) == 0 {
		return v.Verify(ctx, input)
	}
	c := *v
	c.extractors = append([]Extractor(nil), v.extractors...)
	for _, o := range opts {
		o(&c)
	}
	// The options may change the resolver, fetcher or clock the kept
	// status lists were verified with.
	c.lists = nil
	return c.Verify(ctx, input)
}

// maxNesting bounds extractor → envelope → presentation → credential
// recursion.
const maxNesting = 4

func (v *Verifier) verify(ctx context.Context, input []byte, depth int) *Report {
	if len(input) > v.maxSize {
		return formatFailure(codeFormatTooLarge, fmt.Sprintf("The input is %d bytes, more than the %d bytes tohu accepts.", len(input), v.maxSize))
	}
	for _, x := range v.extractors {
		inner, format, ok, err := x(input)
		if !ok {
			continue
		}
		if err != nil {
			return formatFailure(codeFormatUnknown, fmt.Sprintf("The %s image holds no readable credential: %s", format, plain(err)))
		}
		if depth >= maxNesting {
			break
		}
		r := v.verify(ctx, inner, depth+1)
		r.Format = format + "/" + r.Format
		return r
	}
	in := bytes.TrimSpace(bytes.TrimPrefix(input, []byte("\xef\xbb\xbf")))
	if len(in) == 0 {
		return formatFailure(codeFormatEmpty, "The input is empty.")
	}
	switch {
	case in[0] == '{':
		return v.verifyJSON(ctx, in, depth)
	case in[0] == '"':
		var s string
		if err := json.Unmarshal(in, &s); err != nil {
			return formatFailure(codeFormatBadJSON, "The input starts like a JSON string but is not valid JSON.")
		}
		if jose.LooksLikeJWT([]byte(strings.TrimSpace(s))) {
			return v.verifyJWT(ctx, strings.TrimSpace(s))
		}
		return formatFailure(codeFormatUnknown, "The input is a JSON string that does not hold a JWT.")
	case jose.LooksLikeJWT(in):
		return v.verifyJWT(ctx, string(in))
	case in[0] == '[':
		return formatFailure(codeFormatNotObject, "The input is a JSON array; a credential is a single JSON object.")
	}
	if looksLikeJWTShape(in) {
		return formatFailure(codeFormatBadJWT, "The input looks like a JWT but its parts are not valid base64url-encoded JSON.")
	}
	return formatFailure(codeFormatUnknown, "The input is neither a JSON credential, a presentation, nor a JWT.")
}

// looksLikeJWTShape reports whether in has the dot-separated shape of a
// compact JWS without being a valid one.
func looksLikeJWTShape(in []byte) bool {
	return bytes.Count(in, []byte(".")) == 2 && !bytes.ContainsAny(in, " \n\t{}")
}

// verifyJSON dispatches a JSON object on its type.
func (v *Verifier) verifyJSON(ctx context.Context, in []byte, depth int) *Report {
	doc, err := decodeObject(in)
	if err != nil {
		return formatFailure(codeFormatBadJSON, fmt.Sprintf("The file is not valid JSON: %s.", plain(err)))
	}
	types := typesOf(doc["type"])
	switch {
	case has(types, "VerifiablePresentation"):
		return v.verifyPresentation(ctx, in, doc, depth)
	case has(types, "EnvelopedVerifiableCredential"):
		return v.verifyEnvelope(ctx, doc)
	case has(types, "EnvelopedVerifiablePresentation"):
		return v.verifyEnvelope(ctx, doc)
	case has(types, "VerifiableCredential"):
		return v.verifyCredentialJSON(ctx, in, doc, nil)
	}
	return formatFailure(codeFormatNotVC, "The JSON is not a verifiable credential: its type does not include VerifiableCredential.")
}

// verifyEnvelope verifies the JWT inside an EnvelopedVerifiableCredential
// (VC-JOSE-COSE §3.1.3 / VCDM2 §4.13): its id is a data: URL holding the
// compact JWS.
func (v *Verifier) verifyEnvelope(ctx context.Context, doc map[string]any) *Report {
	id, _ := doc["id"].(string)
	token, ok := jwtFromDataURL(id)
	if !ok {
		return formatFailure(codeFormatBadEnvelope, "The enveloped credential's id is not a data: URL holding a JWT (data:application/vc+jwt,…).")
	}
	r := v.verifyJWT(ctx, token)
	r.Format = "enveloped/" + r.Format
	return r
}

// jwtFromDataURL returns the token in "data:application/vc+jwt,<token>"
// (also vp+jwt, vc+sd-jwt is not supported).
func jwtFromDataURL(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "data:")
	if !ok {
		return "", false
	}
	media, token, ok := strings.Cut(rest, ",")
	if !ok {
		return "", false
	}
	media = strings.TrimSpace(strings.SplitN(media, ";", 2)[0])
	switch media {
	case "application/vc+jwt", "application/vp+jwt", "application/jwt":
	default:
		return "", false
	}
	token = strings.TrimSpace(token)
	if !jose.LooksLikeJWT([]byte(token)) {
		return "", false
	}
	return token, true
}

// formatFailure is the report for input that could not be read at all.
func formatFailure(code, msg string) *Report {
	r := &Report{Format: "unknown"}
	r.fail(CheckFormat, code, msg)
	r.decide()
	return r
}
