package verifier

import "github.com/tohu-nz/tohu/errs"

// termsCheck runs the undefined-term check on doc (VCDM2 §4.1: undefined
// terms are an error; json-gold would drop them silently).
func (v *Verifier) termsCheck(ctxOK bool, doc map[string]any) Check {
	if !ctxOK {
		return Check{CheckTerms, Skipped, codeTermsNotRun, "Terms were not checked because a context is not available."}
	}
	if err := v.canon.CheckTerms(doc); err != nil {
		return termsFailure(err)
	}
	return Check{CheckTerms, Passed, codeTermsOK, "Every term is defined by the credential's contexts."}
}

// termsFailure reports a failed term check: an undefined term fails; a
// JSON-LD feature tohu's processor does not implement (errs.Unsupported)
// means the terms could not be checked.
func termsFailure(err error) Check {
	if errs.Is(err, errs.Unsupported) {
		return Check{CheckTerms, CouldNotRun, codeTermsUnsupported, sentence("The terms could not be checked: " + plain(err))}
	}
	return Check{CheckTerms, Failed, codeTermsUndefined, termsMessage(err)}
}

// jwtClaims are the JWT registered claims (RFC 7519 §4.1, and OpenID's
// nonce) a VC-JOSE-COSE or OB VC-JWT payload may carry beside the credential.
// They secure the token, not the credential's graph, and credentials/v2
// defines only some of them at the top level (nonce only inside
// DataIntegrityProof), so they are left out of the undefined-term check.
var jwtClaims = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "nonce"}

// withoutJWTClaims returns a shallow copy of a JWT payload without the
// registered claims.
func withoutJWTClaims(doc map[string]any) map[string]any {
	m := make(map[string]any, len(doc))
	for k, x := range doc {
		m[k] = x
	}
	for _, c := range jwtClaims {
		delete(m, c)
	}
	return m
}

// withoutCredentials returns a shallow copy of a presentation without its
// verifiableCredential member: each credential is checked on its own.
func withoutCredentials(doc map[string]any) map[string]any {
	m := make(map[string]any, len(doc))
	for k, x := range doc {
		if k != "verifiableCredential" {
			m[k] = x
		}
	}
	return m
}
