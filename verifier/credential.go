package verifier

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tohu-nz/tohu/contexts"
	"github.com/tohu-nz/tohu/credential"
	"github.com/tohu-nz/tohu/credential/jose"
	"github.com/tohu-nz/tohu/errs"
)

// jwtResult is what verifying a JWT's signature found, for a credential that
// came as a JWT (its payload is then the credential).
type jwtResult struct {
	verified *jose.Verified // nil when the signature did not verify
	err      error
	kid      string // from the unverified header, for the report
	alg      string
}

// verifyCredentialJSON runs every credential check on doc (raw is its exact
// bytes, which an embedded proof covers). jr is non-nil when the credential
// came as a JWT; the JWT signature is then its proof.
func (v *Verifier) verifyCredentialJSON(ctx context.Context, raw []byte, doc map[string]any, jr *jwtResult) *Report {
	r := &Report{Credential: json.RawMessage(raw)}
	r.credentialID, _ = doc["id"].(string)
	r.Issuer, r.Subject = summaryOf(doc)
	issuerID := idOf(doc["issuer"])

	vc1 := firstContext(doc) == contexts.CredentialsV1
	switch {
	case jr != nil && jr.verified != nil && jr.verified.Form != "":
		r.Format = jr.verified.Form
	case jr != nil:
		r.Format = "jwt"
	case vc1:
		r.Format = "vc1.1+ld"
	default:
		r.Format = "vc2+ld"
	}
	r.pass(CheckFormat, codeFormatOK, formatSentence(r.Format))

	ctxCheck := checkContexts(doc)
	r.Checks = append(r.Checks, ctxCheck)
	ctxOK := ctxCheck.Status == Passed

	// Proof first, because an embedded proof's strict canonicalization also
	// decides the terms check (one JSON-LD expansion, not two).
	var proof proofOutcome
	switch {
	case jr != nil:
		proof = jwtProofOutcome(jr, issuerID)
		proof.terms = v.termsCheck(ctxOK, withoutJWTClaims(doc))
	case !ctxOK:
		proof = proofOutcome{
			proof:     Check{CheckProof, Skipped, codeProofNotRun, "The signature was not checked: without all of its contexts the credential cannot be canonicalized."},
			issuerKey: Check{CheckIssuerKey, Skipped, codeIssuerKeyNotRun, "The signing key was not checked because the signature was not checked."},
			terms:     Check{CheckTerms, Skipped, codeTermsNotRun, "Terms were not checked because a context is not available."},
		}
	default:
		proof = v.embeddedProof(ctx, doc, issuerID, credential.PurposeAssertion, "", "")
	}
	r.Checks = append(r.Checks, proof.terms)
	r.Checks = append(r.Checks, schemaCheck(raw, doc, vc1))
	r.Checks = append(r.Checks, requiredFields(doc, vc1))
	r.Checks = append(r.Checks, proof.proof, proof.issuerKey)
	r.Proofs = proof.proofs

	from, until := v.dateChecks(doc, vc1)
	r.Checks = append(r.Checks, from, until)

	// Refresh (OB30 step 3, refresh.go) before anything is fetched for this
	// copy: a refreshed copy that verifies is reported in its place.
	trusted := proof.proof.Status == Passed && proof.issuerKey.Status == Passed
	refresh, newer := v.refreshStep(ctx, doc, trusted)
	if newer != nil {
		return newer
	}

	// Status is looked up only for a credential whose proof holds: a
	// forged credential's status URL is not worth a network request.
	if trusted {
		r.Checks = append(r.Checks, v.statusCheck(ctx, raw, doc, issuerID))
	} else if _, ok := doc["credentialStatus"]; ok {
		r.skip(CheckStatus, "status.not_run", "The status was not looked up because the credential's signature did not verify.")
	} else {
		r.skip(CheckStatus, codeStatusNone, "The credential has no status entry, so its issuer cannot revoke or suspend it.")
	}
	if refresh.ID != "" {
		r.Checks = append(r.Checks, refresh)
	}
	if c, ok := v.recipientCheck(doc, trusted); ok { // step 5, recipient.go
		r.Checks = append(r.Checks, c)
	}
	v.endorsementsStep(ctx, r, doc, trusted) // step 6, endorsement.go
	r.decide()
	return r
}

func formatSentence(format string) string {
	switch format {
	case "vc1.1+ld":
		return "The file is a Verifiable Credential in the older VC 1.1 format, with an embedded proof."
	case "vc2+ld":
		return "The file is a Verifiable Credential (VC 2.0) with an embedded proof."
	case "vc+jwt":
		return "The file is a Verifiable Credential secured as a JWT (VC-JOSE, vc+jwt)."
	case "ob-vcjwt":
		return "The file is an Open Badges 3.0 VC-JWT."
	}
	return "The file is a Verifiable Credential secured as a JWT."
}

// firstContext returns the first @context entry when it is a string.
func firstContext(doc map[string]any) string {
	switch c := doc["@context"].(type) {
	case string:
		return c
	case []any:
		if len(c) > 0 {
			s, _ := c[0].(string)
			return s
		}
	}
	return ""
}

// checkContexts enforces VCDM2 §4.3 (the first context is the base VC
// context; VC 1.1 credentials are read too) and that every context is one
// tohu has pinned (NOTES §11), naming any that is not.
func checkContexts(doc map[string]any) Check {
	var list []any
	switch c := doc["@context"].(type) {
	case nil:
		return Check{CheckContexts, Failed, codeContextsMissing, "The credential has no @context, so its terms have no defined meaning."}
	case string:
		list = []any{c}
	case []any:
		list = c
	default:
		return Check{CheckContexts, Failed, codeContextsMissing, "The credential's @context is neither a URL nor a list of URLs."}
	}
	if len(list) == 0 {
		return Check{CheckContexts, Failed, codeContextsMissing, "The credential's @context is empty."}
	}
	first, _ := list[0].(string)
	if first != contexts.CredentialsV2 && first != contexts.CredentialsV1 {
		return Check{CheckContexts, Failed, codeContextsBase, fmt.Sprintf("The first @context must be %s (or %s for VC 1.1), not %s.", contexts.CredentialsV2, contexts.CredentialsV1, describe(list[0]))}
	}
	loader := contexts.Default()
	inline := 0
	for i, c := range list {
		switch c := c.(type) {
		case string:
			if !loader.IsPinned(c) {
				return Check{CheckContexts, Failed, codeContextsUnknown, fmt.Sprintf("The credential uses the context %s, which tohu does not know, so its terms cannot be checked.", c)}
			}
		case map[string]any:
			// An inline context (VCDM2 §4.3 allows objects after the base
			// context): its definitions are signed with the credential and
			// the terms check holds them to JSON-LD; any URL inside must
			// still be pinned.
			inline++
			if u := unpinnedIn(c, loader); u != "" {
				return Check{CheckContexts, Failed, codeContextsUnknown, fmt.Sprintf("The inline context (@context entry %d) refers to the context %s, which tohu does not know, so its terms cannot be checked.", i+1, u)}
			}
		default:
			return Check{CheckContexts, Failed, codeContextsMissing, fmt.Sprintf("@context entry %d is neither a URL nor a context object.", i+1)}
		}
	}
	if inline > 0 {
		return Check{CheckContexts, Passed, codeContextsOK, fmt.Sprintf("All %d published contexts are known and pinned; %d inline context(s) defined in the credential itself.", len(list)-inline, inline)}
	}
	return Check{CheckContexts, Passed, codeContextsOK, fmt.Sprintf("All %d contexts are known and pinned.", len(list))}
}

// unpinnedIn returns the first context URL inside an inline context
// definition (@import, a scoped @context, a wrapped {"@context": ...})
// that is not pinned, or "".
func unpinnedIn(v any, loader *contexts.Loader) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	for k, e := range m {
		switch e := e.(type) {
		case string:
			if (k == "@import" || k == "@context") && !loader.IsPinned(e) {
				return e
			}
		case []any:
			if k != "@context" {
				continue // e.g. "@container": ["@set"]
			}
			for _, c := range e {
				if s, ok := c.(string); ok && !loader.IsPinned(s) {
					return s
				}
				if u := unpinnedIn(c, loader); u != "" {
					return u
				}
			}
		case map[string]any:
			if u := unpinnedIn(e, loader); u != "" {
				return u
			}
		}
	}
	return ""
}

func describe(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return "an inline definition"
}

// schemaCheck validates Open Badges credentials against the OB 3.0 JSON
// Schema. OB30 Verification step 1 makes this mandatory when the credential
// declares the schema (credentialSchema of type
// 1EdTechJsonSchemaValidator2019); then a mismatch fails verification. A
// credential that declares no schema is validated anyway and a mismatch is
// reported (code schema.undeclared_mismatch, status skipped), without
// failing a credential the specification's algorithm would accept.
func schemaCheck(raw []byte, doc map[string]any, vc1 bool) Check {
	types := typesOf(doc["type"])
	ob := has(types, "OpenBadgeCredential") || has(types, "AchievementCredential") || has(types, "EndorsementCredential")
	switch {
	case !ob:
		return Check{CheckSchema, Skipped, codeSchemaNotOB, "Not an Open Badges credential, so the Open Badges schema does not apply."}
	case vc1:
		return Check{CheckSchema, Skipped, codeSchemaVC11, "The Open Badges 3.0 schema describes VC 2.0 credentials; this VC 1.1 credential was not schema-checked."}
	}
	err := credential.ValidateSchema(raw)
	if err == nil {
		return Check{CheckSchema, Passed, codeSchemaOK, "The credential matches the Open Badges 3.0 schema."}
	}
	if errs.Is(err, errs.Unsupported) {
		return Check{CheckSchema, Skipped, codeSchemaNotBuilt, sentence(plain(err))}
	}
	what := plain(err)
	if where := errs.ErrorField(err); where != "" && !strings.Contains(what, where) {
		what += " (at " + where + ")"
	}
	if !declaresOBSchema(doc) {
		return Check{CheckSchema, Skipped, codeSchemaUndeclared, sentence("The credential does not declare the Open Badges schema, so it was not held to it; checked anyway, it differs: " + what)}
	}
	return Check{CheckSchema, Failed, codeSchemaInvalid, sentence("The credential does not match the Open Badges 3.0 schema it declares: " + what)}
}

// declaresOBSchema reports whether doc names a credentialSchema of type
// 1EdTechJsonSchemaValidator2019 (OB30 Verification step 1).
func declaresOBSchema(doc map[string]any) bool {
	for _, s := range objects(doc["credentialSchema"]) {
		if has(typesOf(s["type"]), "1EdTechJsonSchemaValidator2019") {
			return true
		}
	}
	return false
}

// requiredFields checks the members every credential needs (VCDM2 §4,
// OB30 Verification step 1).
func requiredFields(doc map[string]any, vc1 bool) Check {
	var missing []string
	types := typesOf(doc["type"])
	if !has(types, "VerifiableCredential") {
		missing = append(missing, "type VerifiableCredential")
	}
	if idOf(doc["issuer"]) == "" {
		missing = append(missing, "issuer (with an id)")
	}
	subjects := objects(doc["credentialSubject"])
	if len(subjects) == 0 {
		missing = append(missing, "credentialSubject")
	}
	ob := has(types, "OpenBadgeCredential") || has(types, "AchievementCredential")
	if ob {
		for _, s := range subjects {
			if str(s, "id") == "" && len(objects(s["identifier"])) == 0 {
				missing = append(missing, "credentialSubject.id or credentialSubject.identifier")
				break
			}
		}
	}
	if vc1 {
		if str(doc, "issuanceDate") == "" {
			missing = append(missing, "issuanceDate")
		}
	} else if ob && str(doc, "validFrom") == "" {
		missing = append(missing, "validFrom")
	}
	if len(missing) > 0 {
		return Check{CheckRequiredFields, Failed, codeFieldsMissing, "The credential is missing required information: " + strings.Join(missing, ", ") + "."}
	}
	return Check{CheckRequiredFields, Passed, codeFieldsOK, "The credential has an issuer, a subject and an issue date."}
}
