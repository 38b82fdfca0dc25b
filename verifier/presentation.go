package verifier

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/errs"
)

// verifyPresentation verifies a JSON presentation (VCDM2 §4.13): its own
// proof with purpose authentication and the expected challenge and domain
// (VC Data Integrity 1.0 §4.5), then every credential in it on its own.
func (v *Verifier) verifyPresentation(ctx context.Context, raw []byte, doc map[string]any, depth int) *Report {
	r := &Report{Format: "vp+ld"}
	r.pass(CheckFormat, codeFormatOK, "The file is a Verifiable Presentation.")
	ctxCheck := checkContexts(doc)
	r.Checks = append(r.Checks, ctxCheck)
	holder := idOf(doc["holder"])

	var proof proofOutcome
	_, signed := doc["proof"]
	switch {
	case !signed:
		// Nothing in an unsigned presentation is covered by a signature, so
		// its own terms protect nothing; each credential is checked on its own.
		proof.terms = Check{CheckTerms, Skipped, codeTermsNotRun, "The presentation is not signed, so its own terms were not checked; each credential's were."}
		if v.challenge != "" || v.domain != "" {
			proof.proof = Check{CheckPresentationProof, Failed, codeVPProofMissing, "A signed presentation was asked for (with a challenge), but this presentation is not signed."}
		} else {
			proof.proof = Check{CheckPresentationProof, Skipped, codeVPProofNone, "The presentation is not signed, so who presented it is not proven; the credentials in it were checked on their own."}
		}
	case ctxCheck.Status != Passed:
		proof.terms = Check{CheckTerms, Skipped, codeTermsNotRun, "Terms were not checked because a context is not available."}
		proof.proof = Check{CheckPresentationProof, Skipped, codeProofNotRun, "The presentation's signature was not checked because a context is not available."}
	default:
		proof = v.embeddedProof(ctx, doc, holder, credential.PurposeAuthentication, v.challenge, v.domain)
		if proof.issuerKey.Status == Failed {
			proof.proof = Check{CheckPresentationProof, Failed, codeIssuerKeyMismatch, fmt.Sprintf("The presentation was signed with a key of %s, not of its holder %s.", orUnknown(proof.controller), holder)}
		}
	}
	r.Checks = append(r.Checks, proof.terms, proof.proof)
	r.Proofs = proof.proofs
	r.Checks = append(r.Checks, v.challengeCheck(signed, proofChallenges(doc)))

	items, err := credentialItems(doc)
	if err != nil {
		r.fail(CheckCredentials, codeFormatBadJSON, sentence("The presentation's credentials cannot be read: "+plain(err)))
	}
	v.verifyItems(ctx, r, items, depth)
	r.decide()
	return r
}

// challengeCheck reports whether the proof carries the challenge and domain
// the caller asked for. The proof verification enforces them too; this
// check names the problem.
func (v *Verifier) challengeCheck(signed bool, got challenges) Check {
	if v.challenge == "" && v.domain == "" {
		return Check{CheckChallenge, Skipped, codeChallengeNone, "No challenge was asked for, so the presentation could be a replay of an earlier one."}
	}
	if !signed {
		return Check{CheckChallenge, Failed, codeChallengeMismatch, "A challenge was asked for, but the presentation is not signed."}
	}
	if v.challenge != "" && !has(got.challenge, v.challenge) {
		return Check{CheckChallenge, Failed, codeChallengeMismatch, "The presentation was made for a different challenge: it may be a replay."}
	}
	if v.domain != "" && !has(got.domain, v.domain) {
		return Check{CheckChallenge, Failed, codeChallengeMismatch, fmt.Sprintf("The presentation was made for another domain, not %s.", v.domain)}
	}
	return Check{CheckChallenge, Passed, codeChallengeOK, "The presentation answers the challenge it was asked."}
}

type challenges struct{ challenge, domain []string }

// proofChallenges collects the challenge and domain values of doc's proofs.
func proofChallenges(doc map[string]any) challenges {
	var c challenges
	for _, p := range objects(doc["proof"]) {
		if s := str(p, "challenge"); s != "" {
			c.challenge = append(c.challenge, s)
		}
		switch d := p["domain"].(type) {
		case string:
			c.domain = append(c.domain, d)
		case []any:
			for _, x := range d {
				if s, ok := x.(string); ok {
					c.domain = append(c.domain, s)
				}
			}
		}
	}
	return c
}

// credentialItems returns the raw JSON of each verifiableCredential entry
// (objects, JWT strings or enveloped credentials), keeping their bytes as
// presented so embedded proofs are checked over what was signed.
func credentialItems(doc map[string]any) ([]json.RawMessage, error) {
	vc, ok := doc["verifiableCredential"]
	if !ok || vc == nil {
		return nil, nil
	}
	list, ok := vc.([]any)
	if !ok {
		list = []any{vc}
	}
	if len(list) > maxCredentialsInPresentation {
		return nil, errs.E(errs.Invalid, "it holds %d credentials; at most %d are accepted", len(list), maxCredentialsInPresentation)
	}
	out := make([]json.RawMessage, 0, len(list))
	for _, x := range list {
		b, err := marshalNoEscape(x)
		if err != nil {
			return nil, errs.Wrap(err, errs.Invalid, "a credential is not valid JSON")
		}
		out = append(out, b)
	}
	return out, nil
}

// marshalNoEscape re-encodes a decoded value without HTML escaping. Numbers
// were decoded as json.Number, so their lexical form is kept; an embedded
// proof covers the JSON-LD data, not the bytes, so re-encoding is safe.
func marshalNoEscape(x any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(buf.Bytes()), nil
}

// verifyItems verifies each credential of a presentation into r.Credentials.
func (v *Verifier) verifyItems(ctx context.Context, r *Report, items []json.RawMessage, depth int) {
	if len(items) == 0 {
		r.skip(CheckCredentials, codeCredentialsNone, "The presentation holds no credentials.")
		return
	}
	for _, it := range items {
		var cr *Report
		if depth+1 >= maxNesting {
			cr = formatFailure(codeFormatTooDeep, "Credentials are nested too deeply.")
		} else {
			cr = v.verify(ctx, it, depth+1)
		}
		r.Credentials = append(r.Credentials, *cr)
	}
	n := 0
	for _, c := range r.Credentials {
		if c.Result == Verified {
			n++
		}
	}
	if n == len(items) {
		r.pass(CheckCredentials, codeCredentialsOK, fmt.Sprintf("All %d credentials in the presentation verified.", n))
	}
	// Otherwise each credential's own report says what is wrong, and
	// decide() folds their results into this one.
}

// verifyPresentationJWT verifies a vp+jwt (or a JWT with a vp claim):
// holder signature, nonce = challenge, aud = domain, then each credential.
func (v *Verifier) verifyPresentationJWT(ctx context.Context, payload map[string]any, jr *jwtResult) *Report {
	r := &Report{Format: "vp+jwt"}
	r.pass(CheckFormat, codeFormatOK, "The file is a Verifiable Presentation secured as a JWT.")
	var doc map[string]any
	var claims map[string]any
	if jr.verified != nil {
		d, err := decodeObject(jr.verified.Credential)
		if err != nil {
			return formatFailure(codeFormatBadJWT, "The JWT's presentation is not a JSON object.")
		}
		doc, claims = d, jr.verified.Claims
	} else {
		doc, _ = payload["vp"].(map[string]any)
		if doc == nil {
			doc = payload
		}
		claims = payload
	}
	ctxCheck := checkContexts(doc)
	r.Checks = append(r.Checks, ctxCheck, v.termsCheck(ctxCheck.Status == Passed, withoutCredentials(withoutJWTClaims(doc))))
	po := jwtProofOutcome(jr, idOf(doc["holder"]))
	p := po.proof
	p.ID = CheckPresentationProof
	if po.issuerKey.Status == Failed {
		p = Check{CheckPresentationProof, Failed, po.issuerKey.Code, "The presentation was not signed by its holder's key."}
	}
	r.Checks = append(r.Checks, p)
	r.Proofs = po.proofs

	got := challenges{}
	if s, ok := claims["nonce"].(string); ok {
		got.challenge = []string{s}
	}
	switch a := claims["aud"].(type) {
	case string:
		got.domain = []string{a}
	case []any:
		for _, x := range a {
			if s, ok := x.(string); ok {
				got.domain = append(got.domain, s)
			}
		}
	}
	r.Checks = append(r.Checks, v.challengeCheck(true, got))

	items, err := credentialItems(doc)
	if err != nil {
		r.fail(CheckCredentials, codeFormatBadJSON, sentence("The presentation's credentials cannot be read: "+plain(err)))
	}
	v.verifyItems(ctx, r, items, 1)
	r.decide()
	return r
}
