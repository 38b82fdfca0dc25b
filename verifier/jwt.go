package verifier

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/errs"
)

// verifyJWT verifies a compact JWS credential or presentation: VC-JOSE
// (vc+jwt), the OB 3.0 VC-JWT, a VC 1.1 JWT (vc claim) or a vp+jwt.
func (v *Verifier) verifyJWT(ctx context.Context, token string) *Report {
	header, payload, err := unverifiedParts(token)
	if err != nil {
		return formatFailure(codeFormatBadJWT, sentence("The JWT cannot be read: "+plain(err)))
	}
	ver, verr := jose.Verify(ctx, token, jose.VerifyOptions{
		Resolver:         v.resolver,
		Now:              v.now(),
		AllowEmbeddedJWK: true, // allowed by OB30 §8.2.2; reported as not bound to the issuer
	})
	jr := &jwtResult{verified: ver, err: verr, kid: str(header, "kid"), alg: str(header, "alg")}

	isVP := str(header, "typ") == "vp+jwt" || payload["vp"] != nil
	if ver != nil {
		isVP = ver.Form == jose.FormVPJWT
	}
	if isVP {
		return v.verifyPresentationJWT(ctx, payload, jr)
	}

	var raw []byte
	if ver != nil {
		raw = ver.Credential
	} else {
		raw = unverifiedCredential(token, payload)
	}
	doc, err := decodeObject(raw)
	if err != nil {
		return formatFailure(codeFormatBadJWT, sentence("The JWT's payload is not a credential: "+plain(err)))
	}
	if !has(typesOf(doc["type"]), "VerifiableCredential") {
		return formatFailure(codeFormatNotVC, "The JWT does not hold a verifiable credential: its type does not include VerifiableCredential.")
	}
	r := v.verifyCredentialJSON(ctx, raw, doc, jr)
	if ver == nil {
		// Name the form from the header when the signature failed.
		switch {
		case payload["vc"] != nil:
			r.Format = jose.FormVCJWT11
		case str(header, "typ") == "vc+jwt":
			r.Format = jose.FormVCJOSE
		default:
			r.Format = jose.FormOBJWT
		}
		r.Checks[0].Message = formatSentence(r.Format)
	}
	return r
}

// unverifiedParts decodes a compact JWS's header and payload without
// checking anything, to decide what it is and to show it.
func unverifiedParts(token string) (header, payload map[string]any, err error) {
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		return nil, nil, errs.E(errs.Invalid, "a JWT has three parts separated by dots")
	}
	header, err = decodeSegment(parts[0], "header")
	if err != nil {
		return nil, nil, err
	}
	payload, err = decodeSegment(parts[1], "payload")
	if err != nil {
		return nil, nil, err
	}
	return header, payload, nil
}

func decodeSegment(seg, what string) (map[string]any, error) {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return nil, errs.Wrap(err, errs.Invalid, "its %s is not base64url", what)
	}
	m, err := decodeObject(b)
	if err != nil {
		if errs.ErrorField(err) != "" { // a repeated member, named
			return nil, errs.Wrap(err, errs.Invalid, "in its %s, %s", what, errs.ErrorMessage(err))
		}
		return nil, errs.Wrap(err, errs.Invalid, "its %s is not a JSON object", what)
	}
	return m, nil
}

// unverifiedCredential returns the credential a JWT carries, for display
// when its signature does not verify.
func unverifiedCredential(token string, payload map[string]any) []byte {
	if vc, ok := payload["vc"].(map[string]any); ok {
		b, _ := json.Marshal(vc)
		return b
	}
	parts := strings.Split(strings.TrimSpace(token), ".")
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	return bytes.TrimSpace(b)
}

// jwtProofOutcome turns a JWT verification into the proof and issuer_key
// checks. jose.Verify checks the signature before the key binding and the
// claims, so an error about the issuer or a claim means the signature held.
func jwtProofOutcome(jr *jwtResult, issuerID string) proofOutcome {
	var out proofOutcome
	pr := Proof{Type: "JWT " + jr.alg, VerificationMethod: jr.kid}
	if ver := jr.verified; ver != nil {
		pr.VerificationMethod, pr.Controller, pr.Verified = ver.KeyID, ver.Controller, true
		pr.Code, pr.Message = codeProofOK, "The signature is valid."
		out.proofs = []Proof{pr}
		out.controller = ver.Controller
		out.proof = Check{CheckProof, Passed, codeProofOK, fmt.Sprintf("The JWT signature (%s) is valid: nothing has changed since it was signed.", ver.Algorithm)}
		if ver.EmbeddedJWK {
			out.issuerKey = Check{CheckIssuerKey, Failed, codeIssuerKeyEmbedded, "The JWT carries its own public key, which nothing ties to the issuer: anyone could have signed it."}
		} else {
			out.issuerKey = keyBound(CheckIssuerKey, issuerID, ver.Controller)
		}
		return out
	}
	err := jr.err
	field := errs.ErrorField(err)
	switch {
	case field == "/issuer":
		pr.Verified = true
		pr.Code, pr.Message = codeIssuerKeyMismatch, sentence(plain(err))
		out.proof = Check{CheckProof, Passed, codeProofOK, fmt.Sprintf("The JWT signature (%s) is valid.", jr.alg)}
		out.issuerKey = Check{CheckIssuerKey, Failed, codeIssuerKeyMismatch, "The signing key is not controlled by the credential's issuer, so the credential was not signed by its issuer."}
	case field == "/iss" || field == "/jti" || field == "/sub" || field == "/nbf" || field == "/exp":
		pr.Code, pr.Message = codeProofClaims, sentence(plain(err))
		out.proof = Check{CheckProof, Failed, codeProofClaims, sentence("The JWT's claims contradict the credential inside it: " + plain(err))}
		out.issuerKey = Check{CheckIssuerKey, Skipped, codeIssuerKeyNotRun, "The signing key was not checked because the JWT is inconsistent."}
	default:
		code, msg := classifyProofErr(err)
		pr.Code, pr.Message = code, msg
		status := Failed
		if errs.Is(err, errs.Unavailable) {
			status = CouldNotRun
		}
		out.proof = Check{CheckProof, status, code, msg}
		out.issuerKey = Check{CheckIssuerKey, Skipped, codeIssuerKeyNotRun, "The signing key was not checked because the signature was not verified."}
	}
	out.proofs = []Proof{pr}
	return out
}
